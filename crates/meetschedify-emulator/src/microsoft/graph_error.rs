//! Graph's error envelope (reference `microsoft-teams.md` §4.1):
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`, with the
//! `request-id` and `client-request-id` headers real responses carry (§1.8).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use rand::Rng;
use serde_json::json;

use crate::http::{json, with_header};
use crate::ids::guid;

/// The ids of one Graph request, echoed in errors and headers.
#[derive(Clone, Debug)]
pub(crate) struct RequestIds {
    pub(crate) now: Timestamp,
    pub(crate) request_id: String,
    /// The client's `client-request-id` header, else the request id (the emulator's choice).
    pub(crate) client_request_id: String,
}

impl RequestIds {
    pub(crate) fn new(rng: &mut impl Rng, now: Timestamp, headers: &HeaderMap) -> Self {
        let request_id = guid(rng);
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| request_id.clone(), str::to_owned);
        Self {
            now,
            request_id,
            client_request_id,
        }
    }

    /// Adds the `request-id` and `client-request-id` headers.
    pub(crate) fn stamp(&self, response: Response) -> Response {
        let response = with_header(response, "request-id", &self.request_id);
        with_header(response, "client-request-id", &self.client_request_id)
    }

    /// A Graph error; `innerError.date` has no `Z` (observed, §4.1).
    pub(crate) fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        let body = json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": self.now.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": self.request_id,
                    "client-request-id": self.client_request_id,
                }
            }
        });
        self.stamp(json(status, &body))
    }

    /// 401 `InvalidAuthenticationToken` with the `WWW-Authenticate` header of §1.8.
    pub(crate) fn unauthenticated(&self, message: &str) -> Response {
        with_header(
            self.error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message),
            "www-authenticate",
            "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
        )
    }

    /// 404 `ErrorItemNotFound` (§3.9, observed text).
    pub(crate) fn item_not_found(&self) -> Response {
        self.error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    /// 400 for a body that is not what the schema says. Graph's OData reader answers these; the
    /// code `RequestBodyRead` is the emulator's choice (the reference names no code for them).
    pub(crate) fn bad_body(&self, message: &str) -> Response {
        self.error(StatusCode::BAD_REQUEST, "RequestBodyRead", message)
    }
}
