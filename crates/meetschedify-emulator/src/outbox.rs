//! The one queue-and-deliver loop behind every vendor's notifications (Zoom webhooks, Google
//! push messages, Graph change notifications): a worker sends them in the order they happened
//! (no vendor promises an order, but a test should see disorder only when it asked for it,
//! through a fault), applies each one-shot fault's effect on timing (duplicate, out of order,
//! delay), retries on the vendor's schedule, and logs every attempt.
//!
//! What differs between vendors is a [`Delivery`]: how a request is built, signed and sent,
//! what the log records, which answers are retried, and what a retry changes.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::body::Body;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

/// How long an out-of-order delivery waits for a later one to overtake it.
const HOLD_FOR_NEXT: Duration = Duration::from_millis(500);

pub(crate) type HttpClient = Client<HttpConnector, Body>;

/// A plain-HTTP client: endpoints under test listen on loopback.
pub(crate) fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// What a delivery's one-shot fault does to when, and how often, it is sent. Faults that
/// change the request itself are applied by [`Delivery::attempt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timing {
    /// Sent once, now.
    Now,
    /// The same request sent twice in a row (each with its own retries).
    Duplicate,
    /// Held back until the next delivery has been sent (or half a second passed).
    OutOfOrder,
    /// Sent this many milliseconds late; later deliveries overtake it.
    Delay(u64),
}

/// One notification to one endpoint, as a vendor delivers it.
pub(crate) trait Delivery: Clone + Send + Sync + 'static {
    /// One line of the delivery log, written per attempt.
    type Record: Clone + Send + 'static;
    /// State the worker shares between attempts (Zoom's request-id counter).
    type Context: Default + Send + Sync + 'static;

    /// The timing effect of this delivery's fault.
    fn timing(&self) -> Timing;

    /// Sends one attempt; returns the endpoint's status (`None`: no answer in time) and the
    /// log record.
    fn attempt(
        &self,
        client: &HttpClient,
        context: &Self::Context,
    ) -> impl Future<Output = (Option<u16>, Self::Record)> + Send;

    /// Whether the vendor sends this attempt again after that answer.
    fn retried(status: Option<u16>) -> bool;

    /// The next attempt and the delay before it (in ms), or `None` when the schedule is spent.
    fn next_attempt(&self) -> Option<(u64, Self)>;
}

type Log<R> = Arc<Mutex<Vec<R>>>;

/// The queue to the delivery worker and the log of what was sent.
pub(crate) struct Outbox<D: Delivery> {
    tx: OnceLock<mpsc::UnboundedSender<D>>,
    log: Log<D::Record>,
}

impl<D: Delivery> Default for Outbox<D> {
    fn default() -> Self {
        Self {
            tx: OnceLock::new(),
            log: Arc::default(),
        }
    }
}

/// Deliveries hold secrets (signing secrets, channel tokens, `clientState`s): not printed.
impl<D: Delivery> fmt::Debug for Outbox<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("started", &self.tx.get().is_some())
            .field("logged", &self.lock().len())
            .finish()
    }
}

impl<D: Delivery> Outbox<D> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<D::Record>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the worker on the current runtime (once; called when the server starts).
    pub(crate) fn start(&self) {
        let (tx, rx) = mpsc::unbounded_channel();
        if self.tx.set(tx).is_ok() {
            let worker = Worker {
                client: http_client(),
                context: Arc::default(),
                log: Arc::clone(&self.log),
            };
            tokio::spawn(worker.run(rx));
        }
    }

    /// Queues deliveries in order. Without a worker (not started) they are dropped.
    pub(crate) fn send(&self, deliveries: Vec<D>) {
        if let Some(tx) = self.tx.get() {
            for delivery in deliveries {
                let _ = tx.send(delivery);
            }
        }
    }

    /// Every attempt so far, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<D::Record> {
        self.lock().clone()
    }

    /// Forgets the log (on reset).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// What every task sending for one outbox shares.
struct Worker<D: Delivery> {
    client: HttpClient,
    context: Arc<D::Context>,
    log: Log<D::Record>,
}

impl<D: Delivery> Clone for Worker<D> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            context: Arc::clone(&self.context),
            log: Arc::clone(&self.log),
        }
    }
}

impl<D: Delivery> Worker<D> {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<D>) {
        while let Some(delivery) = rx.recv().await {
            if delivery.timing() == Timing::OutOfOrder {
                if let Ok(Some(next)) = tokio::time::timeout(HOLD_FOR_NEXT, rx.recv()).await {
                    self.deliver(next).await;
                }
            }
            self.deliver(delivery).await;
        }
    }

    async fn deliver(&self, delivery: D) {
        match delivery.timing() {
            Timing::Delay(ms) => {
                let worker = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    worker.send(&delivery).await;
                });
            }
            Timing::Duplicate => {
                self.send(&delivery).await;
                self.send(&delivery).await;
            }
            Timing::Now | Timing::OutOfOrder => self.send(&delivery).await,
        }
    }

    /// Sends one delivery, then its retries in the background while the answers call for them.
    async fn send(&self, delivery: &D) {
        if !D::retried(self.attempt(delivery).await) {
            return;
        }
        let Some(mut next) = delivery.next_attempt() else {
            return;
        };
        let worker = self.clone();
        tokio::spawn(async move {
            loop {
                let (delay_ms, attempt) = next;
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                if !D::retried(worker.attempt(&attempt).await) {
                    break;
                }
                match attempt.next_attempt() {
                    Some(following) => next = following,
                    None => break,
                }
            }
        });
    }

    /// One attempt, logged.
    async fn attempt(&self, delivery: &D) -> Option<u16> {
        let (status, record) = delivery.attempt(&self.client, &self.context).await;
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
        status
    }
}
