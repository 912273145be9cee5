//! The onlineMeeting resource: ids, join links and the fields Graph fills in (reference §2.2,
//! §2.5, §2.6), and the properties a PATCH may change (§2.4).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::store::MicrosoftUser;
use super::timezone::utc7;
use crate::ids::{alnum, digits};
use crate::state::Inner;

/// Properties a PATCH may change (§2.4, `onlinemeeting-update.md`), limited to the ones in the
/// vendored schema.
pub(crate) const UPDATABLE: &[&str] = &[
    "allowAttendeeToEnableCamera",
    "allowAttendeeToEnableMic",
    "allowedPresenters",
    "allowMeetingChat",
    "allowTeamworkReactions",
    "endDateTime",
    "isEntryExitAnnounced",
    "lobbyBypassSettings",
    "participants",
    "recordAutomatically",
    "startDateTime",
    "subject",
    "watermarkProtection",
    "broadcastSettings",
];

/// A date-time with offset as Graph echoes it: UTC, seven fractional digits (§2.2).
pub(crate) fn utc(text: &str) -> Option<(Timestamp, String)> {
    let at: Timestamp = text.parse().ok()?;
    Some((at, utc7(at)))
}

/// A new meeting: `id` = base64 (no padding) of `1*{userId}*0**{threadId}` (§2.6), `joinWebUrl`
/// in the documented shape, a 10-digit `joinMeetingId`, and the defaults the documentation's
/// examples show (§2.2).
pub(crate) fn new_meeting(
    inner: &mut Inner,
    owner: &MicrosoftUser,
    now: Timestamp,
    start: &str,
    end: &str,
    body: &Value,
) -> Map<String, Value> {
    let thread = format!("19:meeting_{}@thread.v2", alnum(&mut inner.rng, 48));
    let id = STANDARD_NO_PAD.encode(format!("1*{}*0**{thread}", owner.id));
    let encoded_thread = thread.replace(':', "%3a").replace('@', "%40");
    let join_web_url = format!(
        "https://teams.microsoft.com/l/meetup-join/{encoded_thread}/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
        owner.tenant_id, owner.id
    );
    let attendees = body
        .pointer("/participants/attendees")
        .cloned()
        .unwrap_or(json!([]));
    let mut meeting = json!({
        "id": id,
        "creationDateTime": utc7(now),
        "startDateTime": start,
        "endDateTime": end,
        "joinWebUrl": join_web_url,
        "subject": body.get("subject").cloned().unwrap_or(Value::Null),
        "isBroadcast": false,
        "autoAdmittedUsers": "EveryoneInCompany",
        "allowedPresenters": "everyone",
        "allowMeetingChat": "enabled",
        "allowTeamworkReactions": true,
        "allowAttendeeToEnableCamera": true,
        "allowAttendeeToEnableMic": true,
        "isEntryExitAnnounced": true,
        "recordAutomatically": false,
        "videoTeleconferenceId": digits(&mut inner.rng, 10),
        "externalId": body.get("externalId").cloned().unwrap_or(Value::Null),
        "joinInformation": {
            "content": format!("data:text/html,{}", url::form_urlencoded::byte_serialize(format!("<p><a href=\"{join_web_url}\">Join the meeting now</a></p>").as_bytes()).collect::<String>()),
            "contentType": "html",
        },
        "joinMeetingIdSettings": {
            "isPasscodeRequired": body.pointer("/joinMeetingIdSettings/isPasscodeRequired").cloned().unwrap_or(json!(false)),
            "joinMeetingId": digits(&mut inner.rng, 10),
            "passcode": Value::Null,
        },
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
        "chatInfo": {"threadId": thread, "messageId": "0", "replyChainMessageId": Value::Null},
        "audioConferencing": Value::Null,
        "participants": {
            "organizer": {
                "upn": owner.user_principal_name,
                "role": "presenter",
                "identity": {"user": {"id": owner.id, "displayName": owner.display_name, "tenantId": owner.tenant_id, "identityProvider": "AAD"}},
            },
            "attendees": attendees,
        },
    });
    if meeting.pointer("/joinMeetingIdSettings/isPasscodeRequired") == Some(&Value::Bool(true)) {
        meeting["joinMeetingIdSettings"]["passcode"] = json!(alnum(&mut inner.rng, 6));
    }
    match meeting {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The answer body: the stored meeting with `@odata.context`.
pub(crate) fn render(owner: &MicrosoftUser, meeting: &Map<String, Value>) -> Value {
    let mut value = Value::Object(meeting.clone());
    value["@odata.context"] = json!(format!(
        "https://graph.microsoft.com/v1.0/$metadata#users('{}')/onlineMeetings/$entity",
        owner.id
    ));
    value
}
