//! The providers the environment configures, as one client.
//!
//! A provider is configured when the variable that marks it is set:
//! - Zoom: `ZOOM_ACCOUNT_ID`; with `ZOOM_HOST_POOL` its creates spread over a host pool, whose
//!   bookings live in the token database when one is named;
//! - `google-meet-static`: `GOOGLE_REFRESH_TOKEN`;
//! - `microsoft-teams-app`: `MICROSOFT_TEAMS_ORGANIZER` (Teams meetings as events on that
//!   mailbox's calendar, through the app's own credentials);
//! - `google-meet` (per-user): `GOOGLE_CLIENT_ID` without `GOOGLE_REFRESH_TOKEN`, or any time a
//!   token database is named (`--store` or `MEETSCHEDIFY_TOKEN_DB`); its tokens live in that
//!   SQLite file (default `meetschedify-tokens.db`). A static-token setup thus never creates a
//!   token file by accident;
//! - `microsoft-teams` (per-user): `MICROSOFT_REDIRECT_URI` without `MICROSOFT_TEAMS_ORGANIZER`,
//!   or any time a token database is named, by the same rule and in the same SQLite file as
//!   `google-meet`: an app-only Teams setup (the emulator's exports among them) never creates a
//!   token file by accident either.
//!
//! Each provider then reads the rest of its variables and names any that are missing. When a
//! token database is open, keyed creates are recorded there too (for every provider); without
//! one they are recorded in memory, for the one command.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use meetschedify::oauth_state::OAuthStateKey;
use meetschedify::TokenStore;
use meetschedify::{Error, MeetSchedifyClient};
use meetschedify_google::{GoogleMeetBuilder, ENV_CLIENT_ID, ENV_STATE_KEY};
use meetschedify_google_static::GoogleMeetStaticProvider;
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_teams::{
    TeamsAppProvider, TeamsProviderBuilder, ENV_ORGANIZER,
    ENV_REDIRECT_URI as ENV_MICROSOFT_REDIRECT,
};
use meetschedify_zoom::{ZoomProvider, ZoomProviderBuilder, ENV_HOST_POOL};

/// Where per-user tokens are kept unless `--store` says otherwise.
pub const DEFAULT_TOKEN_DB: &str = "meetschedify-tokens.db";
/// The variable that names the token database.
pub const ENV_TOKEN_DB: &str = "MEETSCHEDIFY_TOKEN_DB";

fn is_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// The token database path: the flag, then the environment, then the default.
pub fn token_db(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os(ENV_TOKEN_DB).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_TOKEN_DB))
}

/// Builds a client with every provider the environment configures.
pub async fn client_from_env(store: Option<&Path>) -> Result<MeetSchedifyClient, Error> {
    Ok(configured_from_env(store).await?.client)
}

/// The configured client, and the providers in it that `doctor` checks beyond the
/// `MeetingProvider` contract, as themselves (the client holds them as `dyn MeetingProvider`).
/// Each list holds clones that share the registered provider's token cache.
#[derive(Debug)]
pub struct Configured {
    /// Every configured provider.
    pub client: MeetSchedifyClient,
    /// The Zoom providers: `doctor` reads their scopes and host pools.
    pub zoom: Vec<ZoomProvider>,
    /// The app-only Teams providers: `doctor` reads the organizer's calendar with them.
    pub teams_app: Vec<TeamsAppProvider>,
}

/// [`client_from_env`], with the providers `doctor` checks further ([`Configured`]).
pub async fn configured_from_env(store: Option<&Path>) -> Result<Configured, Error> {
    let mut builder = MeetSchedifyClient::builder();
    let mut any = false;
    let mut zoom = Vec::new();
    let named_db = store.is_some() || is_set(ENV_TOKEN_DB);
    // Opened once, for whichever provider needs it.
    let mut sqlite: Option<Arc<SqliteTokenStore>> = None;
    if is_set("ZOOM_ACCOUNT_ID") {
        let mut zoom_builder = ZoomProviderBuilder::from_env();
        if is_set(ENV_HOST_POOL) && named_db {
            // Bookings and daily counts outlive the command in the token database, so two
            // commands (or two hosts of a cron job) never hand one host two overlapping
            // meetings. Without a database each command rebuilds them from Zoom's lists.
            let db = Arc::new(SqliteTokenStore::open(token_db(store)).await?);
            if let Some(ledger) = db.host_ledger() {
                zoom_builder = zoom_builder.with_host_ledger(ledger);
            }
            sqlite = Some(db);
        }
        let provider = zoom_builder.build()?;
        // A clone shares the provider's token cache: one provider, two handles.
        zoom.push(provider.clone());
        builder = builder.with_provider(provider);
        any = true;
    }
    if is_set("GOOGLE_REFRESH_TOKEN") {
        builder = builder.with_provider(GoogleMeetStaticProvider::from_env()?);
        any = true;
    }
    let mut teams_app = Vec::new();
    if is_set(ENV_ORGANIZER) {
        let provider = TeamsAppProvider::from_env()?;
        teams_app.push(provider.clone());
        builder = builder.with_provider(provider);
        any = true;
    }
    let per_user_google = is_set(ENV_CLIENT_ID) && (!is_set("GOOGLE_REFRESH_TOKEN") || named_db);
    let per_user_teams = is_set(ENV_MICROSOFT_REDIRECT) && (!is_set(ENV_ORGANIZER) || named_db);
    if per_user_google || per_user_teams {
        // One file for both per-user providers (and the Zoom host ledger when it opened it).
        let db = match sqlite.take() {
            Some(db) => db,
            None => Arc::new(SqliteTokenStore::open(token_db(store)).await?),
        };
        // The terminal flow makes and receives the state in one process, so without
        // MEETSCHEDIFY_OAUTH_STATE_KEY each provider seals with a key of its own for this run; a
        // server must set the variable so that every instance can read every state.
        let generate_key = !is_set(ENV_STATE_KEY);
        if per_user_google {
            let mut google = GoogleMeetBuilder::from_env();
            if generate_key {
                google = google.with_state_key(OAuthStateKey::generate());
            }
            builder = builder.with_provider(google.with_token_store(db.clone()).build()?);
        }
        if per_user_teams {
            let mut teams = TeamsProviderBuilder::from_env();
            if generate_key {
                teams = teams.with_state_key(OAuthStateKey::generate());
            }
            builder = builder.with_provider(teams.with_token_store(db.clone()).build()?);
        }
        // Keyed creates are recorded in the same file, so repeating a command with the same
        // `--idempotency-key` in a later run returns the meeting from the record.
        builder = builder.with_idempotency_store(db);
        any = true;
    }
    if !any {
        return Err(Error::invalid_config(
            "environment",
            "no provider is configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, \
             or GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REDIRECT_URI, or MICROSOFT_TENANT_ID, \
             MICROSOFT_CLIENT_ID, MICROSOFT_CLIENT_SECRET and MICROSOFT_TEAMS_ORGANIZER or \
             MICROSOFT_REDIRECT_URI (try \
             `meetschedify demo` or `meetschedify emulator`)",
        ));
    }
    Ok(Configured {
        client: builder.build()?,
        zoom,
        teams_app,
    })
}
