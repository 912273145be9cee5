//! The Google side of `webhooks listen`: a per-user provider over the token store, the
//! verifier behind `POST /webhooks/google`, and the push channels of the tenants asked for,
//! open while the listener runs.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use meetschedify::jiff::{SignedDuration, Timestamp};
use meetschedify::oauth_state::OAuthStateKey;
use meetschedify::webhooks::WebhookVerifier;
use meetschedify::{Error, TenantId};
use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};
use meetschedify_google::{
    GoogleMeetBuilder, GoogleMeetProvider, PerUserTokens, ENV_CLIENT_ID, ENV_STATE_KEY,
};
use meetschedify_store_sqlite::SqliteTokenStore;

use crate::registry::token_db;

/// The path Google's channels deliver to.
pub const GOOGLE_PATH: &str = "/webhooks/google";

/// How often channels are checked for renewal, and how long before expiry they are renewed:
/// Google renews nothing itself (reference `webhooks.md` §2.5).
const RENEW_EVERY: Duration = Duration::from_secs(60 * 60);
const RENEW_AHEAD: SignedDuration = SignedDuration::from_hours(24);

/// Google's receiving side, configured from the environment.
#[derive(Debug)]
pub struct GoogleSide {
    provider: GoogleMeetProvider,
}

impl GoogleSide {
    /// `None` when no per-user Google credentials are set (`GOOGLE_CLIENT_ID`).
    pub async fn from_env(store: Option<&Path>) -> Result<Option<Self>, Error> {
        if std::env::var(ENV_CLIENT_ID).map_or(true, |v| v.trim().is_empty()) {
            return Ok(None);
        }
        // The provider keeps its channels where the token store offers (shared stores), else
        // in this process's memory: the channels live as long as the listener does.
        let db = Arc::new(SqliteTokenStore::open(token_db(store)).await?);
        let mut builder = GoogleMeetBuilder::from_env().with_token_store(db);
        if std::env::var(ENV_STATE_KEY).is_err() {
            // The listener never runs the OAuth flow, so no state is ever sealed or opened:
            // a key of its own for this run is enough.
            builder = builder.with_state_key(OAuthStateKey::generate());
        }
        let provider = builder.build()?;
        Ok(Some(Self { provider }))
    }

    /// The verifier to mount on [`GOOGLE_PATH`].
    pub fn verifier(&self) -> Arc<dyn WebhookVerifier> {
        Arc::new(GoogleWebhookVerifier::new(self.provider.clone()))
    }

    /// Opens a channel on `calendar` for each tenant, delivering to `base` + [`GOOGLE_PATH`];
    /// the channels, to renew and stop.
    pub async fn watch(
        &self,
        base: &str,
        tenants: &[String],
        calendar: &str,
    ) -> Result<Channels, Error> {
        let address = format!("{}{GOOGLE_PATH}", base.trim_end_matches('/'));
        let watch = GoogleWatch::new(self.provider.clone(), address)?;
        let tenants: Vec<TenantId> = tenants.iter().map(TenantId::new).collect();
        let channels = Channels {
            watch: Arc::new(watch),
            tenants,
        };
        for tenant in &channels.tenants {
            if let Err(e) = channels.watch.watch(tenant, calendar).await {
                // Leave nothing open behind a half-started listener.
                channels.stop().await;
                return Err(e);
            }
            eprintln!("# watching {calendar} of {tenant}");
        }
        Ok(channels)
    }
}

/// The channels a listener holds open.
#[derive(Debug, Clone)]
pub struct Channels {
    watch: Arc<GoogleWatch<PerUserTokens>>,
    tenants: Vec<TenantId>,
}

impl Channels {
    /// Renews channels near their expiry, every hour, until the task is dropped.
    pub fn spawn_renewal(&self) -> tokio::task::JoinHandle<()> {
        let watch = Arc::clone(&self.watch);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RENEW_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let before = Timestamp::now()
                    .saturating_add(RENEW_AHEAD)
                    .unwrap_or(Timestamp::MAX);
                if let Err(e) = watch.renew_expiring(before).await {
                    eprintln!("# google channel renewal failed: {e}");
                }
            }
        })
    }

    /// Stops every channel (on shutdown).
    pub async fn stop(&self) {
        for tenant in &self.tenants {
            match self.watch.stop(tenant).await {
                Ok(n) if n > 0 => eprintln!("# stopped {n} google channel(s) of {tenant}"),
                Ok(_) => {}
                Err(e) => eprintln!("# cannot stop the google channels of {tenant}: {e}"),
            }
        }
    }
}
