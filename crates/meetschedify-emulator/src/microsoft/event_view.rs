//! An event as Graph renders it (reference §3.1, §3.10; the property list follows
//! `microsoft.graph.event` in the vendored OpenAPI subset).

use jiff::tz::TimeZone;
use serde_json::{json, Map, Value};

use super::store::{EventRec, MicrosoftStore, MicrosoftUser};
use super::timezone::{instant, render as render_time, utc7};

/// `https://graph.microsoft.com/v1.0`, as `@odata.context` names it.
const GRAPH_V1: &str = "https://graph.microsoft.com/v1.0";

/// The change key of a version of an event (opaque to clients).
pub(crate) fn change_key(rec: &EventRec) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(format!("emu-{}-{}", rec.ical_uid, rec.version))
}

/// The event resource. `preferred` is the `Prefer: outlook.timezone` zone (else UTC).
pub(crate) fn render(
    store: &MicrosoftStore,
    owner: &MicrosoftUser,
    id: &str,
    rec: &EventRec,
    preferred: Option<&(String, TimeZone)>,
) -> Value {
    let f = &rec.fields;
    let field = |name: &str| f.get(name).cloned().unwrap_or(Value::Null);
    let time = |name: &str| {
        f.get(name)
            .and_then(|v| instant(v).ok())
            .map_or(Value::Null, |at| render_time(at, preferred))
    };
    let zone_of = |name: &str| {
        f.get(name)
            .and_then(|v| v.get("timeZone"))
            .cloned()
            .unwrap_or(json!("UTC"))
    };
    let organizer = store.user_by_id(&rec.organizer_id).map_or(
        Value::Null,
        |u| json!({"emailAddress": {"name": u.display_name, "address": u.user_principal_name}}),
    );
    let attendees: Vec<Value> = f
        .get("attendees")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|a| {
                    json!({
                        "type": a.get("type").cloned().unwrap_or(json!("required")),
                        "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                        "emailAddress": a.get("emailAddress").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let (online, provider, meeting) = match &rec.teams {
        Some((join_url, conference_id)) => (
            true,
            json!("teamsForBusiness"),
            // §3.1 response example: joinUrl, conferenceId, tollNumber.
            json!({"joinUrl": join_url, "conferenceId": conference_id, "tollNumber": "+1 323-555-0166"}),
        ),
        None => (false, json!("unknown"), Value::Null),
    };
    let key = change_key(rec);
    let body = f
        .get("body")
        .cloned()
        .unwrap_or(json!({"contentType": "text", "content": ""}));
    let preview: String = body
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(255)
        .collect();
    let location = field("location");
    let location = if location.is_null() {
        json!({"displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {}})
    } else {
        location
    };
    let mut head = json!({
        "@odata.context": format!("{GRAPH_V1}/$metadata#users('{}')/events/$entity", owner.id),
        "@odata.etag": format!("W/\"{key}\""),
        "id": id,
        "createdDateTime": utc7(rec.created),
        "lastModifiedDateTime": utc7(rec.modified),
        "changeKey": key,
        "categories": f.get("categories").cloned().unwrap_or(json!([])),
        "transactionId": field("transactionId"),
        "originalStartTimeZone": zone_of("start"),
        "originalEndTimeZone": zone_of("end"),
        "iCalUId": rec.ical_uid,
        "reminderMinutesBeforeStart": f.get("reminderMinutesBeforeStart").cloned().unwrap_or(json!(15)),
        "isReminderOn": f.get("isReminderOn").cloned().unwrap_or(json!(true)),
        "hasAttachments": false,
        "subject": field("subject"),
        "bodyPreview": preview,
        "importance": f.get("importance").cloned().unwrap_or(json!("normal")),
        "sensitivity": f.get("sensitivity").cloned().unwrap_or(json!("normal")),
        "isAllDay": f.get("isAllDay").cloned().unwrap_or(json!(false)),
    });
    let rest = json!({
        "isCancelled": rec.is_cancelled,
        "isOrganizer": rec.is_organizer,
        "responseRequested": f.get("responseRequested").cloned().unwrap_or(json!(true)),
        "seriesMasterId": Value::Null,
        "showAs": f.get("showAs").cloned().unwrap_or(json!("busy")),
        "type": "singleInstance",
        "webLink": format!(
            "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
            url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
        ),
        // Null for Teams and slated for deprecation (§3.1).
        "onlineMeetingUrl": Value::Null,
        "isOnlineMeeting": online,
        "onlineMeetingProvider": provider,
        "allowNewTimeProposals": f.get("allowNewTimeProposals").cloned().unwrap_or(json!(true)),
        "isDraft": false,
        "hideAttendees": f.get("hideAttendees").cloned().unwrap_or(json!(false)),
        "responseStatus": {
            "response": if rec.is_organizer { "organizer" } else { "none" },
            "time": "0001-01-01T00:00:00Z",
        },
        "body": body,
        "start": time("start"),
        "end": time("end"),
        "location": location,
        "locations": f.get("locations").cloned().unwrap_or(json!([])),
        "recurrence": Value::Null,
        "attendees": attendees,
        "organizer": organizer,
        "onlineMeeting": meeting,
    });
    // Two literals: one is past `json!`'s recursion limit.
    if let (Value::Object(head), Value::Object(tail)) = (&mut head, rest) {
        head.extend(tail);
    }
    head
}

/// Adds the extended properties `$expand=singleValueExtendedProperties(...)` asks for (§3.6).
pub(crate) fn expand(value: &mut Value, rec: &EventRec, only: Option<&str>) {
    let props: Vec<Value> = rec
        .extended
        .iter()
        .filter(|(id, _)| only.is_none_or(|o| o.eq_ignore_ascii_case(id)))
        .map(|(id, v)| json!({"id": id, "value": v}))
        .collect();
    value["singleValueExtendedProperties"] = Value::Array(props);
}

/// Keeps only `$select`ed properties (plus `id` and OData annotations).
pub(crate) fn select(value: Value, fields: &[String]) -> Value {
    let Value::Object(map) = value else {
        return value;
    };
    let kept: Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| {
            k.starts_with('@') || k == "id" || fields.iter().any(|f| f.eq_ignore_ascii_case(k))
        })
        .collect();
    Value::Object(kept)
}
