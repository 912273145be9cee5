//! The Microsoft Graph half of `webhooks listen`: a subscription to the app-only organizer's
//! calendar events for as long as the listener runs, kept alive (lifecycle notifications,
//! renewal) and deleted on the way out.

use std::sync::Arc;
use std::time::Duration;

use meetschedify::jiff::{SignedDuration, Timestamp};
use meetschedify::webhooks::{MemorySubscriptionStore, Subscription};
use meetschedify::{Error, TenantId};
use meetschedify_teams::webhooks::{
    GraphSubscriptions, GraphWebhookVerifier, LifecycleAction, LifecycleNotice,
};
use meetschedify_teams::TeamsAppProvider;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How often held subscriptions are checked for renewal.
const RENEW_EVERY: Duration = Duration::from_secs(60 * 60);

/// Renew when less than this is left: a quarter of Graph's 4230-minute maximum or more
/// (reference `webhooks.md` §3.6).
const RENEW_WITHIN: SignedDuration = SignedDuration::from_hours(24);

/// The listener's Graph subscription manager and the tenant label its subscription is kept
/// under (the Entra tenant: app-only, every application tenant shares the organizer).
pub(super) struct GraphListener {
    subscriptions: GraphSubscriptions,
    tenant: TenantId,
    entra_tenant: String,
}

impl GraphListener {
    /// From the app-only Teams variables; the subscription lives in this process's memory, as
    /// the listener is its only receiver.
    pub(super) fn from_env() -> Result<Self, Error> {
        let provider = TeamsAppProvider::from_env()?;
        let subscriptions = provider.subscriptions(Arc::new(MemorySubscriptionStore::new()))?;
        let entra_tenant = provider.entra_tenant_id().to_owned();
        Ok(Self {
            subscriptions,
            tenant: TenantId::new(entra_tenant.clone()),
            entra_tenant,
        })
    }

    /// The verifier for the route, sending lifecycle notices to `notices`.
    pub(super) fn verifier(&self, notices: mpsc::Sender<LifecycleNotice>) -> GraphWebhookVerifier {
        self.subscriptions
            .verifier()
            .with_entra_tenant(self.entra_tenant.clone())
            .with_lifecycle_channel(notices)
            .build()
    }

    /// Subscribes with `url` as both notification and lifecycle URL (the server must already
    /// accept connections: Graph validates the URL before answering).
    pub(super) async fn subscribe(&self, url: &str) -> Result<Subscription, Error> {
        self.subscriptions
            .subscribe(&self.tenant, url, Some(url))
            .await
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
        match self.subscriptions.unsubscribe(&self.tenant).await {
            Ok(n) => eprintln!("# graph subscriptions deleted: {n}"),
            Err(e) => eprintln!("# graph subscriptions not deleted: {e}"),
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
