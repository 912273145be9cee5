//! The providers the app runs with: Google and Microsoft against an emulator started in this
//! process, or each real vendor whose variables are set. All of them keep their tokens in the
//! one (encrypted) store.

use std::net::SocketAddr;
use std::sync::Arc;

use meetschedify::emulator::{Emulator, EmulatorHandle, GoogleClient, MicrosoftApp};
use meetschedify::google::{GoogleEndpoints, GoogleMeetBuilder, GoogleMeetProvider, ENV_STATE_KEY};
use meetschedify::secrecy::{ExposeSecret, SecretString};
use meetschedify::teams::{TeamsProvider, TeamsProviderBuilder};
use meetschedify::{
    ClientBuilder, Error, ErrorCode, MemoryNonceStore, OAuthStateKey, OAuthStateSealer, TokenStore,
};

use crate::providers::{Connectable, GOOGLE, MICROSOFT};

/// The OAuth client the emulator registers for this app at Google.
const EMULATOR_GOOGLE_CLIENT_ID: &str = "webapp-example.apps.googleusercontent.com";
const EMULATOR_GOOGLE_CLIENT_SECRET: &str = "webapp-example-secret";
/// The Entra app the emulator registers for this app, in a directory of its own whose only
/// user is [`EMULATOR_MICROSOFT_USER`] (so that user is the one who signs in).
const EMULATOR_MICROSOFT_TENANT: &str = "5e1f0000-0000-4000-8000-00000000a991";
const EMULATOR_MICROSOFT_CLIENT_ID: &str = "5e1f0000-0000-4000-8000-00000000c991";
const EMULATOR_MICROSOFT_CLIENT_SECRET: &str = "webapp-example.microsoft-secret";
const EMULATOR_MICROSOFT_USER: &str = "ada@webapp.example";

/// The variables that enable each real provider: its client id.
pub(crate) const GOOGLE_CLIENT_ID_ENV: &str = "GOOGLE_CLIENT_ID";
/// See [`GOOGLE_CLIENT_ID_ENV`].
pub(crate) const MICROSOFT_CLIENT_ID_ENV: &str = "MICROSOFT_CLIENT_ID";

/// What the app was built with: the client's providers, which of them the page offers, and the
/// emulator behind them (if any).
#[derive(Debug)]
pub(crate) struct Providers {
    /// A client builder holding every provider below.
    pub(crate) client: ClientBuilder,
    /// The providers the page offers, in its order.
    pub(crate) enabled: Vec<&'static Connectable>,
    /// The emulator they talk to, when the app started one.
    pub(crate) emulator: Option<EmulatorHandle>,
}

/// States that work once: a replayed callback is `OAUTH_STATE_INVALID` before any call to the
/// provider.
///
/// The nonce store is in memory, which is right for one instance; behind a load balancer use a
/// shared `NonceStore` (a table or Redis `SET NX`), or the replay is caught only by the provider
/// refusing the used code.
fn single_use_states(key: OAuthStateKey) -> OAuthStateSealer {
    OAuthStateSealer::new(key).with_nonce_store(Arc::new(MemoryNonceStore::new()))
}

/// Starts an emulator whose Google OAuth client and Microsoft app redirect to this app at
/// `addr`, and both providers pointed at it.
pub(crate) async fn emulated(
    addr: SocketAddr,
    store: Arc<dyn TokenStore>,
) -> Result<Providers, Error> {
    let emu = Emulator::builder().start().await.map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("cannot start the emulator: {e}"),
        )
    })?;
    let google = emulated_google(&emu, addr, store.clone())?;
    let microsoft = emulated_microsoft(&emu, addr, store)?;
    Ok(Providers {
        client: meetschedify::MeetSchedifyClient::builder()
            .with_provider(google)
            .with_provider(microsoft),
        enabled: vec![&GOOGLE, &MICROSOFT],
        emulator: Some(emu),
    })
}

fn emulated_google(
    emu: &EmulatorHandle,
    addr: SocketAddr,
    store: Arc<dyn TokenStore>,
) -> Result<GoogleMeetProvider, Error> {
    // Google matches redirect URIs exactly, and so does the emulator: register ours.
    let redirect_uri = format!("http://{addr}{}", GOOGLE.callback_path());
    emu.register_google_client(GoogleClient {
        client_id: EMULATOR_GOOGLE_CLIENT_ID.to_owned(),
        client_secret: EMULATOR_GOOGLE_CLIENT_SECRET.to_owned(),
        redirect_uris: vec![redirect_uri.clone()],
    });
    GoogleMeetProvider::builder()
        .with_client_id(EMULATOR_GOOGLE_CLIENT_ID)
        .with_client_secret(EMULATOR_GOOGLE_CLIENT_SECRET)
        .with_redirect_uri(redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
        // One process makes and checks every state, so a fresh key will do; several instances
        // share one through MEETSCHEDIFY_OAUTH_STATE_KEY.
        .with_state_sealer(single_use_states(OAuthStateKey::generate()))
        .with_token_store(store)
        .build()
}

fn emulated_microsoft(
    emu: &EmulatorHandle,
    addr: SocketAddr,
    store: Arc<dyn TokenStore>,
) -> Result<TeamsProvider, Error> {
    // Entra matches a Web app's redirect URIs exactly too.
    let redirect_uri = format!("http://{addr}{}", MICROSOFT.callback_path());
    emu.register_microsoft_app(MicrosoftApp {
        tenant_id: EMULATOR_MICROSOFT_TENANT.to_owned(),
        client_id: EMULATOR_MICROSOFT_CLIENT_ID.to_owned(),
        client_secret: EMULATOR_MICROSOFT_CLIENT_SECRET.to_owned(),
        redirect_uris: vec![redirect_uri.clone()],
        // Delegated permissions only: the app acts as the signed-in user.
        roles: Vec::new(),
        secret_expired: false,
    });
    emu.add_microsoft_user(EMULATOR_MICROSOFT_TENANT, EMULATOR_MICROSOFT_USER);
    TeamsProvider::builder()
        .with_credentials(
            EMULATOR_MICROSOFT_TENANT,
            EMULATOR_MICROSOFT_CLIENT_ID,
            EMULATOR_MICROSOFT_CLIENT_SECRET,
        )
        .with_redirect_uri(redirect_uri)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .with_state_sealer(single_use_states(OAuthStateKey::generate()))
        .with_token_store(store)
        .build()
}

/// `MEETSCHEDIFY_OAUTH_STATE_KEY`, which the real vendors need: read (and decoded, so a bad
/// one is reported) before the app binds its port or creates its token database.
pub(crate) fn state_key_from_env() -> Result<SecretString, Error> {
    let key = std::env::var(ENV_STATE_KEY)
        .map_err(|_| Error::invalid_config(ENV_STATE_KEY, "set it to `openssl rand -base64 32`"))?;
    OAuthStateKey::from_base64(&key)?;
    Ok(SecretString::from(key))
}

/// The real Google (when `GOOGLE_CLIENT_ID` is set) and Microsoft (when `MICROSOFT_CLIENT_ID`
/// is), each configured from its variables, with states sealed by `state_key` (from
/// [`state_key_from_env`]).
pub(crate) fn from_env(
    state_key: &SecretString,
    store: Arc<dyn TokenStore>,
) -> Result<Providers, Error> {
    let sealer = || OAuthStateKey::from_base64(state_key.expose_secret()).map(single_use_states);
    let is_set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let mut client = meetschedify::MeetSchedifyClient::builder();
    let mut enabled = Vec::new();
    if is_set(GOOGLE_CLIENT_ID_ENV) {
        let google = GoogleMeetBuilder::from_env()
            .with_state_sealer(sealer()?)
            .with_token_store(store.clone())
            .build()?;
        client = client.with_provider(google);
        enabled.push(&GOOGLE);
    }
    if is_set(MICROSOFT_CLIENT_ID_ENV) {
        let microsoft = TeamsProviderBuilder::from_env()
            .with_state_sealer(sealer()?)
            .with_token_store(store)
            .build()?;
        client = client.with_provider(microsoft);
        enabled.push(&MICROSOFT);
    }
    if enabled.is_empty() {
        return Err(Error::invalid_config(
            GOOGLE_CLIENT_ID_ENV,
            "set GOOGLE_CLIENT_ID or MICROSOFT_CLIENT_ID (with their other variables), or run \
             with --emulator",
        ));
    }
    Ok(Providers {
        client,
        enabled,
        emulator: None,
    })
}
