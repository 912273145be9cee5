//! Construction of the GET-shaped meeting object from a valid body (validation is in
//! [`super::validate`]).
//!
//! Create answers the GET shape (with `uuid`, `host_id`, `status`), as real responses do and as
//! Zoom's Postman sample of "Create a meeting" shows, although the 201 schema of
//! <https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings>
//! omits them.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::store::ZoomUser;
use crate::http::rfc3339_seconds;
use crate::ids::{alnum, digits, zoom_uuid};

/// The account time zone the emulator assumes when a request names none.
pub(super) const ACCOUNT_TIMEZONE: &str = "UTC";

/// Parses a request `start_time`: UTC/offset form as is, local form in `timezone`.
pub(super) fn parse_start(start: &str, timezone: &str) -> Option<Timestamp> {
    if let Ok(ts) = start.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil: DateTime = start.parse().ok()?;
    let tz = TimeZone::get(timezone).ok()?;
    tz.to_timestamp(civil).ok()
}

/// Defaults of the settings object, before the client's values are merged in. Only keys of the
/// spec's GET schema: the schema test rejects anything else.
fn default_settings() -> Map<String, Value> {
    let value = json!({
        "host_video": false,
        "participant_video": false,
        "cn_meeting": false,
        "in_meeting": false,
        "join_before_host": false,
        "jbh_time": 0,
        "mute_upon_entry": false,
        "watermark": false,
        "use_pmi": false,
        "approval_type": 2,
        "audio": "voip",
        "auto_recording": "none",
        "enforce_login": false,
        "enforce_login_domains": "",
        "alternative_hosts": "",
        "alternative_host_update_polls": false,
        "close_registration": false,
        "show_share_button": false,
        "allow_multiple_devices": false,
        "registrants_confirmation_email": true,
        "waiting_room": false,
        "registrants_email_notification": true,
        "meeting_authentication": false,
        "encryption_type": "enhanced_encryption",
        "approved_or_denied_countries_or_regions": { "enable": false },
        "breakout_room": { "enable": false },
        "internal_meeting": false,
        "continuous_meeting_chat": { "enable": false, "auto_add_invited_external_users": false },
        "participant_focused_meeting": false,
        "push_change_to_calendar": false,
        "alternative_hosts_email_notification": true,
        "focus_mode": false,
        "private_meeting": false,
        "email_notification": true,
        "host_save_video_order": false,
        "sign_language_interpretation": { "enable": false },
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Read-only dial-in data Zoom adds to every meeting's settings.
fn dial_in() -> (Value, Value) {
    let numbers = json!([
        { "city": "New York", "country": "US", "country_name": "US", "number": "+1 646 558 8656", "type": "toll" },
        { "city": "San Jose", "country": "US", "country_name": "US", "number": "+1 669 900 6833", "type": "toll" },
        { "country": "US", "country_name": "US", "number": "+1 888 788 0099", "type": "tollfree" },
    ]);
    (numbers, json!(["US"]))
}

/// Builds the stored (GET-shaped) meeting for a valid create body.
pub(super) fn build(
    rng: &mut impl Rng,
    id: u64,
    host: &ZoomUser,
    body: &Map<String, Value>,
    now: Timestamp,
) -> Map<String, Value> {
    let password = body
        .get("password")
        .and_then(Value::as_str)
        .map_or_else(|| alnum(rng, 6), str::to_owned);
    let pwd_token = alnum(rng, 32);
    let mut meeting = Map::new();
    meeting.insert("uuid".into(), json!(zoom_uuid(rng)));
    meeting.insert("id".into(), json!(id));
    meeting.insert("host_id".into(), json!(host.id));
    meeting.insert("host_email".into(), json!(host.email));
    meeting.insert("topic".into(), json!("Zoom Meeting"));
    meeting.insert("type".into(), json!(2));
    meeting.insert("status".into(), json!("waiting"));
    meeting.insert("start_time".into(), json!(rfc3339_seconds(now)));
    meeting.insert("duration".into(), json!(60));
    meeting.insert("timezone".into(), json!(ACCOUNT_TIMEZONE));
    meeting.insert("created_at".into(), json!(rfc3339_seconds(now)));
    meeting.insert(
        "start_url".into(),
        json!(format!("https://zoom.us/s/{id}?zak={}", alnum(rng, 40))),
    );
    meeting.insert(
        "join_url".into(),
        json!(format!("https://zoom.us/j/{id}?pwd={pwd_token}")),
    );
    meeting.insert("password".into(), json!(password));
    meeting.insert("h323_password".into(), json!(digits(rng, 6)));
    meeting.insert("encrypted_password".into(), json!(pwd_token));
    meeting.insert("pre_schedule".into(), json!(false));
    let mut settings = default_settings();
    let (numbers, countries) = dial_in();
    settings.insert("global_dial_in_numbers".into(), numbers);
    settings.insert("global_dial_in_countries".into(), countries);
    meeting.insert("settings".into(), Value::Object(settings));
    apply(&mut meeting, body);
    meeting
}

/// Applies a valid create or update body to a stored meeting (settings are merged key by key).
pub(super) fn apply(meeting: &mut Map<String, Value>, body: &Map<String, Value>) {
    for key in [
        "topic",
        "type",
        "duration",
        "agenda",
        "password",
        "pre_schedule",
        "recurrence",
        "tracking_fields",
    ] {
        if let Some(value) = body.get(key) {
            meeting.insert(key.into(), value.clone());
        }
    }
    if let Some(tz) = body.get("timezone") {
        meeting.insert("timezone".into(), tz.clone());
    }
    let timezone = meeting
        .get("timezone")
        .and_then(Value::as_str)
        .unwrap_or(ACCOUNT_TIMEZONE)
        .to_owned();
    if let Some(start) = body
        .get("start_time")
        .and_then(Value::as_str)
        .and_then(|s| parse_start(s, &timezone))
    {
        // Zoom answers start_time in UTC whatever form the request used.
        meeting.insert("start_time".into(), json!(rfc3339_seconds(start)));
    }
    if let (Some(Value::Object(new)), Some(Value::Object(current))) =
        (body.get("settings"), meeting.get_mut("settings"))
    {
        for (key, value) in new {
            // Dial-in numbers are read-only: a client cannot overwrite them.
            if key != "global_dial_in_numbers" {
                current.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The list endpoint's summary of a meeting.
pub(super) fn summary(meeting: &Map<String, Value>) -> Value {
    let mut item = Map::new();
    for key in [
        "uuid",
        "id",
        "host_id",
        "topic",
        "type",
        "start_time",
        "duration",
        "timezone",
        "agenda",
        "created_at",
        "join_url",
    ] {
        if let Some(value) = meeting.get(key) {
            item.insert(key.into(), value.clone());
        }
    }
    Value::Object(item)
}
