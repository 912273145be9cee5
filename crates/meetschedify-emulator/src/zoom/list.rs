//! `GET /users/{userId}/meetings`: which meetings a list answer shows, and how it pages.
//!
//! Every rule comes from the spec's `meetings` operation (`zoom-meeting-openapi.json`, published
//! as <https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings>):
//! * `type`: `scheduled` (default) is "all valid previous (unexpired) meetings, live meetings, and
//!   upcoming scheduled meetings"; `live` the ongoing ones; `upcoming` / `upcoming_meetings` the
//!   upcoming ones "including live meetings"; `previous_meetings` the past ones.
//! * "This API **only** supports scheduled meetings ... does not return ... instant meetings" and
//!   "only returns a user's unexpired meetings".
//! * `page_size`: default 30, maximum 300. `next_page_token`: "expiration period is 15 minutes".
//! * `from` / `to`: dates (`format: date`, `yyyy-mm-dd`).
//! * Each item's `agenda` "gets truncated to 250 characters when you list all meetings for a user".
//!
//! Where the spec is silent the choice is written next to the code that makes it.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Map, Value};

use super::errors::{error, validation};
use super::meeting::summary;
use super::store::{MeetingRec, ZoomUser};
use crate::http::json;
use crate::ids::alnum;
use crate::state::Inner;

/// Page size when the request names none (spec: `default: 30`).
const DEFAULT_PAGE_SIZE: usize = 30;
/// Largest page (spec: `maximum: 300`).
const MAX_PAGE_SIZE: usize = 300;
/// "This token's expiration period is 15 minutes."
const CURSOR_LIFETIME: SignedDuration = SignedDuration::from_mins(15);
/// "The length of agenda gets truncated to 250 characters when you list all meetings."
const LISTED_AGENDA_CHARS: usize = 250;
/// Length of a `next_page_token`, as long as the spec's example (`IAfJX3jsOLW7w3dokmFl84zOa0MAVGyMEB2`).
const TOKEN_LEN: usize = 35;
/// How long after its start a non-recurring meeting stays listed. The spec says only "unexpired"
/// and links Zoom's support article on meeting IDs, which gives 30 days for a non-recurring
/// meeting; recurring meetings (types 3 and 8) never expire here.
const NON_RECURRING_LIFETIME: SignedDuration = SignedDuration::from_hours(30 * 24);

/// The `type` query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListType {
    Scheduled,
    Live,
    Upcoming,
    Previous,
}

impl ListType {
    fn parse(raw: Option<&str>) -> Option<Self> {
        Some(match raw {
            None | Some("scheduled") => Self::Scheduled,
            Some("live") => Self::Live,
            // The spec describes both the same way: "All upcoming meetings, including live meetings."
            Some("upcoming" | "upcoming_meetings") => Self::Upcoming,
            Some("previous_meetings") => Self::Previous,
            Some(_) => return None,
        })
    }
}

/// What a list request selects; a cursor keeps it, so every page of one listing answers the
/// same question.
#[derive(Clone, Debug)]
pub(crate) struct Filter {
    kind: ListType,
    /// First start date included (UTC), from `from`.
    from: Option<Date>,
    /// Last start date included (UTC), from `to`.
    to: Option<Date>,
}

/// The server-side state behind one `next_page_token`. The token itself is random, so a client
/// cannot guess or forge an offset; only the emulator can map it back.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    host_id: String,
    filter: Filter,
    page_size: usize,
    /// Index of the first meeting of the next page among the meetings the filter selects.
    offset: usize,
    expires_at: Timestamp,
}

/// The list answer for `host`, or the error Zoom would give for the query.
pub(super) fn list_page(
    inner: &mut Inner,
    host: &ZoomUser,
    query: &HashMap<String, String>,
    now: Timestamp,
) -> Response {
    // Expired cursors are of no use to anyone: forget them so the map stays small.
    inner.zoom.cursors.retain(|_, c| c.expires_at > now);
    let (filter, page_size, offset) = match read_query(inner, host, query) {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let selected: Vec<&MeetingRec> = inner
        .zoom
        .meetings_of(&host.id)
        .into_iter()
        .filter(|m| filter.selects(&m.body, now))
        .collect();
    let total = selected.len();
    let meetings: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|m| listed(&m.body))
        .collect();
    let next = offset + meetings.len();
    let next_page_token = if next < total {
        let token = alnum(&mut inner.rng, TOKEN_LEN);
        let cursor = Cursor {
            host_id: host.id.clone(),
            filter,
            page_size,
            offset: next,
            expires_at: now.saturating_add(CURSOR_LIFETIME).unwrap_or(now),
        };
        inner.zoom.cursors.insert(token.clone(), cursor);
        token
    } else {
        String::new()
    };
    json(
        StatusCode::OK,
        &json!({
            "page_count": total.div_ceil(page_size),
            "page_number": offset / page_size + 1,
            "page_size": page_size,
            "total_records": total,
            "next_page_token": next_page_token,
            "meetings": meetings,
        }),
    )
}

/// The filter, page size and offset a request asks for: from its cursor when it sends
/// `next_page_token`, else from its parameters.
fn read_query(
    inner: &Inner,
    host: &ZoomUser,
    query: &HashMap<String, String>,
) -> Result<(Filter, usize, usize), Response> {
    // Every parameter is checked even when a token decides the page: a malformed request is
    // malformed whatever else it carries.
    let mut bad = Vec::new();
    let kind = ListType::parse(query.get("type").map(String::as_str)).unwrap_or_else(|| {
        bad.push(("type", "Invalid field."));
        ListType::Scheduled
    });
    let page_size = match query.get("page_size") {
        None => DEFAULT_PAGE_SIZE,
        // The spec gives a maximum but not the answer above it (nor below 1, nor to a
        // non-integer): the emulator refuses rather than clamping, so a client that relies on
        // a larger page fails here instead of silently reading fewer meetings at Zoom.
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                bad.push(("page_size", "Invalid field."));
                DEFAULT_PAGE_SIZE
            }
        },
    };
    let page_number = match query.get("page_number") {
        None => 1,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .unwrap_or_else(|| {
                bad.push(("page_number", "Invalid field."));
                1
            }),
    };
    let mut date = |key: &'static str| match query.get(key) {
        None => None,
        Some(raw) => {
            let parsed = parse_date(raw);
            if parsed.is_none() {
                bad.push((key, "Invalid field."));
            }
            parsed
        }
    };
    let (from, to) = (date("from"), date("to"));
    if !bad.is_empty() {
        let fields: Vec<(String, String)> = bad
            .into_iter()
            .map(|(f, m)| (f.to_owned(), m.to_owned()))
            .collect();
        return Err(validation(&fields));
    }
    match query.get("next_page_token").filter(|t| !t.is_empty()) {
        None => {
            let filter = Filter { kind, from, to };
            Ok((filter, page_size, (page_number - 1) * page_size))
        }
        Some(token) => match inner.zoom.cursors.get(token) {
            Some(cursor) if cursor.host_id == host.id => {
                Ok((cursor.filter.clone(), cursor.page_size, cursor.offset))
            }
            // The spec says only that a token expires after 15 minutes, not what an expired
            // (or unknown, or another host's) token gets. Assumed: 400 with code 300, Zoom's
            // code for a bad request parameter, and a message that names the token.
            _ => Err(error(
                StatusCode::BAD_REQUEST,
                300,
                "The next page token is either invalid or has expired.",
            )),
        },
    }
}

/// A `yyyy-mm-dd` date, nothing else (jiff alone would also take a date-time and keep its date).
fn parse_date(raw: &str) -> Option<Date> {
    let shape = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape.then(|| raw.parse::<Date>().ok()).flatten()
}

impl Filter {
    /// Whether a stored meeting belongs in this listing at `now`.
    fn selects(&self, meeting: &Map<String, Value>, now: Timestamp) -> bool {
        let kind = meeting.get("type").and_then(Value::as_i64).unwrap_or(2);
        // Instant meetings are never listed.
        if kind == 1 {
            return false;
        }
        let Some(start) = meeting
            .get("start_time")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok())
        else {
            return false;
        };
        let recurring = matches!(kind, 3 | 8);
        if !recurring
            && start
                .saturating_add(NON_RECURRING_LIFETIME)
                .unwrap_or(start)
                <= now
        {
            return false;
        }
        let live = meeting.get("status").and_then(Value::as_str) == Some("started");
        let in_type = match self.kind {
            ListType::Scheduled => true,
            ListType::Live => live,
            ListType::Upcoming => live || start > now,
            ListType::Previous => !live && start <= now,
        };
        // The spec does not say in which time zone `from` and `to` are read (the account's, the
        // user's?). The emulator reads them in UTC, the zone of `start_time` in every answer.
        let day = TimeZone::UTC.to_datetime(start).date();
        in_type && self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// A meeting as a list answer shows it: the summary fields, the agenda cut to 250 characters
/// (characters, not bytes: a cut never splits one).
fn listed(meeting: &Map<String, Value>) -> Value {
    let mut item = summary(meeting);
    if let Some(Value::String(agenda)) = item.get_mut("agenda") {
        if let Some((cut, _)) = agenda.char_indices().nth(LISTED_AGENDA_CHARS) {
            agenda.truncate(cut);
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_plain_iso_days() {
        assert_eq!(
            parse_date("2030-06-15"),
            Some(jiff::civil::date(2030, 6, 15))
        );
        for bad in [
            "2030-6-15",
            "2030-06-15T00:00",
            "2030-02-30",
            "15/06/2030",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn listed_agendas_are_cut_at_250_characters_not_bytes() {
        let long: String = "é".repeat(300);
        let meeting = json!({ "id": 1, "agenda": long });
        let item = listed(meeting.as_object().unwrap());
        assert_eq!(item["agenda"].as_str().unwrap().chars().count(), 250);
        let short = json!({ "id": 1, "agenda": "é".repeat(250) });
        assert_eq!(
            listed(short.as_object().unwrap())["agenda"],
            short["agenda"]
        );
    }
}
