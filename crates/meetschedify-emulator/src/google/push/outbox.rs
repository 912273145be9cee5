//! Sending push messages: one worker delivers them in the order they happened (Google makes no
//! ordering promise, but a test should see disorder only when it asked for it, through a fault).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::body::Body;
use hyper::Request;
use tokio::sync::mpsc;

use super::state::{GooglePushDelivery, GooglePushFault, Message};
use crate::zoom::webhooks::{http_client, HttpClient};

/// How long a receiver has to answer. Google documents no limit (reference §2.3); the other
/// vendors allow 3 seconds, so a slower receiver is counted as failed here too.
const PUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// How long an out-of-order delivery waits for a later one to overtake it.
const HOLD_FOR_NEXT: Duration = Duration::from_millis(500);

/// One message with its fault and retry schedule. No `Debug`: it holds the token.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) message: Message,
    pub(crate) fault: Option<GooglePushFault>,
    pub(crate) attempt: u32,
    /// Delays before each remaining retry.
    pub(crate) retry_delays_ms: Vec<u64>,
}

type Log = Arc<Mutex<Vec<GooglePushDelivery>>>;

/// The queue to the delivery worker and the log of what was sent.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    tx: OnceLock<mpsc::UnboundedSender<Job>>,
    log: Log,
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
    pub(crate) fn deliveries(&self) -> Vec<GooglePushDelivery> {
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

async fn run(mut rx: mpsc::UnboundedReceiver<Job>, log: Log) {
    let client = http_client();
    while let Some(job) = rx.recv().await {
        if job.fault == Some(GooglePushFault::OutOfOrder) {
            if let Ok(Some(next)) = tokio::time::timeout(HOLD_FOR_NEXT, rx.recv()).await {
                deliver(&client, &log, next).await;
            }
        }
        deliver(&client, &log, job).await;
    }
}

async fn deliver(client: &HttpClient, log: &Log, job: Job) {
    if let Some(GooglePushFault::Delay { ms }) = job.fault {
        let (client, log) = (client.clone(), Arc::clone(log));
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            send(&client, &log, job).await;
        });
        return;
    }
    let twice = job.fault == Some(GooglePushFault::Duplicate);
    send(client, log, job.clone()).await;
    if twice {
        send(client, log, job).await;
    }
}

/// Google retries 500, 502, 503 and 504 with exponential backoff; any other status, or none,
/// is final (reference §2.3).
fn retried(status: Option<u16>) -> bool {
    matches!(status, Some(500 | 502 | 503 | 504))
}

/// Sends `job`, then its retries in the background while the receiver answers a retried status.
async fn send(client: &HttpClient, log: &Log, mut job: Job) {
    if !retried(attempt(client, log, &job).await) || job.retry_delays_ms.is_empty() {
        return;
    }
    let (client, log) = (client.clone(), Arc::clone(log));
    tokio::spawn(async move {
        while let Some(delay_ms) = job.retry_delays_ms.first().copied() {
            job.retry_delays_ms.remove(0);
            job.attempt += 1;
            // A fault applies to one delivery, not to its retries.
            job.fault = None;
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            if !retried(attempt(&client, &log, &job).await) {
                break;
            }
        }
    });
}

/// One POST with Google's headers and an empty body; logs and returns the status.
async fn attempt(client: &HttpClient, log: &Log, job: &Job) -> Option<u16> {
    let message = &job.message;
    let status = post(client, message, job.fault.as_ref()).await;
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(GooglePushDelivery {
            url: message.url.clone(),
            channel_id: message.channel_id.clone(),
            state: message.state.to_owned(),
            message_number: message.number,
            status,
            attempt: job.attempt,
            fault: job.fault.clone(),
        });
    status
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
