//! Incoming meeting notifications (webhooks), provider-neutral.
//!
//! Notifications flow the other way from API calls: vendor → the application's HTTP endpoint →
//! a provider crate's [`WebhookVerifier`] (signature, timestamp, replay) → [`MeetingEvent`]s →
//! the application. This module holds the parts every provider shares and depends on no HTTP
//! framework: the endpoint hands over a [`WebhookRequest`] (headers and raw body) and gets back
//! a [`WebhookOutcome`] (a challenge to answer, or events to deliver) or a
//! [`WebhookRejection`] with the status to answer.
//!
//! ```
//! use meetschedify_core::webhooks::{
//!     RejectionReason, WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier,
//! };
//!
//! // What an endpoint does with any verifier (a provider crate supplies one).
//! async fn endpoint(
//!     verifier: &dyn WebhookVerifier,
//!     headers: Vec<(String, String)>,
//!     body: Vec<u8>,
//! ) -> (u16, Vec<u8>) {
//!     let request = WebhookRequest::new(headers.into_iter().collect::<WebhookHeaders>(), body);
//!     match verifier.handle(&request).await {
//!         Ok(WebhookOutcome::Challenge(answer)) => (answer.status, answer.body),
//!         Ok(WebhookOutcome::Events(events)) => {
//!             for event in events {
//!                 println!("{} {} at {}", event.kind, event.meeting_id, event.occurred_at);
//!             }
//!             (200, Vec::new())
//!         }
//!         Ok(_) => (200, Vec::new()),
//!         Err(rejection) => (rejection.http_status(), rejection.to_json().to_string().into_bytes()),
//!     }
//! }
//! # let _ = endpoint;
//! # let _ = RejectionReason::Replayed;
//! ```

mod event;
mod outcome;
mod redact;
mod rejection;
mod replay;
mod request;
mod secrets;
mod subscriptions;
mod verifier;

pub use event::{EventParticipant, MeetingEvent, MeetingEventKind};
pub use outcome::{ChallengeResponse, WebhookOutcome};
pub use rejection::{RejectionReason, WebhookRejection};
pub use replay::{ReplayGuard, DEFAULT_REPLAY_RETENTION};
pub use request::{WebhookHeaders, WebhookRequest, DEFAULT_MAX_BODY_BYTES, QUERY_PSEUDO_HEADER};
pub use secrets::WebhookSecrets;
pub use subscriptions::{MemorySubscriptionStore, Subscription, SubscriptionStore};
pub use verifier::WebhookVerifier;
