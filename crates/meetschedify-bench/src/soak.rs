//! The reliability soak: many creates on Zoom, per-user Google, per-user Teams and app-only Teams
//! while the emulator injects faults, then a check of every outcome against the emulator's
//! state.
//!
//! Faults hit every request the providers send (API calls and token endpoints alike), in
//! these shares: 10% `503`, 5% `429` with `Retry-After`, 5% latency beyond the request
//! timeout (the request is then processed: a create takes effect after the client gave up),
//! and 5% connection resets after processing. Graph gets the same 25% in its own shapes (see
//! `soak/teams.rs`). Per-user Teams runs several provider instances over one store, with
//! single-use rotating refresh tokens and access tokens expired throughout the run, and the
//! identity platform's faults on its refresh grant (see `soak/teams_user.rs`, which also says
//! which fault it leaves out and why). Then:
//!
//! * every call ends in success or a typed `meetschedify_core::Error` within its deadline,
//!   and no call panics;
//! * no meeting exists twice (each call has a unique title; most have an idempotency key), and every
//!   success is in the emulator's state under the id it returned;
//! * no token is lost: every Google tenant still holds a refresh token that Google accepts, the
//!   Teams app's stored access token is still accepted by Graph, every per-user Teams tenant's
//!   stored refresh token is still accepted by the identity platform, and Zoom still connects;
//! * no orphan without a warning: a meeting that exists although its call failed must have
//!   been reported with `Error::outcome_unknown` (the call could not tell) or with
//!   `Error::meeting_id` (the error names the meeting it made, e.g. `CONFERENCE_PENDING`), and
//!   never with "no meeting was created".

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::MemoryTokenStore;
use meetschedify_core::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingProvider, MeetingTime, OAuthStateKey,
    ProviderId, RetryConfig, SaveCondition, TenantId, TokenKey, TokenManagerConfig, TokenRecord,
    TokenStore,
};
use meetschedify_emulator::{
    ConsentMode, Emulator, EmulatorHandle, FaultAction, FaultRule, StateSnapshot,
};
use meetschedify_google::{
    CalendarOptions, GoogleClientCredentials, GoogleEndpoints, GoogleMeetProvider,
    GoogleOAuthClient,
};
use meetschedify_zoom::ZoomProvider;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::emulator::HarnessError;
use crate::workload::GOOGLE_SCOPE;

mod teams;
mod teams_user;
#[cfg(test)]
mod teams_user_tests;
#[cfg(test)]
mod tests;

/// A provider the soak drives; creates go round-robin over the configured ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SoakProvider {
    /// `ZoomProvider` (Server-to-Server OAuth), one host per tenant.
    Zoom,
    /// The per-user `GoogleMeetProvider`, one Google account per tenant.
    GoogleMeet,
    /// The per-user `TeamsProvider`: a Microsoft account per tenant (the first
    /// `SoakConfig::teams_users` tenants), connected through consent, driven by several
    /// instances that share the store.
    Teams,
    /// The app-only `TeamsAppProvider`: every tenant on the demo organizer's calendar.
    TeamsApp,
}

impl SoakProvider {
    /// Every provider, in the order creates go round.
    pub const ALL: [SoakProvider; 4] = [
        SoakProvider::Zoom,
        SoakProvider::GoogleMeet,
        SoakProvider::Teams,
        SoakProvider::TeamsApp,
    ];

    /// Its provider id, also its name in the report and on the command line.
    pub fn id(self) -> ProviderId {
        match self {
            SoakProvider::Zoom => ProviderId::ZOOM,
            SoakProvider::GoogleMeet => ProviderId::GOOGLE_MEET,
            SoakProvider::Teams => ProviderId::MICROSOFT_TEAMS,
            SoakProvider::TeamsApp => ProviderId::MICROSOFT_TEAMS_APP,
        }
    }

    /// The provider whose id is `name`.
    pub fn parse(name: &str) -> Option<SoakProvider> {
        Self::ALL.into_iter().find(|p| p.id().as_str() == name)
    }
}

/// How big and how hostile a soak is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SoakConfig {
    /// Creates in total, round-robin over `providers`.
    pub creates: usize,
    /// The providers the creates go to (all of them by default).
    pub providers: Vec<SoakProvider>,
    /// Tenants; each has its own Zoom host and its own Google account.
    pub tenants: usize,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// The emulator's seed (the same seed and order give the same faults).
    pub seed: u64,
    /// One HTTP request's timeout in both providers.
    pub request_timeout: Duration,
    /// The injected delay of the answer (beyond `request_timeout`; the request is processed
    /// before it).
    pub fault_latency: Duration,
    /// `Retry-After` of the injected 429s, in seconds.
    pub retry_after_secs: u64,
    /// The providers' retry policy (its deadline bounds every call).
    pub retry: RetryConfig,
    /// Whether Zoom's create (`POST /v2/users/*/meetings`) gets the late-answer fault too (on
    /// by default). The meeting is then stored before the client times out, so the duplicate
    /// guard's lookup finds it; the switch is there to compare runs without it.
    pub zoom_create_latency: bool,
    /// Tenants that connect a Microsoft account for per-user Teams (its creates go round them).
    /// Fewer than `tenants`, so each account's refresh token rotates many times in a run.
    pub teams_users: usize,
    /// Per-user Teams provider instances sharing the one store, each with its own token
    /// manager, as separate processes would; creates go round them.
    pub teams_instances: usize,
    /// How often the soak marks one per-user Teams tenant's stored access token expired (in
    /// turn), forcing a refresh, and so a rotation, on its next call.
    pub teams_expire_every: Duration,
    /// Whether per-user Teams' token endpoint also loses answers after rotating (off by
    /// default: with single-use refresh tokens no client survives that; see
    /// `soak/teams_user.rs`).
    pub teams_lost_refresh_answers: bool,
}

impl SoakConfig {
    /// The CI run: 400 creates over 50 tenants (100 per provider), a few seconds in a debug
    /// build.
    pub fn short() -> Self {
        Self {
            creates: 400,
            ..Self::long()
        }
    }

    /// The long run: 2,000 creates over 50 tenants.
    pub fn long() -> Self {
        Self {
            creates: 2_000,
            providers: SoakProvider::ALL.to_vec(),
            tenants: 50,
            concurrency: 32,
            seed: 8,
            request_timeout: Duration::from_millis(300),
            fault_latency: Duration::from_millis(700),
            retry_after_secs: 1,
            retry: RetryConfig::default()
                .with_max_attempts(6)
                .with_initial_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(50))
                .with_deadline(Duration::from_secs(5)),
            zoom_create_latency: true,
            teams_users: 8,
            teams_instances: 3,
            teams_expire_every: Duration::from_millis(20),
            teams_lost_refresh_answers: false,
        }
    }

    /// The most a call may take: the retry deadline, plus one request still in flight when it
    /// passes, plus the Zoom guard's last lookup (up to three tries of a list and a get) or
    /// Google's final read and conference polls, plus a token fetch, each bounded by the
    /// request timeout, with slack for a loaded machine.
    pub fn call_deadline(&self) -> Duration {
        self.retry.deadline.unwrap_or(Duration::from_secs(30))
            + self.request_timeout * 8
            + Duration::from_secs(3)
    }
}

/// What the soak saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SoakReport {
    /// Creates issued.
    pub creates: usize,
    /// Successes per provider.
    pub succeeded: BTreeMap<String, usize>,
    /// Failures per provider and error code.
    pub failed: BTreeMap<String, usize>,
    /// Calls that panicked.
    pub panics: usize,
    /// Calls that took longer than their deadline (or never ended).
    pub late: usize,
    /// The slowest call, in milliseconds.
    pub slowest_ms: u128,
    /// Meetings present more than once in the emulator (extra copies counted), per provider
    /// (every provider of the run has a row, zero included).
    pub duplicates: BTreeMap<String, usize>,
    /// Titles that were duplicated, for the report.
    pub duplicate_titles: Vec<String>,
    /// Successes whose meeting is not in the emulator under the returned id.
    pub missing: usize,
    /// Meetings in the emulator whose call failed (the outcome was unknown to the caller).
    pub orphans: BTreeMap<String, usize>,
    /// What the caller was told for each orphan: `[unknown]` (the error carries
    /// `outcome_unknown`), `[named]` (it carries the meeting's id) or `[NO WARNING]`, then
    /// provider, code and message.
    pub orphan_errors: Vec<String>,
    /// Orphans whose error carried `outcome_unknown`, per provider.
    pub orphans_flagged: BTreeMap<String, usize>,
    /// Orphans whose error carried neither `outcome_unknown` nor the meeting's id: the caller
    /// was not warned.
    pub unwarned_orphans: usize,
    /// Orphans whose error said that no meeting was created: a wrong answer.
    pub false_no_meeting: usize,
    /// Token-endpoint calls per provider (Teams: the identity platform's).
    pub token_requests: BTreeMap<String, u64>,
    /// Access tokens the soak marked expired in the store, per provider (per-user Teams).
    pub token_expiries: BTreeMap<String, u64>,
    /// Faults a provider's row does not get, and why.
    pub not_injected: BTreeMap<String, String>,
    /// Lost tokens per provider (every provider of the run has a row): Google and per-user
    /// Teams tenants whose refresh token is gone, revoked or refused afterwards; for Zoom and
    /// app-only Teams, whose one token serves every tenant, 1 when it is.
    pub tokens_lost: BTreeMap<String, usize>,
    /// Wall-clock time of the creates.
    pub wall_ms: u128,
}

impl SoakReport {
    /// Everything that breaks the soak's promises; empty when it passed.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.panics > 0 {
            out.push(format!("{} calls panicked", self.panics));
        }
        if self.late > 0 {
            out.push(format!("{} calls passed their deadline", self.late));
        }
        for (provider, n) in &self.duplicates {
            if *n > 0 {
                out.push(format!(
                    "{n} duplicate meetings on {provider}: {:?}",
                    self.duplicate_titles
                ));
            }
        }
        if self.missing > 0 {
            out.push(format!(
                "{} successes not found in the emulator",
                self.missing
            ));
        }
        if self.false_no_meeting > 0 {
            out.push(format!(
                "{} failures said no meeting was created, but one was: {:?}",
                self.false_no_meeting, self.orphan_errors
            ));
        }
        if self.unwarned_orphans > 0 {
            out.push(format!(
                "{} orphans without a warning (no outcome_unknown, no meeting id): {:?}",
                self.unwarned_orphans, self.orphan_errors
            ));
        }
        for (provider, n) in &self.tokens_lost {
            if *n > 0 {
                out.push(format!("{n} tokens lost on {provider}"));
            }
        }
        out
    }
}

/// The fault rules: conditional probabilities so the overall shares are 10/5/5/5%.
fn inject_faults(emu: &EmulatorHandle, config: &SoakConfig) {
    // Processed at once, answered after the client's timeout: the call fails as a timeout
    // although its change was made, as when a real vendor is only slow to answer.
    let latency = FaultAction::slow_answer(config.fault_latency);
    if !config.zoom_create_latency {
        // Rules are tried in order; a create that would draw latency draws nothing instead.
        // The share of the other faults on this route stays as below.
        emu.inject_fault(FaultRule::probability(
            Some("POST"),
            "/v2/users/*/meetings",
            0.10,
            FaultAction::unavailable(),
        ));
        emu.inject_fault(FaultRule::probability(
            Some("POST"),
            "/v2/users/*/meetings",
            0.05 / 0.90,
            FaultAction::too_many_requests(config.retry_after_secs),
        ));
        emu.inject_fault(FaultRule::probability(
            Some("POST"),
            "/v2/users/*/meetings",
            0.05 / 0.85,
            FaultAction::ResetAfter,
        ));
        // The rest of the create requests pass through untouched by the rules below.
        emu.inject_fault(FaultRule::probability(
            Some("POST"),
            "/v2/users/*/meetings",
            1.0,
            FaultAction::latency(Duration::ZERO),
        ));
    }
    emu.inject_fault(FaultRule::probability(
        None,
        "/*",
        0.10,
        FaultAction::unavailable(),
    ));
    emu.inject_fault(FaultRule::probability(
        None,
        "/*",
        0.05 / 0.90,
        FaultAction::too_many_requests(config.retry_after_secs),
    ));
    emu.inject_fault(FaultRule::probability(None, "/*", 0.05 / 0.85, latency));
    emu.inject_fault(FaultRule::probability(
        None,
        "/*",
        0.05 / 0.80,
        FaultAction::ResetAfter,
    ));
}

struct Tenant {
    id: String,
    zoom_host: String,
    google_user: String,
}

/// Call `n`'s title: unique per call, and naming its provider.
fn title(provider: SoakProvider, n: usize) -> String {
    format!("soak {} {n}", provider.id())
}

/// What a failed call told its caller.
struct Told {
    /// Provider, code and message.
    text: String,
    /// The error carried `outcome_unknown`.
    unknown: bool,
    /// The error carried the meeting's id.
    named: bool,
}

impl Told {
    fn plain(text: String) -> Self {
        Self {
            text,
            unknown: false,
            named: false,
        }
    }
}

/// The providers of a run, and what the lost-token checks need afterwards.
struct Setup {
    /// One client per per-user Teams instance (one when Teams is not in the run); every client
    /// shares the other providers.
    clients: Vec<MeetSchedifyClient>,
    tenants: Vec<Tenant>,
    /// Google's and per-user Teams' per-tenant tokens and the Teams app's token.
    store: Arc<MemoryTokenStore>,
    teams: Option<meetschedify_teams::TeamsAppProvider>,
    /// The tenants that connected a Microsoft account for per-user Teams.
    teams_users: Vec<String>,
}

/// Registers a Zoom host and a Google account per tenant (with a refresh token and an expired
/// access token, as after a connect), connects per-user Teams' Microsoft accounts, and builds
/// the configured providers.
async fn setup(emu: &EmulatorHandle, config: &SoakConfig) -> Result<Setup, HarnessError> {
    let demo = emu.demo().clone();
    let store = Arc::new(MemoryTokenStore::new());
    let mut tenants = Vec::new();
    for i in 0..config.tenants {
        let zoom_host = format!("host{i}@soak.example.com");
        emu.add_zoom_user(&demo.zoom_account_id, &zoom_host)?;
        let google_user = format!("soak-user-{i}@example.com");
        emu.add_google_user(&google_user);
        let refresh =
            emu.issue_google_refresh_token(&demo.google_client_id, &google_user, &[GOOGLE_SCOPE])?;
        let id = format!("soak-tenant-{i}");
        store
            .save(
                &TokenKey::new(id.as_str(), ProviderId::GOOGLE_MEET),
                &TokenRecord::new("ya29.none-yet")
                    .with_refresh_token(refresh)
                    .with_expires_at(Timestamp::UNIX_EPOCH),
                SaveCondition::Always,
            )
            .await?;
        tenants.push(Tenant {
            id,
            zoom_host,
            google_user,
        });
    }
    let mut shared: Vec<Arc<dyn MeetingProvider>> = Vec::new();
    let mut teams = None;
    let mut teams_instances = Vec::new();
    let mut teams_users = Vec::new();
    for provider in &config.providers {
        match provider {
            SoakProvider::Zoom => shared.push(Arc::new(
                ZoomProvider::builder()
                    .with_credentials(
                        &demo.zoom_account_id,
                        &demo.zoom_client_id,
                        &demo.zoom_client_secret,
                    )
                    .with_api_base(emu.zoom_api_base())
                    .with_oauth_base(emu.zoom_oauth_base())
                    .with_request_timeout(config.request_timeout)
                    .with_retry(config.retry.clone())
                    .build()?,
            )),
            SoakProvider::GoogleMeet => shared.push(Arc::new(
                GoogleMeetProvider::builder()
                    .with_client_id(&demo.google_client_id)
                    .with_client_secret(&demo.google_client_secret)
                    .with_redirect_uri(&demo.google_redirect_uri)
                    .with_state_key(OAuthStateKey::generate())
                    .with_token_store(Arc::clone(&store) as Arc<dyn TokenStore>)
                    .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
                    .with_calendar_options(
                        CalendarOptions::default()
                            .with_retry(config.retry.clone())
                            .with_request_timeout(config.request_timeout)
                            .with_conference_wait(Duration::from_secs(2))
                            .with_conference_poll_interval(Duration::from_millis(10)),
                    )
                    .with_token_manager_config(
                        TokenManagerConfig::default().with_lease_poll(Duration::from_millis(5)),
                    )
                    .build()?,
            )),
            SoakProvider::Teams => {
                // One state key for every instance: a state sealed by one opens in another.
                let key: [u8; 32] = rand::random();
                for _ in 0..config.teams_instances.max(1) {
                    let dyn_store = Arc::clone(&store) as Arc<dyn TokenStore>;
                    teams_instances.push(teams_user::provider(emu, config, dyn_store, key)?);
                }
                for (i, tenant) in tenants.iter().take(config.teams_users).enumerate() {
                    let instance = &teams_instances[i % teams_instances.len()];
                    teams_user::connect(emu, instance, &tenant.id, &teams_user::account(i)).await?;
                    teams_users.push(tenant.id.clone());
                }
            }
            SoakProvider::TeamsApp => {
                let provider =
                    teams::provider(emu, config, Arc::clone(&store) as Arc<dyn TokenStore>)?;
                teams = Some(provider.clone());
                shared.push(Arc::new(provider));
            }
        }
    }
    let mut clients = Vec::new();
    for i in 0..teams_instances.len().max(1) {
        let mut builder = MeetSchedifyClient::builder();
        for provider in &shared {
            builder = builder.with_shared_provider(Arc::clone(provider));
        }
        if let Some(instance) = teams_instances.get(i) {
            builder = builder.with_provider(instance.clone());
        }
        clients.push(builder.build()?);
    }
    Ok(Setup {
        clients,
        tenants,
        store,
        teams,
        teams_users,
    })
}

/// Call `n` as a request: its provider, tenant, unique title and, three times in four, an
/// idempotency key.
fn request(config: &SoakConfig, tenants: &[Tenant], n: usize) -> CreateMeetingRequest {
    let provider = config.providers[n % config.providers.len()];
    let round = n / config.providers.len();
    // Per-user Teams goes round the tenants that connected a Microsoft account.
    let tenant = match provider {
        SoakProvider::Teams => &tenants[round % config.teams_users.clamp(1, tenants.len())],
        _ => &tenants[round % tenants.len()],
    };
    let time = MeetingTime::new("2030-05-06T09:00:00", "2030-05-06T09:30:00")
        .with_timezone("Europe/Paris");
    let request =
        CreateMeetingRequest::new(tenant.id.as_str(), provider.id(), title(provider, n), time);
    let request = match provider {
        SoakProvider::Zoom => {
            request.with_provider_option("zoom", json!({ "user_id": tenant.zoom_host }))
        }
        SoakProvider::GoogleMeet | SoakProvider::Teams | SoakProvider::TeamsApp => request,
    };
    // Three creates in four of each provider carry an idempotency key (Zoom then looks before
    // its first attempt; Google derives the event id from it; Teams the transactionId); the
    // fourth relies on the providers' own per-call protection (a random marker; a random event
    // id; a random transactionId).
    if round % 4 == 0 {
        request
    } else {
        request.with_idempotency_key(format!("soak-{n}"))
    }
}

/// Runs the soak against an in-process emulator.
pub async fn run(config: &SoakConfig) -> Result<SoakReport, HarnessError> {
    if config.providers.is_empty() {
        return Err("the soak needs at least one provider".into());
    }
    let emu = Emulator::builder()
        .with_seed(config.seed)
        .with_zoom_daily_limit(None)
        .with_google_quota_per_minute(None)
        // Microsoft's strictest rotation: a refresh token works once.
        .with_microsoft_single_use_refresh_tokens(true)
        .with_microsoft_consent(ConsentMode::Auto)
        .start()
        .await?;
    // Per-user Teams' token requests are counted from the request log: keep all of them.
    emu.update_settings(|s| s.max_recorded_requests = usize::MAX);
    let Setup {
        clients,
        tenants,
        store,
        teams,
        teams_users,
    } = setup(&emu, config).await?;

    // The Microsoft rules first, per-user before app-only: rules are tried in order.
    teams_user::inject_faults(&emu, config);
    teams::inject_faults(&emu, config);
    inject_faults(&emu, config);
    let expirer = teams_user::Expirer::start(
        Arc::clone(&store) as Arc<dyn TokenStore>,
        teams_users
            .iter()
            .map(|t| TokenKey::new(t.as_str(), ProviderId::MICROSOFT_TEAMS))
            .collect(),
        config.teams_expire_every,
    );
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(config.concurrency));
    let deadline = config.call_deadline();
    let mut tasks = Vec::with_capacity(config.creates);
    for n in 0..config.creates {
        let client = clients[n % clients.len()].clone();
        let permits = Arc::clone(&permits);
        let request = request(config, &tenants, n);
        let task = tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let t = Instant::now();
            let outcome = tokio::time::timeout(deadline * 2, client.create_meeting(request)).await;
            (t.elapsed(), outcome)
        });
        tasks.push((n, task));
    }
    let mut report = SoakReport {
        creates: config.creates,
        ..SoakReport::default()
    };
    for provider in &config.providers {
        let name = provider.id().to_string();
        report.duplicates.insert(name.clone(), 0);
        report.tokens_lost.insert(name, 0);
    }
    // Per title: the provider, and the id a success returned or what a failure told the caller.
    let mut outcomes: HashMap<String, (String, Result<String, Told>)> = HashMap::new();
    for (n, task) in tasks {
        let kind = config.providers[n % config.providers.len()];
        let provider = kind.id().to_string();
        let title = title(kind, n);
        let outcome = match task.await {
            Err(_) => {
                report.panics += 1;
                continue;
            }
            Ok((took, outcome)) => {
                report.slowest_ms = report.slowest_ms.max(took.as_millis());
                if took > deadline {
                    report.late += 1;
                }
                match outcome {
                    Err(_) => {
                        report.late += 1;
                        Err(Told::plain(format!("{provider}: never ended")))
                    }
                    Ok(Ok(meeting)) => {
                        *report.succeeded.entry(provider.clone()).or_default() += 1;
                        Ok(meeting.provider_event_id)
                    }
                    Ok(Err(e)) => {
                        *report
                            .failed
                            .entry(format!("{provider} {}", e.code().as_str()))
                            .or_default() += 1;
                        Err(Told {
                            text: format!("{provider} {}: {e}", e.code().as_str()),
                            unknown: e.outcome_unknown(),
                            named: e.meeting_id().is_some(),
                        })
                    }
                }
            }
        };
        outcomes.insert(title, (provider, outcome));
    }
    report.wall_ms = started.elapsed().as_millis();
    let expiries = expirer.stop().await?;
    emu.clear_faults();
    let per_user_teams = teams_user::token_requests(&emu);
    for provider in &config.providers {
        let count = match provider {
            SoakProvider::Zoom => emu.zoom_token_requests(),
            SoakProvider::GoogleMeet => emu.google_token_requests(),
            SoakProvider::Teams => {
                report
                    .token_expiries
                    .insert(provider.id().to_string(), expiries);
                if let Some(why) = teams_user::not_injected(config) {
                    report.not_injected.insert(provider.id().to_string(), why);
                }
                per_user_teams
            }
            // The emulator counts both Teams providers' token requests together.
            SoakProvider::TeamsApp => emu
                .microsoft_token_requests()
                .saturating_sub(per_user_teams),
        };
        report
            .token_requests
            .insert(provider.id().to_string(), count);
    }

    compare_with_state(&emu.state(), &outcomes, &mut report);

    // No token lost, checked per provider once the faults are gone.
    for provider in &config.providers {
        let lost = match provider {
            SoakProvider::Zoom => {
                let tenant = TenantId::new(tenants[0].id.as_str());
                let status = clients[0]
                    .connection_status(&ProviderId::ZOOM, &tenant)
                    .await;
                usize::from(!status.is_ok_and(|s| s.connected))
            }
            SoakProvider::GoogleMeet => lost_google_tokens(&emu, &store, &tenants).await?,
            SoakProvider::Teams => {
                teams_user::lost_tokens(&emu, store.as_ref(), &teams_users).await?
            }
            SoakProvider::TeamsApp => match &teams {
                Some(teams) => usize::from(teams::token_lost(&emu, teams, store.as_ref()).await?),
                None => 0,
            },
        };
        report.tokens_lost.insert(provider.id().to_string(), lost);
    }
    Ok(report)
}

/// Duplicates, missing successes and orphans, from the emulator's own state: every meeting's
/// title (unique per call) and id, whichever provider made it.
fn compare_with_state(
    state: &StateSnapshot,
    outcomes: &HashMap<String, (String, Result<String, Told>)>,
    report: &mut SoakReport,
) {
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for m in state.zoom.meetings_by_host.values().flatten() {
        if let (Some(title), Some(id)) = (m["topic"].as_str(), m["id"].as_i64()) {
            seen.entry(title.to_owned())
                .or_default()
                .push(id.to_string());
        }
    }
    for e in state.google.events_by_calendar.values().flatten() {
        if let (Some(title), Some(id)) = (e["summary"].as_str(), e["id"].as_str()) {
            seen.entry(title.to_owned())
                .or_default()
                .push(id.to_owned());
        }
    }
    for (title, id) in teams::events(state) {
        seen.entry(title).or_default().push(id);
    }
    for (title, ids) in &seen {
        let Some((provider, outcome)) = outcomes.get(title) else {
            continue;
        };
        if ids.len() > 1 {
            *report.duplicates.entry(provider.clone()).or_default() += ids.len() - 1;
            report.duplicate_titles.push(title.clone());
        }
        if let Err(told) = outcome {
            *report.orphans.entry(provider.clone()).or_default() += 1;
            if told.text.contains("no meeting was created") {
                report.false_no_meeting += 1;
            }
            let warning = if told.unknown {
                *report.orphans_flagged.entry(provider.clone()).or_default() += 1;
                "[unknown]"
            } else if told.named {
                "[named]"
            } else {
                report.unwarned_orphans += 1;
                "[NO WARNING]"
            };
            report
                .orphan_errors
                .push(format!("{warning} {}", told.text));
        }
    }
    report.duplicate_titles.sort();
    for (title, (_, outcome)) in outcomes {
        if let Ok(id) = outcome {
            if !seen.get(title).is_some_and(|ids| ids.contains(id)) {
                report.missing += 1;
            }
        }
    }
}

/// Google tenants whose stored refresh token is gone, revoked or refused by Google.
async fn lost_google_tokens(
    emu: &EmulatorHandle,
    store: &MemoryTokenStore,
    tenants: &[Tenant],
) -> Result<usize, HarnessError> {
    let demo = emu.demo();
    let oauth = GoogleOAuthClient::new(
        ProviderId::GOOGLE_MEET,
        GoogleClientCredentials::new(&demo.google_client_id, &demo.google_client_secret),
        GoogleEndpoints::all_at(emu.base_url())?,
    )?;
    let mut lost = 0;
    for tenant in tenants {
        let stored = store
            .get(&TokenKey::new(tenant.id.as_str(), ProviderId::GOOGLE_MEET))
            .await?;
        let usable = match stored {
            Some(r) if r.revoked.is_none() => match &r.refresh_token {
                Some(refresh) if refresh.expose_secret().starts_with("1//") => {
                    oauth.refresh(refresh).await.is_ok()
                }
                _ => false,
            },
            _ => false,
        };
        if !usable {
            lost += 1;
            eprintln!("{} ({}) lost its token", tenant.id, tenant.google_user);
        }
    }
    Ok(lost)
}

/// The counts as the soak prints them.
pub fn summary(report: &SoakReport) -> Value {
    serde_json::to_value(report).unwrap_or(Value::Null)
}
