//! [`Calendar`]: the generated hub over one shared HTTP client, one retried call at a time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use google_calendar3::api::Event;
use google_calendar3::hyper::body::Bytes;
use google_calendar3::{common, CalendarHub};
use meetschedify_core::{
    with_retry, Error, ErrorCode, Operation, ProviderId, Result, RetryConfig, TenantId,
};
use serde_json::Value;
use tracing::Instrument;

use super::errors::{self, Capture};
use super::http::{http_client, Connector, HttpClient};
use super::limit::{Refusals, ResponseTooLarge};
use super::options::CalendarOptions;
use super::token_source::{TokenAccess, TokenSource};
use crate::endpoints::GoogleEndpoints;

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
/// Both Google providers use it; build your own only for a custom provider. It is cheap to
/// clone (one `Arc`), and every clone shares one connection pool. Tokens come per call through
/// a [`TokenAccess`], so one `Calendar` serves every tenant.
#[derive(Clone)]
pub struct Calendar {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    /// Answers the connections refused for their size (see `limit.rs`).
    pub(crate) refusals: Refusals,
    pub(crate) endpoints: GoogleEndpoints,
    pub(crate) options: CalendarOptions,
    pub(crate) provider: ProviderId,
    pub(crate) tenant_ownership: bool,
}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("provider", &self.inner.provider)
            .field("api_base", &self.inner.endpoints.api_base())
            .field("options", &self.inner.options)
            .field("tenant_ownership", &self.inner.tenant_ownership)
            .finish()
    }
}

const USER_AGENT: &str = concat!("meetschedify-google/", env!("CARGO_PKG_VERSION"));

impl Calendar {
    /// A Calendar layer for `provider` (used in logs, errors and event-id derivation).
    pub fn new(
        provider: ProviderId,
        endpoints: GoogleEndpoints,
        options: CalendarOptions,
    ) -> Result<Self> {
        options.validate()?;
        let refusals = Refusals::default();
        Ok(Self {
            inner: Arc::new(Inner {
                http: http_client(options.max_response_bytes, refusals.clone())?,
                refusals,
                endpoints,
                options,
                provider,
                tenant_ownership: false,
            }),
        })
    }

    /// Turns on (or off) the tenant-ownership check: get, update and cancel then answer
    /// `MEETING_NOT_FOUND` for an event whose private property
    /// [`TENANT_KEY`](crate::calendar::TENANT_KEY) is not the caller's tenant (another tenant's,
    /// or one made outside this library), before anything is written. Off by default: with
    /// per-user accounts each tenant reaches only its own calendar anyway. Creates stamp the
    /// tenant either way.
    pub fn with_tenant_ownership(self, on: bool) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                refusals: inner.refusals.clone(),
                endpoints: inner.endpoints.clone(),
                options: inner.options.clone(),
                provider: inner.provider.clone(),
                tenant_ownership: on,
            }),
        }
    }

    /// Whether get, update and cancel check the tenant that owns an event (see
    /// [`with_tenant_ownership`](Self::with_tenant_ownership)).
    pub fn tenant_ownership(&self) -> bool {
        self.inner.tenant_ownership
    }

    /// The settings.
    pub fn options(&self) -> &CalendarOptions {
        &self.inner.options
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &GoogleEndpoints {
        &self.inner.endpoints
    }

    /// The provider the layer works for.
    pub fn provider_id(&self) -> &ProviderId {
        &self.inner.provider
    }

    fn hub(&self, source: TokenSource) -> Hub {
        let mut hub = CalendarHub::new(self.inner.http.clone(), source);
        // Both need their trailing slash: the bindings append paths to them as text.
        hub.base_url(self.inner.endpoints.calendar_base_url());
        hub.root_url(self.inner.endpoints.root_url());
        hub.user_agent(USER_AGENT.to_owned());
        hub
    }

    /// Runs one bindings call under the retry policy. `existing_event` says whether the call
    /// addresses an event by id (a 404 then means the meeting does not exist).
    pub(crate) async fn call<F>(
        &self,
        access: &TokenAccess,
        tenant: &TenantId,
        operation: Operation,
        existing_event: bool,
        f: F,
    ) -> Result<Answer>
    where
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        self.call_with(
            &self.inner.options.retry,
            access,
            tenant,
            operation,
            existing_event,
            f,
        )
        .await
    }

    /// [`call`](Self::call) under another retry policy.
    pub(crate) async fn call_with<F>(
        &self,
        retry: &RetryConfig,
        access: &TokenAccess,
        tenant: &TenantId,
        operation: Operation,
        existing_event: bool,
        f: F,
    ) -> Result<Answer>
    where
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        with_retry(retry, |attempt| {
            self.attempt(access, tenant, operation, existing_event, attempt, &f)
        })
        .await
    }

    /// One attempt: the request, and on a 401 one refresh of exactly the token that was
    /// refused, then the same request again.
    async fn attempt<F>(
        &self,
        access: &TokenAccess,
        tenant: &TenantId,
        operation: Operation,
        existing_event: bool,
        attempt: u32,
        f: &F,
    ) -> Result<Answer>
    where
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        let mut reauthorized = false;
        loop {
            let span = tracing::info_span!(
                "google_calendar",
                provider = %self.inner.provider,
                operation = operation.as_str(),
                tenant = %tenant,
                attempt,
                reauthorized,
                http_status = tracing::field::Empty,
            );
            let source = TokenSource::new(access.clone());
            let result = self
                .request(&source, operation, existing_event, f)
                .instrument(span.clone())
                .await;
            let err = match result {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            if errors::is_unauthorized(&err) && !reauthorized {
                if let Some(refused) = source.handed_out() {
                    span.in_scope(|| {
                        tracing::info!("access token refused (401); refreshing it once")
                    });
                    reauthorized = true;
                    access
                        .manager()
                        .refresh_after_rejection(access.key(), &refused)
                        .instrument(span)
                        .await?;
                    continue;
                }
            }
            return Err(err);
        }
    }

    /// One HTTP request through a fresh hub, with the per-request timeout.
    async fn request<F>(
        &self,
        source: &TokenSource,
        operation: Operation,
        existing_event: bool,
        f: &F,
    ) -> Result<Answer>
    where
        F: for<'a> Fn(&'a Hub, &'a mut Capture) -> CallFuture<'a> + Send + Sync,
    {
        let hub = self.hub(source.clone());
        let mut capture = Capture::default();
        let refused_before = self.inner.refusals.count();
        let timeout = self.inner.options.request_timeout;
        let err = match tokio::time::timeout(timeout, f(&hub, &mut capture)).await {
            Ok(Ok((response, event))) => {
                let status = response.status().as_u16();
                tracing::Span::current().record("http_status", status);
                // The bindings buffered the body to decode it, so this is no copy.
                let body = common::to_bytes(response.into_body())
                    .await
                    .unwrap_or_default();
                tracing::debug!("google calendar answered");
                return Ok(Answer { event, body });
            }
            Ok(Err(e)) => {
                let err = errors::from_bindings(
                    e,
                    &capture,
                    &self.inner.provider,
                    operation,
                    existing_event,
                );
                // The bindings turn a body the connection refused into an empty one that does
                // not decode; the refusal count says which it was.
                if err.code() == ErrorCode::ProviderError
                    && self.inner.refusals.count() > refused_before
                {
                    errors::oversized(ResponseTooLarge {
                        limit: self.inner.options.max_response_bytes,
                    })
                    .with_provider(self.inner.provider.clone())
                    .with_operation(operation)
                } else {
                    err
                }
            }
            Err(_) => Error::new(
                ErrorCode::NetworkError,
                format!(
                    "google calendar did not answer within {} ms",
                    timeout.as_millis()
                ),
            )
            .with_retryable(true)
            .with_provider(self.inner.provider.clone())
            .with_operation(operation),
        };
        if let Some(status) = err.http_status() {
            tracing::Span::current().record("http_status", status);
        }
        tracing::debug!(code = %err.code(), retryable = err.is_retryable(), "google calendar call failed");
        Err(err)
    }
}
