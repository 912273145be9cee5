//! The demo's webhook part: a Zoom meeting's start and end arrive as verified events.
//!
//! An in-process listener (the same `webhooks_axum::route` as `webhooks listen`) is registered
//! with the emulator, which validates it as Zoom would and then signs each notification.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use meetschedify::emulator::EmulatorHandle;
use meetschedify::jiff::Timestamp;
use meetschedify::webhooks::MeetingEvent;
use meetschedify::webhooks_axum::route;
use meetschedify::{
    CreateMeetingRequest, Error, ErrorCode, MeetSchedifyClient, MeetingTime, ProviderId,
};
use meetschedify_zoom::webhooks::ZoomWebhookVerifier;
use tokio::sync::mpsc;

use super::demo::{next_week_slot, Progress};

/// How long the demo waits for each event.
const WAIT: Duration = Duration::from_secs(5);

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ProviderError, format!("{what}: {e}"))
}

/// Creates a Zoom meeting, starts and ends it in the emulator, and returns the two events the
/// listener verified.
pub(super) async fn zoom_start_and_end(
    client: &MeetSchedifyClient,
    emulator: &EmulatorHandle,
    progress: &Progress,
) -> Result<Vec<MeetingEvent>, Error> {
    // A fresh secret per run: nothing outside this process can sign for the listener.
    let secret = format!("demo-webhook-{}", Timestamp::now().as_nanosecond());
    let verifier = ZoomWebhookVerifier::builder()
        .with_secret_token(secret.clone())
        .build()?;
    let (events, mut incoming) = mpsc::channel(16);
    let app: axum::Router =
        axum::Router::new().route("/webhooks/zoom", route(Arc::new(verifier), events));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| failed("cannot listen for webhooks", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| failed("cannot listen for webhooks", e))?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/webhooks/zoom");
    emulator
        .register_zoom_webhook(&url, &secret)
        .await
        .map_err(|e| failed("webhook registration", e))?;
    progress.step(
        "zoom",
        "webhook",
        &format!("{url} validated by Zoom's URL check"),
    );

    let (start, end) = next_week_slot(14)?;
    let created = client
        .create_meeting(CreateMeetingRequest::new(
            "demo-hr",
            ProviderId::ZOOM,
            "Demo stand-up with webhooks",
            MeetingTime::new(start, end).with_timezone("America/New_York"),
        ))
        .await?;
    let id: u64 = created
        .provider_event_id
        .parse()
        .map_err(|e| failed("zoom meeting id", e))?;
    emulator
        .start_zoom_meeting(id)
        .map_err(|e| failed("starting the meeting", e))?;
    emulator
        .end_zoom_meeting(id)
        .map_err(|e| failed("ending the meeting", e))?;
    let mut received = Vec::new();
    for _ in 0..2 {
        let event = tokio::time::timeout(WAIT, incoming.recv())
            .await
            .ok()
            .flatten()
            .ok_or_else(|| failed("webhook", "no event arrived within 5 s"))?;
        progress.step(
            "zoom",
            "webhook",
            &format!(
                "{} {} at {}",
                event.kind, event.meeting_id, event.occurred_at
            ),
        );
        received.push(event);
    }
    server.abort();
    Ok(received)
}
