//! The per-user Teams provider in the soak: Microsoft accounts connected through the emulator's
//! consent (authorization code with PKCE), several provider instances sharing one store,
//! refresh tokens that rotate on every refresh and work only once, access tokens expired under
//! the instances' feet, the identity platform's faults on the refresh grant, and the lost-token
//! check against the emulator itself.
//!
//! Why the token endpoint here gets no lost answers by default: with single-use refresh
//! tokens, an answer lost after the emulator rotated (processed, then reset or answered after
//! the client's timeout) carries the only copy of the new refresh token, and the old one is
//! already spent. No client can recover that tenant; the library sends the spent token again,
//! is refused with `invalid_grant` and marks the record revoked (`soak/tests.rs` pins this).
//! Microsoft itself keeps a used refresh token valid, so the real service does not have the
//! hole; `SoakConfig::teams_lost_refresh_answers` injects those faults anyway to show it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    AuthorizationRequest, OAuthCallback, OAuthConnect, OAuthStateKey, ProviderId, SaveCondition,
    TokenKey, TokenStore,
};
use meetschedify_emulator::{EmulatorHandle, FaultAction, FaultRule};
use meetschedify_teams::TeamsProvider;
use tokio::task::JoinHandle;

use super::SoakConfig;
use crate::emulator::HarnessError;

/// The tenant segment the per-user instances sign in through. A multi-tenant segment, so its
/// token endpoint's path differs from the app-only provider's (which names the tenant) and
/// each row gets its own fault rules.
const SIGN_IN: &str = "organizations";
/// The per-user instances' token endpoint in the emulator.
pub(super) const LOGIN: &str = "/login/organizations/oauth2/v2.0/token";

/// The Microsoft account (UPN) tenant `i` connects.
pub(super) fn account(i: usize) -> String {
    format!("soak-user-{i}@contoso.example")
}

/// One instance of the provider over `store`, sealing OAuth states with `state_key`. Every
/// instance is built alike; each has its own token manager, as separate processes would.
pub(super) fn provider(
    emu: &EmulatorHandle,
    config: &SoakConfig,
    store: Arc<dyn TokenStore>,
    state_key: [u8; 32],
) -> Result<TeamsProvider, HarnessError> {
    let demo = emu.demo();
    Ok(TeamsProvider::builder()
        .with_credentials(
            SIGN_IN,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_redirect_uri(&demo.microsoft_redirect_uri)
        .with_state_key(OAuthStateKey::from_bytes(state_key))
        .with_token_store(store)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .with_request_timeout(config.request_timeout)
        .with_retry(config.retry.clone())
        // Every call reads the store, so an expiry written by the soak (or a refresh made by
        // another instance) is seen at once instead of after the default 10 s.
        .with_token_revalidate_every(Duration::ZERO)
        .build()?)
}

/// Adds `account` to the demo directory and connects it for `tenant`: the authorization URL
/// with the account as login hint, the emulator's consent (automatic in the soak), the
/// redirect's code and state, and the callback that redeems the code with its PKCE verifier.
pub(super) async fn connect(
    emu: &EmulatorHandle,
    teams: &TeamsProvider,
    tenant: &str,
    account: &str,
) -> Result<(), HarnessError> {
    emu.add_microsoft_user(&emu.demo().microsoft_tenant_id, account);
    let auth = teams
        .authorization_url(
            &AuthorizationRequest::new(tenant, ProviderId::MICROSOFT_TEAMS)
                .with_login_hint(account),
        )
        .await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = http.get(&auth.url).send().await?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("the consent did not redirect (HTTP {})", answer.status()))?;
    let location = reqwest::Url::parse(location)?;
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| format!("no {name} in {location}"))
    };
    let callback = OAuthCallback::new(param("code")?, param("state")?)
        .with_session_binding(auth.session_binding);
    teams.handle_callback(&callback).await?;
    Ok(())
}

/// The identity platform's faults on the per-user refresh grant, 25% of requests as for the
/// other providers: `503 temporarily_unavailable`, `429` with `Retry-After`, and a reset and an
/// answer later than the client's timeout. Unless `teams_lost_refresh_answers` is set, the
/// last two strike before the emulator processes the request (nothing was rotated, see the
/// module's docs); set, they strike after it. Installed before the app-only rules, ending in a
/// rule that lets the rest through, so those never add their faults on top.
pub(super) fn inject_faults(emu: &EmulatorHandle, config: &SoakConfig) {
    let (reset, late) = if config.teams_lost_refresh_answers {
        (
            FaultAction::ResetAfter,
            FaultAction::slow_answer(config.fault_latency),
        )
    } else {
        (
            FaultAction::ResetBefore,
            // Dropped unprocessed when the client gives up during the wait.
            FaultAction::latency(config.fault_latency),
        )
    };
    let rules = [
        (0.10, FaultAction::microsoft_identity_unavailable()),
        (
            0.05 / 0.90,
            FaultAction::too_many_requests(config.retry_after_secs),
        ),
        (0.05 / 0.85, reset),
        (0.05 / 0.80, late),
        (1.0, FaultAction::latency(Duration::ZERO)),
    ];
    for (probability, action) in rules {
        emu.inject_fault(FaultRule::probability(
            Some("POST"),
            LOGIN,
            probability,
            action,
        ));
    }
}

/// What the soak's output says about the faults this row does not get.
pub(super) fn not_injected(config: &SoakConfig) -> Option<String> {
    (!config.teams_lost_refresh_answers).then(|| {
        "no lost answers on the refresh grant (resets and late answers strike before the \
         emulator rotates): with single-use refresh tokens a lost answer spends the tenant's \
         only token, which no client can survive; --teams-lost-refresh-answers injects them"
            .to_owned()
    })
}

/// Calls to the per-user instances' token endpoint, from the emulator's request log.
pub(super) fn token_requests(emu: &EmulatorHandle) -> u64 {
    let n = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == LOGIN)
        .count();
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Marks the tenants' stored access tokens expired, one tenant per tick in turn, until
/// stopped, as a short access-token lifetime would, without shortening Google's and Zoom's
/// tokens too (the emulator's lifetime setting is shared). A compare-and-swap on the record's
/// version, so a refresh that saved first is never overwritten.
pub(super) struct Expirer {
    stop: Arc<AtomicBool>,
    task: JoinHandle<u64>,
}

impl Expirer {
    /// Starts expiring `keys` in `store`, one every `every`.
    pub(super) fn start(store: Arc<dyn TokenStore>, keys: Vec<TokenKey>, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let expired = AtomicU64::new(0);
            let mut turn = 0;
            while !flag.load(Ordering::Relaxed) && !keys.is_empty() {
                tokio::time::sleep(every).await;
                let key = &keys[turn % keys.len()];
                turn += 1;
                let Ok(Some(record)) = store.get(key).await else {
                    continue;
                };
                if record.revoked.is_some() {
                    continue;
                }
                let past = record.clone().with_expires_at(Timestamp::UNIX_EPOCH);
                let saved = store
                    .save(key, &past, SaveCondition::Version(record.version))
                    .await;
                if saved.is_ok() {
                    expired.fetch_add(1, Ordering::Relaxed);
                }
            }
            expired.into_inner()
        });
        Self { stop, task }
    }

    /// Stops, and says how many expiries were written.
    pub(super) async fn stop(self) -> Result<u64, HarnessError> {
        self.stop.store(true, Ordering::Relaxed);
        Ok(self.task.await?)
    }
}

/// Tenants whose token is lost: the record is gone or revoked, holds no refresh token, or the
/// emulator refuses its refresh token. The refresh is sent here directly, not through the
/// library, so the emulator alone judges. Runs after the faults are cleared; with single-use
/// tokens it spends each token, so nothing may use the tenants afterwards.
pub(super) async fn lost_tokens(
    emu: &EmulatorHandle,
    store: &dyn TokenStore,
    tenants: &[String],
) -> Result<usize, HarnessError> {
    let demo = emu.demo();
    let url = format!("{}/{SIGN_IN}/oauth2/v2.0/token", emu.microsoft_login_base());
    let http = reqwest::Client::new();
    let mut lost = 0;
    for tenant in tenants {
        let key = TokenKey::new(tenant.as_str(), ProviderId::MICROSOFT_TEAMS);
        let refresh = store
            .get(&key)
            .await?
            .filter(|r| r.revoked.is_none())
            .and_then(|r| r.refresh_token);
        let accepted = match refresh {
            Some(token) => http
                .post(&url)
                .form(&[
                    ("client_id", demo.microsoft_client_id.as_str()),
                    ("client_secret", demo.microsoft_client_secret.as_str()),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.expose_secret()),
                ])
                .send()
                .await?
                .status()
                .is_success(),
            None => false,
        };
        if !accepted {
            lost += 1;
            eprintln!("{tenant} lost its microsoft-teams token");
        }
    }
    Ok(lost)
}
