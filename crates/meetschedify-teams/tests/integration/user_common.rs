//! Shared set-up of the per-user provider's tests: the emulator's demo app with its redirect
//! URI, a provider over a given store, and the browser's side of the consent.

use std::sync::Arc;

use meetschedify_core::{
    AuthorizationRequest, CreateMeetingRequest, MeetingParticipant, MeetingTime, OAuthCallback,
    OAuthConnect, OAuthStateKey, ProviderId, SessionBinding, TokenStore,
};
use meetschedify_emulator::EmulatorHandle;
use meetschedify_teams::{TeamsProvider, TeamsProviderBuilder};
use reqwest::Url;

/// The state key every test provider seals with.
pub(crate) const STATE_KEY: [u8; 32] = [7; 32];

/// A builder with the emulator's demo app, its redirect URI and bases.
pub(crate) fn user_builder(
    emu: &EmulatorHandle,
    store: Arc<dyn TokenStore>,
) -> TeamsProviderBuilder {
    let demo = emu.demo();
    TeamsProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_redirect_uri(&demo.microsoft_redirect_uri)
        .with_state_key(OAuthStateKey::from_bytes(STATE_KEY))
        .with_token_store(store)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .with_retry(crate::common::fast_retry())
}

/// Where the consent sent the browser back: the redirect URI's query.
#[derive(Debug)]
pub(crate) struct Redirect {
    pub(crate) location: Url,
    pub(crate) code: Option<String>,
    pub(crate) state: Option<String>,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn redirect_of(response: &reqwest::Response) -> Redirect {
    assert_eq!(response.status().as_u16(), 302, "a redirect back");
    let location = response.headers()["location"].to_str().unwrap();
    let location = Url::parse(location).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    Redirect {
        code: param("code"),
        state: param("state"),
        location: location.clone(),
    }
}

/// The user opens `auth_url` and presses Accept (or Cancel) on the emulator's consent page.
pub(crate) async fn consent(auth_url: &str, accept: bool) -> Redirect {
    let http = no_redirects();
    let first = http.get(auth_url).send().await.unwrap();
    if first.status().as_u16() == 302 {
        return redirect_of(&first);
    }
    assert_eq!(first.status().as_u16(), 200, "the consent page");
    let page = first.text().await.unwrap();
    let marker = "name=\"consent_id\" value=\"";
    let start = page.find(marker).expect("a consent form") + marker.len();
    let id = &page[start..start + page[start..].find('"').unwrap()];
    let mut decision = Url::parse(auth_url).unwrap();
    let path = decision.path().replace("/authorize", "/consent");
    decision.set_path(&path);
    decision.set_query(None);
    decision
        .query_pairs_mut()
        .append_pair("consent_id", id)
        .append_pair("decision", if accept { "allow" } else { "deny" });
    redirect_of(&http.get(decision).send().await.unwrap())
}

/// Starts a connect for `tenant`, consents, and returns the code, the state and the binding
/// the starting browser keeps.
pub(crate) async fn start(p: &TeamsProvider, tenant: &str) -> (String, String, SessionBinding) {
    let auth = p
        .authorization_url(&AuthorizationRequest::new(
            tenant,
            ProviderId::MICROSOFT_TEAMS,
        ))
        .await
        .unwrap();
    let back = consent(&auth.url, true).await;
    (
        back.code.unwrap(),
        back.state.unwrap(),
        auth.session_binding,
    )
}

/// The callback as the browser holding `binding` brings it.
pub(crate) fn callback(code: String, state: String, binding: &SessionBinding) -> OAuthCallback {
    OAuthCallback::new(code, state).with_session_binding(binding.clone())
}

/// Runs the whole connect flow for `tenant`.
pub(crate) async fn connect(p: &TeamsProvider, tenant: &str) {
    let (code, state, binding) = start(p, tenant).await;
    p.handle_callback(&callback(code, state, &binding))
        .await
        .unwrap();
}

/// A one-hour meeting in Kolkata with one attendee and metadata, for `tenant`.
pub(crate) fn user_request(tenant: &str, title: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        tenant,
        ProviderId::MICROSOFT_TEAMS,
        title,
        MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00")
            .with_timezone("Asia/Kolkata"),
    )
    .with_participant(MeetingParticipant::new("candidate@example.com"))
    .with_metadata_entry("application_id", "app_42")
}
