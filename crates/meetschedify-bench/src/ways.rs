//! The ways a benchmark creates meetings: through meetschedify, through a minimal hand-written
//! reqwest client that issues the same HTTP calls (the floor), and, for Google, through
//! google-calendar3 used directly. Zoom, Google and app-only Teams (its floor is in
//! `teams_floor.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use google_calendar3::api::{
    ConferenceData, ConferenceSolutionKey, CreateConferenceRequest, Event, EventAttendee,
    EventDateTime,
};
use google_calendar3::CalendarHub;
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::MemoryTokenStore;
use meetschedify_core::{
    async_trait, MeetSchedifyClient, ProviderId, SaveCondition, TokenKey, TokenRecord, TokenStore,
};
use meetschedify_emulator::DemoCredentials;
use meetschedify_google::{CalendarOptions, GoogleEndpoints, GoogleMeetProvider};
use meetschedify_teams::TeamsAppProvider;
use meetschedify_zoom::ZoomProvider;
use serde_json::{json, Value};
use tokio::sync::RwLock;

use crate::emulator::{Control, HarnessError};
use crate::teams_floor::TeamsFloor;
use crate::workload;

/// One way of creating meeting number `n`.
#[async_trait]
pub trait Creator: Send + Sync {
    /// Creates meeting `n`; the error is text (the harness only counts failures).
    async fn create(&self, n: usize) -> Result<(), String>;
}

/// Which way, and on which provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Way {
    /// `MeetSchedifyClient` over `ZoomProvider` (duplicate guard on, the default).
    ZoomMeetschedify,
    /// The same with `with_duplicate_guard(false)`.
    ZoomMeetschedifyNoGuard,
    /// Hand-written reqwest calls: the floor.
    ZoomFloor,
    /// `MeetSchedifyClient` over `GoogleMeetProvider` (per-user OAuth).
    GoogleMeetschedify,
    /// The same with `CalendarOptions::with_raw_event(false)`: no second parse for `raw`.
    GoogleMeetschedifyNoRaw,
    /// Hand-written reqwest calls: the floor.
    GoogleFloor,
    /// google-calendar3's `CalendarHub`, used directly.
    GoogleCalendar3,
    /// `MeetSchedifyClient` over the app-only `TeamsAppProvider`.
    TeamsMeetschedify,
    /// Hand-written reqwest calls: the floor.
    TeamsFloor,
}

/// The vendor a way talks to: which token counter and how many token keys it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// Zoom: one account token.
    Zoom,
    /// Google: one token per tenant.
    Google,
    /// Microsoft: one app token (client credentials).
    Microsoft,
}

impl Vendor {
    /// Token keys a run uses: the tokens it should fetch once per lifetime.
    pub fn token_keys(self) -> u64 {
        match self {
            Vendor::Zoom | Vendor::Microsoft => 1,
            Vendor::Google => GOOGLE_TENANTS as u64,
        }
    }
}

impl Way {
    /// Every way, in report order.
    pub const ALL: [Way; 9] = [
        Way::ZoomMeetschedify,
        Way::ZoomMeetschedifyNoGuard,
        Way::ZoomFloor,
        Way::GoogleMeetschedify,
        Way::GoogleMeetschedifyNoRaw,
        Way::GoogleFloor,
        Way::GoogleCalendar3,
        Way::TeamsMeetschedify,
        Way::TeamsFloor,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Way::ZoomMeetschedify => "zoom/meetschedify",
            Way::ZoomMeetschedifyNoGuard => "zoom/meetschedify-no-guard",
            Way::ZoomFloor => "zoom/floor",
            Way::GoogleMeetschedify => "google/meetschedify",
            Way::GoogleMeetschedifyNoRaw => "google/meetschedify-no-raw",
            Way::GoogleFloor => "google/floor",
            Way::GoogleCalendar3 => "google/google-calendar3",
            Way::TeamsMeetschedify => "teams/meetschedify",
            Way::TeamsFloor => "teams/floor",
        }
    }

    /// The way named `name`.
    pub fn parse(name: &str) -> Option<Way> {
        Way::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The vendor this way talks to.
    pub fn vendor(self) -> Vendor {
        match self {
            Way::ZoomMeetschedify | Way::ZoomMeetschedifyNoGuard | Way::ZoomFloor => Vendor::Zoom,
            Way::GoogleMeetschedify
            | Way::GoogleMeetschedifyNoRaw
            | Way::GoogleFloor
            | Way::GoogleCalendar3 => Vendor::Google,
            Way::TeamsMeetschedify | Way::TeamsFloor => Vendor::Microsoft,
        }
    }

    /// The floor this way is compared with.
    pub fn floor(self) -> Way {
        match self.vendor() {
            Vendor::Zoom => Way::ZoomFloor,
            Vendor::Google => Way::GoogleFloor,
            Vendor::Microsoft => Way::TeamsFloor,
        }
    }
}

/// Google tenants per Google run: each its own user, refresh token and access token.
pub const GOOGLE_TENANTS: usize = 16;

/// Builds `way` against the emulator at `base` (after registering what it needs there).
pub async fn build(way: Way, base: &str) -> Result<Arc<dyn Creator>, HarnessError> {
    let demo = DemoCredentials::default();
    let control = Control::new(base);
    let mut refresh_tokens = Vec::new();
    if way.vendor() == Vendor::Google {
        for i in 0..GOOGLE_TENANTS {
            let email = workload::google_user(i);
            control.add_google_user(&email).await?;
            refresh_tokens.push(
                control
                    .issue_google_refresh_token(&email, &[workload::GOOGLE_SCOPE])
                    .await?,
            );
        }
    }
    Ok(match way {
        Way::ZoomMeetschedify | Way::ZoomMeetschedifyNoGuard => {
            let zoom = ZoomProvider::builder()
                .with_credentials(
                    &demo.zoom_account_id,
                    &demo.zoom_client_id,
                    &demo.zoom_client_secret,
                )
                .with_api_base(format!("{base}/v2"))
                .with_oauth_base(base)
                .with_duplicate_guard(way == Way::ZoomMeetschedify)
                .build()?;
            Arc::new(Library {
                client: MeetSchedifyClient::builder().with_provider(zoom).build()?,
                provider: ProviderId::ZOOM,
                tenants: vec![workload::ZOOM_TENANT.to_owned()],
            })
        }
        Way::ZoomFloor => Arc::new(ZoomFloor::new(base, &demo)),
        Way::GoogleMeetschedify | Way::GoogleMeetschedifyNoRaw => {
            let store = Arc::new(MemoryTokenStore::new());
            let mut tenants = Vec::new();
            for (i, refresh) in refresh_tokens.iter().enumerate() {
                let tenant = workload::google_tenant(i);
                // As after a connect: a refresh token and no usable access token yet.
                let record = TokenRecord::new("ya29.none-yet")
                    .with_refresh_token(refresh.clone())
                    .with_expires_at(Timestamp::UNIX_EPOCH);
                store
                    .save(
                        &TokenKey::new(tenant.as_str(), ProviderId::GOOGLE_MEET),
                        &record,
                        SaveCondition::Always,
                    )
                    .await?;
                tenants.push(tenant);
            }
            let google = GoogleMeetProvider::builder()
                .with_client_id(&demo.google_client_id)
                .with_client_secret(&demo.google_client_secret)
                .with_redirect_uri(&demo.google_redirect_uri)
                .with_state_key(meetschedify_core::OAuthStateKey::generate())
                .with_token_store(store)
                .with_endpoints(GoogleEndpoints::all_at(base)?)
                .with_calendar_options(
                    CalendarOptions::default().with_raw_event(way == Way::GoogleMeetschedify),
                )
                .build()?;
            Arc::new(Library {
                client: MeetSchedifyClient::builder()
                    .with_provider(google)
                    .build()?,
                provider: ProviderId::GOOGLE_MEET,
                tenants,
            })
        }
        Way::GoogleFloor => Arc::new(GoogleFloor {
            tokens: GoogleTokens::new(base, &demo, refresh_tokens),
            http: reqwest::Client::new(),
            events: format!("{base}/calendar/v3/calendars/primary/events"),
        }),
        Way::GoogleCalendar3 => Arc::new(GoogleDirect::new(base, &demo, refresh_tokens)?),
        Way::TeamsMeetschedify => {
            let teams = TeamsAppProvider::builder()
                .with_credentials(
                    &demo.microsoft_tenant_id,
                    &demo.microsoft_client_id,
                    &demo.microsoft_client_secret,
                )
                .with_organizer(&demo.microsoft_organizer_upn)
                .with_login_base(format!("{base}/login"))
                .with_graph_api_base(format!("{base}/graph/v1.0"))
                .build()?;
            Arc::new(Library {
                client: MeetSchedifyClient::builder().with_provider(teams).build()?,
                provider: ProviderId::MICROSOFT_TEAMS_APP,
                tenants: vec![workload::TEAMS_TENANT.to_owned()],
            })
        }
        Way::TeamsFloor => Arc::new(TeamsFloor::new(base, &demo)),
    })
}

/// Through meetschedify: the public client API, validation included.
struct Library {
    client: MeetSchedifyClient,
    provider: ProviderId,
    tenants: Vec<String>,
}

#[async_trait]
impl Creator for Library {
    async fn create(&self, n: usize) -> Result<(), String> {
        let tenant = &self.tenants[n % self.tenants.len()];
        let request = workload::request(tenant, self.provider.clone(), n);
        let created = self
            .client
            .create_meeting(request)
            .await
            .map_err(|e| e.to_string())?;
        if created.conference_link.is_none() {
            return Err("no conference link".into());
        }
        Ok(())
    }
}

/// A cached bearer token and when to fetch the next one (60 s before expiry, as the library).
#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) token: Arc<str>,
    pub(crate) renew_at: Instant,
}

/// When a token that expires in `expires_in` seconds is renewed.
pub(crate) fn renew_at(expires_in: u64) -> Instant {
    Instant::now() + Duration::from_secs(expires_in.saturating_sub(60))
}

/// The Zoom floor: S2S OAuth token once per lifetime, then `POST /users/me/meetings`.
struct ZoomFloor {
    http: reqwest::Client,
    token_url: String,
    meetings_url: String,
    account_id: String,
    client_id: String,
    client_secret: String,
    token: RwLock<Option<Cached>>,
}

impl ZoomFloor {
    fn new(base: &str, demo: &DemoCredentials) -> Self {
        Self {
            http: reqwest::Client::new(),
            token_url: format!("{base}/oauth/token"),
            meetings_url: format!("{base}/v2/users/me/meetings"),
            account_id: demo.zoom_account_id.clone(),
            client_id: demo.zoom_client_id.clone(),
            client_secret: demo.zoom_client_secret.clone(),
            token: RwLock::new(None),
        }
    }

    async fn token(&self) -> Result<Arc<str>, String> {
        if let Some(c) = self.token.read().await.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(Arc::clone(&c.token));
            }
        }
        // One fetch however many callers wait: the write lock is the single flight.
        let mut slot = self.token.write().await;
        if let Some(c) = slot.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(Arc::clone(&c.token));
            }
        }
        let v: Value = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.account_id.as_str()),
            ])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let token: Arc<str> = v["access_token"].as_str().ok_or("no access_token")?.into();
        *slot = Some(Cached {
            token: Arc::clone(&token),
            renew_at: renew_at(v["expires_in"].as_u64().unwrap_or(3599)),
        });
        Ok(token)
    }
}

#[async_trait]
impl Creator for ZoomFloor {
    async fn create(&self, n: usize) -> Result<(), String> {
        let token = self.token().await?;
        let body = json!({
            "type": 2,
            "topic": workload::title(n),
            "agenda": workload::zoom_marker(),
            "start_time": workload::START_UTC,
            "timezone": workload::TIMEZONE,
            "duration": 60,
            "settings": { "meeting_invitees": [{ "email": workload::invitee(n) }] },
        });
        let reply = self
            .http
            .post(&self.meetings_url)
            .bearer_auth(&*token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if reply.status().as_u16() != 201 {
            return Err(format!("zoom answered {}", reply.status()));
        }
        let v: Value = reply.json().await.map_err(|e| e.to_string())?;
        v["join_url"].as_str().ok_or("no join_url")?;
        Ok(())
    }
}

/// Per-tenant Google access tokens from refresh tokens, once per lifetime per tenant.
struct GoogleTokens {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: String,
    refresh_tokens: Vec<String>,
    cache: RwLock<HashMap<usize, Cached>>,
    flights: Vec<tokio::sync::Mutex<()>>,
}

impl GoogleTokens {
    fn new(base: &str, demo: &DemoCredentials, refresh_tokens: Vec<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            token_url: format!("{base}/token"),
            client_id: demo.google_client_id.clone(),
            client_secret: demo.google_client_secret.clone(),
            flights: refresh_tokens
                .iter()
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            refresh_tokens,
            cache: RwLock::new(HashMap::new()),
        }
    }

    fn tenants(&self) -> usize {
        self.refresh_tokens.len()
    }

    async fn get(&self, tenant: usize) -> Result<Arc<str>, String> {
        let fresh = |c: Option<&Cached>| {
            c.filter(|c| Instant::now() < c.renew_at)
                .map(|c| Arc::clone(&c.token))
        };
        if let Some(t) = fresh(self.cache.read().await.get(&tenant)) {
            return Ok(t);
        }
        let _flight = self.flights[tenant].lock().await;
        if let Some(t) = fresh(self.cache.read().await.get(&tenant)) {
            return Ok(t);
        }
        let v: Value = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", self.refresh_tokens[tenant].as_str()),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let token: Arc<str> = v["access_token"].as_str().ok_or("no access_token")?.into();
        self.cache.write().await.insert(
            tenant,
            Cached {
                token: Arc::clone(&token),
                renew_at: renew_at(v["expires_in"].as_u64().unwrap_or(3599)),
            },
        );
        Ok(token)
    }
}

/// The Google floor: `events.insert` with `conferenceDataVersion=1`, then `events.get` while
/// the conference is `pending` (the same calls the library makes).
struct GoogleFloor {
    tokens: GoogleTokens,
    http: reqwest::Client,
    events: String,
}

fn conference_pending(event: &Value) -> bool {
    event["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"
}

#[async_trait]
impl Creator for GoogleFloor {
    async fn create(&self, n: usize) -> Result<(), String> {
        let token = self.tokens.get(n % self.tokens.tenants()).await?;
        let id = workload::google_event_id();
        let body = json!({
            "id": id,
            "summary": workload::title(n),
            "start": { "dateTime": workload::START_UTC, "timeZone": workload::TIMEZONE },
            "end": { "dateTime": workload::END_UTC, "timeZone": workload::TIMEZONE },
            "attendees": [{ "email": workload::invitee(n) }],
            "conferenceData": { "createRequest": {
                "requestId": id,
                "conferenceSolutionKey": { "type": "hangoutsMeet" },
            }},
        });
        let reply = self
            .http
            .post(&self.events)
            .query(&[
                ("sendUpdates", "all"),
                ("conferenceDataVersion", "1"),
                ("alt", "json"),
            ])
            .bearer_auth(&*token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !reply.status().is_success() {
            return Err(format!("google answered {}", reply.status()));
        }
        let mut event: Value = reply.json().await.map_err(|e| e.to_string())?;
        for _ in 0..10 {
            if !conference_pending(&event) {
                break;
            }
            event = self
                .http
                .get(format!("{}/{id}", self.events))
                .query(&[("alt", "json")])
                .bearer_auth(&*token)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
        }
        event["hangoutLink"].as_str().ok_or("no hangoutLink")?;
        Ok(())
    }
}

type Connector = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

/// google-calendar3 used directly: one hub per tenant over one shared connection pool, tokens
/// fetched as the floor does (the bindings have no token layer of their own without yup-oauth2).
struct GoogleDirect {
    tokens: GoogleTokens,
    http: google_calendar3::common::Client<Connector>,
    base: String,
}

impl GoogleDirect {
    fn new(
        base: &str,
        demo: &DemoCredentials,
        refresh_tokens: Vec<String>,
    ) -> Result<Self, HarnessError> {
        // As the bindings' docs build it, plus `http1` (plain-http calls panic without it) and
        // ring named explicitly.
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Self {
            tokens: GoogleTokens::new(base, demo, refresh_tokens),
            http,
            base: base.to_owned(),
        })
    }
}

fn event_time(utc: &str) -> Result<EventDateTime, String> {
    let at = chrono::DateTime::parse_from_rfc3339(utc).map_err(|e| e.to_string())?;
    Ok(EventDateTime {
        date_time: Some(at.with_timezone(&chrono::Utc)),
        time_zone: Some(workload::TIMEZONE.to_owned()),
        ..Default::default()
    })
}

#[async_trait]
impl Creator for GoogleDirect {
    async fn create(&self, n: usize) -> Result<(), String> {
        let token = self.tokens.get(n % self.tokens.tenants()).await?;
        let mut hub = CalendarHub::new(self.http.clone(), token.to_string());
        hub.base_url(format!("{}/calendar/v3/", self.base));
        hub.root_url(format!("{}/", self.base));
        let id = workload::google_event_id();
        let event = Event {
            id: Some(id.clone()),
            summary: Some(workload::title(n)),
            start: Some(event_time(workload::START_UTC)?),
            end: Some(event_time(workload::END_UTC)?),
            attendees: Some(vec![EventAttendee {
                email: Some(workload::invitee(n)),
                ..Default::default()
            }]),
            conference_data: Some(ConferenceData {
                create_request: Some(CreateConferenceRequest {
                    request_id: Some(id.clone()),
                    conference_solution_key: Some(ConferenceSolutionKey {
                        type_: Some("hangoutsMeet".to_owned()),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let (_, mut event) = hub
            .events()
            .insert(event, "primary")
            .send_updates("all")
            .conference_data_version(1)
            .doit()
            .await
            .map_err(|e| e.to_string())?;
        for _ in 0..10 {
            let pending = event
                .conference_data
                .as_ref()
                .and_then(|c| c.create_request.as_ref())
                .and_then(|r| r.status.as_ref())
                .and_then(|s| s.status_code.as_deref())
                == Some("pending");
            if !pending {
                break;
            }
            event = hub
                .events()
                .get("primary", &id)
                .doit()
                .await
                .map_err(|e| e.to_string())?
                .1;
        }
        event.hangout_link.ok_or("no hangoutLink")?;
        Ok(())
    }
}
