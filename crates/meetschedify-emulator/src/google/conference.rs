//! Google Meet conferences created through `conferenceData.createRequest`.
//!
//! Google creates the conference asynchronously: the insert may answer `pending`, and a later read
//! shows `success` with the entry points. The same `requestId` always names the same conference
//! ("If an ID provided is the same as for the previous request, the request is ignored").

use rand::Rng;
use serde_json::{json, Map, Value};

use super::errors::{invalid, required};
use super::store::ConferenceRec;
use crate::ids::{alnum, digits, meet_code};
use crate::settings::Settings;
use axum::response::Response;

const MEET_ICON: &str =
    "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png";

/// The `requestId` of a valid `createRequest` in an event body, if it asks for one.
pub(super) fn requested(body: &Map<String, Value>) -> Result<Option<String>, Response> {
    let Some(request) = body
        .get("conferenceData")
        .and_then(|c| c.get("createRequest"))
    else {
        return Ok(None);
    };
    let kind = request
        .get("conferenceSolutionKey")
        .and_then(|k| k.get("type"))
        .and_then(Value::as_str);
    if kind != Some("hangoutsMeet") {
        return Err(invalid("Invalid conference type value."));
    }
    match request.get("requestId").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(Some(id.to_owned())),
        _ => Err(required("Missing conference request id.")),
    }
}

/// A new conference for `request_id`, pending or not per the settings.
pub(super) fn create(rng: &mut impl Rng, request_id: &str, settings: &Settings) -> ConferenceRec {
    ConferenceRec {
        request_id: request_id.to_owned(),
        conference_id: meet_code(rng),
        phone_pin: digits(rng, 9),
        more_pin: digits(rng, 13),
        signature: alnum(rng, 40),
        pending_reads_left: settings
            .conference_pending_on_insert
            .then_some(settings.conference_pending_reads),
    }
}

/// Counts one read of a pending conference; it turns `success` after the configured reads.
pub(super) fn observe_read(conference: &mut ConferenceRec) {
    conference.pending_reads_left = match conference.pending_reads_left {
        Some(left) if left > 0 => Some(left - 1),
        _ => None,
    };
}

/// The event's `conferenceData` and, once created, its `hangoutLink`.
pub(super) fn render(conference: &ConferenceRec, pending: bool) -> (Value, Option<String>) {
    let solution = json!({
        "key": { "type": "hangoutsMeet" },
        "name": "Google Meet",
        "iconUri": MEET_ICON,
    });
    let status = if pending { "pending" } else { "success" };
    let create_request = json!({
        "requestId": conference.request_id,
        "conferenceSolutionKey": { "type": "hangoutsMeet" },
        "status": { "statusCode": status },
    });
    if pending {
        let data = json!({ "createRequest": create_request, "conferenceSolution": solution });
        return (data, None);
    }
    let code = &conference.conference_id;
    let link = format!("https://meet.google.com/{code}");
    let data = json!({
        "createRequest": create_request,
        "entryPoints": [
            { "entryPointType": "video", "uri": link, "label": format!("meet.google.com/{code}") },
            {
                "entryPointType": "more",
                "uri": format!("https://tel.meet/{code}?pin={}", conference.more_pin),
                "pin": conference.more_pin,
            },
            {
                "entryPointType": "phone",
                "uri": "tel:+1-555-010-0199",
                "label": "+1 555-010-0199",
                "pin": conference.phone_pin,
                "regionCode": "US",
            },
        ],
        "conferenceSolution": solution,
        "conferenceId": code,
        "signature": conference.signature,
    });
    (data, Some(link))
}
