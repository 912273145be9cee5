//! `meetschedify webhooks listen`: verified events as JSON lines on stdout.
//!
//! `POST /webhooks/zoom` is served when `ZOOM_WEBHOOK_SECRET_TOKEN` is set, `POST
//! /webhooks/google` when per-user Google credentials are (with the push channels of
//! `--google-tenant`), `POST /webhooks/microsoft` when the app-only Teams variables are (the
//! listener then holds a Graph subscription to the organizer's calendar events while it runs),
//! and `POST /webhooks/microsoft/users` with `--microsoft-tenant` (a Graph subscription to each
//! per-user tenant's calendar events).

use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Response;
use axum::Router;
use meetschedify::webhooks::MeetingEvent;
use meetschedify::webhooks_axum::route;
use meetschedify::{Error, ErrorCode};
use meetschedify_teams::{ENV_ORGANIZER, ENV_REDIRECT_URI as ENV_MICROSOFT_REDIRECT};
use meetschedify_zoom::webhooks::{ZoomWebhookVerifierBuilder, ENV_WEBHOOK_SECRET_TOKEN};
use tokio::sync::{mpsc, watch};

use super::google::{GoogleSide, GOOGLE_PATH};
use super::graph::GraphListener;
use crate::args::ListenArgs;

/// The path Zoom's event subscription should point at (behind your HTTPS proxy).
pub const ZOOM_PATH: &str = "/webhooks/zoom";

/// The path of Microsoft Graph change and lifecycle notifications (app-only organizer).
pub const MICROSOFT_PATH: &str = "/webhooks/microsoft";

/// The path of Microsoft Graph notifications for the per-user tenants of `--microsoft-tenant`.
pub const MICROSOFT_USERS_PATH: &str = "/webhooks/microsoft/users";

/// How many verified events may wait for stdout before answers slow down.
const QUEUE: usize = 1024;

fn is_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

fn listen_error(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InvalidConfig, format!("cannot listen: {e}")).with_field("port")
}

/// Serves until Ctrl-C. Stdout carries only event lines; the address and every rejection go to
/// stderr.
pub async fn run(args: &ListenArgs, store: Option<&Path>) -> Result<(), Error> {
    let google = GoogleSide::from_env(store).await?;
    let teams = is_set(ENV_ORGANIZER);
    let teams_users = !args.microsoft_tenants.is_empty();
    // Without Google or Teams, Zoom is required: its builder then names the missing variable.
    let zoom = if is_set(ENV_WEBHOOK_SECRET_TOKEN) || (google.is_none() && !teams && !teams_users) {
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
    if teams_users && !is_set(ENV_MICROSOFT_REDIRECT) {
        return Err(Error::invalid_config(
            "microsoft-tenant",
            "subscribing to a per-user microsoft calendar needs MICROSOFT_TENANT_ID, \
             MICROSOFT_CLIENT_ID, MICROSOFT_CLIENT_SECRET and MICROSOFT_REDIRECT_URI",
        ));
    }
    // Each Graph side: its listener, its path, and where its lifecycle notices go.
    let mut graphs = Vec::new();
    if teams {
        graphs.push((GraphListener::app_from_env()?, MICROSOFT_PATH));
    }
    if teams_users {
        let users = GraphListener::per_user_from_env(store, &args.microsoft_tenants).await?;
        graphs.push((users, MICROSOFT_USERS_PATH));
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
    let mut notices = Vec::new();
    for (graph, path) in &graphs {
        let (notices_tx, notices_rx) = mpsc::channel(16);
        app = app.route(
            path,
            route(Arc::new(graph.verifier(notices_tx)), events.clone()),
        );
        paths.push(path);
        notices.push(notices_rx);
    }
    // The routes hold the only senders from here on, so the printer ends with the server.
    drop(events);
    let app = app.layer(axum::middleware::map_response(report_rejection));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(listen_error)?;
    let addr = listener.local_addr().map_err(listen_error)?;
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
    let (stop, mut stopped) = watch::channel(false);
    let server = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    signal = tokio::signal::ctrl_c() => if signal.is_err() {
                        eprintln!("# cannot listen for Ctrl-C; stopping");
                    },
                    _ = stopped.changed() => {}
                }
            })
            .into_future(),
    );
    let base = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let mut failed = None;
    // The channels and the subscription are opened once the server answers: Google's first
    // message can arrive before `events.watch` does, and Graph validates the URL before it
    // answers the create.
    let channels = match (&google, args.google_tenants.is_empty()) {
        (Some(google), false) => {
            match google
                .watch(&base, &args.google_tenants, &args.google_calendar)
                .await
            {
                Ok(channels) => Some(channels),
                Err(e) => {
                    let _ = stop.send(true);
                    failed = Some(e);
                    None
                }
            }
        }
        _ => None,
    };
    let renewal = channels.as_ref().map(|c| c.spawn_renewal());
    let mut upkeep = Vec::new();
    for ((graph, path), notices) in graphs.iter().zip(notices) {
        if failed.is_some() {
            break;
        }
        let url = format!("{}{path}", base.trim_end_matches('/'));
        match graph.subscribe(&url).await {
            Ok(subs) => {
                for sub in subs {
                    eprintln!(
                        "# subscribed to microsoft graph for {}: {} until {}",
                        sub.tenant, sub.id, sub.expires_at
                    );
                }
                upkeep.push(graph.spawn_upkeep(url, notices));
            }
            Err(e) => {
                let _ = stop.send(true);
                failed = Some(e);
            }
        }
    }
    let served = server
        .await
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("server failed: {e}")))?;
    if let Some(renewal) = renewal {
        renewal.abort();
    }
    if let Some(channels) = channels {
        channels.stop().await;
    }
    for (graph, _) in &graphs {
        graph.unsubscribe().await;
    }
    // The route's sender is dropped with the server, so the printer drains and ends.
    let _ = printer.await;
    for upkeep in upkeep {
        let _ = upkeep.await;
    }
    if let Some(e) = failed {
        return Err(e);
    }
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
