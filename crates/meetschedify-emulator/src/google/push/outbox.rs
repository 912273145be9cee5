//! Sending push messages through the shared delivery loop ([`crate::outbox`]): Google's
//! headers, an empty body, Google's retry rule.

use std::time::Duration;

use axum::body::Body;
use hyper::Request;

use super::state::{GooglePushDelivery, GooglePushFault, Message};
use crate::outbox::{Delivery, HttpClient, Timing};

/// How long a receiver has to answer. Google documents no limit (reference §2.3); the other
/// vendors allow 3 seconds, so a slower receiver is counted as failed here too.
const PUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// One message with its fault and retry schedule. No `Debug`: it holds the token.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) message: Message,
    pub(crate) fault: Option<GooglePushFault>,
    pub(crate) attempt: u32,
    /// Delays before each remaining retry.
    pub(crate) retry_delays_ms: Vec<u64>,
}

/// The queue to the delivery worker and the log of what was sent.
pub(crate) type Outbox = crate::outbox::Outbox<Job>;

impl Delivery for Job {
    type Record = GooglePushDelivery;
    type Context = ();

    fn timing(&self) -> Timing {
        match self.fault {
            Some(GooglePushFault::Duplicate) => Timing::Duplicate,
            Some(GooglePushFault::OutOfOrder) => Timing::OutOfOrder,
            Some(GooglePushFault::Delay { ms }) => Timing::Delay(ms),
            _ => Timing::Now,
        }
    }

    /// One POST with Google's headers and an empty body.
    async fn attempt(&self, client: &HttpClient, (): &()) -> (Option<u16>, GooglePushDelivery) {
        let message = &self.message;
        let status = post(client, message, self.fault.as_ref()).await;
        let record = GooglePushDelivery {
            url: message.url.clone(),
            channel_id: message.channel_id.clone(),
            state: message.state.to_owned(),
            message_number: message.number,
            status,
            attempt: self.attempt,
            fault: self.fault.clone(),
        };
        (status, record)
    }

    /// Google retries 500, 502, 503 and 504 with exponential backoff; any other status, or
    /// none, is final (reference §2.3).
    fn retried(status: Option<u16>) -> bool {
        matches!(status, Some(500 | 502 | 503 | 504))
    }

    fn next_attempt(&self) -> Option<(u64, Self)> {
        let (&delay_ms, rest) = self.retry_delays_ms.split_first()?;
        let mut next = self.clone();
        next.retry_delays_ms = rest.to_vec();
        next.attempt += 1;
        // A fault applies to one delivery, not to its retries.
        next.fault = None;
        Some((delay_ms, next))
    }
}

async fn post(
    client: &HttpClient,
    message: &Message,
    fault: Option<&GooglePushFault>,
) -> Option<u16> {
    let expiration = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&message.expiration)
        .ok()?;
    let mut request = Request::post(&message.url)
        .header(
            "user-agent",
            "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
        )
        .header("content-length", "0")
        .header("x-goog-channel-id", &message.channel_id)
        .header("x-goog-channel-expiration", expiration)
        .header("x-goog-message-number", message.number.to_string())
        .header("x-goog-resource-id", &message.resource_id)
        .header("x-goog-resource-state", message.state)
        .header("x-goog-resource-uri", &message.resource_uri);
    // The token header is sent only when the channel has one (reference §2.2).
    let token = match (fault, &message.token) {
        (Some(GooglePushFault::WrongToken), Some(token)) => Some(format!("not-{token}")),
        (Some(GooglePushFault::WrongToken), None) => Some("forged".to_owned()),
        (_, token) => token.clone(),
    };
    if let Some(token) = token {
        request = request.header("x-goog-channel-token", token);
    }
    let request = request.body(Body::empty()).ok()?;
    let response = tokio::time::timeout(PUSH_TIMEOUT, client.request(request))
        .await
        .ok()?
        .ok()?;
    Some(response.status().as_u16())
}
