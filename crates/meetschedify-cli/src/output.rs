//! Everything the command prints: readable tables by default, stable JSON with `--json`.
//!
//! JSON goes to stdout for results and to stderr for errors, as `{"error": {...}}` with the
//! error's stable `code`, its `message` and context (see `Error::to_json`).

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use meetschedify::{CancelOutcome, ConnectionStatus, CreatedMeeting, Error, UpdatedMeeting};
use serde_json::json;

/// How to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tables and sentences for people.
    Human,
    /// One JSON document per result.
    Json,
}

/// A new table in the house style.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(header.iter().copied());
    table
}

/// What replaces a host-only link in printed JSON.
const REDACTED_START_URL: &str = "[redacted: starts the meeting as the host]";

/// The meeting as JSON for printing, without Zoom's `start_url`: it carries a token that starts
/// the meeting as the host, and JSON output is what ends up in CI logs and tickets. The library
/// still returns it in `CreatedMeeting::raw` for applications that hand it to the host.
fn meeting_json(meeting: &CreatedMeeting) -> serde_json::Value {
    let mut value = serde_json::to_value(meeting).unwrap_or_default();
    if let Some(url) = value.pointer_mut("/raw/start_url") {
        *url = REDACTED_START_URL.into();
    }
    value
}

/// Prints a meeting.
pub fn meeting(format: Format, meeting: &CreatedMeeting) {
    match format {
        Format::Json => print_json(&meeting_json(meeting)),
        Format::Human => println!("{}", meeting_table(meeting)),
    }
}

/// Prints an updated meeting and whether its link changed.
pub fn updated(format: Format, updated: &UpdatedMeeting) {
    match format {
        Format::Json => {
            let mut value = serde_json::to_value(updated).unwrap_or_default();
            if let Some(meeting) = value.get_mut("meeting") {
                *meeting = meeting_json(&updated.meeting);
            }
            print_json(&value)
        }
        Format::Human => {
            println!("{}", meeting_table(&updated.meeting));
            if let Some(previous) = &updated.previous_meeting_id {
                println!(
                    "Moved to another host: meeting {previous} was cancelled and replaced by \
                     meeting {}; use the new id from now on.",
                    updated.meeting.provider_event_id
                );
            }
            if updated.conference_link_changed {
                println!("The join link changed: tell the participants.");
            }
        }
    }
}

/// Prints what a cancel did.
pub fn cancelled(format: Format, provider: &str, id: &str, outcome: CancelOutcome) {
    let outcome_text = match outcome {
        CancelOutcome::Cancelled => "cancelled",
        CancelOutcome::AlreadyCancelled => "already_cancelled",
        _ => "unknown",
    };
    match format {
        Format::Json => print_json(&json!({
            "provider_id": provider,
            "provider_event_id": id,
            "outcome": outcome_text,
        })),
        Format::Human => println!(
            "{provider} meeting {id}: {}",
            outcome_text.replace('_', " ")
        ),
    }
}

/// Prints a connection status.
pub fn status(format: Format, status: &ConnectionStatus) {
    match format {
        Format::Json => print_json(&serde_json::to_value(status).unwrap_or_default()),
        Format::Human => {
            let mut t = table(&["provider", "tenant", "state", "detail"]);
            t.add_row(vec![
                status.provider_id.to_string(),
                status.tenant_id.to_string(),
                status.state.as_str().replace('_', " "),
                status.reason.clone().unwrap_or_default(),
            ]);
            println!("{t}");
        }
    }
}

/// Prints an error to stderr.
pub fn error(format: Format, err: &Error) {
    match format {
        Format::Json => eprintln!("{}", json!({ "error": err.to_json() })),
        Format::Human => {
            eprintln!("error: {err}");
            if let Some(after) = err.retry_after() {
                eprintln!(
                    "hint: the provider asked to wait {} s before retrying",
                    after.as_secs()
                );
            }
            if err.code().needs_reconnect() {
                eprintln!(
                    "hint: the tenant must connect again (`meetschedify connect --tenant ...`)"
                );
            }
        }
    }
}

/// A meeting as a two-column table.
pub fn meeting_table(m: &CreatedMeeting) -> Table {
    let mut t = table(&["field", "value"]);
    let rows = [
        ("provider", m.provider_id.to_string()),
        ("meeting id", m.provider_event_id.clone()),
        ("title", m.title.clone().unwrap_or_default()),
        ("start", m.time.start.clone()),
        ("end", m.time.end.clone()),
        ("time zone", m.time.timezone.clone()),
        (
            "join link",
            m.conference_link.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "calendar",
            m.calendar_url.clone().unwrap_or_else(|| "-".into()),
        ),
        ("status", format!("{:?}", m.status).to_lowercase()),
    ];
    for (k, v) in rows {
        t.add_row(vec![k.to_owned(), v]);
    }
    if let Some(host) = &m.host {
        t.add_row(vec!["host".to_owned(), host.clone()]);
    }
    for link in m
        .conference_links
        .iter()
        .filter(|l| Some(&l.uri) != m.conference_link.as_ref())
    {
        let label = link.label.clone().unwrap_or_default();
        t.add_row(vec![
            format!("{:?}", link.kind).to_lowercase(),
            format!("{} {label}", link.uri),
        ]);
    }
    if !m.metadata.is_empty() {
        t.add_row(vec![
            "metadata".to_owned(),
            serde_json::Value::Object(m.metadata.clone()).to_string(),
        ]);
    }
    t
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
