//! What the Graph webhook test binaries share: the app-only provider on the emulator, a
//! loopback endpoint serving a verifier, and a request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use meetschedify_core::webhooks::{
    MeetingEvent, WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier,
    QUERY_PSEUDO_HEADER,
};
use meetschedify_core::{CreateMeetingRequest, MeetingTime, ProviderId};
use meetschedify_emulator::EmulatorHandle;
use meetschedify_teams::webhooks::GraphWebhookVerifier;
use meetschedify_teams::TeamsAppProvider;
use tokio::sync::mpsc;

pub(crate) fn provider(emu: &EmulatorHandle) -> TeamsAppProvider {
    let demo = emu.demo();
    TeamsAppProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_organizer(&demo.microsoft_organizer_upn)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .build()
        .unwrap()
}

/// What an HTTP endpoint does with a verifier: the query as the pseudo-header, the answer.
async fn endpoint(
    State((verifier, events)): State<(
        Arc<GraphWebhookVerifier>,
        mpsc::UnboundedSender<MeetingEvent>,
    )>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut pairs: WebhookHeaders = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    if let Some(query) = query {
        pairs.insert(QUERY_PSEUDO_HEADER, query);
    }
    match verifier
        .handle(&WebhookRequest::new(pairs, body.to_vec()))
        .await
    {
        Ok(WebhookOutcome::Challenge(answer)) => {
            ([(header::CONTENT_TYPE, answer.content_type)], answer.body).into_response()
        }
        Ok(WebhookOutcome::Events(list)) => {
            for event in list {
                events.send(event).unwrap();
            }
            StatusCode::ACCEPTED.into_response()
        }
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(rejection) => StatusCode::from_u16(rejection.http_status())
            .unwrap()
            .into_response(),
    }
}

pub(crate) async fn serve(
    verifier: GraphWebhookVerifier,
) -> (String, mpsc::UnboundedReceiver<MeetingEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/graph", post(endpoint))
        .with_state((Arc::new(verifier), tx));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/graph"), rx)
}

pub(crate) async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("within 5 seconds")
        .unwrap()
}

pub(crate) fn request(title: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        "acme-hr",
        ProviderId::MICROSOFT_TEAMS_APP,
        title,
        MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00").with_timezone("UTC"),
    )
}
