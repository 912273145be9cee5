//! The Microsoft Graph half of `webhooks listen`: subscriptions to calendar events for as long
//! as the listener runs, kept alive (lifecycle notifications, renewal) and deleted on the way
//! out. The app-only organizer's calendar, and the calendars of the per-user tenants given with
//! `--microsoft-tenant`, each side under a path of its own (each verifier knows only its own
//! provider's subscriptions).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use meetschedify::jiff::{SignedDuration, Timestamp};
use meetschedify::oauth_state::OAuthStateKey;
use meetschedify::webhooks::Subscription;
use meetschedify::{Error, TenantId};
use meetschedify_google::ENV_STATE_KEY;
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_teams::webhooks::{
    GraphSubscriptions, GraphWebhookVerifier, LifecycleAction, LifecycleNotice,
};
use meetschedify_teams::{TeamsAppProvider, TeamsProviderBuilder};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::registry::token_db;

/// How often held subscriptions are checked for renewal.
const RENEW_EVERY: Duration = Duration::from_secs(60 * 60);

/// Renew when less than this is left: a quarter of Graph's 4230-minute maximum or more
/// (reference `webhooks.md` §3.6).
const RENEW_WITHIN: SignedDuration = SignedDuration::from_hours(24);

/// One side's Graph subscription manager and the tenants it subscribes for.
pub(super) struct GraphListener {
    subscriptions: GraphSubscriptions,
    tenants: Vec<TenantId>,
    /// The Entra tenant every notification must name (app-only); per-user tenants' accounts
    /// may belong to any Entra tenant.
    entra_tenant: Option<String>,
}

impl GraphListener {
    /// From the app-only Teams variables: one subscription, kept under the Entra tenant (every
    /// application tenant shares the organizer's calendar). The provider's own subscription
    /// store holds it: this process is its only receiver.
    pub(super) fn app_from_env() -> Result<Self, Error> {
        let provider = TeamsAppProvider::from_env()?;
        let subscriptions = provider.subscriptions()?;
        let entra_tenant = provider.entra_tenant_id().to_owned();
        Ok(Self {
            subscriptions,
            tenants: vec![TenantId::new(entra_tenant.clone())],
            entra_tenant: Some(entra_tenant),
        })
    }

    /// From the per-user Teams variables (`MICROSOFT_*` with `MICROSOFT_REDIRECT_URI`) over the
    /// token store the CLI's per-user commands use: one subscription to `me/events` of each of
    /// `tenants`, connected with `meetschedify connect`.
    pub(super) async fn per_user_from_env(
        store: Option<&Path>,
        tenants: &[String],
    ) -> Result<Self, Error> {
        let db = Arc::new(SqliteTokenStore::open(token_db(store)).await?);
        let mut builder = TeamsProviderBuilder::from_env().with_token_store(db);
        if std::env::var(ENV_STATE_KEY).is_err() {
            // The listener never runs the OAuth flow, so no state is ever sealed or opened.
            builder = builder.with_state_key(OAuthStateKey::generate());
        }
        let provider = builder.build()?;
        Ok(Self {
            subscriptions: provider.subscriptions(),
            tenants: tenants.iter().map(TenantId::new).collect(),
            entra_tenant: None,
        })
    }

    /// The verifier for the route, sending lifecycle notices to `notices`.
    pub(super) fn verifier(&self, notices: mpsc::Sender<LifecycleNotice>) -> GraphWebhookVerifier {
        let builder = self
            .subscriptions
            .verifier()
            .with_lifecycle_channel(notices);
        match &self.entra_tenant {
            Some(entra) => builder.with_entra_tenant(entra.clone()).build(),
            None => builder.build(),
        }
    }

    /// Subscribes each tenant with `url` as both notification and lifecycle URL (the server
    /// must already accept connections: Graph validates the URL before answering). On a
    /// failure the subscriptions already made are deleted again.
    pub(super) async fn subscribe(&self, url: &str) -> Result<Vec<Subscription>, Error> {
        let mut made = Vec::with_capacity(self.tenants.len());
        for tenant in &self.tenants {
            match self.subscriptions.subscribe(tenant, url, Some(url)).await {
                Ok(sub) => made.push(sub),
                Err(e) => {
                    self.unsubscribe().await;
                    return Err(e);
                }
            }
        }
        Ok(made)
    }

    /// Acts on lifecycle notices as they come and renews hourly, until `notices` closes.
    pub(super) fn spawn_upkeep(
        &self,
        url: String,
        mut notices: mpsc::Receiver<LifecycleNotice>,
    ) -> JoinHandle<()> {
        let subscriptions = self.subscriptions.clone();
        tokio::spawn(async move {
            let mut renewals = tokio::time::interval(RENEW_EVERY);
            renewals.tick().await;
            loop {
                tokio::select! {
                    notice = notices.recv() => {
                        let Some(notice) = notice else { break };
                        report(&notice, subscriptions.handle_lifecycle(&notice, &url, Some(&url)).await);
                    }
                    _ = renewals.tick() => {
                        match subscriptions.renew_expiring(Timestamp::now() + RENEW_WITHIN).await {
                            Ok(r) => eprintln!(
                                "# graph subscriptions renewed: {}, gone: {}, failed: {}",
                                r.renewed.len(), r.gone.len(), r.failed.len()
                            ),
                            Err(e) => eprintln!("# graph renewal failed: {e}"),
                        }
                    }
                }
            }
        })
    }

    /// Deletes the listener's subscriptions (best effort: they expire anyway).
    pub(super) async fn unsubscribe(&self) {
        for tenant in &self.tenants {
            match self.subscriptions.unsubscribe(tenant).await {
                Ok(0) => {}
                Ok(n) => eprintln!("# graph subscriptions of {tenant} deleted: {n}"),
                Err(e) => eprintln!("# graph subscriptions of {tenant} not deleted: {e}"),
            }
        }
    }
}

/// One stderr line per lifecycle notice and what was done.
fn report(notice: &LifecycleNotice, result: Result<LifecycleAction, Error>) {
    let done = match result {
        Ok(LifecycleAction::Renewed(s)) => format!("renewed until {}", s.expires_at),
        Ok(LifecycleAction::Recreated(s)) => format!("recreated as {}; resync needed", s.id),
        Ok(LifecycleAction::ResyncNeeded) => "resync needed".to_owned(),
        Ok(_) => "ignored".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    eprintln!(
        "# graph lifecycle {} for {}: {done}",
        notice.event, notice.subscription_id
    );
}
