//! Starting the emulator in process, and the handle that controls and stops it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use jiff::Timestamp;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::demo::DemoCredentials;
use crate::error::EmulatorError;
use crate::faults::FaultRule;
use crate::google::push::{GooglePushDelivery, GooglePushFault};
use crate::google::store::GoogleClient;
use crate::microsoft::store::{MicrosoftApp, MicrosoftUser};
use crate::record::RecordedRequest;
use crate::settings::{ConsentMode, QuotaStatus, Settings};
use crate::snapshot::StateSnapshot;
use crate::state::Shared;
use crate::zoom::seed::ZoomMeetingSeed;
use crate::zoom::store::{ZoomAccount, ZoomLicence, ZoomMeetingEvent, ZoomUser};
use crate::zoom::webhooks::{ZoomParticipant, ZoomWebhookDelivery, ZoomWebhookFault};

/// Seed of the emulator's RNG unless one is given: ids, tokens and probabilistic faults repeat from
/// run to run.
pub const DEFAULT_SEED: u64 = 0x6d65_6574_7363_6864;

/// Entry point: `Emulator::start().await` or `Emulator::builder()...start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator with default settings on `127.0.0.1` and a free port.
    pub async fn start() -> Result<EmulatorHandle, EmulatorError> {
        Self::builder().start().await
    }

    /// A builder for non-default settings.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures an emulator before it starts.
#[derive(Clone, Debug)]
pub struct EmulatorBuilder {
    host: IpAddr,
    port: u16,
    seed: u64,
    settings: Settings,
    demo: DemoCredentials,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: DEFAULT_SEED,
            settings: Settings::default(),
            demo: DemoCredentials::default(),
        }
    }
}

impl EmulatorBuilder {
    /// Address to bind (default `127.0.0.1`).
    pub fn with_host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// Port to bind (default 0: any free port).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Seed of the RNG behind ids, tokens and probabilistic faults.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Google consent behaviour (default: an HTML page with an "Allow" button).
    pub fn with_consent(mut self, mode: ConsentMode) -> Self {
        self.settings.consent = mode;
        self
    }

    /// Shorthand for [`ConsentMode::Auto`] at Google and at Microsoft: authorization redirects at
    /// once.
    pub fn with_auto_consent(mut self) -> Self {
        self.settings.microsoft_consent = ConsentMode::Auto;
        self.with_consent(ConsentMode::Auto)
    }

    /// Microsoft consent behaviour (default: an HTML page with an "Accept" button).
    pub fn with_microsoft_consent(mut self, mode: ConsentMode) -> Self {
        self.settings.microsoft_consent = mode;
        self
    }

    /// Whether a Microsoft refresh token works only once (default false: Microsoft keeps used
    /// refresh tokens valid; see [`Settings::microsoft_single_use_refresh_tokens`]).
    pub fn with_microsoft_single_use_refresh_tokens(mut self, single_use: bool) -> Self {
        self.settings.microsoft_single_use_refresh_tokens = single_use;
        self
    }

    /// Whether mailboxes get Teams meetings on events (default true; see
    /// [`Settings::microsoft_teams_available`]).
    pub fn with_microsoft_teams_available(mut self, available: bool) -> Self {
        self.settings.microsoft_teams_available = available;
        self
    }

    /// Whether a Meet `createRequest` is `pending` in the insert answer (default true).
    pub fn with_conference_pending_on_insert(mut self, pending: bool) -> Self {
        self.settings.conference_pending_on_insert = pending;
        self
    }

    /// How many `events.get` reads still show `pending` (default 0: the first read shows `success`).
    pub fn with_conference_pending_reads(mut self, reads: u32) -> Self {
        self.settings.conference_pending_reads = reads;
        self
    }

    /// Zoom's per-host daily create+update limit (default `Some(100)`; `None` disables it).
    pub fn with_zoom_daily_limit(mut self, limit: Option<u32>) -> Self {
        self.settings.zoom_daily_limit = limit;
        self
    }

    /// Per-second limit for each Zoom rate-limit label (default `None`).
    pub fn with_zoom_per_second_limit(mut self, limit: Option<u32>) -> Self {
        self.settings.zoom_per_second_limit = limit;
        self
    }

    /// Legacy Zoom behaviour: each new token invalidates the account's older ones (default false).
    pub fn with_zoom_single_token(mut self, single: bool) -> Self {
        self.settings.zoom_single_token = single;
        self
    }

    /// Google Calendar requests per user per minute (default `Some(600)`; `None` disables it).
    pub fn with_google_quota_per_minute(mut self, limit: Option<u32>) -> Self {
        self.settings.google_quota_per_minute = limit;
        self
    }

    /// Status of the Google quota error (default 403).
    pub fn with_google_quota_status(mut self, status: QuotaStatus) -> Self {
        self.settings.google_quota_status = status;
        self
    }

    /// Replaces all settings at once.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Replaces the demo credentials registered at start.
    pub fn with_demo_credentials(mut self, demo: DemoCredentials) -> Self {
        self.demo = demo;
        self
    }

    /// Binds the socket and starts serving in the background on the current Tokio runtime.
    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        let addr = SocketAddr::new(self.host, self.port);
        let listener = listen(addr).map_err(|source| EmulatorError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let root = format!("http://{addr}");
        let shared = Arc::new(Shared::new(self.settings, self.seed, self.demo));
        shared.set_root_url(root.clone());
        shared.zoom_outbox.start();
        shared.google_outbox.start();
        shared.graph_outbox.start();
        let app = app(shared.clone());
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(crate::server::serve(listener, app, rx));
        Ok(EmulatorHandle {
            shared,
            addr,
            root,
            shutdown,
            task: Some(task),
        })
    }
}

/// The whole application: vendor routes behind the recording/fault layer, control routes outside it.
fn app(shared: Arc<Shared>) -> Router {
    let vendor = crate::zoom::router(&shared)
        .merge(crate::google::router())
        .merge(crate::microsoft::router())
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            crate::layers::vendor_layer,
        ));
    vendor
        .merge(crate::control_api::router())
        .with_state(shared)
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    root: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Root URL of the server, e.g. `http://127.0.0.1:41234` (every family lives under it).
    pub fn base_url(&self) -> &str {
        &self.root
    }

    /// Zoom OAuth base: the library posts to `{base}/oauth/token` (`MEETSCHEDIFY_ZOOM_OAUTH_BASE`).
    pub fn zoom_oauth_base(&self) -> String {
        self.root.clone()
    }

    /// Zoom API base including `/v2` (`MEETSCHEDIFY_ZOOM_API_BASE`).
    pub fn zoom_api_base(&self) -> String {
        format!("{}/v2", self.root)
    }

    /// Google authorization base: `{base}/o/oauth2/v2/auth` (`MEETSCHEDIFY_GOOGLE_AUTH_BASE`).
    pub fn google_auth_base(&self) -> String {
        self.root.clone()
    }

    /// Google token base: `{base}/token` and `{base}/revoke` (`MEETSCHEDIFY_GOOGLE_OAUTH_BASE`).
    pub fn google_oauth_base(&self) -> String {
        self.root.clone()
    }

    /// Google API base: `{base}/calendar/v3/...` (`MEETSCHEDIFY_GOOGLE_API_BASE`).
    pub fn google_api_base(&self) -> String {
        self.root.clone()
    }

    /// Microsoft identity platform base: the library posts to
    /// `{base}/{tenant}/oauth2/v2.0/token` (`MEETSCHEDIFY_MICROSOFT_LOGIN_BASE`).
    pub fn microsoft_login_base(&self) -> String {
        format!("{}{}", self.root, crate::microsoft::LOGIN_PREFIX)
    }

    /// Microsoft Graph base including `/v1.0` (`MEETSCHEDIFY_GRAPH_API_BASE`).
    pub fn graph_api_base(&self) -> String {
        format!("{}{}", self.root, crate::microsoft::GRAPH_PREFIX)
    }

    /// Base of the emulator's own control API (`{root}/_emulator`).
    pub fn control_base(&self) -> String {
        format!("{}/_emulator", self.root)
    }

    /// The demo credentials registered at start.
    pub fn demo(&self) -> &DemoCredentials {
        &self.shared.demo
    }

    /// The environment that points the library at this emulator: the seven `MEETSCHEDIFY_*_BASE`
    /// variables and the demo credentials, in a stable order.
    pub fn env_exports(&self) -> Vec<(String, String)> {
        let demo = &self.shared.demo;
        [
            ("MEETSCHEDIFY_ZOOM_API_BASE", self.zoom_api_base()),
            ("MEETSCHEDIFY_ZOOM_OAUTH_BASE", self.zoom_oauth_base()),
            ("MEETSCHEDIFY_GOOGLE_API_BASE", self.google_api_base()),
            ("MEETSCHEDIFY_GOOGLE_OAUTH_BASE", self.google_oauth_base()),
            ("MEETSCHEDIFY_GOOGLE_AUTH_BASE", self.google_auth_base()),
            (
                "MEETSCHEDIFY_MICROSOFT_LOGIN_BASE",
                self.microsoft_login_base(),
            ),
            ("MEETSCHEDIFY_GRAPH_API_BASE", self.graph_api_base()),
            ("ZOOM_ACCOUNT_ID", demo.zoom_account_id.clone()),
            ("ZOOM_CLIENT_ID", demo.zoom_client_id.clone()),
            ("ZOOM_CLIENT_SECRET", demo.zoom_client_secret.clone()),
            ("GOOGLE_CLIENT_ID", demo.google_client_id.clone()),
            ("GOOGLE_CLIENT_SECRET", demo.google_client_secret.clone()),
            ("GOOGLE_REDIRECT_URI", demo.google_redirect_uri.clone()),
            ("GOOGLE_REFRESH_TOKEN", demo.google_refresh_token.clone()),
            ("MICROSOFT_TENANT_ID", demo.microsoft_tenant_id.clone()),
            ("MICROSOFT_CLIENT_ID", demo.microsoft_client_id.clone()),
            (
                "MICROSOFT_CLIENT_SECRET",
                demo.microsoft_client_secret.clone(),
            ),
            (
                "MICROSOFT_REDIRECT_URI",
                demo.microsoft_redirect_uri.clone(),
            ),
            (
                "MICROSOFT_TEAMS_ORGANIZER",
                demo.microsoft_organizer_id.clone(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// [`Self::env_exports`] as `export NAME=value` lines for a POSIX shell.
    pub fn env_script(&self) -> String {
        self.env_exports()
            .into_iter()
            .map(|(k, v)| format!("export {k}={}\n", shell_quote(&v)))
            .collect()
    }

    /// Back to the state right after start (demo data only, clock at real time, no faults, no log).
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// The recorded requests, oldest first, with secrets redacted.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Everything the emulator holds (meetings per host, events per calendar, counters, settings).
    pub fn state(&self) -> StateSnapshot {
        self.shared.snapshot()
    }

    /// Current settings.
    pub fn settings(&self) -> Settings {
        self.shared.settings()
    }

    /// Changes settings at run time, e.g. `handle.update_settings(|s| s.zoom_daily_limit = None)`.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        let mut settings = self.shared.settings();
        change(&mut settings);
        self.shared.set_settings(settings);
    }

    /// Registers (or replaces) a Zoom S2S app.
    pub fn register_zoom_account(&self, account: ZoomAccount) {
        self.shared.register_zoom_account(account);
    }

    /// Adds a Pro user to a Zoom account (the account's first user is `me`); returns it with its
    /// new id. An email the account already has (compared case-insensitively) returns that user
    /// unchanged.
    pub fn add_zoom_user(&self, account_id: &str, email: &str) -> Result<ZoomUser, EmulatorError> {
        self.shared.add_zoom_user(account_id, email, None)
    }

    /// Adds a user with a licence to a Zoom account, or sets the licence of the account's user
    /// with that email (compared case-insensitively). The licence decides how many meetings the
    /// user can run at once ([`ZoomLicence::concurrent_meeting_limit`]).
    pub fn add_zoom_user_with_licence(
        &self,
        account_id: &str,
        email: &str,
        licence: ZoomLicence,
    ) -> Result<ZoomUser, EmulatorError> {
        self.shared.add_zoom_user(account_id, email, Some(licence))
    }

    /// A registered Zoom user by id or email (compared case-insensitively), in any account.
    pub fn zoom_user(&self, user: &str) -> Option<ZoomUser> {
        self.shared.zoom_user(user)
    }

    /// Issues a Zoom access token without a token request (the token counter does not move).
    pub fn issue_zoom_access_token(&self, account_id: &str) -> Result<String, EmulatorError> {
        self.shared.issue_zoom_access_token(account_id)
    }

    /// Test support: inserts many meetings for one host straight into the store (no request is
    /// recorded, no limit counted), e.g. to give a host 100,000 meetings in well under a second
    /// of HTTP-free work. Returns their ids in creation order (the list endpoint's order).
    pub fn seed_zoom_meetings(&self, seed: ZoomMeetingSeed) -> Result<Vec<u64>, EmulatorError> {
        self.shared.seed_zoom_meetings(&seed)
    }

    /// Starts a Zoom meeting, as its host would in the Zoom client (Zoom's API cannot): it turns
    /// `status: "started"` and is listed under `type=live`. Fails with
    /// [`EmulatorError::ZoomHostBusy`] when the host already runs as many meetings as its licence
    /// allows (one for Basic and Pro, two for Business, Education and Enterprise), as Zoom refuses
    /// it; the running meetings go on. Starting a running meeting changes nothing. Every start is
    /// recorded in [`Self::zoom_meeting_events`].
    pub fn start_zoom_meeting(&self, meeting_id: u64) -> Result<(), EmulatorError> {
        self.shared.start_zoom_meeting(meeting_id, false).map(drop)
    }

    /// Starts a Zoom meeting as a host who answers Zoom's "End Other Meeting" prompt: when the
    /// host is at its licence's limit, its earliest-started meeting ends (back to `waiting`) and
    /// this one starts. Returns the ids of the meetings it ended (none when there was room).
    pub fn start_zoom_meeting_ending_others(
        &self,
        meeting_id: u64,
    ) -> Result<Vec<u64>, EmulatorError> {
        self.shared
            .start_zoom_meeting(meeting_id, true)
            .map(|started| started.ended)
    }

    /// Ends a running Zoom meeting: it goes back to `status: "waiting"` (a scheduled meeting can
    /// be started again until it expires). Ending a meeting that is not running changes nothing.
    pub fn end_zoom_meeting(&self, meeting_id: u64) -> Result<(), EmulatorError> {
        self.shared.end_zoom_meeting(meeting_id).map(drop)
    }

    /// Registers a Zoom webhook endpoint with the app's Secret Token, as saving an event
    /// subscription in the Zoom app does: the emulator first sends the signed
    /// `endpoint.url_validation` check and registers the endpoint only if it answers within 3
    /// seconds with the right `encryptedToken` ([`EmulatorError::ZoomWebhookValidation`]
    /// otherwise). The subscription lists every event the emulator sends
    /// ([`crate::ZOOM_WEBHOOK_EVENTS`]): from then on every meeting start and end, participant
    /// join and leave, update, deletion and cloud recording is POSTed to it, signed with
    /// `secret`.
    pub async fn register_zoom_webhook(
        &self,
        url: &str,
        secret: &str,
    ) -> Result<(), EmulatorError> {
        self.shared.register_zoom_webhook(url, secret, None).await
    }

    /// Like [`Self::register_zoom_webhook`], for an event subscription that lists only
    /// `events`: Zoom sends an endpoint nothing else. An empty list, or an event outside
    /// [`crate::ZOOM_WEBHOOK_EVENTS`], is refused with [`EmulatorError::UnknownZoomWebhookEvent`]
    /// before any validation request.
    pub async fn register_zoom_webhook_for(
        &self,
        url: &str,
        secret: &str,
        events: &[&str],
    ) -> Result<(), EmulatorError> {
        let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
        self.shared
            .register_zoom_webhook(url, secret, Some(&events))
            .await
    }

    /// Removes every registered Zoom webhook endpoint.
    pub fn clear_zoom_webhooks(&self) {
        self.shared.clear_zoom_webhooks();
    }

    /// Makes the next webhook delivery (one endpoint, one notification) misbehave; faults apply
    /// one each, in the order injected.
    pub fn inject_zoom_webhook_fault(&self, fault: ZoomWebhookFault) {
        self.shared.inject_zoom_webhook_fault(fault);
    }

    /// Every webhook request sent since start or reset, in sending order, with the endpoint's
    /// answer. Deliveries are asynchronous: poll until the expected ones are there.
    pub fn zoom_webhook_deliveries(&self) -> Vec<ZoomWebhookDelivery> {
        self.shared.zoom_webhook_deliveries()
    }

    /// Makes the next Google push delivery (one channel, one message) misbehave; faults apply
    /// one each, in the order injected.
    pub fn inject_google_push_fault(&self, fault: GooglePushFault) {
        self.shared.inject_google_push_fault(fault);
    }

    /// Every Google push request sent since start or reset, in sending order, with the
    /// receiver's answer. Deliveries are asynchronous: poll until the expected ones are there.
    pub fn google_push_deliveries(&self) -> Vec<GooglePushDelivery> {
        self.shared.google_push_deliveries()
    }

    /// Expires every Google sync token issued so far: the next incremental `events.list`
    /// answers `410 GONE`, as when Google drops a client's sync state.
    pub fn expire_google_sync_tokens(&self) {
        self.shared.expire_google_sync_tokens();
    }

    /// Changes a Google event as its owner would in Google Calendar itself (`fields` replace
    /// the stored ones; `"status": "cancelled"` deletes it) and notifies the channels watching
    /// its calendar (`calendar` as resolved: the owner's email for `primary`).
    pub fn change_google_event(
        &self,
        calendar: &str,
        event_id: &str,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EmulatorError> {
        self.shared.change_google_event(calendar, event_id, fields)
    }

    /// Sends Graph lifecycle notification `event` (`reauthorizationRequired`,
    /// `subscriptionRemoved`, `missed`) for subscription `id` to its
    /// `lifecycleNotificationUrl`; `subscriptionRemoved` also deletes the subscription.
    pub fn trigger_graph_lifecycle(&self, id: &str, event: &str) -> Result<(), EmulatorError> {
        self.shared.trigger_graph_lifecycle(id, event)
    }

    /// Makes the next Graph notification request misbehave; faults apply one each, in the
    /// order injected.
    pub fn inject_graph_webhook_fault(&self, fault: crate::GraphWebhookFault) {
        self.shared.inject_graph_webhook_fault(fault);
    }

    /// Every Graph notification request sent since start or reset, in sending order, with the
    /// endpoint's answer. Deliveries are asynchronous: poll until the expected ones are there.
    pub fn graph_webhook_deliveries(&self) -> Vec<crate::GraphWebhookDelivery> {
        self.shared.graph_webhook_deliveries()
    }

    /// The ids of the live Graph subscriptions.
    pub fn graph_subscription_ids(&self) -> Vec<String> {
        self.shared.graph_subscription_ids()
    }

    /// The ids of the Google push channels open now (neither stopped nor expired), sorted.
    pub fn google_channel_ids(&self) -> Vec<String> {
        self.shared.google_channel_ids()
    }

    /// A participant (display name, optional email) joins a running Zoom meeting; sends
    /// `meeting.participant_joined`. Fails when the meeting is unknown or not running.
    pub fn join_zoom_meeting(
        &self,
        meeting_id: u64,
        user_name: &str,
        email: Option<&str>,
    ) -> Result<ZoomParticipant, EmulatorError> {
        self.shared.join_zoom_meeting(meeting_id, user_name, email)
    }

    /// A participant (by [`ZoomParticipant::user_id`]) leaves; sends
    /// `meeting.participant_left`. Ending a meeting makes everyone still in leave first.
    pub fn leave_zoom_meeting(&self, meeting_id: u64, user_id: &str) -> Result<(), EmulatorError> {
        self.shared.leave_zoom_meeting(meeting_id, user_id)
    }

    /// Every start and end of a Zoom meeting since start or reset, oldest first, on the emulator
    /// clock: starts and ends through the control API, meetings ended to make room for another,
    /// and running meetings ended by their deletion. Seeded meetings leave no event.
    pub fn zoom_meeting_events(&self) -> Vec<ZoomMeetingEvent> {
        self.shared.zoom_meeting_events()
    }

    /// How many meeting creates plus updates a Zoom host (user id or email) made in the current
    /// UTC day of the emulator clock: what counts against Zoom's daily limit of 100 per host
    /// (`Settings::zoom_daily_limit`). Deletes do not count.
    pub fn zoom_daily_count(&self, user: &str) -> Result<u32, EmulatorError> {
        self.shared.zoom_daily_count(user).map(|(_, count)| count)
    }

    /// Sets a Zoom host's (user id or email) creates plus updates for the current UTC day, e.g.
    /// to put it one request short of its daily limit without 99 requests. The next UTC day
    /// starts from zero as usual.
    pub fn set_zoom_daily_count(&self, user: &str, count: u32) -> Result<(), EmulatorError> {
        self.shared.set_zoom_daily_count(user, count).map(drop)
    }

    /// Replaces the scopes of a Zoom account's S2S app (default [`DEFAULT_ZOOM_SCOPES`](crate::DEFAULT_ZOOM_SCOPES)), as its
    /// owner would in the Zoom App Marketplace. Tokens carry the scopes of the moment they are
    /// issued: tokens issued before keep the old ones, and a Meetings call whose token lacks the
    /// endpoint's scopes gets Zoom's 400 code 4711.
    pub fn set_zoom_scopes(&self, account_id: &str, scopes: &[&str]) -> Result<(), EmulatorError> {
        self.shared.set_zoom_scopes(account_id, scopes)
    }

    /// The scopes a Zoom account's app has now.
    pub fn zoom_scopes(&self, account_id: &str) -> Result<Vec<String>, EmulatorError> {
        self.shared.zoom_scopes(account_id)
    }

    /// Registers (or replaces) a Google OAuth client.
    pub fn register_google_client(&self, client: GoogleClient) {
        self.shared.register_google_client(client);
    }

    /// Registers a Google test user (the first one registered is the default at the consent page).
    pub fn add_google_user(&self, email: &str) {
        self.shared.add_google_user(email);
    }

    /// Issues a refresh token as if `email` had consented to `scopes` for `client_id`.
    pub fn issue_google_refresh_token(
        &self,
        client_id: &str,
        email: &str,
        scopes: &[&str],
    ) -> Result<String, EmulatorError> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared
            .issue_google_refresh_token(client_id, email, &scopes)
    }

    /// Issues a Google access token for `email` with `scopes`, skipping OAuth.
    pub fn issue_google_access_token(
        &self,
        email: &str,
        scopes: &[&str],
    ) -> Result<String, EmulatorError> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared.issue_google_access_token(email, &scopes)
    }

    /// Revokes a token (Zoom access, Google access or refresh); returns whether it was live.
    pub fn revoke_token(&self, token: &str) -> bool {
        self.shared.revoke_token(token)
    }

    /// Moves the emulator clock forward (token expiry, daily limits and quotas follow it).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.advance_clock(by);
    }

    /// The emulator clock.
    pub fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }

    /// Installs a fault rule (rules are tried in the order they were added).
    pub fn inject_fault(&self, rule: FaultRule) {
        self.shared.add_fault(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Calls to Zoom's `POST /oauth/token` since start or reset, whatever their outcome.
    pub fn zoom_token_requests(&self) -> u64 {
        self.shared.token_requests().0
    }

    /// Calls to Google's `POST /token` since start or reset, whatever their outcome.
    pub fn google_token_requests(&self) -> u64 {
        self.shared.token_requests().1
    }

    /// Registers (or replaces) a Microsoft Entra app registration (its tenant becomes known).
    pub fn register_microsoft_app(&self, app: MicrosoftApp) {
        self.shared.register_microsoft_app(app);
    }

    /// Replaces the application permissions (`roles`) admin-consented for an app, e.g.
    /// `&["Calendars.ReadWrite"]`. Tokens issued before keep the roles they were issued with.
    pub fn set_microsoft_app_roles(
        &self,
        client_id: &str,
        roles: &[&str],
    ) -> Result<(), EmulatorError> {
        let roles: Vec<String> = roles.iter().map(|s| (*s).to_owned()).collect();
        self.shared.set_microsoft_app_roles(client_id, &roles)
    }

    /// Marks an app's client secret expired (the token endpoint answers 401 AADSTS7000222) or
    /// valid again.
    pub fn set_microsoft_secret_expired(
        &self,
        client_id: &str,
        expired: bool,
    ) -> Result<(), EmulatorError> {
        self.shared.set_microsoft_secret_expired(client_id, expired)
    }

    /// Adds a user (a new object id) with this UPN to a tenant, or returns the tenant's user with
    /// that UPN (compared case-insensitively).
    pub fn add_microsoft_user(&self, tenant_id: &str, upn: &str) -> MicrosoftUser {
        self.shared.add_microsoft_user(tenant_id, upn, None, None)
    }

    /// A Microsoft user by object id or UPN, in any tenant.
    pub fn microsoft_user(&self, user: &str) -> Option<MicrosoftUser> {
        self.shared.microsoft_user(user)
    }

    /// Grants an app the Teams application access policy for one user (object id or UPN), as
    /// `Grant-CsApplicationAccessPolicy -Identity <user>` does; app-only onlineMeetings calls for
    /// other users get 403.
    pub fn grant_microsoft_access_policy(
        &self,
        client_id: &str,
        user: &str,
    ) -> Result<(), EmulatorError> {
        self.shared
            .grant_microsoft_access_policy(client_id, Some(user))
    }

    /// Grants an app the application access policy for every user of its tenant (`-Global`).
    pub fn grant_microsoft_access_policy_globally(
        &self,
        client_id: &str,
    ) -> Result<(), EmulatorError> {
        self.shared.grant_microsoft_access_policy(client_id, None)
    }

    /// Takes back an app's application access policy for one user (object id or UPN).
    pub fn revoke_microsoft_access_policy(
        &self,
        client_id: &str,
        user: &str,
    ) -> Result<(), EmulatorError> {
        self.shared
            .revoke_microsoft_access_policy(client_id, Some(user))
    }

    /// Revokes every refresh token of a user (object id or UPN), as an admin revoking the user's
    /// sessions: refreshing one fails with `invalid_grant` AADSTS50173.
    pub fn revoke_microsoft_user_tokens(&self, user: &str) -> Result<(), EmulatorError> {
        self.shared.revoke_microsoft_user_tokens(user)
    }

    /// Requires MFA for a user (object id or UPN), as a Conditional Access policy would: while on,
    /// refreshing one of the user's tokens fails with `invalid_grant` AADSTS50076,
    /// `suberror: basic_action` and a `claims` challenge.
    pub fn set_microsoft_mfa_required(
        &self,
        user: &str,
        required: bool,
    ) -> Result<(), EmulatorError> {
        self.shared.set_microsoft_mfa_required(user, required)
    }

    /// An app-only Graph access token with the app's current roles, without a token request.
    pub fn issue_microsoft_app_token(&self, client_id: &str) -> Result<String, EmulatorError> {
        self.shared.issue_microsoft_app_token(client_id)
    }

    /// A delegated Graph access token for `user` (object id or UPN) with `scopes` (short names such
    /// as `Calendars.ReadWrite`), without OAuth.
    pub fn issue_microsoft_user_token(
        &self,
        client_id: &str,
        user: &str,
        scopes: &[&str],
    ) -> Result<String, EmulatorError> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared
            .issue_microsoft_user_token(client_id, user, &scopes)
    }

    /// A refresh token as if `user` had consented to `scopes` for `client_id` (items as in an
    /// authorize request, e.g. `["offline_access", "Calendars.ReadWrite"]`).
    pub fn issue_microsoft_refresh_token(
        &self,
        client_id: &str,
        user: &str,
        scopes: &[&str],
    ) -> Result<String, EmulatorError> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.shared
            .issue_microsoft_refresh_token(client_id, user, &scopes)
    }

    /// Calls to Microsoft's token endpoint since start or reset, whatever their outcome.
    pub fn microsoft_token_requests(&self) -> u64 {
        self.shared.microsoft_token_requests()
    }

    /// Stops the server and waits until it has let go of its socket.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // The accept loop sees this (or the sender going away) and shuts down gracefully.
        let _ = self.shutdown.send(true);
    }
}

/// Quotes a value for a POSIX shell when it needs it.
fn shell_quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain && !value.is_empty() {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Connections the kernel may hold completed but not yet accepted (capped by
/// `net.core.somaxconn`). Tests start thousands of calls at once; with the 1,024 that
/// `TcpListener::bind` asks for, the kernel drops the surplus handshakes, and each client waits
/// a second or more to retry its SYN, holding a socket all the while.
const ACCEPT_BACKLOG: u32 = 8192;

/// Binds `addr` with a deep accept queue and address reuse (a restarted emulator can take its
/// port again at once).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn shell_values_are_quoted_when_needed() {
        assert_eq!(
            shell_quote("http://127.0.0.1:1/v2"),
            "http://127.0.0.1:1/v2"
        );
        assert_eq!(shell_quote("1//abc"), "1//abc");
        assert_eq!(shell_quote("a b'c"), r"'a b'\''c'");
        assert_eq!(shell_quote(""), "''");
    }
}
