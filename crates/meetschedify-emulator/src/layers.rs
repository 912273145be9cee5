//! The middleware in front of every vendor route: count token calls, record the request, then apply
//! any fault rule that picks it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::faults::FaultAction;
use crate::http::content_type;
use crate::record::{redact_body, redact_form, redact_header, RecordedRequest};
use crate::server::ConnAbort;
use crate::state::Shared;

/// Bodies larger than this are refused (neither vendor accepts more for these endpoints).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// The HTML a misbehaving proxy answers with.
const PROXY_HTML: &str = "<html><head><title>502 Bad Gateway</title></head><body><center>\
<h1>502 Bad Gateway</h1></center><hr><center>emulated proxy</center></body></html>";

pub(crate) async fn vendor_layer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let is_post = parts.method == Method::POST;
    let record = shared.lock().settings.record_requests;
    // Buffer the body only when it is recorded; otherwise it streams through untouched.
    let (body, recorded) = if record {
        match to_bytes(body, MAX_BODY).await {
            Ok(bytes) => (Body::from(bytes.clone()), Some(bytes)),
            Err(_) => {
                let mut response = Response::new(Body::from("request body too large"));
                *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                return response;
            }
        }
    } else {
        (body, None)
    };
    let seq = {
        let mut inner = shared.lock();
        if is_post && path == "/oauth/token" {
            inner.zoom.token_requests += 1;
        }
        if is_post && path == "/token" {
            inner.google.token_requests += 1;
        }
        if is_post && crate::faults::glob_match("/login/*/oauth2/v2.0/token", &path) {
            inner.microsoft.token_requests += 1;
        }
        let seq = recorded.as_ref().map(|bytes| {
            let content_type = content_type(&parts.headers);
            let entry = RecordedRequest {
                seq: 0,
                method: parts.method.to_string(),
                path: path.clone(),
                query: redact_form(parts.uri.query().unwrap_or_default()),
                headers: parts
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        let value = String::from_utf8_lossy(value.as_bytes());
                        (name.to_string(), redact_header(name.as_str(), &value))
                    })
                    .collect(),
                body: redact_body(&content_type, bytes),
                status: None,
            };
            let capacity = inner.settings.max_recorded_requests;
            inner.log.push(entry, capacity)
        });
        seq
    };
    // Outlook's per-mailbox concurrency, counted across the whole request (fault delays included).
    let _slot = match crate::microsoft::throttle::enter(&shared, &parts.headers, &path) {
        Ok(slot) => slot,
        Err(response) => {
            if let Some(seq) = seq {
                shared
                    .lock()
                    .log
                    .set_status(seq, response.status().as_u16());
            }
            return response;
        }
    };
    let fault = {
        let mut inner = shared.lock();
        let inner = &mut *inner;
        inner
            .faults
            .pick(parts.method.as_str(), &path, &mut inner.rng)
    };
    let abort = parts.extensions.get::<ConnAbort>().cloned();
    let request = Request::from_parts(parts, body);
    let response = match fault {
        None => next.run(request).await,
        Some(FaultAction::Latency { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Some(FaultAction::SlowAnswer { ms }) => {
            // Processed now; if the client leaves during the wait, only the answer is lost.
            let response = next.run(request).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            response
        }
        Some(FaultAction::SlowProcessing { ms }) => {
            // A task of its own, so that the client closing the connection (which drops this
            // future) does not cancel the work, as it would not at a real vendor.
            let work = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                next.run(request).await
            });
            match work.await {
                Ok(response) => response,
                Err(_) => status_response(500, String::new(), &[]),
            }
        }
        Some(FaultAction::Status {
            status,
            body,
            headers,
        }) => status_response(status, body, &headers),
        Some(FaultAction::NonJson { status }) => {
            let mut response = status_response(status, PROXY_HTML.to_owned(), &[]);
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        }
        Some(FaultAction::ResetBefore) => drop_connection(abort).await,
        Some(FaultAction::ResetAfter) => {
            // The request takes effect; only the answer is lost.
            let _ = next.run(request).await;
            drop_connection(abort).await
        }
    };
    if let Some(seq) = seq {
        shared
            .lock()
            .log
            .set_status(seq, response.status().as_u16());
    }
    response
}

fn status_response(status: u16, body: String, headers: &[(String, String)]) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Asks the connection task to reset the connection, and never answers.
async fn drop_connection(abort: Option<ConnAbort>) -> Response {
    match abort {
        Some(abort) => {
            abort.trigger();
            std::future::pending::<Response>().await
        }
        // Only the emulator's own accept loop installs the abort hook; without it, a 502 is the
        // closest thing.
        None => status_response(502, String::new(), &[]),
    }
}
