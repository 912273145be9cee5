//! [`Calendar`]: the generated hub over one shared HTTP client, one retried call at a time.

use std::future::Future;
use std::pin::Pin;

use google_calendar3::api::Event;
use google_calendar3::hyper::body::Bytes;
use google_calendar3::{common, CalendarHub};
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    with_retry, AccessToken, Error, ErrorCode, Operation, ProviderId, Result, RetryConfig, TenantId,
};
use serde_json::Value;
use tracing::Instrument;

use super::errors::{self, Capture};
use super::http::{http_client, Connector, HttpClient};
use super::limit::{Refusals, ResponseTooLarge};
use super::options::CalendarOptions;
use super::path;
use crate::endpoints::GoogleEndpoints;
use crate::provider::CalendarTokens;

pub(crate) type Hub = CalendarHub<Connector>;

/// What one bindings call resolves to: the response (read for `raw`) and, except for delete,
/// the decoded event.
pub(crate) type CallFuture<'a> =
    Pin<Box<dyn Future<Output = common::Result<(common::Response, Option<Event>)>> + Send + 'a>>;

/// A successful answer: the decoded event and the body exactly as Google sent it.
///
/// The body stays bytes until [`Answer::raw`] is asked for: the bindings have already decoded
/// it once into the typed event, and most answers (an insert followed by a conference poll,
/// the read before an update) never become a meeting, so parsing them again for `raw` would
/// be wasted. `raw` is not rebuilt from the typed event because that would not be what Google
/// sent: the bindings' `Event` drops fields it does not know, serialises every absent field
/// as `null` and reformats timestamps.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) event: Option<Event>,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The body as JSON (`null` for an empty or non-JSON body, such as delete's 204).
    pub(crate) fn raw(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn event(&self) -> Result<&Event> {
        self.event.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::ProviderError,
                "google calendar returned no event",
            )
        })
    }
}

/// The shared Google Calendar layer: maps meetings to events and back, retries, refreshes on
/// 401, waits for Meet conferences, and keeps creates idempotent.
///
/// Every connection is shared: the provider holds one `Calendar` for all its tenants, and
/// tokens come per call from the provider's [`CalendarTokens`] source.
pub(crate) struct Calendar {
    http: HttpClient,
    /// Answers the connections refused for their size (see `limit.rs`).
    refusals: Refusals,
    endpoints: GoogleEndpoints,
    options: CalendarOptions,
    provider: ProviderId,
    tenant_ownership: bool,
    /// Made once: every request needs them, and the hub takes them as owned strings.
    base_url: String,
    root_url: String,
    /// The configured calendar id as a path segment (see `path.rs`).
    calendar_segment: String,
}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("provider", &self.provider)
            .field("api_base", &self.endpoints.api_base())
            .field("options", &self.options)
            .field("tenant_ownership", &self.tenant_ownership)
            .finish()
    }
}

const USER_AGENT: &str = concat!("meetschedify-google/", env!("CARGO_PKG_VERSION"));

impl Calendar {
    /// A Calendar layer for `provider` (used in errors and event-id derivation). With
    /// `tenant_ownership`, get, update and cancel answer `MEETING_NOT_FOUND` for an event whose
    /// private property `TENANT_KEY` is not the caller's tenant (another tenant's, or one made
    /// outside this library), before anything is written. Creates stamp the tenant either way.
    pub(crate) fn new(
        provider: ProviderId,
        endpoints: GoogleEndpoints,
        options: CalendarOptions,
        tenant_ownership: bool,
    ) -> Result<Self> {
        options.validate()?;
        let calendar_segment = path::segment(&options.calendar_id, "calendar_id")?;
        let refusals = Refusals::default();
        Ok(Self {
            http: http_client(options.max_response_bytes, refusals.clone())?,
            refusals,
            base_url: endpoints.calendar_base_url(),
            root_url: endpoints.root_url(),
            calendar_segment,
            endpoints,
            options,
            provider,
            tenant_ownership,
        })
    }

    /// Whether get, update and cancel check the tenant that owns an event.
    pub(crate) fn tenant_ownership(&self) -> bool {
        self.tenant_ownership
    }

    /// The settings.
    pub(crate) fn options(&self) -> &CalendarOptions {
        &self.options
    }

    /// The endpoints.
    pub(crate) fn endpoints(&self) -> &GoogleEndpoints {
        &self.endpoints
    }

    /// The provider the layer works for.
    pub(crate) fn provider_id(&self) -> &ProviderId {
        &self.provider
    }

    /// The configured calendar id as a path segment.
    pub(crate) fn calendar_segment(&self) -> &str {
        &self.calendar_segment
    }

    fn hub(&self, bearer: String) -> Hub {
        let mut hub = CalendarHub::new(self.http.clone(), bearer);
        // Both need their trailing slash: the bindings append paths to them as text.
        hub.base_url(self.base_url.clone());
        hub.root_url(self.root_url.clone());
        hub.user_agent(USER_AGENT.to_owned());
        hub
    }

    /// Runs one bindings call for `tenant` under the retry policy. `existing_event` says
    /// whether the call addresses an event by id (a 404 then means the meeting does not exist).
    pub(crate) async fn call<T, F>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        operation: Operation,
        existing_event: bool,
        f: F,
    ) -> Result<Answer>
    where
        T: CalendarTokens,
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        self.call_with(
            &self.options.retry,
            tokens,
            tenant,
            operation,
            existing_event,
            f,
        )
        .await
    }

    /// [`call`](Self::call) under another retry policy.
    pub(crate) async fn call_with<T, F>(
        &self,
        retry: &RetryConfig,
        tokens: &T,
        tenant: &TenantId,
        operation: Operation,
        existing_event: bool,
        f: F,
    ) -> Result<Answer>
    where
        T: CalendarTokens,
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        with_retry(retry, |attempt| {
            self.attempt(tokens, tenant, operation, existing_event, attempt, &f)
        })
        .await
    }

    /// One attempt: the request, and on a 401 one refresh of exactly the token that was
    /// refused, then the same request again.
    ///
    /// Its span carries what the client's operation span does not: the attempt, whether it is
    /// the repeat after a 401, and the HTTP status (provider, operation and tenant are on the
    /// client's span around it).
    async fn attempt<T, F>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        operation: Operation,
        existing_event: bool,
        attempt: u32,
        f: &F,
    ) -> Result<Answer>
    where
        T: CalendarTokens,
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        let mut refreshed: Option<AccessToken> = None;
        loop {
            let reauthorized = refreshed.is_some();
            let span = tracing::info_span!(
                "google_calendar",
                attempt,
                reauthorized,
                http_status = tracing::field::Empty,
            );
            let result = self
                .request(
                    tokens,
                    tenant,
                    refreshed.take(),
                    operation,
                    existing_event,
                    f,
                )
                .instrument(span.clone())
                .await;
            match result {
                Ok(answer) => return Ok(answer),
                Err((err, Some(used))) if !reauthorized && errors::is_unauthorized(&err) => {
                    span.in_scope(|| {
                        tracing::info!("access token refused (401); refreshing it once")
                    });
                    let fresh = tokens
                        .refresh_after_rejection(tenant, &used)
                        .instrument(span)
                        .await
                        .map_err(|e| self.tag(e, operation))?;
                    refreshed = Some(fresh);
                }
                Err((err, _)) => return Err(err),
            }
        }
    }

    /// One HTTP request through a fresh hub, with `token` (or the source's current one), all
    /// within the per-request timeout. A failure comes back with the token it used, if any.
    async fn request<T, F>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        token: Option<AccessToken>,
        operation: Operation,
        existing_event: bool,
        f: &F,
    ) -> std::result::Result<Answer, (Error, Option<AccessToken>)>
    where
        T: CalendarTokens,
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        let mut capture = Capture::default();
        let mut used = None;
        let refused_before = self.refusals.count();
        let timeout = self.options.request_timeout;
        let sent = tokio::time::timeout(timeout, async {
            let token = match token {
                Some(token) => token,
                None => tokens.access_token(tenant).await?,
            };
            let hub = self.hub(token.secret().expose_secret().to_owned());
            used = Some(token);
            Ok::<_, Error>(f(&hub, &mut capture).await)
        })
        .await;
        let err = match sent {
            Ok(Ok(Ok((response, event)))) => {
                let status = response.status().as_u16();
                tracing::Span::current().record("http_status", status);
                // The bindings buffered the body to decode it, so this is no copy.
                let body = common::to_bytes(response.into_body())
                    .await
                    .unwrap_or_default();
                tracing::debug!("google calendar answered");
                return Ok(Answer { event, body });
            }
            // The token source's own error (not connected, revoked, refresh failed) as it was.
            Ok(Err(e)) => self.tag(e, operation),
            Ok(Ok(Err(e))) => {
                let err =
                    errors::from_bindings(e, &capture, &self.provider, operation, existing_event);
                // The bindings turn a body the connection refused into an empty one that does
                // not decode; the refusal count says which it was.
                if err.code() == ErrorCode::ProviderError && self.refusals.count() > refused_before
                {
                    self.tag(
                        errors::oversized(ResponseTooLarge {
                            limit: self.options.max_response_bytes,
                        }),
                        operation,
                    )
                } else {
                    err
                }
            }
            Err(_) => self.tag(
                Error::new(
                    ErrorCode::NetworkError,
                    format!(
                        "google calendar did not answer within {} ms",
                        timeout.as_millis()
                    ),
                )
                .with_retryable(true),
                operation,
            ),
        };
        if let Some(status) = err.http_status() {
            tracing::Span::current().record("http_status", status);
        }
        tracing::debug!(code = %err.code(), retryable = err.is_retryable(), "google calendar call failed");
        Err((err, used))
    }

    /// `err` labelled with this provider and `operation`.
    fn tag(&self, err: Error, operation: Operation) -> Error {
        err.with_provider(self.provider.clone())
            .with_operation(operation)
    }
}
