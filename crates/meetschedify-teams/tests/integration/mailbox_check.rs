//! `TeamsAppProvider::check_mailbox`: the read `doctor` runs, healthy and broken.

use meetschedify_core::ErrorCode;

use crate::common::{builder, emulator, events, provider, sent};

#[tokio::test]
async fn a_healthy_app_reads_the_organizers_calendar_and_writes_nothing() {
    let emu = emulator().await;
    provider(&emu).check_mailbox().await.unwrap();
    let reads = sent(&emu, "GET", "/events");
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert!(reads[0].query.contains("top=1"), "{}", reads[0].query);
    assert!(events(&emu).is_empty());
    assert!(sent(&emu, "POST", "/graph/").is_empty());
}

#[tokio::test]
async fn without_the_application_permission_it_names_what_to_grant() {
    let emu = emulator().await;
    emu.set_microsoft_app_roles(&emu.demo().microsoft_client_id, &[])
        .unwrap();
    let err = provider(&emu).check_mailbox().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert!(err.message().contains("Calendars.ReadWrite"), "{err}");
    assert!(err.message().contains("admin consent"), "{err}");
}

#[tokio::test]
async fn a_wrong_secret_names_the_variable() {
    let emu = emulator().await;
    let demo = emu.demo().clone();
    let teams = builder(&emu)
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            "wrong",
        )
        .build()
        .unwrap();
    let err = teams.check_mailbox().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCredentials);
    assert!(err.message().contains("MICROSOFT_CLIENT_SECRET"), "{err}");
    assert!(sent(&emu, "GET", "/events").is_empty());
}

#[tokio::test]
async fn an_unknown_organizer_names_its_variable() {
    let emu = emulator().await;
    let teams = builder(&emu)
        .with_organizer("nobody@emulator.onmicrosoft.com")
        .build()
        .unwrap();
    let err = teams.check_mailbox().await.unwrap_err();
    assert!(err.message().contains("MICROSOFT_TEAMS_ORGANIZER"), "{err}");
}
