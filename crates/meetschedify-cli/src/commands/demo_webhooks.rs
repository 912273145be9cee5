//! The demo's webhook part: a Zoom meeting's reschedule, start, end and cancellation arrive as
//! verified events.
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
    CreateMeetingRequest, Error, ErrorCode, MeetSchedifyClient, MeetingContext, MeetingTime,
    ProviderId, UpdateMeetingRequest,
};
use meetschedify_zoom::webhooks::ZoomWebhookVerifier;
use tokio::sync::mpsc;

use super::demo::{next_week_slot, Progress};

/// How long the demo waits for each event.
const WAIT: Duration = Duration::from_secs(5);

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ProviderError, format!("{what}: {e}"))
}

/// What the demo does to its Zoom meeting, one notification each: a reschedule
/// (`meeting.updated`), a start and an end (in the emulator, as the host would in the Zoom
/// client), and a cancellation (`meeting.deleted`).
const EVENTS: usize = 4;

/// Creates a Zoom meeting, reschedules it, starts and ends it in the emulator, cancels it, and
/// returns the events the listener verified, in that order.
pub(super) async fn zoom_lifecycle_events(
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

    let zone = "America/New_York";
    let (start, end) = next_week_slot(14)?;
    let created = client
        .create_meeting(CreateMeetingRequest::new(
            "demo-hr",
            ProviderId::ZOOM,
            "Demo stand-up with webhooks",
            MeetingTime::new(start, end).with_timezone(zone),
        ))
        .await?;
    let meeting_id = &created.provider_event_id;
    let id: u64 = meeting_id
        .parse()
        .map_err(|e| failed("zoom meeting id", e))?;
    let ctx = MeetingContext::new("demo-hr");
    let (new_start, new_end) = next_week_slot(15)?;
    client
        .update_meeting(
            &ProviderId::ZOOM,
            &ctx,
            meeting_id,
            UpdateMeetingRequest::new()
                .with_time(MeetingTime::new(new_start, new_end).with_timezone(zone)),
        )
        .await?;
    emulator
        .start_zoom_meeting(id)
        .map_err(|e| failed("starting the meeting", e))?;
    emulator
        .end_zoom_meeting(id)
        .map_err(|e| failed("ending the meeting", e))?;
    client
        .cancel_meeting(&ProviderId::ZOOM, &ctx, meeting_id)
        .await?;
    let mut received = Vec::new();
    for _ in 0..EVENTS {
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
