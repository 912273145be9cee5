//! Mount a [`WebhookVerifier`](crate::webhooks::WebhookVerifier) on an axum router in one line
//! (feature `axum`).
//!
//! The route reads the raw body (never more than the verifier's limit), hands it to the
//! verifier with the headers, and answers: the challenge as the verifier built it; `200 OK`
//! once verified events are queued on the application's channel; the rejection's status with
//! `{"error": CODE, "message": ...}` otherwise.
//!
//! It lives in the facade rather than in core because core depends on no HTTP framework (any
//! server can call
//! [`WebhookVerifier::handle`](crate::webhooks::WebhookVerifier::handle) directly), and not in
//! a provider crate because one route serves every provider's verifier.
//!
//! ```
//! # #[cfg(feature = "zoom")] {
//! use std::sync::Arc;
//! use meetschedify::webhooks_axum::route;
//! use meetschedify::zoom::webhooks::ZoomWebhookVerifier;
//!
//! let zoom = ZoomWebhookVerifier::builder().with_secret_token("s3cret").build().unwrap();
//! let (events, mut incoming) = tokio::sync::mpsc::channel(1024);
//! let app: axum::Router = axum::Router::new().route("/webhooks/zoom", route(Arc::new(zoom), events));
//! // Serve `app`; read `incoming.recv().await` in a task of your own.
//! # let _ = (app, incoming.try_recv());
//! # }
//! ```

use std::sync::Arc;

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use tokio::sync::mpsc;

use meetschedify_core::webhooks::{
    MeetingEvent, RejectionReason, WebhookHeaders, WebhookOutcome, WebhookRejection,
    WebhookRequest, WebhookVerifier, QUERY_PSEUDO_HEADER,
};

/// A `POST` route that verifies with `verifier` and sends each verified event to `events`.
///
/// Events are queued, not processed, before the answer: vendors give an endpoint about three
/// seconds (Zoom, Graph) and retry a slow one, so do the work in the task reading the channel.
/// A full channel delays the answer (back-pressure); a closed one answers `503`. Keep the
/// receiver alive for as long as the route serves: the notification was already recorded as
/// delivered by the replay guard, so the vendor's retry after that `503` is refused as a replay.
pub fn route<S>(
    verifier: Arc<dyn WebhookVerifier>,
    events: mpsc::Sender<MeetingEvent>,
) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    post(
        move |RawQuery(query): RawQuery, headers: HeaderMap, body: Body| {
            let verifier = Arc::clone(&verifier);
            let events = events.clone();
            async move {
                receive_with_query(verifier.as_ref(), &events, query.as_deref(), headers, body)
                    .await
            }
        },
    )
}

/// Verifies one request and answers it; [`route`] without the routing. The query string is
/// not passed on: use [`receive_with_query`] for verifiers that need it (Microsoft Graph).
pub async fn receive(
    verifier: &dyn WebhookVerifier,
    events: &mpsc::Sender<MeetingEvent>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    receive_with_query(verifier, events, None, headers, body).await
}

/// Like [`receive`], with the request's raw query string (after `?`), which the verifier sees
/// as the [`QUERY_PSEUDO_HEADER`] pseudo-header: Microsoft Graph's endpoint check is
/// `POST {url}?validationToken=...`.
pub async fn receive_with_query(
    verifier: &dyn WebhookVerifier,
    events: &mpsc::Sender<MeetingEvent>,
    query: Option<&str>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limit = verifier.max_body_bytes();
    // One byte over the limit is enough for the verifier to see the body is too large, without
    // buffering the rest of it. `to_bytes` fails past that limit (and when the client breaks
    // off the body); either way nothing readable within the limit arrived.
    let Ok(bytes) = axum::body::to_bytes(body, limit.saturating_add(1)).await else {
        let rejection = WebhookRejection::new(
            verifier.provider().clone(),
            RejectionReason::BodyTooLarge { limit },
        );
        return rejected(&rejection);
    };
    let mut headers: WebhookHeaders = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    // After the real headers: `HeaderMap` cannot hold a name starting with `:`, so this is the
    // only value under that name.
    if let Some(query) = query {
        headers.insert(QUERY_PSEUDO_HEADER, query);
    }
    let request = WebhookRequest::new(headers, bytes.to_vec());
    match verifier.handle(&request).await {
        Ok(WebhookOutcome::Challenge(answer)) => (
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
            [(header::CONTENT_TYPE, answer.content_type)],
            answer.body,
        )
            .into_response(),
        Ok(WebhookOutcome::Events(list)) => {
            for event in list {
                if events.send(event).await.is_err() {
                    tracing::error!("webhook event channel closed; asking the vendor to retry");
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
            }
            StatusCode::OK.into_response()
        }
        Ok(_) => StatusCode::OK.into_response(),
        Err(rejection) => rejected(&rejection),
    }
}

/// The rejection's status with its JSON body.
fn rejected(rejection: &WebhookRejection) -> Response {
    let status = StatusCode::from_u16(rejection.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
    (status, axum::Json(rejection.to_json())).into_response()
}
