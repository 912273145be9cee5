//! Sending Zoom notifications through the shared delivery loop ([`crate::outbox`]): each
//! request signed as Zoom signs it, with its fault applied, retried on Zoom's schedule.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use hyper::Request;
use jiff::Timestamp;

use super::sign::signature;
use super::state::{ZoomWebhookDelivery, ZoomWebhookFault};
pub(crate) use crate::outbox::http_client;
use crate::outbox::{Delivery, HttpClient, Timing};

/// How long an endpoint has to answer: Zoom counts a slower answer as a failure (reference
/// §1.4).
pub(crate) const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(3);

/// One notification to one endpoint. No `Debug`: it holds the secret.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) url: String,
    pub(crate) secret: String,
    pub(crate) event: String,
    pub(crate) body: String,
    pub(crate) sent_at: Timestamp,
    pub(crate) fault: Option<ZoomWebhookFault>,
    /// 1 for the first attempt.
    pub(crate) attempt: u32,
    /// Delays before each remaining retry.
    pub(crate) retry_delays_ms: Vec<u64>,
}

impl Job {
    /// The next attempt after `delay_ms`: a new request, so a fresh timestamp, and no fault
    /// (a fault applies to one delivery).
    fn retry(&self, delay_ms: u64) -> Self {
        let delay = jiff::SignedDuration::from_millis(i64::try_from(delay_ms).unwrap_or(i64::MAX));
        Self {
            url: self.url.clone(),
            secret: self.secret.clone(),
            event: self.event.clone(),
            body: self.body.clone(),
            sent_at: self.sent_at.checked_add(delay).unwrap_or(self.sent_at),
            fault: None,
            attempt: self.attempt + 1,
            retry_delays_ms: self.retry_delays_ms.get(1..).unwrap_or_default().to_vec(),
        }
    }
}

/// The queue to the delivery worker and the log of what was sent.
pub(crate) type Outbox = crate::outbox::Outbox<Job>;

/// The worker's `x-zm-request-id` counter, from 1.
pub(crate) struct RequestIds(AtomicU64);

impl Default for RequestIds {
    fn default() -> Self {
        Self(AtomicU64::new(1))
    }
}

impl Delivery for Job {
    type Record = ZoomWebhookDelivery;
    type Context = RequestIds;

    fn timing(&self) -> Timing {
        match self.fault {
            Some(ZoomWebhookFault::Duplicate) => Timing::Duplicate,
            Some(ZoomWebhookFault::OutOfOrder) => Timing::OutOfOrder,
            Some(ZoomWebhookFault::Delay { ms }) => Timing::Delay(ms),
            _ => Timing::Now,
        }
    }

    async fn attempt(
        &self,
        client: &HttpClient,
        ids: &RequestIds,
    ) -> (Option<u16>, ZoomWebhookDelivery) {
        attempt(client, &ids.0, self).await
    }

    /// Zoom's definition of a failed delivery, which it retries: no answer within 3 seconds,
    /// or a 5xx (never a 2xx, 3xx or 4xx).
    fn retried(status: Option<u16>) -> bool {
        status.is_none_or(|s| s >= 500)
    }

    fn next_attempt(&self) -> Option<(u64, Self)> {
        let delay_ms = *self.retry_delays_ms.first()?;
        Some((delay_ms, self.retry(delay_ms)))
    }
}

/// One attempt: the request with its fault applied; its status and log record.
async fn attempt(
    client: &HttpClient,
    ids: &AtomicU64,
    job: &Job,
) -> (Option<u16>, ZoomWebhookDelivery) {
    let mut timestamp = job.sent_at;
    if let Some(ZoomWebhookFault::StaleTimestamp { secs }) = job.fault {
        timestamp = timestamp
            .checked_sub(jiff::SignedDuration::from_secs(
                i64::try_from(secs).unwrap_or(0),
            ))
            .unwrap_or(timestamp);
    }
    let timestamp = timestamp.as_second().to_string();
    let secret = match job.fault {
        Some(ZoomWebhookFault::WrongSignature) => format!("not-{}", job.secret),
        _ => job.secret.clone(),
    };
    let sig = signature(&secret, &timestamp, job.body.as_bytes());
    let body = match job.fault {
        Some(ZoomWebhookFault::TamperedBody) => {
            job.body.replacen("\"event_ts\":", "\"event_ts\":1", 1)
        }
        _ => job.body.clone(),
    };
    let status = post(client, &job.url, &timestamp, &sig, body, ids).await;
    let record = ZoomWebhookDelivery {
        url: job.url.clone(),
        event: job.event.clone(),
        status,
        attempt: job.attempt,
        fault: job.fault.clone(),
    };
    (status, record)
}

/// Posts `body` with Zoom's headers; the status, or `None` when unanswered within 3 seconds.
pub(crate) async fn post(
    client: &HttpClient,
    url: &str,
    timestamp: &str,
    signature: &str,
    body: String,
    ids: &AtomicU64,
) -> Option<u16> {
    let response = request(client, url, timestamp, signature, body, ids).await?;
    Some(response.status().as_u16())
}

/// Posts and returns the whole response (status and body), within 3 seconds.
pub(crate) async fn request(
    client: &HttpClient,
    url: &str,
    timestamp: &str,
    signature: &str,
    body: String,
    ids: &AtomicU64,
) -> Option<hyper::Response<Body>> {
    let id = ids.fetch_add(1, Ordering::Relaxed);
    let request = Request::post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("user-agent", "Zoom Marketplace/1.0a")
        .header("x-zm-request-timestamp", timestamp)
        .header("x-zm-signature", signature)
        .header(
            "x-zm-request-id",
            format!("{id:08x}_emul_4000_8000_000000000000"),
        )
        .body(Body::from(body))
        .ok()?;
    let response = tokio::time::timeout(WEBHOOK_TIMEOUT, client.request(request))
        .await
        .ok()?
        .ok()?;
    let (parts, incoming) = response.into_parts();
    Some(hyper::Response::from_parts(parts, Body::new(incoming)))
}
