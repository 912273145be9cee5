//! Sending Graph notifications: one worker posts them in the order they happened, applying
//! each request's fault. Graph answers count as delivered when 2xx within 3 seconds (reference
//! `webhooks.md` §3.4).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::body::Body;
use hyper::Request;
use tokio::sync::mpsc;

use super::state::{GraphWebhookDelivery, GraphWebhookFault};
use crate::zoom::webhooks::{http_client, HttpClient};

/// How long an endpoint has to answer (reference §3.4).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);

/// How long an out-of-order request waits for a later one to overtake it.
const HOLD_FOR_NEXT: Duration = Duration::from_millis(500);

/// One notification request. No `Debug`: the body holds `clientState`s.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) url: String,
    pub(crate) kind: String,
    pub(crate) items: usize,
    /// The JSON body, faults already applied to its content.
    pub(crate) body: String,
    pub(crate) fault: Option<GraphWebhookFault>,
    /// 1 for the first attempt.
    pub(crate) attempt: u32,
    /// Delays before each remaining redelivery.
    pub(crate) retry_delays_ms: Vec<u64>,
}

/// The queue to the delivery worker and the log of what was sent.
#[derive(Debug, Default)]
pub(crate) struct GraphOutbox {
    tx: OnceLock<mpsc::UnboundedSender<Job>>,
    log: Arc<Mutex<Vec<GraphWebhookDelivery>>>,
}

impl GraphOutbox {
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

    /// Every request so far, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<GraphWebhookDelivery> {
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

type Log = Arc<Mutex<Vec<GraphWebhookDelivery>>>;

async fn run(mut rx: mpsc::UnboundedReceiver<Job>, log: Log) {
    let client = http_client();
    while let Some(job) = rx.recv().await {
        if job.fault == Some(GraphWebhookFault::OutOfOrder) {
            if let Ok(Some(next)) = tokio::time::timeout(HOLD_FOR_NEXT, rx.recv()).await {
                deliver(&client, &log, next).await;
            }
        }
        deliver(&client, &log, job).await;
    }
}

async fn deliver(client: &HttpClient, log: &Log, job: Job) {
    match job.fault {
        Some(GraphWebhookFault::Delay { ms }) => {
            let (client, log) = (client.clone(), Arc::clone(log));
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                post(&client, &log, &job).await;
            });
        }
        Some(GraphWebhookFault::Duplicate) => {
            post(client, log, &job).await;
            post(client, log, &job).await;
        }
        _ => post(client, log, &job).await,
    }
}

/// Posts `job`, then redelivers it after each remaining delay until an answer is 2xx within
/// 3 seconds (the same body: Graph resends the notification, faults included).
async fn post(client: &HttpClient, log: &Log, job: &Job) {
    if attempt(client, log, job).await || job.retry_delays_ms.is_empty() {
        return;
    }
    let (client, log, mut job) = (client.clone(), Arc::clone(log), job.clone());
    tokio::spawn(async move {
        while let Some((&delay, rest)) = job.retry_delays_ms.split_first() {
            job.retry_delays_ms = rest.to_vec();
            job.attempt += 1;
            tokio::time::sleep(Duration::from_millis(delay)).await;
            if attempt(&client, &log, &job).await {
                break;
            }
        }
    });
}

/// One request as Graph sends it (JSON); logs the answer's status; whether it was a 2xx.
async fn attempt(client: &HttpClient, log: &Log, job: &Job) -> bool {
    let status = match Request::post(&job.url)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(job.body.clone()))
    {
        Ok(request) => tokio::time::timeout(DELIVERY_TIMEOUT, client.request(request))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|r| r.status().as_u16()),
        Err(_) => None,
    };
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(GraphWebhookDelivery {
            url: job.url.clone(),
            kind: job.kind.clone(),
            items: job.items,
            status,
            attempt: job.attempt,
            fault: job.fault.clone(),
        });
    status.is_some_and(|s| (200..300).contains(&s))
}
