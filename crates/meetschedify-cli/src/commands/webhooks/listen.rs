//! `meetschedify webhooks listen`: verified events as JSON lines on stdout.
//!
//! `POST /webhooks/zoom` is served when a Zoom secret token is set, `POST /webhooks/google`
//! when per-user Google credentials are (with the push channels of `--google-tenant`);
//! Microsoft Graph subscriptions come with their verifier.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Response;
use axum::Router;
use meetschedify::webhooks::MeetingEvent;
use meetschedify::webhooks_axum::route;
use meetschedify::{Error, ErrorCode};
use meetschedify_zoom::webhooks::ZoomWebhookVerifierBuilder;
use tokio::sync::mpsc;

use super::google::{GoogleSide, GOOGLE_PATH};
use crate::args::ListenArgs;

/// The path Zoom's event subscription should point at (behind your HTTPS proxy).
pub const ZOOM_PATH: &str = "/webhooks/zoom";

/// How many verified events may wait for stdout before answers slow down.
const QUEUE: usize = 1024;

/// Serves until Ctrl-C. Stdout carries only event lines; the address and every rejection go to
/// stderr.
pub async fn run(args: &ListenArgs, store: Option<&Path>) -> Result<(), Error> {
    let google = GoogleSide::from_env(store).await?;
    let zoom_configured = std::env::var("ZOOM_WEBHOOK_SECRET_TOKEN").is_ok();
    // Without Google, Zoom is required: its builder then names the missing variable.
    let zoom = if zoom_configured || google.is_none() {
        Some(ZoomWebhookVerifierBuilder::from_env().build()?)
    } else {
        None
    };
    if !args.google_tenants.is_empty() && google.is_none() {
        return Err(Error::invalid_config(
            "google-tenant",
            "watching a google calendar needs GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REDIRECT_URI",
        ));
    }
    let (events, mut incoming) = mpsc::channel::<MeetingEvent>(QUEUE);
    let mut app: Router = Router::new();
    let mut paths = Vec::new();
    if let Some(zoom) = zoom {
        app = app.route(ZOOM_PATH, route(Arc::new(zoom), events.clone()));
        paths.push(ZOOM_PATH);
    }
    if let Some(google) = &google {
        app = app.route(GOOGLE_PATH, route(google.verifier(), events.clone()));
        paths.push(GOOGLE_PATH);
    }
    // The routes hold the only senders from here on, so the printer ends with the server.
    drop(events);
    let app = app.layer(axum::middleware::map_response(report_rejection));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| {
            Error::new(ErrorCode::InvalidConfig, format!("cannot listen: {e}")).with_field("port")
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("cannot listen: {e}")))?;
    let urls: Vec<String> = paths.iter().map(|p| format!("http://{addr}{p}")).collect();
    eprintln!("# listening on {}; Ctrl-C to stop", urls.join(" "));
    let printer = tokio::spawn(async move {
        while let Some(event) = incoming.recv().await {
            match serde_json::to_string(&printable(&event)) {
                // `println!` goes through a line-buffered stdout: each event leaves at once.
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("# cannot print an event: {e}"),
            }
        }
    });
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                if tokio::signal::ctrl_c().await.is_err() {
                    eprintln!("# cannot listen for Ctrl-C; stopping");
                }
            })
            .await
    });
    // The channels are opened once the server answers: Google's first message can arrive
    // before `events.watch` does.
    let channels = match (&google, args.google_tenants.is_empty()) {
        (Some(google), false) => {
            let base = args
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}"));
            match google
                .watch(&base, &args.google_tenants, &args.google_calendar)
                .await
            {
                Ok(channels) => Some(channels),
                Err(e) => {
                    server.abort();
                    return Err(e);
                }
            }
        }
        _ => None,
    };
    let renewal = channels.as_ref().map(|c| c.spawn_renewal());
    let served = server
        .await
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("server failed: {e}")))?;
    if let Some(renewal) = renewal {
        renewal.abort();
    }
    if let Some(channels) = channels {
        channels.stop().await;
    }
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
