//! The app-only Teams provider in the soak: its set-up, Graph's and the identity platform's own
//! fault answers, its events in the emulator's state, and the lost-token check.
//!
//! Every tenant shares the demo organizer's calendar and the app's one access token (client
//! credentials), as in production.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{TokenRecord, TokenStore};
use meetschedify_emulator::{EmulatorHandle, FaultAction, FaultRule, StateSnapshot};
use meetschedify_teams::TeamsAppProvider;

use super::SoakConfig;
use crate::emulator::HarnessError;

/// Graph's routes in the emulator.
const GRAPH: &str = "/graph/v1.0/*";
/// The identity platform's token endpoint in the emulator.
const LOGIN: &str = "/login/*/oauth2/v2.0/token";

/// The provider, its token kept in `store` so that the lost-token check can read it.
pub(super) fn provider(
    emu: &EmulatorHandle,
    config: &SoakConfig,
    store: Arc<dyn TokenStore>,
) -> Result<TeamsAppProvider, HarnessError> {
    let demo = emu.demo();
    Ok(TeamsAppProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_organizer(&demo.microsoft_organizer_upn)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .with_request_timeout(config.request_timeout)
        .with_retry(config.retry.clone())
        .with_token_store(store)
        .build()?)
}

/// Graph's and the identity platform's faults, in the shares of the other providers' (25% of
/// requests), but in their own shapes: Graph's `503 serviceNotAvailable` and `429
/// TooManyRequests` with `Retry-After`, its `504` (the request may or may not have been
/// processed; here it was not), an answer later than the client's timeout after the request
/// was processed, and a reset after processing (the lost answers a `transactionId` must
/// absorb); the token endpoint's `503 temporarily_unavailable`. Installed before the generic
/// rules: each family ends in a rule that lets the rest through untouched, so the generic rules
/// never add their faults on top.
pub(super) fn inject_faults(emu: &EmulatorHandle, config: &SoakConfig) {
    let retry_after = config.retry_after_secs.to_string();
    let lost = FaultAction::slow_answer(config.fault_latency);
    // Conditional probabilities, so the overall shares are 5% each.
    let graph = [
        (0.05, FaultAction::graph_unavailable(Some(&retry_after))),
        (
            0.05 / 0.95,
            FaultAction::graph_too_many_requests(&retry_after),
        ),
        (0.05 / 0.90, FaultAction::graph_gateway_timeout()),
        (0.05 / 0.85, lost.clone()),
        (0.05 / 0.80, FaultAction::ResetAfter),
        (1.0, FaultAction::latency(Duration::ZERO)),
    ];
    for (probability, action) in graph {
        emu.inject_fault(FaultRule::probability(None, GRAPH, probability, action));
    }
    let login = [
        (0.10, FaultAction::microsoft_identity_unavailable()),
        (0.05 / 0.90, lost),
        (0.05 / 0.85, FaultAction::ResetAfter),
        (1.0, FaultAction::latency(Duration::ZERO)),
    ];
    for (probability, action) in login {
        emu.inject_fault(FaultRule::probability(
            Some("POST"),
            LOGIN,
            probability,
            action,
        ));
    }
}

/// (subject, id) of every event on every mailbox.
pub(super) fn events(state: &StateSnapshot) -> Vec<(String, String)> {
    state
        .microsoft
        .events_by_user
        .values()
        .flatten()
        .filter_map(|e| {
            Some((
                e["subject"].as_str()?.to_owned(),
                e["id"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Whether the app's token is lost: the record the provider persisted is gone, revoked or
/// expired, or Graph refuses it; or the provider cannot read the organizer's calendar any more
/// (a fresh token included). Runs after the faults are cleared.
pub(super) async fn token_lost(
    emu: &EmulatorHandle,
    teams: &TeamsAppProvider,
    store: &dyn TokenStore,
) -> Result<bool, HarnessError> {
    let stored: Option<TokenRecord> = store.get(teams.token_key()).await?;
    let Some(record) = stored.filter(|r| r.revoked.is_none()) else {
        return Ok(true);
    };
    if record.expires_at.is_some_and(|at| at <= Timestamp::now()) {
        return Ok(true);
    }
    let url = format!(
        "{}/users/{}/events",
        emu.graph_api_base(),
        emu.demo().microsoft_organizer_id
    );
    let accepted = reqwest::Client::new()
        .get(url)
        .query(&[("$top", "1")])
        .bearer_auth(record.access_token.expose_secret())
        .send()
        .await?
        .status()
        .is_success();
    Ok(!accepted || teams.check_mailbox().await.is_err())
}
