//! Graph's refusals of `onlineMeetings`, mapped to errors that say what to fix.

use meetschedify_core::{ErrorCode, ErrorKind, MeetingContext, ProviderId};

use super::{online_meetings, online_provider};
use crate::common::{client, emulator, request, sent};

/// Without the Teams application access policy Graph answers 403 `General`; the error is a
/// configuration error naming both grants, the organizer and the app, and nothing is made.
#[tokio::test]
async fn a_missing_application_access_policy_names_what_to_grant() {
    let emu = emulator().await;
    let demo = emu.demo();
    emu.revoke_microsoft_access_policy(&demo.microsoft_client_id, &demo.microsoft_organizer_id)
        .unwrap();
    let teams = client(online_provider(&emu));
    let err = teams
        .create_meeting(request("No policy"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(!err.is_retryable());
    let message = err.message();
    for needed in [
        "No application access policy found for this app",
        "OnlineMeetings.ReadWrite.All",
        "New-CsApplicationAccessPolicy",
        "Grant-CsApplicationAccessPolicy",
        demo.microsoft_organizer_id.as_str(),
        demo.microsoft_client_id.as_str(),
    ] {
        assert!(message.contains(needed), "{needed} missing from: {message}");
    }
    let details = err.http_details().expect("graph details");
    assert_eq!(details.http_status, 403);
    assert_eq!(details.vendor_code.as_deref(), Some("General"));
    // Refused once, not retried, nothing made.
    assert_eq!(sent(&emu, "POST", "/onlineMeetings/createOrGet").len(), 1);
    assert!(online_meetings(&emu).is_empty());
}

#[tokio::test]
async fn a_missing_application_permission_names_it_too() {
    let emu = emulator().await;
    emu.set_microsoft_app_roles(&emu.demo().microsoft_client_id, &["Calendars.ReadWrite"])
        .unwrap();
    let err = client(online_provider(&emu))
        .create_meeting(request("No permission"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(
        err.message().contains("OnlineMeetings.ReadWrite.All"),
        "{err}"
    );
    assert!(online_meetings(&emu).is_empty());
}

#[tokio::test]
async fn a_missing_online_meeting_is_meeting_not_found() {
    let emu = emulator().await;
    let err = client(online_provider(&emu))
        .get_meeting(
            &ProviderId::MICROSOFT_TEAMS_APP,
            &MeetingContext::new("acme-hr"),
            "MSoxMjM0KjAqKjE5Om1lZXRpbmdfeEB0aHJlYWQudjI",
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    assert_eq!(
        err.http_details().unwrap().vendor_code.as_deref(),
        Some("itemNotFound")
    );
}
