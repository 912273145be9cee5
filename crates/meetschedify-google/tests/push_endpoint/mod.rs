//! What the push-channel test binaries share: a loopback HTTP endpoint that hands each Google
//! notification to a `GoogleWebhookVerifier`, answers with the verifier's status, and reports
//! what it answered.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use meetschedify_core::webhooks::{
    MeetingEvent, RejectionReason, WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier,
};
use meetschedify_google::webhooks::GoogleWebhookVerifier;
use meetschedify_google::PerUserTokens;
use tokio::sync::mpsc;

/// The verifier an endpoint serves.
pub(crate) type Verifier = Arc<GoogleWebhookVerifier<PerUserTokens>>;

/// What the endpoint answered one notification with, and the events it delivered.
#[derive(Debug)]
pub(crate) struct Handled {
    pub(crate) status: u16,
    pub(crate) code: Option<&'static str>,
    pub(crate) reason: Option<RejectionReason>,
    pub(crate) events: Vec<MeetingEvent>,
}

impl Handled {
    /// The status and the rejection's reason, if any.
    pub(crate) fn answer(&self) -> (u16, Option<RejectionReason>) {
        (self.status, self.reason.clone())
    }
}

async fn endpoint(
    State((verifier, tx)): State<(Verifier, mpsc::UnboundedSender<Handled>)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let headers: WebhookHeaders = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let handled = match verifier
        .handle(&WebhookRequest::new(headers, body.to_vec()))
        .await
    {
        Ok(WebhookOutcome::Events(events)) => Handled {
            status: 200,
            code: None,
            reason: None,
            events,
        },
        Ok(other) => panic!("google sends no challenge: {other:?}"),
        Err(rejection) => Handled {
            status: rejection.http_status(),
            code: Some(rejection.code()),
            reason: Some(rejection.reason().clone()),
            events: Vec::new(),
        },
    };
    let status = StatusCode::from_u16(handled.status).unwrap();
    let _ = tx.send(handled);
    status
}

/// A served endpoint: the address to watch with, and what it answered, in order.
pub(crate) struct Endpoint {
    pub(crate) address: String,
    answers: mpsc::UnboundedReceiver<Handled>,
}

impl Endpoint {
    /// Serves `verifier` at `http://127.0.0.1:{port}/webhooks/google`.
    pub(crate) async fn serve(verifier: Verifier) -> Self {
        let (tx, answers) = mpsc::unbounded_channel();
        let app = Router::new()
            .route("/webhooks/google", post(endpoint))
            .with_state((verifier, tx));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let address = format!("http://{}/webhooks/google", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { address, answers }
    }

    /// The next notification's answer, within 5 seconds.
    pub(crate) async fn next(&mut self) -> Handled {
        tokio::time::timeout(Duration::from_secs(5), self.answers.recv())
            .await
            .expect("a notification within 5 s")
            .unwrap()
    }

    /// No further notification arrives within 700 ms.
    pub(crate) async fn nothing_more(&mut self) {
        let more = tokio::time::timeout(Duration::from_millis(700), self.answers.recv()).await;
        assert!(more.is_err(), "unexpected notification: {more:?}");
    }
}
