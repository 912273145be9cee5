//! `meetschedify webhooks listen`: verified events as JSON lines on stdout.
//!
//! Only `POST /webhooks/zoom` is served for now; Google push channels and Microsoft Graph
//! subscriptions come with their verifiers.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Response;
use axum::Router;
use meetschedify::webhooks::MeetingEvent;
use meetschedify::webhooks_axum::route;
use meetschedify::{Error, ErrorCode};
use meetschedify_zoom::webhooks::ZoomWebhookVerifierBuilder;
use tokio::sync::mpsc;

use crate::args::ListenArgs;

/// The path Zoom's event subscription should point at (behind your HTTPS proxy).
pub const ZOOM_PATH: &str = "/webhooks/zoom";

/// How many verified events may wait for stdout before answers slow down.
const QUEUE: usize = 1024;

/// Serves until Ctrl-C. Stdout carries only event lines; the address and every rejection go to
/// stderr.
pub async fn run(args: &ListenArgs) -> Result<(), Error> {
    let zoom = ZoomWebhookVerifierBuilder::from_env().build()?;
    let (events, mut incoming) = mpsc::channel::<MeetingEvent>(QUEUE);
    let app: Router = Router::new()
        .route(ZOOM_PATH, route(Arc::new(zoom), events))
        .layer(axum::middleware::map_response(report_rejection));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| {
            Error::new(ErrorCode::InvalidConfig, format!("cannot listen: {e}")).with_field("port")
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("cannot listen: {e}")))?;
    eprintln!("# listening on http://{addr}{ZOOM_PATH}; Ctrl-C to stop");
    let printer = tokio::spawn(async move {
        while let Some(event) = incoming.recv().await {
            match serde_json::to_string(&printable(&event)) {
                // `println!` goes through a line-buffered stdout: each event leaves at once.
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("# cannot print an event: {e}"),
            }
        }
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            if tokio::signal::ctrl_c().await.is_err() {
                eprintln!("# cannot listen for Ctrl-C; stopping");
            }
        })
        .await;
    // The route's sender is dropped with the server, so the printer drains and ends.
    let _ = printer.await;
    served.map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("server failed: {e}")))
}

/// Prints each refused request's status and reason code on stderr (the body says only the
/// code and a fixed message, never request content).
async fn report_rejection(response: Response<Body>) -> Response<Body> {
    let status = response.status();
    if status.is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    eprintln!(
        "# rejected with {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// What replaces a credential in a printed event.
const REDACTED: &str = "[redacted: a credential]";

/// Credentials inside Zoom's `recording.completed` (reference §1.6): the `download_token` that
/// downloads the files, the recording's `password` and `recording_play_passcode`. Printed lines
/// end up in terminals and CI logs, so they are masked there; the library still hands them to
/// applications in `MeetingEvent::raw`.
const CREDENTIALS: [&str; 3] = [
    "/raw/download_token",
    "/raw/payload/object/password",
    "/raw/payload/object/recording_play_passcode",
];

/// The event as printed: its JSON with the credentials above masked.
fn printable(event: &MeetingEvent) -> serde_json::Value {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    for pointer in CREDENTIALS {
        if let Some(field) = value.pointer_mut(pointer) {
            *field = REDACTED.into();
        }
    }
    value
}
