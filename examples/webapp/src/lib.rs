#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod config;
mod cookies;
mod csrf;
mod page;
mod routes;
mod session;
mod store;

pub use config::{AppConfig, Backend, PUBLIC_URL_ENV};

use std::net::SocketAddr;
use std::sync::Arc;

use meetschedify::emulator::{Emulator, EmulatorHandle, GoogleClient};
use meetschedify::google::{GoogleEndpoints, GoogleMeetBuilder, GoogleMeetProvider, ENV_STATE_KEY};
use meetschedify::secrecy::SecretString;
use meetschedify::store_encrypted::TOKEN_KEYS_ENV;
use meetschedify::{
    Error, ErrorCode, MeetSchedifyClient, MemoryNonceStore, OAuthStateKey, OAuthStateSealer,
    TokenStore,
};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The OAuth client the emulator registers for this app.
const EMULATOR_CLIENT_ID: &str = "webapp-example.apps.googleusercontent.com";
const EMULATOR_CLIENT_SECRET: &str = "webapp-example-secret";

/// A running app: its address, the emulator behind it (if any), and the server task.
#[derive(Debug)]
pub struct RunningApp {
    addr: SocketAddr,
    emulator: Option<EmulatorHandle>,
    server: JoinHandle<()>,
}

impl RunningApp {
    /// Binds the port, builds the provider (and starts the emulator if asked) and serves.
    ///
    /// Tokens are encrypted with `MEETSCHEDIFY_TOKEN_KEYS`; without it the emulator gets a key
    /// generated for this process and the real Google is an `INVALID_CONFIG` error naming it.
    pub async fn start(config: AppConfig) -> Result<Self, Error> {
        // Check the configuration before binding a port or creating the token database.
        let cookies = cookies::CookiePolicy::new(config.serves_https()?);
        let configured_keys = std::env::var(TOKEN_KEYS_ENV).ok().map(SecretString::from);
        let keys = store::token_keys(config.backend, configured_keys)?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| Error::invalid_config("port", format!("cannot listen: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::invalid_config("port", e.to_string()))?;
        let (provider, emulator) = match config.backend {
            Backend::Emulator => {
                let store = store::token_store(&config, keys).await?;
                let (provider, emu) = emulator_provider(addr, store).await?;
                (provider, Some(emu))
            }
            Backend::Google => {
                let key = std::env::var(ENV_STATE_KEY).map_err(|_| {
                    Error::invalid_config(ENV_STATE_KEY, "set it to `openssl rand -base64 32`")
                })?;
                let sealer = single_use_states(OAuthStateKey::from_base64(&key)?);
                let builder = GoogleMeetBuilder::from_env().with_state_sealer(sealer);
                let provider = builder
                    .with_token_store(store::token_store(&config, keys).await?)
                    .build()?;
                (provider, None)
            }
        };
        let client = MeetSchedifyClient::builder()
            .with_provider(provider)
            .build()?;
        let router = routes::router(routes::AppState {
            client,
            sessions: session::Sessions::new(),
            cookies,
        });
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the web server stopped");
            }
        });
        Ok(Self {
            addr,
            emulator,
            server,
        })
    }

    /// Where the app listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The app's base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator, when the app runs against one.
    pub fn emulator(&self) -> Option<&EmulatorHandle> {
        self.emulator.as_ref()
    }

    /// Serves until the server task ends (or the process is interrupted).
    pub async fn wait(self) {
        let _ = self.server.await;
    }

    /// Stops the server and the emulator.
    pub async fn shutdown(self) {
        self.server.abort();
        if let Some(emu) = self.emulator {
            emu.shutdown().await;
        }
    }
}

/// States that work once: a replayed callback is `OAUTH_STATE_INVALID` before any call to Google.
///
/// The nonce store is in memory, which is right for one instance; behind a load balancer use a
/// shared `NonceStore` (a table or Redis `SET NX`), or the replay is caught only by Google
/// refusing the used code.
fn single_use_states(key: OAuthStateKey) -> OAuthStateSealer {
    OAuthStateSealer::new(key).with_nonce_store(Arc::new(MemoryNonceStore::new()))
}

/// Starts an emulator whose OAuth client redirects to this app, and a provider pointed at it.
async fn emulator_provider(
    addr: SocketAddr,
    store: Arc<dyn TokenStore>,
) -> Result<(GoogleMeetProvider, EmulatorHandle), Error> {
    let emu = Emulator::builder().start().await.map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("cannot start the emulator: {e}"),
        )
    })?;
    // Google matches redirect URIs exactly, and so does the emulator: register ours.
    let redirect_uri = format!("http://{addr}{}", routes::CALLBACK_PATH);
    emu.register_google_client(GoogleClient {
        client_id: EMULATOR_CLIENT_ID.to_owned(),
        client_secret: EMULATOR_CLIENT_SECRET.to_owned(),
        redirect_uris: vec![redirect_uri.clone()],
    });
    let provider = GoogleMeetProvider::builder()
        .with_client_id(EMULATOR_CLIENT_ID)
        .with_client_secret(EMULATOR_CLIENT_SECRET)
        .with_redirect_uri(redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
        // One process makes and checks every state, so a fresh key will do; several instances
        // share one through MEETSCHEDIFY_OAUTH_STATE_KEY.
        .with_state_sealer(single_use_states(OAuthStateKey::generate()))
        .with_token_store(store)
        .build()?;
    Ok((provider, emu))
}
