//! The per-user provider's whole life against the emulator: authorization URL, the consent
//! page, the callback with the session binding, meetings on the user's own calendar,
//! disconnect.

use std::collections::HashMap;
use std::sync::Arc;

use meetschedify_core::{
    AuthorizationRequest, CancelMeeting, CancelOutcome, ConnectionState, DisconnectOutcome,
    ErrorCode, GetMeeting, MeetingContext, MeetingProvider, MemoryTokenStore, OAuthConnect,
    ProviderId, TenantId, TokenStore, ValidatedCreate,
};
use reqwest::Url;

use crate::common::{emulator, sent};
use crate::user_common::{callback, consent, user_builder, user_request};

#[tokio::test]
async fn connect_through_the_consent_page_then_meetings_on_the_users_calendar_then_disconnect() {
    let emu = emulator().await;
    let demo = emu.demo().clone();
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(&emu, store.clone()).build().unwrap();
    let tenant = TenantId::new("acme-hr");

    // 1. The consent URL: the documented parameters, PKCE S256, a sealed state.
    let auth = teams
        .authorization_url(
            &AuthorizationRequest::new("acme-hr", ProviderId::MICROSOFT_TEAMS)
                .with_return_url("/settings/calendar")
                .with_login_hint(&demo.microsoft_organizer_upn),
        )
        .await
        .unwrap();
    let url = Url::parse(&auth.url).unwrap();
    assert_eq!(
        url.path(),
        format!("/login/{}/oauth2/v2.0/authorize", demo.microsoft_tenant_id)
    );
    let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], demo.microsoft_client_id);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], demo.microsoft_redirect_uri);
    assert_eq!(q["response_mode"], "query");
    assert_eq!(
        q["scope"],
        "offline_access https://graph.microsoft.com/Calendars.ReadWrite"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["prompt"], "select_account");
    assert_eq!(q["login_hint"], demo.microsoft_organizer_upn);
    assert_eq!(q["state"], auth.state);
    assert!(!auth.state.contains("acme-hr"), "the state is sealed");
    assert!(!q.contains_key("client_secret"));

    // 2. The user accepts on the consent page; the browser comes back with a code.
    let back = consent(&auth.url, true).await;
    assert_eq!(back.state.as_deref(), Some(auth.state.as_str()));
    assert!(back
        .location
        .as_str()
        .starts_with(&demo.microsoft_redirect_uri));
    let status = teams.connection_status(&tenant).await.unwrap();
    assert_eq!(status.state, ConnectionState::NotConnected);

    // 3. The callback, from the browser that holds the binding.
    let account = teams
        .handle_callback(&callback(
            back.code.unwrap(),
            back.state.unwrap(),
            &auth.session_binding,
        ))
        .await
        .unwrap();
    assert_eq!(account.tenant_id, tenant);
    assert_eq!(account.provider_id, ProviderId::MICROSOFT_TEAMS);
    assert_eq!(account.return_url.as_deref(), Some("/settings/calendar"));
    let redeem = sent(&emu, "POST", "/oauth2/v2.0/token");
    assert_eq!(redeem.len(), 1, "one code redemption");
    let form: HashMap<_, _> = Url::parse(&format!("http://form/?{}", redeem[0].body))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["redirect_uri"], demo.microsoft_redirect_uri);
    // The emulator's recording redacts secret values; their presence is what is checked.
    assert!(form.contains_key("code_verifier") && form.contains_key("client_secret"));
    assert_eq!(form["client_id"], demo.microsoft_client_id);
    let record = store
        .get(&teams.token_key(&tenant))
        .await
        .unwrap()
        .expect("stored under the tenant from the state");
    assert!(record.refresh_token.is_some());
    let status = teams.connection_status(&tenant).await.unwrap();
    assert_eq!(status.state, ConnectionState::Connected, "{status:?}");
    assert!(status
        .scopes
        .iter()
        .any(|s| s.ends_with("Calendars.ReadWrite")));

    // 4. A meeting on the signed-in user's calendar, through /me.
    let valid =
        ValidatedCreate::new(user_request("acme-hr", "Interview"), &teams.limits()).unwrap();
    let created = teams.create_meeting(&valid).await.unwrap();
    assert!(created.conference_link.is_some());
    assert_eq!(created.metadata["application_id"], "app_42");
    assert_eq!(sent(&emu, "POST", "/graph/v1.0/me/events").len(), 1);
    let on_calendar = emu
        .state()
        .microsoft
        .events_by_user
        .get(&demo.microsoft_organizer_id)
        .cloned()
        .unwrap_or_default();
    assert_eq!(on_calendar.len(), 1, "the connected user's calendar");
    let ctx = MeetingContext::new("acme-hr");
    let got = teams
        .get_meeting(&ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.metadata["application_id"], "app_42");
    // Another tenant never reaches it (its own calendar, and no tokens anyway).
    let other = teams
        .get_meeting(&MeetingContext::new("other"), &created.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(other.code(), ErrorCode::NotConnected, "{other}");
    assert_eq!(
        teams
            .cancel_meeting(&ctx, &created.provider_event_id)
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    );

    // 5. Disconnect: the tokens are deleted and the outcome says Microsoft kept the grant.
    let before = emu.microsoft_token_requests();
    assert_eq!(
        teams.disconnect(&tenant).await.unwrap(),
        DisconnectOutcome::Forgotten
    );
    assert_eq!(
        emu.microsoft_token_requests(),
        before,
        "nothing sent to microsoft"
    );
    assert!(store
        .get(&teams.token_key(&tenant))
        .await
        .unwrap()
        .is_none());
    let status = teams.connection_status(&tenant).await.unwrap();
    assert_eq!(status.state, ConnectionState::NotConnected);
    assert_eq!(
        teams.disconnect(&tenant).await.unwrap(),
        DisconnectOutcome::NotConnected
    );
    let err = teams.create_meeting(&valid).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotConnected, "{err}");
}
