//! [`GoogleWebhookVerifier`]: checks one Google Calendar push notification and turns it into
//! events through an incremental sync.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::{
    MeetingEvent, RejectionReason, ReplayGuard, Subscription, SubscriptionStore, WebhookOutcome,
    WebhookRejection, WebhookRequest, WebhookVerifier,
};
use meetschedify_core::{MeetingProvider, ProviderId};
use tracing::Instrument as _;

use super::events::to_event;
use super::secret::same;
use super::sync::{changes_since, full_sync, Changes};
use crate::provider::{CalendarProvider, CalendarTokens};

/// The channel id the notification is for.
pub const HEADER_CHANNEL_ID: &str = "x-goog-channel-id";
/// The channel's secret token, as given to `events.watch`.
pub const HEADER_CHANNEL_TOKEN: &str = "x-goog-channel-token";
/// The opaque id of the watched resource.
pub const HEADER_RESOURCE_ID: &str = "x-goog-resource-id";
/// `sync` (the channel was just made), `exists` or `not_exists` (something changed).
pub const HEADER_RESOURCE_STATE: &str = "x-goog-resource-state";
/// The message number: increasing per channel, not one by one.
pub const HEADER_MESSAGE_NUMBER: &str = "x-goog-message-number";

/// Google's notifications have no body (reference `webhooks.md` §2.2); anything larger than
/// this is not Google's.
const MAX_BODY_BYTES: usize = 1024;

/// How many times a sync starts over from a cursor that a concurrent notification moved.
const MAX_SYNC_ROUNDS: u32 = 4;

/// Verifies Google Calendar push notifications and reports changes to the meetings the
/// library created.
///
/// Google does not sign notifications; one is accepted only when (reference §2.6) its
/// `X-Goog-Channel-ID` is a channel held in the [`SubscriptionStore`] (opened by a
/// [`GoogleWatch`](super::GoogleWatch) and not stopped), its `X-Goog-Channel-Token` equals
/// that channel's secret token (constant-time), and its `X-Goog-Resource-ID` equals the
/// channel's resource id. A message number already seen on the channel is a replay.
///
/// A `sync` message yields no events. Any other state starts an incremental sync from the
/// channel's stored sync token (every page; `410 GONE` means a full resync, which reports
/// nothing and resets the token) and moves the token forward with a compare-and-set, so two
/// instances never both advance from one point (the loser reads again from the winner's
/// token). Changed events that carry the channel's tenant stamp become [`Updated`](meetschedify_core::webhooks::MeetingEventKind::Updated) or
/// [`Cancelled`](meetschedify_core::webhooks::MeetingEventKind::Cancelled) events; others are
/// ignored. A change can still be reported twice (a full resync racing a notification, a
/// duplicate delivery on another instance with its own replay memory): each event's
/// `delivery_id` names the event's version, so process them idempotently.
///
/// The sync is a Google API call made before answering; Google documents no time limit, but
/// a slow calendar can make the answer slow.
pub struct GoogleWebhookVerifier<S> {
    provider: CalendarProvider<S>,
    replay: ReplayGuard,
}

impl<S: fmt::Debug> fmt::Debug for GoogleWebhookVerifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleWebhookVerifier")
            .field("provider", &self.provider)
            .field("replay", &self.replay)
            .finish()
    }
}

impl<S: CalendarTokens> GoogleWebhookVerifier<S> {
    /// A verifier for `provider`'s channels, held in the provider's subscription store,
    /// dropping replays in this process's memory (use
    /// [`with_replay_guard`](Self::with_replay_guard) to share that across instances).
    pub fn new(provider: CalendarProvider<S>) -> Self {
        let replay = ReplayGuard::in_memory(provider.id().as_str());
        Self { provider, replay }
    }

    /// The store the channels are read from: the provider's.
    pub fn store(&self) -> &Arc<dyn SubscriptionStore> {
        self.provider.subscription_store()
    }

    /// Drops replays through `replay` (for example over `TokenStore::nonce_store()` of a shared
    /// store).
    pub fn with_replay_guard(mut self, replay: ReplayGuard) -> Self {
        self.replay = replay;
        self
    }

    async fn check(&self, request: &WebhookRequest) -> Result<Vec<MeetingEvent>, RejectionReason> {
        if request.body().len() > MAX_BODY_BYTES {
            return Err(RejectionReason::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        let header = |name: &'static str| {
            request
                .headers()
                .get(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or(RejectionReason::MissingHeader(name))
        };
        let channel_id = header(HEADER_CHANNEL_ID)?;
        let token = header(HEADER_CHANNEL_TOKEN)?;
        let resource_id = header(HEADER_RESOURCE_ID)?;
        let state = header(HEADER_RESOURCE_STATE)?;
        let number = header(HEADER_MESSAGE_NUMBER)?;
        let subscription = self
            .store()
            .get(self.provider.id(), channel_id)
            .await
            .map_err(|error| {
                tracing::error!(%error, "subscription store failed");
                RejectionReason::StoreUnavailable
            })?
            .ok_or(RejectionReason::UnknownSubscription)?;
        if !same(token, subscription.secret.expose_secret()) {
            return Err(RejectionReason::BadSignature);
        }
        let Some(expected) = &subscription.vendor_resource_id else {
            // The channel is being opened and `events.watch` has not answered yet: only its
            // `sync` message can come now (reference §2.2), and it needs nothing done.
            return if state == "sync" {
                Ok(Vec::new())
            } else {
                Err(RejectionReason::ResourceMismatch)
            };
        };
        if !same(resource_id, expected) {
            return Err(RejectionReason::ResourceMismatch);
        }
        let number: u64 = number
            .parse()
            .map_err(|_| RejectionReason::Malformed("message number is not a number".into()))?;
        tracing::Span::current().record("message_number", number);
        // Synced before the message is recorded as delivered: if the sync fails, Google's
        // retry of this message must not be refused as a replay.
        let events = if state == "sync" {
            Vec::new()
        } else {
            self.sync(&subscription).await?
        };
        self.replay
            .first_delivery(&format!("{channel_id}:{number}"), Timestamp::now())
            .await?;
        Ok(events)
    }

    /// Reads what changed since the channel's cursor and moves the cursor on.
    ///
    /// When another notification moved the cursor meanwhile (two arrived at once, here or on
    /// another instance), what was read overlaps what that one reports, so it is read again
    /// from the new cursor: each change is reported by one notification, and none is lost.
    async fn sync(
        &self,
        subscription: &Subscription,
    ) -> Result<Vec<MeetingEvent>, RejectionReason> {
        let provider_id = self.provider.id();
        let (tenant, calendar) = (&subscription.tenant, subscription.resource.as_str());
        let unavailable = |error: meetschedify_core::Error| {
            tracing::error!(%error, "subscription store failed");
            RejectionReason::StoreUnavailable
        };
        let failed = |error: meetschedify_core::Error| {
            tracing::warn!(code = %error.code(), "incremental sync failed");
            RejectionReason::FollowUpFailed
        };
        let mut cursor = subscription.cursor.clone();
        for attempt in 1..=MAX_SYNC_ROUNDS {
            let Some(from) = cursor.as_deref() else {
                // The channel's first full sync has not finished: its token will include this
                // change, so the next notification reports it.
                tracing::info!("no sync token yet; nothing to read");
                return Ok(Vec::new());
            };
            let (items, next) = match changes_since(&self.provider, tenant, calendar, from)
                .await
                .map_err(failed)?
            {
                Changes::Since { items, next } => (items, next),
                Changes::Expired => {
                    let next = full_sync(&self.provider, tenant, calendar)
                        .await
                        .map_err(failed)?;
                    tracing::warn!("sync token expired (410); resynced in full: changes since the last sync are not reported");
                    (Vec::new(), next)
                }
            };
            let advanced = self
                .store()
                .advance_cursor(provider_id, &subscription.id, Some(from), Some(&next))
                .await
                .map_err(unavailable)?;
            if advanced || attempt == MAX_SYNC_ROUNDS {
                if !advanced {
                    tracing::warn!("the sync token kept moving under concurrent notifications; reporting what was read (it may repeat)");
                }
                return Ok(items
                    .into_iter()
                    .filter_map(|item| to_event(provider_id, tenant, item))
                    .collect());
            }
            tracing::debug!(
                "the sync token was advanced by a concurrent notification; reading again"
            );
            cursor = self
                .store()
                .get(provider_id, &subscription.id)
                .await
                .map_err(unavailable)?
                // Stopped meanwhile: nothing more to report for it.
                .and_then(|s| s.cursor);
            if cursor.is_none() {
                return Ok(Vec::new());
            }
        }
        Ok(Vec::new())
    }
}

#[async_trait]
impl<S: CalendarTokens> WebhookVerifier for GoogleWebhookVerifier<S> {
    fn provider(&self) -> &ProviderId {
        self.provider.id()
    }

    fn max_body_bytes(&self) -> usize {
        MAX_BODY_BYTES
    }

    async fn handle(&self, request: &WebhookRequest) -> Result<WebhookOutcome, WebhookRejection> {
        let channel_id = request
            .headers()
            .get(HEADER_CHANNEL_ID)
            .unwrap_or_default()
            .to_owned();
        let span = tracing::info_span!(
            "google_webhook",
            provider = %self.provider.id(),
            channel_id,
            message_number = tracing::field::Empty,
        );
        let result = self.check(request).instrument(span.clone()).await;
        let _entered = span.enter();
        match &result {
            Ok(events) => {
                for event in events {
                    tracing::info!(kind = %event.kind, meeting_id = %event.meeting_id, "verified");
                }
            }
            Err(reason) => tracing::warn!(code = reason.code(), "rejected: {reason}"),
        }
        result
            .map(WebhookOutcome::Events)
            .map_err(|reason| WebhookRejection::new(self.provider.id().clone(), reason))
    }
}
