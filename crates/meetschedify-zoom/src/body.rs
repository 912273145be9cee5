//! The JSON bodies sent to Zoom for create (`POST /users/{userId}/meetings`) and update
//! (`PATCH /meetings/{meetingId}`), and the per-request options that shape them.

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    Error, MeetingParticipant, Metadata, ResolvedTime, Result, ValidatedCreate, ValidatedUpdate,
};
use serde_json::{json, Map, Value};

use crate::config::check_host_user;
use crate::defaults::MeetingDefaults;
use crate::marker::Marker;
use crate::PROVIDER_OPTIONS_KEY;

/// Zoom's scheduled-meeting type: a single meeting at a fixed time.
const SCHEDULED: i64 = 2;

/// Settings whose value Zoom requires to be a boolean; a wrong type is caught before the call.
const BOOL_SETTINGS: &[&str] = &[
    "host_video",
    "participant_video",
    "join_before_host",
    "mute_upon_entry",
    "waiting_room",
    "watermark",
    "use_pmi",
    "email_notification",
    "alternative_hosts_email_notification",
    "private_meeting",
    "meeting_authentication",
    "focus_mode",
    "internal_meeting",
    "push_change_to_calendar",
    "allow_multiple_devices",
];

/// What a request asked of Zoom specifically, read from `provider_options["zoom"]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ZoomOptions {
    /// Settings merged over the provider's defaults, key by key.
    pub(crate) settings: Map<String, Value>,
    /// Another host for this meeting (`me`, a user id or an email).
    pub(crate) user_id: Option<String>,
}

impl ZoomOptions {
    /// Reads and checks the options; bad input is `INVALID_REQUEST` naming the field.
    pub(crate) fn from_request(options: &Metadata) -> Result<Self> {
        let field = |rest: &str| format!("provider_options.{PROVIDER_OPTIONS_KEY}{rest}");
        let Some(zoom) = options.get(PROVIDER_OPTIONS_KEY) else {
            return Ok(Self::default());
        };
        let Value::Object(zoom) = zoom else {
            return Err(Error::invalid_request(
                field(""),
                "zoom options must be a JSON object",
            ));
        };
        let mut out = Self::default();
        for (key, value) in zoom {
            match (key.as_str(), value) {
                ("settings", Value::Object(settings)) => {
                    for (name, v) in settings {
                        if BOOL_SETTINGS.contains(&name.as_str()) && !v.is_boolean() {
                            return Err(Error::invalid_request(
                                field(&format!(".settings.{name}")),
                                format!("{name} must be true or false"),
                            ));
                        }
                        if name == "global_dial_in_numbers" {
                            return Err(Error::invalid_request(
                                field(&format!(".settings.{name}")),
                                "dial-in numbers are read-only",
                            ));
                        }
                    }
                    out.settings.clone_from(settings);
                }
                ("settings", _) => {
                    return Err(Error::invalid_request(
                        field(".settings"),
                        "settings must be a JSON object",
                    ))
                }
                ("user_id", Value::String(user)) => {
                    check_host_user(user).map_err(|e| {
                        Error::invalid_request(field(".user_id"), e.message().to_owned())
                    })?;
                    out.user_id = Some(user.clone());
                }
                ("user_id", _) => {
                    return Err(Error::invalid_request(
                        field(".user_id"),
                        "user_id must be a string",
                    ))
                }
                (other, _) => {
                    return Err(Error::invalid_request(
                        field(&format!(".{other}")),
                        format!("unknown zoom option `{other}`: use settings or user_id"),
                    ))
                }
            }
        }
        Ok(out)
    }
}

/// `start_time` in UTC with `Z`, to the second, as Zoom's spec recommends.
pub(crate) fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn invitees(participants: &[&MeetingParticipant]) -> Value {
    Value::Array(
        participants
            .iter()
            .map(|p| json!({ "email": p.email.trim() }))
            .collect(),
    )
}

fn put_time(body: &mut Map<String, Value>, time: &ResolvedTime) {
    body.insert("start_time".into(), utc(time.start_utc()).into());
    // Elapsed minutes between the two instants, so a meeting across a DST change keeps its real
    // length (01:00-04:00 on a spring-forward day is 120 minutes).
    body.insert("duration".into(), time.duration_minutes().into());
    body.insert("timezone".into(), time.timezone().into());
}

/// The create body: defaults, then invitees, then the request's own settings (the most specific
/// wins).
pub(crate) fn create_body(
    request: &ValidatedCreate,
    defaults: &MeetingDefaults,
    options: &ZoomOptions,
    marker: Option<&Marker>,
) -> Value {
    let req = request.request();
    let mut body = Map::new();
    body.insert("topic".into(), request.title().into());
    body.insert("type".into(), SCHEDULED.into());
    put_time(&mut body, request.time());
    let description = req.description.as_deref();
    let agenda = match marker {
        Some(m) => Some(m.agenda(description)),
        None => description
            .filter(|d| !d.trim().is_empty())
            .map(str::to_owned),
    };
    if let Some(agenda) = agenda {
        body.insert("agenda".into(), agenda.into());
    }
    let mut settings = defaults.to_settings();
    let participants: Vec<&MeetingParticipant> = req.participants().collect();
    if !participants.is_empty() {
        settings.insert("meeting_invitees".into(), invitees(&participants));
    }
    for (k, v) in &options.settings {
        settings.insert(k.clone(), v.clone());
    }
    if !settings.is_empty() {
        body.insert("settings".into(), Value::Object(settings));
    }
    Value::Object(body)
}

/// The update body; `marker` is the one found in the meeting's current agenda, kept when the
/// description changes. An update that touches nothing Zoom stores (metadata only) gives an
/// empty object, and no PATCH is sent.
pub(crate) fn update_body(update: &ValidatedUpdate, marker: Option<&Marker>) -> Map<String, Value> {
    let req = update.request();
    let mut body = Map::new();
    if let Some(title) = &req.title {
        body.insert("topic".into(), title.trim().into());
    }
    if let Some(description) = &req.description {
        let agenda = match marker {
            Some(m) => m.agenda(Some(description)),
            None => description.clone(),
        };
        body.insert("agenda".into(), agenda.into());
    }
    if let Some(time) = update.time() {
        put_time(&mut body, time);
    }
    if let Some(participants) = &req.participants {
        let list: Vec<&MeetingParticipant> = participants.iter().collect();
        body.insert(
            "settings".into(),
            json!({ "meeting_invitees": invitees(&list) }),
        );
    }
    body
}

/// Settings Zoom answers but does not take in a create: read-only, or about the meeting's own
/// state.
const ANSWER_ONLY_SETTINGS: &[&str] = &["global_dial_in_numbers"];

/// The create body of a meeting moving to another host: everything `before` (Zoom's meeting
/// JSON) had, with the update applied on top (its time always, since a move is a reschedule).
/// `marker` is the one in `before`'s agenda: kept, so the owner's tag and ownership hold.
pub(crate) fn moved_body(
    before: &Value,
    update: &ValidatedUpdate,
    marker: Option<&Marker>,
) -> Value {
    let mut body = Map::new();
    let text = |key: &str| before.get(key).and_then(Value::as_str);
    if let Some(topic) = text("topic") {
        body.insert("topic".into(), topic.into());
    }
    body.insert("type".into(), SCHEDULED.into());
    if let Some(agenda) = text("agenda") {
        body.insert("agenda".into(), agenda.into());
    }
    if let Some(Value::Object(settings)) = before.get("settings") {
        let mut settings = settings.clone();
        for key in ANSWER_ONLY_SETTINGS {
            settings.remove(*key);
        }
        body.insert("settings".into(), Value::Object(settings));
    }
    if let Some(timezone) = text("timezone") {
        body.insert("timezone".into(), timezone.into());
    }
    // The update's fields win, the marker kept as a PATCH would keep it.
    for (key, value) in update_body(update, marker) {
        match (key.as_str(), value, body.get_mut("settings")) {
            ("settings", Value::Object(new), Some(Value::Object(current))) => {
                current.extend(new);
            }
            (_, value, _) => {
                body.insert(key, value);
            }
        }
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use meetschedify_core::{
        CreateMeetingRequest, MeetingTime, ProviderId, RequestLimits, UpdateMeetingRequest,
    };

    use super::*;

    fn options(v: Value) -> Result<ZoomOptions> {
        let mut m = Metadata::new();
        m.insert("zoom".into(), v);
        ZoomOptions::from_request(&m)
    }

    #[test]
    fn options_are_checked_field_by_field() {
        assert_eq!(
            ZoomOptions::from_request(&Metadata::new()).unwrap(),
            ZoomOptions::default()
        );
        let ok = options(
            json!({"settings": {"waiting_room": true, "audio": "voip"}, "user_id": "a@b.example"}),
        )
        .unwrap();
        assert_eq!(ok.settings["audio"], "voip");
        assert_eq!(ok.user_id.as_deref(), Some("a@b.example"));
        let cases = [
            (json!("x"), "provider_options.zoom"),
            (json!({"settings": []}), "provider_options.zoom.settings"),
            (
                json!({"settings": {"waiting_room": "yes"}}),
                "provider_options.zoom.settings.waiting_room",
            ),
            (
                json!({"settings": {"global_dial_in_numbers": []}}),
                "provider_options.zoom.settings.global_dial_in_numbers",
            ),
            (json!({"user_id": 5}), "provider_options.zoom.user_id"),
            (
                json!({"user_id": "../admin"}),
                "provider_options.zoom.user_id",
            ),
            (json!({"password": "x"}), "provider_options.zoom.password"),
        ];
        for (value, field) in cases {
            let err = options(value).unwrap_err();
            assert_eq!(err.field(), Some(field));
        }
    }

    #[test]
    fn create_body_orders_defaults_invitees_and_overrides() {
        let req = CreateMeetingRequest::new(
            "t",
            ProviderId::ZOOM,
            "  Standup ",
            MeetingTime::new("2026-03-08T01:00:00", "2026-03-08T04:00:00")
                .with_timezone("America/New_York"),
        )
        .with_participant(MeetingParticipant::new(" a@example.com"));
        let valid = ValidatedCreate::new(req, &RequestLimits::DEFAULT).unwrap();
        let opts = options(json!({"settings": {"waiting_room": false}})).unwrap();
        let body = create_body(&valid, &MeetingDefaults::healthcare(), &opts, None);
        assert_eq!(body["topic"], "Standup");
        assert_eq!(body["type"], 2);
        assert_eq!(body["start_time"], "2026-03-08T06:00:00Z");
        assert_eq!(
            body["duration"], 120,
            "spring forward: three wall-clock hours, two real ones"
        );
        assert_eq!(body["timezone"], "America/New_York");
        assert_eq!(
            body["settings"]["waiting_room"], false,
            "request overrides the preset"
        );
        assert_eq!(body["settings"]["host_video"], true);
        assert_eq!(
            body["settings"]["meeting_invitees"],
            json!([{"email": "a@example.com"}])
        );
        assert!(body.get("agenda").is_none());
    }

    #[test]
    fn a_moved_meeting_keeps_what_it_had_and_takes_the_update() {
        let m = Marker::random(&ProviderId::ZOOM, &"t".into());
        let before = json!({
            "id": 1, "topic": "Visit", "agenda": m.agenda(Some("Bring results")),
            "start_time": "2030-01-07T10:00:00Z", "duration": 30, "timezone": "Europe/Paris",
            "join_url": "https://zoom.example/j/1", "host_id": "h",
            "settings": {"waiting_room": true, "global_dial_in_numbers": [],
                         "meeting_invitees": [{"email": "a@example.com"}]}
        });
        let update = UpdateMeetingRequest::new().with_time(
            MeetingTime::new("2030-01-07T12:00:00", "2030-01-07T12:45:00")
                .with_timezone("Europe/Paris"),
        );
        let valid = ValidatedUpdate::new(update, &RequestLimits::DEFAULT).unwrap();
        let body = moved_body(&before, &valid, Some(&m));
        assert_eq!(body["topic"], "Visit");
        assert_eq!(body["type"], 2);
        assert_eq!(body["agenda"], m.agenda(Some("Bring results")));
        assert_eq!(body["start_time"], "2030-01-07T11:00:00Z");
        assert_eq!(body["duration"], 45);
        assert_eq!(body["timezone"], "Europe/Paris");
        assert_eq!(body["settings"]["waiting_room"], true);
        assert_eq!(
            body["settings"]["meeting_invitees"],
            json!([{"email": "a@example.com"}])
        );
        assert!(body["settings"].get("global_dial_in_numbers").is_none());
        for key in ["id", "join_url", "host_id"] {
            assert!(body.get(key).is_none(), "{key}");
        }
        let retitled = UpdateMeetingRequest::new()
            .with_title("Follow-up")
            .with_description("New notes")
            .with_participants(vec![MeetingParticipant::new("b@example.com")]);
        let valid = ValidatedUpdate::new(retitled, &RequestLimits::DEFAULT).unwrap();
        let body = moved_body(&before, &valid, Some(&m));
        assert_eq!(body["topic"], "Follow-up");
        assert_eq!(body["agenda"], m.agenda(Some("New notes")));
        assert_eq!(body["settings"]["waiting_room"], true);
        assert_eq!(
            body["settings"]["meeting_invitees"],
            json!([{"email": "b@example.com"}])
        );
    }

    #[test]
    fn update_body_keeps_the_marker_and_skips_metadata() {
        let m = Marker::random(&ProviderId::ZOOM, &"t".into());
        let update = UpdateMeetingRequest::new().with_description("new text");
        let valid = ValidatedUpdate::new(update, &RequestLimits::DEFAULT).unwrap();
        let body = update_body(&valid, Some(&m));
        assert_eq!(body["agenda"], m.agenda(Some("new text")));
        let meta_only = UpdateMeetingRequest::new().with_metadata(Metadata::new());
        let valid = ValidatedUpdate::new(meta_only, &RequestLimits::DEFAULT).unwrap();
        assert!(update_body(&valid, None).is_empty());
    }
}
