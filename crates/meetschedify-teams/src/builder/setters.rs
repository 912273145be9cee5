//! The setters both Teams builders share.
//!
//! [`TeamsAppProviderBuilder`](crate::TeamsAppProviderBuilder) and
//! [`TeamsProviderBuilder`](crate::TeamsProviderBuilder) keep the same [`Settings`] for the
//! client, the endpoints, the HTTP budget, the provider id, the ownership check and the token
//! refresh margin. One macro writes those setters into both, so they keep one wording and one
//! behaviour; what differs between the two (the tenant, the token store, the organizer or the
//! redirect URI) each builder writes itself.
//!
//! [`Settings`]: crate::config::Settings

/// Expands, inside an `impl` of a builder with a `settings: Settings` field, to the shared
/// setters; `default_id` is the provider id the builder registers under by default.
macro_rules! shared_setters {
    (default_id = $id:literal) => {
        /// Sets the application (client) id.
        pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
            self.settings.client_id = client_id.into();
            self.settings.from_env.client_id = false;
            self
        }

        /// Sets the client secret (its value, not its id).
        pub fn with_client_secret(mut self, client_secret: impl Into<String>) -> Self {
            self.settings.client_secret =
                meetschedify_core::secrecy::SecretString::from(client_secret.into());
            self.settings.from_env.client_secret = false;
            self
        }

        /// Sets the identity platform base (`https://login.microsoftonline.com`; a trailing
        /// slash is dropped).
        pub fn with_login_base(mut self, base: impl Into<String>) -> Self {
            self.settings.login_base = crate::config::trim_base(base.into());
            self.settings.from_env.login_base = false;
            self
        }

        /// Sets the Graph base, version included (`https://graph.microsoft.com/v1.0`; a
        /// trailing slash is dropped).
        pub fn with_graph_api_base(mut self, base: impl Into<String>) -> Self {
            self.settings.graph_base = crate::config::trim_base(base.into());
            self.settings.from_env.graph_base = false;
            self
        }

        /// Sets the timeout of one HTTP request, connection included.
        pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.request_timeout = timeout;
            self
        }

        /// Sets how failed calls are retried (429 and 503 after their `Retry-After`).
        pub fn with_retry(mut self, retry: meetschedify_core::RetryConfig) -> Self {
            self.settings.retry = retry;
            self
        }

        /// Sets the largest Graph answer read (default
        /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES), 1 MiB); a longer
        /// one is abandoned as it arrives and fails with a non-retryable `PROVIDER_ERROR`.
        /// Token answers have their own fixed 64 KiB limit.
        pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
            self.settings.max_response_bytes = bytes;
            self
        }

        #[doc = concat!(
                                    "Sets the id the provider registers under (default `", $id,
                                    "`; set another for a second app or organizer)."
                                )]
        pub fn with_provider_id(
            mut self,
            provider_id: impl Into<meetschedify_core::ProviderId>,
        ) -> Self {
            self.settings.provider_id = provider_id.into();
            self
        }

        /// Turns the tenant-ownership check on or off (default on): on, an event another
        /// tenant created, or one made outside this library, is `MEETING_NOT_FOUND` to get and
        /// update, and cancel answers as for a missing event. Tenants share a calendar whenever
        /// the app-only provider serves several (one organizer's mailbox) and when one person
        /// connects one account to two tenants of the per-user provider, so without it a
        /// tenant reaches another's event by its id. Turn it off only for a single-tenant
        /// application; creates stamp the tenant either way.
        pub fn with_tenant_ownership(mut self, on: bool) -> Self {
            self.settings.tenant_ownership = on;
            self
        }

        /// Sets how long before expiry a new access token is fetched.
        pub fn with_token_refresh_ahead(mut self, ahead: std::time::Duration) -> Self {
            self.settings.token_refresh_ahead = ahead;
            self
        }
    };
}

pub(crate) use shared_setters;
