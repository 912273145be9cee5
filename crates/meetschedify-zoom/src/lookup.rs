//! The duplicate guard's lookup: does the host already have the meeting this create would make?
//!
//! Designed from Zoom's spec for `GET /users/{userId}/meetings`, which bounds what a list answer
//! can prove:
//! * each listed `agenda` "gets truncated to 250 characters", so the marker at the end of a
//!   longer agenda is not in the list: the list only *nominates* candidates, and the full meeting
//!   (`GET /meetings/{meetingId}`, whole agenda) decides;
//! * `from` / `to` narrow the listing to start dates, so the lookup reads the days around the
//!   create's start instead of every meeting the host has: its cost does not grow with the host.
//!
//! A listed meeting is read in full when its agenda shows this create's marker, or when it has
//! the create's `topic` and `start_time` (the create sets both, and the list shows both whole)
//! unless its listed agenda visibly ends with another create's marker. Nothing else is read.

use meetschedify_core::jiff::civil::Date;
use meetschedify_core::jiff::tz::TimeZone;
use meetschedify_core::jiff::{Timestamp, ToSpan};
use meetschedify_core::{ErrorCode, ProviderId};
use reqwest::Method;
use serde_json::Value;

use crate::api::{Call, ZoomApi};
use crate::errors::{unexpected, Failure};
use crate::mapping::meeting_id;
use crate::marker::Marker;

/// Zoom's largest page (`page_size` maximum 300).
const PAGE_SIZE: &str = "300";
/// The pages one lookup reads: 900 meetings starting within three days on one host. Beyond
/// that the lookup cannot tell, and says so, as for an unreadable page.
pub(crate) const MAX_PAGES: usize = 3;

/// What the lookup looks for, and where.
pub(crate) struct Lookup<'a> {
    pub(crate) api: &'a ZoomApi,
    pub(crate) provider: &'a ProviderId,
    pub(crate) host: &'a str,
    pub(crate) marker: &'a Marker,
    /// The `topic` the create sends.
    pub(crate) topic: &'a str,
    /// The instant the create's `start_time` names.
    pub(crate) start: Timestamp,
}

/// What the list shows of one meeting, measured against the create.
#[derive(Debug, PartialEq, Eq)]
enum Listed {
    /// Its agenda shows this create's marker.
    Marked,
    /// Same topic and start, marker not visible (the agenda may be cut): read it in full.
    Candidate,
    /// Certainly another meeting.
    Other,
}

impl Lookup<'_> {
    /// The meeting carrying the marker, read in full; `None` when the host has none.
    ///
    /// Fails closed: an answer that is not a list page, a failed read, or more pages than
    /// [`MAX_PAGES`] is a [`Failure`], never "not found" (which would send the create again).
    pub(crate) async fn find(&self, attempt: u32) -> Result<Option<Value>, Failure> {
        let (from, to) = window(self.start);
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut call = Call::new(
                Method::GET,
                "GET /users/{userId}/meetings",
                format!("/users/{}/meetings", self.host),
            )
            // "All valid previous (unexpired) meetings, live meetings, and upcoming scheduled
            // meetings": unlike `upcoming`, it still shows a meeting whose start has passed.
            .with_query("type", "scheduled")
            .with_query("page_size", PAGE_SIZE)
            .with_query("from", from.to_string())
            .with_query("to", to.to_string());
            if let Some(token) = &cursor {
                call = call.with_query("next_page_token", token.clone());
            }
            let page = self.api.call(&call, attempt).await?.body;
            // An answer that is not a list page (empty, 204, `null`, `{}`, `[]`,
            // `{"meetings": 5}`) says nothing about whether the meeting exists.
            let Some(listed) = page
                .as_ref()
                .and_then(|p| p.get("meetings"))
                .and_then(Value::as_array)
            else {
                return Err(unreadable(
                    "a meeting list that is not a page",
                    self.provider,
                ));
            };
            for item in listed {
                if self.classify(item) == Listed::Other {
                    continue;
                }
                let Some(id) = meeting_id(item) else { continue };
                if let Some(found) = self.confirm(&id, attempt).await? {
                    return Ok(Some(found));
                }
            }
            cursor = page
                .as_ref()
                .and_then(|p| p.get("next_page_token"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if cursor.is_none() {
                return Ok(None);
            }
        }
        // Pages left unread may hold the meeting. Not retryable: reading again finds as many
        // meetings, and the caller's verdict says the meeting may exist.
        Err(Failure {
            error: unexpected(
                "more meetings around the start time than the duplicate guard reads \
                 (3 pages of 300)",
                self.provider,
            )
            .with_retryable(false),
            ambiguous: true,
        })
    }

    fn classify(&self, item: &Value) -> Listed {
        let agenda = item.get("agenda").and_then(Value::as_str);
        if agenda.is_some_and(|a| self.marker.is_in(a)) {
            return Listed::Marked;
        }
        // A marker is always the agenda's last text, so a listed agenda that ends with a whole
        // marker is whole, and belongs to another create.
        if agenda.and_then(Marker::ending).is_some() {
            return Listed::Other;
        }
        let topic = item.get("topic").and_then(Value::as_str);
        let start = item
            .get("start_time")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok());
        // Zoom keeps start times to the second.
        if topic == Some(self.topic)
            && start.is_some_and(|s| s.as_second() == self.start.as_second())
        {
            Listed::Candidate
        } else {
            Listed::Other
        }
    }

    /// The meeting in full if its whole agenda carries the marker.
    async fn confirm(&self, id: &str, attempt: u32) -> Result<Option<Value>, Failure> {
        let get = Call::new(
            Method::GET,
            "GET /meetings/{meetingId}",
            format!("/meetings/{id}"),
        );
        match self.api.call(&get, attempt).await {
            Ok(reply) => Ok(reply.body.filter(|m| {
                m.get("agenda")
                    .and_then(Value::as_str)
                    .is_some_and(|a| self.marker.is_in(a))
            })),
            // Deleted since it was listed: as good as never created.
            Err(f) if f.error.code() == ErrorCode::MeetingNotFound => Ok(None),
            Err(f) => Err(f),
        }
    }
}

/// `from` and `to` for a start instant: its UTC date, one day either side. The spec does not say
/// in which time zone Zoom reads these dates (UTC, the account's, the user's); every zone is
/// within a day of UTC, so the window holds the start date whatever the reading.
fn window(start: Timestamp) -> (Date, Date) {
    let day = TimeZone::UTC.to_datetime(start).date();
    let before = day.checked_sub(1.day()).unwrap_or(day);
    let after = day.checked_add(1.day()).unwrap_or(day);
    (before, after)
}

/// A lookup answer that cannot tell whether the meeting exists: retryable (looking again is
/// safe) and ambiguous, never "not found".
pub(crate) fn unreadable(what: &str, provider: &ProviderId) -> Failure {
    Failure {
        error: unexpected(what, provider).with_retryable(true),
        ambiguous: true,
    }
}

#[cfg(test)]
mod tests {
    use meetschedify_core::jiff::civil::date;

    use super::*;

    #[test]
    fn the_window_is_the_utc_date_one_day_either_side() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            window(at("2030-06-15T04:30:00Z")),
            (date(2030, 6, 14), date(2030, 6, 16))
        );
        // 23:30 UTC is already the next day east of Greenwich: still inside.
        assert_eq!(
            window(at("2030-12-31T23:30:00Z")),
            (date(2030, 12, 30), date(2031, 1, 1))
        );
        assert_eq!(date(2030, 6, 14).to_string(), "2030-06-14");
    }
}
