#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod backend;
mod config;
mod cookies;
mod csrf;
mod page;
mod providers;
mod routes;
mod session;
mod store;

pub use config::{AppConfig, Backend, PUBLIC_URL_ENV};

use std::net::SocketAddr;

use meetschedify::emulator::EmulatorHandle;
use meetschedify::secrecy::SecretString;
use meetschedify::store_encrypted::TOKEN_KEYS_ENV;
use meetschedify::Error;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running app: its address, the emulator behind it (if any), and the server task.
#[derive(Debug)]
pub struct RunningApp {
    addr: SocketAddr,
    emulator: Option<EmulatorHandle>,
    server: JoinHandle<()>,
}

impl RunningApp {
    /// Binds the port, builds the providers (and starts the emulator if asked) and serves.
    ///
    /// Tokens are encrypted with `MEETSCHEDIFY_TOKEN_KEYS`; without it the emulator gets a key
    /// generated for this process and the real vendors are an `INVALID_CONFIG` error naming it.
    pub async fn start(config: AppConfig) -> Result<Self, Error> {
        // Check the configuration before binding a port or creating the token database.
        let cookies = cookies::CookiePolicy::new(config.serves_https()?);
        let configured_keys = std::env::var(TOKEN_KEYS_ENV).ok().map(SecretString::from);
        let keys = store::token_keys(config.backend, configured_keys)?;
        let state_key = match config.backend {
            Backend::Vendors => Some(backend::state_key_from_env()?),
            Backend::Emulator => None,
        };
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| Error::invalid_config("port", format!("cannot listen: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::invalid_config("port", e.to_string()))?;
        let store = store::token_store(&config, keys).await?;
        let built = match state_key {
            Some(key) => backend::from_env(&key, store)?,
            None => backend::emulated(addr, store).await?,
        };
        let client = built.client.build()?;
        let emulator = built.emulator;
        let router = routes::router(routes::AppState {
            client,
            sessions: session::Sessions::new(),
            cookies,
            providers: providers::Enabled::new(built.enabled),
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
