//! One authorised call to Microsoft Graph: bearer token from the token manager, one replay with
//! a fresh token after `401 InvalidAuthenticationToken`, the answer classified into JSON or a
//! [`Failure`].

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{AccessToken, ProviderId, TenantId};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use tracing::Instrument;

use crate::errors::{graph_status, network, unexpected, Failure, GraphBody};
use crate::in_flight::InFlight;
use crate::mailbox::Mailbox;
use crate::read::{read_limited, too_large, ReadError};
use crate::tokens::GraphTokens;

/// Graph's code for an expired, revoked or unknown access token (its 401 answer).
const INVALID_TOKEN: &str = "InvalidAuthenticationToken";

/// Asks Graph to write event times in UTC, the zone the provider sends them in (without it
/// they are UTC too, but saying so keeps a mailbox's settings from mattering).
const PREFER_UTC: &str = "outlook.timezone=\"UTC\"";

/// A request to Graph.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// The path after the Graph base, starting with `/`.
    pub(crate) path: String,
    /// The route for logs, with placeholders instead of ids.
    pub(crate) route: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<&'a Value>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(method: Method, route: &'static str, path: String) -> Self {
        Self {
            method,
            path,
            route,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn with_body(mut self, body: &'a Value) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn with_query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }
}

struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

/// The Graph client of one provider: one mailbox kind, one token source.
#[derive(Clone)]
pub(crate) struct GraphApi {
    http: reqwest::Client,
    base: String,
    tokens: GraphTokens,
    provider_id: ProviderId,
    mailbox: Mailbox,
    max_response_bytes: usize,
    /// Shared by every clone: the mailboxes' concurrency budgets.
    in_flight: Arc<InFlight>,
}

impl fmt::Debug for GraphApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphApi")
            .field("base", &self.base)
            .field("mailbox", &self.mailbox)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

/// What a [`GraphApi`] is built from (grouped: they are all required and all distinct).
pub(crate) struct GraphParts {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) tokens: GraphTokens,
    pub(crate) provider_id: ProviderId,
    pub(crate) mailbox: Mailbox,
    pub(crate) max_response_bytes: usize,
    pub(crate) in_flight: InFlight,
}

impl GraphApi {
    pub(crate) fn new(parts: GraphParts) -> Self {
        Self {
            http: parts.http,
            base: parts.base,
            tokens: parts.tokens,
            provider_id: parts.provider_id,
            mailbox: parts.mailbox,
            max_response_bytes: parts.max_response_bytes,
            in_flight: Arc::new(parts.in_flight),
        }
    }

    pub(crate) fn tokens(&self) -> &GraphTokens {
        &self.tokens
    }

    pub(crate) fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }

    /// Makes one attempt of `call` for `tenant` (plus at most one replay after a rejected
    /// token); the JSON body of a success, `None` for 202/204 or an empty body.
    pub(crate) async fn call(
        &self,
        call: &Call<'_>,
        tenant: &TenantId,
        attempt: u32,
    ) -> Result<Option<Value>, Failure> {
        let span = tracing::debug_span!(
            "graph_http",
            route = call.route,
            attempt,
            http_status = tracing::field::Empty,
        );
        async {
            let token = self.tokens.access_token(tenant).await?;
            let mut raw = self.send(call, tenant, &token).await?;
            if raw.status == 401
                && GraphBody::parse(&raw.body).code.as_deref() == Some(INVALID_TOKEN)
            {
                // Expired early or revoked: drop it, get one new token for every waiting
                // caller, replay once.
                tracing::info!("graph rejected the access token; replaying once with a new one");
                let fresh = self.tokens.refresh_after_rejection(tenant, &token).await?;
                raw = self.send(call, tenant, &fresh).await?;
            }
            tracing::Span::current().record("http_status", raw.status);
            if !(200..300).contains(&raw.status) {
                let failure = graph_status(
                    raw.status,
                    &raw.headers,
                    &raw.body,
                    &self.provider_id,
                    &self.mailbox,
                );
                tracing::debug!(code = %failure.error.code(), "graph answered with an error");
                return Err(failure);
            }
            if raw.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            serde_json::from_slice(&raw.body)
                .map(Some)
                .map_err(|_| Failure {
                    // A success whose body is unreadable still happened.
                    error: unexpected("a success body that is not JSON", &self.provider_id),
                    ambiguous: true,
                })
        }
        .instrument(span)
        .await
    }

    async fn send(
        &self,
        call: &Call<'_>,
        tenant: &TenantId,
        token: &AccessToken,
    ) -> Result<Raw, Failure> {
        // Held until the answer is read: the mailbox counts a request until it has answered.
        let _permit = self.in_flight.acquire(tenant).await;
        let url = format!("{}{}", self.base, call.path);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token.secret().expose_secret())
            .header("Prefer", PREFER_UTC);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| network(&e, &self.provider_id))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = read_limited(response, self.max_response_bytes)
            .await
            .map_err(|e| {
                // The answer started, so the request arrived: the outcome is unknown.
                let error = match e {
                    ReadError::Network(e) => network(&e, &self.provider_id).error,
                    ReadError::TooLarge => too_large(
                        "answer",
                        self.max_response_bytes,
                        "max_response_bytes",
                        &self.provider_id,
                    ),
                };
                Failure {
                    error,
                    ambiguous: true,
                }
            })?;
        tracing::debug!(http_status = status, "graph answered");
        Ok(Raw {
            status,
            headers,
            body,
        })
    }
}
