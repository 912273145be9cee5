//! Sending Graph notifications through the shared delivery loop ([`crate::outbox`]): JSON
//! bodies (faults already applied to their content), delivered when 2xx within 3 seconds
//! (reference `webhooks.md` §3.4), redelivered otherwise.

use std::time::Duration;

use axum::body::Body;
use hyper::Request;

use super::state::{GraphWebhookDelivery, GraphWebhookFault};
use crate::outbox::{Delivery, HttpClient, Timing};

/// How long an endpoint has to answer (reference §3.4).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);

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
pub(crate) type GraphOutbox = crate::outbox::Outbox<Job>;

impl Delivery for Job {
    type Record = GraphWebhookDelivery;
    type Context = ();

    fn timing(&self) -> Timing {
        match self.fault {
            Some(GraphWebhookFault::Duplicate) => Timing::Duplicate,
            Some(GraphWebhookFault::OutOfOrder) => Timing::OutOfOrder,
            Some(GraphWebhookFault::Delay { ms }) => Timing::Delay(ms),
            _ => Timing::Now,
        }
    }

    /// One request as Graph sends it (JSON).
    async fn attempt(&self, client: &HttpClient, (): &()) -> (Option<u16>, GraphWebhookDelivery) {
        let status = match Request::post(&self.url)
            .header("content-type", "application/json; charset=utf-8")
            .body(Body::from(self.body.clone()))
        {
            Ok(request) => tokio::time::timeout(DELIVERY_TIMEOUT, client.request(request))
                .await
                .ok()
                .and_then(Result::ok)
                .map(|r| r.status().as_u16()),
            Err(_) => None,
        };
        let record = GraphWebhookDelivery {
            url: self.url.clone(),
            kind: self.kind.clone(),
            items: self.items,
            status,
            attempt: self.attempt,
            fault: self.fault.clone(),
        };
        (status, record)
    }

    /// Delivered means a 2xx within 3 seconds; anything else is redelivered.
    fn retried(status: Option<u16>) -> bool {
        !status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The same body again: Graph resends the notification, faults included.
    fn next_attempt(&self) -> Option<(u64, Self)> {
        let (&delay_ms, rest) = self.retry_delays_ms.split_first()?;
        let mut next = self.clone();
        next.retry_delays_ms = rest.to_vec();
        next.attempt += 1;
        Some((delay_ms, next))
    }
}
