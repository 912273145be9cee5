//! Shared helpers for the integration tests: an emulator, a provider pointed at it, and a
//! browser that clicks through the consent page.
#![allow(unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{
    AuthorizationRequest, CreateMeetingRequest, MeetingParticipant, MeetingTime, MemoryTokenStore,
    OAuthCallback, OAuthConnect, OAuthStateKey, ProviderId, RequestLimits, RetryConfig,
    SaveCondition, TokenKey, TokenRecord, TokenStore, ValidatedCreate,
};
use meetschedify_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
use meetschedify_google::{
    CalendarOptions, GoogleEndpoints, GoogleMeetBuilder, GoogleMeetProvider,
};

/// The state key every test provider uses (tests may build a second provider that must open
/// the first one's states).
pub const STATE_KEY: [u8; 32] = [7; 32];

/// Retries with millisecond delays, so fault tests stay fast.
pub fn fast_retry(attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(attempts)
        .with_initial_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
        .with_jitter(false)
}

pub fn fast_options() -> CalendarOptions {
    CalendarOptions::default()
        .with_retry(fast_retry(4))
        .with_conference_poll_interval(Duration::from_millis(1))
}

pub async fn emulator(builder: EmulatorBuilder) -> EmulatorHandle {
    builder.start().await.expect("emulator starts")
}

pub async fn default_emulator() -> EmulatorHandle {
    emulator(Emulator::builder()).await
}

/// A builder with the emulator's demo client, endpoints and a fixed state key.
pub fn builder(emu: &EmulatorHandle, store: Arc<dyn TokenStore>) -> GoogleMeetBuilder {
    let demo = emu.demo();
    GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url()).unwrap())
        .with_state_key(OAuthStateKey::from_bytes(STATE_KEY))
        .with_token_store(store)
        .with_calendar_options(fast_options())
}

pub fn provider(emu: &EmulatorHandle, store: Arc<dyn TokenStore>) -> GoogleMeetProvider {
    builder(emu, store).build().expect("provider builds")
}

/// A store where `tenant` holds the emulator's demo refresh token and an expired access token,
/// as after a connect long ago.
pub async fn connected_store(emu: &EmulatorHandle, tenants: &[&str]) -> Arc<MemoryTokenStore> {
    let store = Arc::new(MemoryTokenStore::new());
    for tenant in tenants {
        let record = TokenRecord::new("ya29.expired-long-ago")
            .with_refresh_token(&emu.demo().google_refresh_token)
            .with_expires_at(jiff::Timestamp::UNIX_EPOCH);
        store
            .save(
                &TokenKey::new(*tenant, ProviderId::GOOGLE_MEET),
                &record,
                SaveCondition::Always,
            )
            .await
            .unwrap();
    }
    store
}

/// What the browser ends up with after the consent screen: the redirect's query.
#[derive(Debug)]
pub struct Redirect {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn redirect_of(response: &reqwest::Response) -> Redirect {
    assert_eq!(response.status().as_u16(), 302, "expected a redirect");
    let location = response.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    Redirect {
        code: get("code"),
        state: get("state"),
        error: get("error"),
    }
}

/// Opens the authorization URL like a browser and clicks `decision` ("allow" or "deny") on the
/// consent page; with auto-consent the redirect comes at once.
pub async fn consent(auth_url: &str, decision: &str) -> Redirect {
    let http = no_redirects();
    let first = http.get(auth_url).send().await.unwrap();
    if first.status().as_u16() == 302 {
        return redirect_of(&first);
    }
    assert_eq!(first.status().as_u16(), 200, "consent page");
    let page = first.text().await.unwrap();
    let marker = "name=\"consent_id\" value=\"";
    let start = page.find(marker).expect("consent form") + marker.len();
    let id = &page[start..start + page[start..].find('"').unwrap()];
    let mut decision_url = url::Url::parse(auth_url).unwrap();
    decision_url.set_path("/o/oauth2/v2/auth/decision");
    decision_url.set_query(None);
    decision_url
        .query_pairs_mut()
        .append_pair("consent_id", id)
        .append_pair("decision", decision);
    redirect_of(&http.get(decision_url).send().await.unwrap())
}

/// Runs the connect flow for `tenant` through the consent page and the callback.
pub async fn connect(provider: &GoogleMeetProvider, tenant: &str) {
    let url = provider
        .tokens()
        .authorization_url(&AuthorizationRequest::new(tenant, provider_id(provider)))
        .await
        .unwrap();
    let back = consent(&url.url, "allow").await;
    provider
        .tokens()
        .handle_callback(
            &OAuthCallback::new(back.code.unwrap(), back.state.unwrap())
                .with_session_binding(url.session_binding),
        )
        .await
        .unwrap();
}

fn provider_id(p: &GoogleMeetProvider) -> ProviderId {
    meetschedify_core::MeetingProvider::id(p).clone()
}

/// A validated create request for `tenant`.
pub fn create_request(tenant: &str, key: Option<&str>) -> ValidatedCreate {
    let mut r = CreateMeetingRequest::new(
        tenant,
        ProviderId::GOOGLE_MEET,
        "Technical interview",
        MeetingTime::new("2026-06-15T10:00:00", "2026-06-15T11:00:00")
            .with_timezone("Asia/Kolkata"),
    )
    .with_description("Round 2: system design")
    .with_primary_participant(
        MeetingParticipant::new("candidate@example.com").with_display_name("Cand Idate"),
    )
    .with_participant(MeetingParticipant::new("interviewer@example.com"))
    .with_metadata_entry("application_id", "app_42");
    if let Some(k) = key {
        r = r.with_idempotency_key(k);
    }
    ValidatedCreate::new(r, &RequestLimits::DEFAULT).unwrap()
}

/// Every live (not cancelled) event in the demo user's primary calendar.
pub fn live_events(emu: &EmulatorHandle) -> Vec<serde_json::Value> {
    emu.state()
        .google
        .events_by_calendar
        .get(&emu.demo().google_user_email)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["status"] != "cancelled")
        .collect()
}
