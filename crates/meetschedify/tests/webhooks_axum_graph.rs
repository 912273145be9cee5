//! The axum route hands the query string to the verifier: Graph's `?validationToken=` check is
//! answered as plain text, and a forged notification reaches nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use meetschedify::teams::webhooks::GraphWebhookVerifier;
use meetschedify::webhooks::MemorySubscriptionStore;
use meetschedify::webhooks_axum::route;
use tokio::sync::mpsc;
use tower::ServiceExt as _;

#[tokio::test]
async fn the_validation_token_is_echoed_as_text_and_a_forgery_is_401() {
    let verifier = GraphWebhookVerifier::builder(Arc::new(MemorySubscriptionStore::new())).build();
    let (tx, mut rx) = mpsc::channel(4);
    let app = Router::new().route("/webhooks/microsoft", route(Arc::new(verifier), tx));
    let check =
        Request::post("/webhooks/microsoft?validationToken=Validation%3A%20%3Cb%3Ehi%3C%2Fb%3E")
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::empty())
            .unwrap();
    let answer = app.clone().oneshot(check).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let body = axum::body::to_bytes(answer.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"Validation: <b>hi</b>");

    let forged = r#"{"value":[{"subscriptionId":"nope","clientState":"x","changeType":"updated","resourceData":{"id":"e1"}}]}"#;
    let request = Request::post("/webhooks/microsoft")
        .header("content-type", "application/json")
        .body(Body::from(forged))
        .unwrap();
    let answer = app.oneshot(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(rx.try_recv().is_err());
}
