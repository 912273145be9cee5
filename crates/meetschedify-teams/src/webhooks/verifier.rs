//! [`GraphWebhookVerifier`]: Graph's validation handshake and change and lifecycle
//! notifications, checked item by item against the held subscriptions.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use meetschedify_core::webhooks::{
    ChallengeResponse, MeetingEvent, MeetingEventKind, RejectionReason, ReplayGuard,
    SubscriptionStore, WebhookOutcome, WebhookRejection, WebhookRequest, WebhookVerifier,
    QUERY_PSEUDO_HEADER,
};
use meetschedify_core::ProviderId;
use tokio::sync::mpsc;
use tracing::Instrument as _;

use super::builder::GraphWebhookVerifierBuilder;
use super::client_state::client_state_matches;
use super::item_error::ItemError;
use super::lifecycle::{LifecycleEvent, LifecycleNotice};
use super::payload::{delivery_key, items, Item, ItemBody};
use super::validation::{validation_token, TokenError};

/// What one verified Graph request holds.
#[derive(Debug)]
#[non_exhaustive]
pub enum GraphOutcome {
    /// Graph is checking the endpoint (`?validationToken=`): answer this, deliver nothing.
    Challenge(ChallengeResponse),
    /// A notification body, item by item.
    Batch(GraphBatch),
}

/// The items of one notification body, sorted by what became of them.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct GraphBatch {
    /// Authentic, first-time changes to events.
    pub events: Vec<MeetingEvent>,
    /// Authentic lifecycle notifications, for
    /// [`GraphSubscriptions::handle_lifecycle`](super::GraphSubscriptions::handle_lifecycle).
    pub lifecycle: Vec<LifecycleNotice>,
    /// Authentic `created` changes, dropped: the library's create already returned the
    /// meeting, so they tell an application nothing new.
    pub created_skipped: usize,
    /// Items refused, in body order.
    pub dropped: Vec<ItemError>,
}

/// Verifies Microsoft Graph change notifications for Outlook calendar events.
///
/// * `?validationToken=` (passed as the [`QUERY_PSEUDO_HEADER`] pseudo-header by the facade's
///   axum route): answered `200 text/plain` with the decoded token and nothing else is looked
///   at (reference `webhooks.md` §3.2). Plain text, so a token carrying markup is never
///   rendered as HTML by whoever looks at the answer.
/// * A body `{"value": [...]}`: each item must name a subscription held in the
///   [`SubscriptionStore`] for this provider id, and carry its `clientState` (compared in
///   constant time); a `tenantId`, when present and a tenant is configured, must be it. Then
///   `updated` becomes [`MeetingEventKind::Updated`], `deleted`
///   [`MeetingEventKind::Cancelled`], `created` is skipped; a redelivered change is dropped
///   through the [`ReplayGuard`] (key: subscription, event id, change type, etag).
///
/// Graph's basic notifications carry ids only, so no event is read here: Graph wants an answer
/// within 3 seconds, and reading is the application's follow-up (`get_meeting` with the
/// event's tenant, which also refuses events the library did not make). Events of a per-user
/// subscription (`me/events`) carry its tenant; those of the app-only organizer's calendar
/// carry none, as every tenant shares that calendar: the event's stamp, read on `get_meeting`,
/// says whose it is.
///
/// A batch with at least one accepted item (or only redeliveries) is answered `200` so Graph
/// does not redeliver the good ones; a batch whose every item was refused is rejected with the
/// first item's reason (`401` for authenticity).
pub struct GraphWebhookVerifier {
    pub(crate) provider: ProviderId,
    pub(crate) store: Arc<dyn SubscriptionStore>,
    pub(crate) replay: ReplayGuard,
    pub(crate) max_body_bytes: usize,
    pub(crate) entra_tenant: Option<String>,
    pub(crate) lifecycle: Option<mpsc::Sender<LifecycleNotice>>,
}

impl fmt::Debug for GraphWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphWebhookVerifier")
            .field("provider", &self.provider)
            .field("store", &self.store)
            .field("replay", &self.replay)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("entra_tenant", &self.entra_tenant)
            .field("lifecycle", &self.lifecycle.is_some())
            .finish()
    }
}

impl GraphWebhookVerifier {
    /// A builder over the store the subscriptions are kept in.
    pub fn builder(store: Arc<dyn SubscriptionStore>) -> GraphWebhookVerifierBuilder {
        GraphWebhookVerifierBuilder::new(store)
    }

    /// Verifies one request, item by item, at `now` (the events' `occurred_at`: Graph's basic
    /// notifications carry no time of their own). Lifecycle notices are returned, not sent.
    pub async fn check(
        &self,
        request: &WebhookRequest,
        now: Timestamp,
    ) -> Result<GraphOutcome, WebhookRejection> {
        let span = tracing::info_span!("graph_webhook", provider = %self.provider);
        self.check_inner(request, now)
            .instrument(span)
            .await
            .map_err(|reason| {
                tracing::warn!(code = reason.code(), "rejected: {reason}");
                WebhookRejection::new(self.provider.clone(), reason)
            })
    }

    async fn check_inner(
        &self,
        request: &WebhookRequest,
        now: Timestamp,
    ) -> Result<GraphOutcome, RejectionReason> {
        let body = request.body();
        if body.len() > self.max_body_bytes {
            return Err(RejectionReason::BodyTooLarge {
                limit: self.max_body_bytes,
            });
        }
        if let Some(token) = request
            .headers()
            .get(QUERY_PSEUDO_HEADER)
            .and_then(validation_token)
        {
            // The handshake carries no clientState (reference §3.2): answering it reveals
            // nothing and accepts nothing; only the caller's own token is echoed.
            let token = token.map_err(|e| {
                RejectionReason::Malformed(match e {
                    TokenError::BadEscape => "`validationToken` has a bad %-escape".into(),
                    TokenError::NotUtf8 => "`validationToken` is not UTF-8".into(),
                })
            })?;
            tracing::info!("answered graph endpoint validation");
            return Ok(GraphOutcome::Challenge(ChallengeResponse::text(token)));
        }
        let list = items(body).map_err(RejectionReason::Malformed)?;
        let mut batch = GraphBatch::default();
        for parsed in list {
            let outcome = match parsed {
                Ok(item) => self.item(item, now, &mut batch).await,
                Err(what) => Err(ItemError::Malformed(what)),
            };
            if let Err(error) = outcome {
                tracing::warn!(%error, "notification item dropped");
                batch.dropped.push(error);
            }
        }
        let accepted = batch.events.len() + batch.lifecycle.len() + batch.created_skipped;
        if accepted == 0 {
            // Redeliveries alone are answered 200: Graph resends anything not 2xx for hours.
            if let Some(first) = batch.dropped.iter().find(|e| **e != ItemError::Replayed) {
                return Err(first.reason());
            }
        }
        Ok(GraphOutcome::Batch(batch))
    }

    async fn item(
        &self,
        item: Item,
        now: Timestamp,
        batch: &mut GraphBatch,
    ) -> Result<(), ItemError> {
        let held = self
            .store
            .get(&self.provider, &item.subscription_id)
            .await
            .map_err(|error| {
                tracing::error!(%error, "subscription store failed");
                ItemError::StoreUnavailable
            })?
            .ok_or(ItemError::UnknownSubscription)?;
        let state = item.client_state.as_deref().unwrap_or_default();
        if !client_state_matches(&held.secret, state) {
            return Err(ItemError::ClientStateMismatch);
        }
        if let (Some(expected), Some(got)) = (&self.entra_tenant, &item.tenant_id) {
            if !expected.eq_ignore_ascii_case(got) {
                return Err(ItemError::TenantMismatch);
            }
        }
        let key = delivery_key(&item.subscription_id, &item.body);
        match item.body {
            // Not deduplicated: Graph may repeat a lifecycle event legitimately, and acting on
            // it again (a renewal) does no harm.
            ItemBody::Lifecycle(name) => {
                batch.lifecycle.push(LifecycleNotice {
                    event: LifecycleEvent::parse(&name),
                    subscription_id: held.id,
                    tenant: held.tenant,
                });
                Ok(())
            }
            ItemBody::Change {
                change_type,
                event_id,
                ..
            } => {
                let kind = match change_type.as_str() {
                    "updated" => MeetingEventKind::Updated,
                    "deleted" => MeetingEventKind::Cancelled,
                    "created" => {
                        batch.created_skipped += 1;
                        return Ok(());
                    }
                    other => MeetingEventKind::Other(format!("graph.{other}")),
                };
                self.replay.first_delivery(&key, now).await?;
                let mut event =
                    MeetingEvent::new(self.provider.clone(), kind, event_id, now, key, item.raw);
                // Only the signed-in user's own calendar is the tenant's alone.
                if held.resource.starts_with("me/") {
                    event = event.with_tenant(held.tenant);
                }
                tracing::info!(kind = %event.kind, "verified");
                batch.events.push(event);
                Ok(())
            }
        }
    }
}

#[async_trait]
impl WebhookVerifier for GraphWebhookVerifier {
    fn provider(&self) -> &ProviderId {
        &self.provider
    }

    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// [`check`](Self::check) at the current time; lifecycle notices go to the builder's
    /// channel (or are logged when there is none).
    async fn handle(&self, request: &WebhookRequest) -> Result<WebhookOutcome, WebhookRejection> {
        match self.check(request, Timestamp::now()).await? {
            GraphOutcome::Challenge(answer) => Ok(WebhookOutcome::Challenge(answer)),
            GraphOutcome::Batch(batch) => {
                for notice in batch.lifecycle {
                    match &self.lifecycle {
                        Some(tx) if tx.send(notice.clone()).await.is_ok() => {}
                        _ => tracing::warn!(
                            event = %notice.event,
                            subscription = %notice.subscription_id,
                            "graph lifecycle notification not handled: no lifecycle channel"
                        ),
                    }
                }
                Ok(WebhookOutcome::Events(batch.events))
            }
        }
    }
}
