//! A loopback webhook endpoint for the emulator to post to: each request goes through the real
//! [`ZoomWebhookVerifier`], verified events come out of a channel, and any rejection is kept so
//! a test can show there was none.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use meetschedify_core::webhooks::{
    MeetingEvent, WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier,
};
use meetschedify_zoom::webhooks::ZoomWebhookVerifier;
use tokio::sync::mpsc;

#[derive(Clone)]
struct Shared {
    verifier: Arc<ZoomWebhookVerifier>,
    events: mpsc::UnboundedSender<MeetingEvent>,
    rejections: Arc<Mutex<Vec<String>>>,
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let headers: WebhookHeaders = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?.to_owned())))
        .collect();
    let request = WebhookRequest::new(headers, body.to_vec());
    match shared.verifier.handle(&request).await {
        Ok(WebhookOutcome::Challenge(answer)) => (
            StatusCode::from_u16(answer.status).unwrap(),
            [(header::CONTENT_TYPE, answer.content_type)],
            answer.body,
        )
            .into_response(),
        Ok(WebhookOutcome::Events(events)) => {
            for event in events {
                let _ = shared.events.send(event);
            }
            StatusCode::OK.into_response()
        }
        Ok(_) => StatusCode::OK.into_response(),
        Err(rejection) => {
            shared
                .rejections
                .lock()
                .unwrap()
                .push(rejection.to_string());
            StatusCode::from_u16(rejection.http_status())
                .unwrap()
                .into_response()
        }
    }
}

/// A listening endpoint and what came out of it.
pub(crate) struct Endpoint {
    pub(crate) url: String,
    events: mpsc::UnboundedReceiver<MeetingEvent>,
    rejections: Arc<Mutex<Vec<String>>>,
}

impl Endpoint {
    /// Listens on a free loopback port, verifying with `secret`.
    pub(crate) async fn start(secret: &str) -> Self {
        let verifier = ZoomWebhookVerifier::builder()
            .with_secret_token(secret)
            .build()
            .unwrap();
        let (tx, events) = mpsc::unbounded_channel();
        let rejections = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            verifier: Arc::new(verifier),
            events: tx,
            rejections: Arc::clone(&rejections),
        };
        let app = Router::new()
            .route("/webhooks/zoom", post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}/webhooks/zoom", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            events,
            rejections,
        }
    }

    /// The next verified event, within 5 seconds.
    pub(crate) async fn next(&mut self) -> MeetingEvent {
        tokio::time::timeout(Duration::from_secs(5), self.events.recv())
            .await
            .expect("a verified event within 5 s")
            .unwrap()
    }

    /// Asserts nothing more is verified within 300 ms, and nothing was rejected.
    pub(crate) async fn assert_quiet(&mut self) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Ok(event) = self.events.try_recv() {
            panic!("unexpected {event:?}");
        }
        assert!(
            self.rejections.lock().unwrap().is_empty(),
            "{:?}",
            self.rejections.lock().unwrap()
        );
    }
}
