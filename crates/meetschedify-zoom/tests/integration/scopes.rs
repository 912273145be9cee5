//! An app without the scopes a call needs: `INSUFFICIENT_SCOPES` naming them, never retried; a
//! token cached before a scope was added is replaced once, so the fix takes effect at once.

use meetschedify_core::{ErrorCode, GetMeeting, MeetingContext};

use crate::common::{client, emulator, meetings, provider, request, sent};

fn statuses(emu: &meetschedify_emulator::EmulatorHandle, method: &str, path: &str) -> Vec<u16> {
    sent(emu, method, path)
        .iter()
        .filter_map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn a_missing_scope_is_insufficient_scopes_naming_it_and_not_retried() {
    let emu = emulator().await;
    let account = emu.demo().zoom_account_id.clone();
    emu.set_zoom_scopes(&account, &["meeting:read:admin", "user:read:admin"])
        .unwrap();
    let err = client(provider(&emu))
        .create_meeting(request("no write scope"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InsufficientScopes, "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        err.message(),
        "the Zoom app lacks the scopes meeting:write:admin: add them in the Zoom App \
         Marketplace and issue a new token"
    );
    let details = err.zoom_details().unwrap();
    assert_eq!((details.http_status, details.code), (400, Some(4711)));
    // The refused token, then one fresh token that lacks the scope too; no retries after that.
    assert_eq!(statuses(&emu, "POST", "/users/me/meetings"), [400, 400]);
    assert_eq!(emu.zoom_token_requests(), 2);
    assert!(meetings(&emu).is_empty());
}

#[tokio::test]
async fn a_token_cached_before_a_scope_was_added_is_replaced_once() {
    let emu = emulator().await;
    let account = emu.demo().zoom_account_id.clone();
    let made = client(provider(&emu))
        .create_meeting(request("made while the app could write"))
        .await
        .unwrap();
    emu.set_zoom_scopes(&account, &["meeting:read:admin"])
        .unwrap();
    let zoom = provider(&emu);
    // A read caches a token that can only read.
    zoom.get_meeting(&MeetingContext::new("acme-hr"), &made.provider_event_id)
        .await
        .unwrap();
    assert_eq!(emu.zoom_token_requests(), 2);
    // The owner adds the write scope: the cached token still lacks it, a new one has it.
    emu.set_zoom_scopes(&account, &["meeting:read:admin", "meeting:write:admin"])
        .unwrap();
    let zoom = client(zoom);
    zoom.create_meeting(request("after the fix")).await.unwrap();
    assert_eq!(emu.zoom_token_requests(), 3, "one fresh token");
    assert_eq!(
        statuses(&emu, "POST", "/users/me/meetings"),
        [201, 400, 201],
        "the refused create is replayed once with the fresh token"
    );
    // The fresh token is the one cached now: no further token requests.
    zoom.create_meeting(request("and after")).await.unwrap();
    assert_eq!(emu.zoom_token_requests(), 3);
    assert_eq!(meetings(&emu).len(), 3);
}

#[tokio::test]
async fn missing_scopes_names_what_the_app_lacks_from_a_fresh_token() {
    let emu = emulator().await;
    let account = emu.demo().zoom_account_id.clone();
    let zoom = provider(&emu);
    assert!(zoom.missing_scopes().await.unwrap().is_empty());
    emu.set_zoom_scopes(&account, &["meeting:read:admin"])
        .unwrap();
    assert_eq!(
        zoom.missing_scopes().await.unwrap(),
        ["meeting:write:admin"]
    );
    emu.set_zoom_scopes(&account, &["user:read:admin"]).unwrap();
    assert_eq!(
        zoom.missing_scopes().await.unwrap(),
        ["meeting:write:admin", "meeting:read:admin"]
    );
    assert_eq!(emu.zoom_token_requests(), 3, "a fresh token each time");
    assert_eq!(
        zoom.token_manager().cached_len(),
        0,
        "the check leaves the cache alone"
    );
}
