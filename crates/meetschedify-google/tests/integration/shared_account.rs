//! Two per-user tenants connected to the same Google account (one person, two tenants of the
//! application) share one calendar: the ownership check, on by default, keeps each tenant's
//! events its own.

use meetschedify_core::{
    CancelMeeting, CancelOutcome, ErrorCode, GetMeeting, MeetingContext, MeetingProvider,
    MeetingStatus, RequestLimits, UpdateMeeting, UpdateMeetingRequest, ValidatedUpdate,
};

use crate::common::{builder, connected_store, create_request, default_emulator, live_events};

const OWNER: &str = "org_1";
const OTHER: &str = "org_2";

/// `org_2` is connected to the very account `org_1` is: neither can read, change or cancel the
/// other's event, the cancel answers what a cancel of a missing id answers, and nothing is
/// written; the owner still sees its event unchanged.
#[tokio::test]
async fn a_tenant_sharing_the_account_can_neither_read_change_nor_cancel_another_s_event() {
    let emu = default_emulator().await;
    let store = connected_store(&emu, &[OWNER, OTHER]).await;
    let google = builder(&emu, store).build().unwrap();
    assert!(google.tenant_ownership(), "on by default");
    let created = google
        .create_meeting(&create_request(OWNER, None))
        .await
        .unwrap();
    let id = &created.provider_event_id;
    let other = MeetingContext::new(OTHER);

    let read = google.get_meeting(&other, id).await.unwrap_err();
    assert_eq!(read.code(), ErrorCode::MeetingNotFound, "{read}");
    let change = google
        .update_meeting(
            &other,
            id,
            &ValidatedUpdate::new(
                UpdateMeetingRequest::new().with_title("Taken over"),
                &RequestLimits::DEFAULT,
            )
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(change.code(), ErrorCode::MeetingNotFound, "{change}");
    let missing = google
        .cancel_meeting(&other, "99999999999")
        .await
        .map_err(|e| e.code());
    let cancel = google
        .cancel_meeting(&other, id)
        .await
        .map_err(|e| e.code());
    assert_eq!(
        cancel, missing,
        "a foreign cancel answers as a missing id's"
    );

    let mine = google
        .get_meeting(&MeetingContext::new(OWNER), id)
        .await
        .unwrap();
    assert_eq!(mine.title.as_deref(), Some("Technical interview"));
    assert_eq!(mine.status, MeetingStatus::Scheduled);
    assert_eq!(live_events(&emu).len(), 1, "nothing deleted");
}

/// The opt-out reaches every event of the shared account, as documented.
#[tokio::test]
async fn with_the_check_off_a_tenant_sharing_the_account_reaches_another_s_event() {
    let emu = default_emulator().await;
    let store = connected_store(&emu, &[OWNER, OTHER]).await;
    let google = builder(&emu, store)
        .with_tenant_ownership(false)
        .build()
        .unwrap();
    let created = google
        .create_meeting(&create_request(OWNER, None))
        .await
        .unwrap();
    let other = MeetingContext::new(OTHER);
    google
        .get_meeting(&other, &created.provider_event_id)
        .await
        .unwrap();
    assert!(matches!(
        google
            .cancel_meeting(&other, &created.provider_event_id)
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    ));
}
