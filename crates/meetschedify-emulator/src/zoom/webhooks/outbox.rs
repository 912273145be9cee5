//! Sending notifications: one worker delivers them in the order they happened (Zoom makes no
//! ordering promise, but a test should see disorder only when it asked for it, through a
//! fault).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::body::Body;
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jiff::Timestamp;
use tokio::sync::mpsc;

use super::sign::signature;
use super::state::{ZoomWebhookDelivery, ZoomWebhookFault};

/// How long an endpoint has to answer: Zoom counts a slower answer as a failure (reference
/// §1.4).
pub(crate) const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(3);

/// How long an out-of-order delivery waits for a later one to overtake it.
const HOLD_FOR_NEXT: Duration = Duration::from_millis(500);

pub(crate) type HttpClient = Client<HttpConnector, Body>;

/// A plain-HTTP client: endpoints under test listen on loopback.
pub(crate) fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

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
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    tx: OnceLock<mpsc::UnboundedSender<Job>>,
    log: Arc<Mutex<Vec<ZoomWebhookDelivery>>>,
}

impl Outbox {
    /// Starts the worker on the current runtime (once; called when the server starts).
    pub(crate) fn start(&self) {
        let (tx, rx) = mpsc::unbounded_channel();
        if self.tx.set(tx).is_ok() {
            tokio::spawn(run(rx, Arc::clone(&self.log)));
        }
    }

    /// Queues jobs in order. Without a worker (not started) they are dropped.
    pub(crate) fn send(&self, jobs: Vec<Job>) {
        if let Some(tx) = self.tx.get() {
            for job in jobs {
                let _ = tx.send(job);
            }
        }
    }

    /// Every delivery so far, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<ZoomWebhookDelivery> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the log (on reset).
    pub(crate) fn clear(&self) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

async fn run(mut rx: mpsc::UnboundedReceiver<Job>, log: Arc<Mutex<Vec<ZoomWebhookDelivery>>>) {
    let client = http_client();
    let ids = Arc::new(AtomicU64::new(1));
    while let Some(job) = rx.recv().await {
        if job.fault == Some(ZoomWebhookFault::OutOfOrder) {
            if let Ok(Some(next)) = tokio::time::timeout(HOLD_FOR_NEXT, rx.recv()).await {
                deliver(&client, &ids, &log, next).await;
            }
        }
        deliver(&client, &ids, &log, job).await;
    }
}

async fn deliver(
    client: &HttpClient,
    ids: &Arc<AtomicU64>,
    log: &Arc<Mutex<Vec<ZoomWebhookDelivery>>>,
    job: Job,
) {
    if let Some(ZoomWebhookFault::Delay { ms }) = job.fault {
        let (client, ids, log) = (client.clone(), Arc::clone(ids), Arc::clone(log));
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            send(&client, &ids, &log, &job).await;
        });
        return;
    }
    send(client, ids, log, &job).await;
    if job.fault == Some(ZoomWebhookFault::Duplicate) {
        send(client, ids, log, &job).await;
    }
}

/// Posts one signed request (with its fault applied), logs the answer, and schedules Zoom's
/// retry after a 5xx or no answer (never after a 2xx, 3xx or 4xx).
async fn send(
    client: &HttpClient,
    ids: &Arc<AtomicU64>,
    log: &Arc<Mutex<Vec<ZoomWebhookDelivery>>>,
    job: &Job,
) {
    let status = attempt(client, ids, log, job).await;
    if failed(status) && !job.retry_delays_ms.is_empty() {
        let (client, ids, log) = (client.clone(), Arc::clone(ids), Arc::clone(log));
        let job = job.clone();
        tokio::spawn(async move { retries(&client, &ids, &log, job).await });
    }
}

/// Zoom's definition of a failed delivery: no answer within 3 seconds, or a 5xx.
fn failed(status: Option<u16>) -> bool {
    status.is_none_or(|s| s >= 500)
}

/// Retries `job` after each remaining delay until an attempt does not fail.
async fn retries(
    client: &HttpClient,
    ids: &AtomicU64,
    log: &Mutex<Vec<ZoomWebhookDelivery>>,
    mut job: Job,
) {
    while let Some(&delay_ms) = job.retry_delays_ms.first() {
        job = job.retry(delay_ms);
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        if !failed(attempt(client, ids, log, &job).await) {
            break;
        }
    }
}

/// One attempt: the request with its fault applied; returns and logs the status.
async fn attempt(
    client: &HttpClient,
    ids: &AtomicU64,
    log: &Mutex<Vec<ZoomWebhookDelivery>>,
    job: &Job,
) -> Option<u16> {
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
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(ZoomWebhookDelivery {
            url: job.url.clone(),
            event: job.event.clone(),
            status,
            attempt: job.attempt,
            fault: job.fault.clone(),
        });
    status
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
