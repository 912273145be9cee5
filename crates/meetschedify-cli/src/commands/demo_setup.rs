//! The demo's providers, configured against a running emulator with its demo credentials.

use std::sync::Arc;

use meetschedify::emulator::EmulatorHandle;
use meetschedify::oauth_state::OAuthStateKey;
use meetschedify::MemoryTokenStore;
use meetschedify::{Error, MeetSchedifyClient};
use meetschedify_google::GoogleMeetProvider;
use meetschedify_google_static::GoogleMeetStaticProvider;
use meetschedify_teams::{TeamsAppProvider, TeamsProvider};
use meetschedify_zoom::{Preset, ZoomProvider};

/// A client with every provider type pointed at `emulator`: Zoom, Google with one shared refresh
/// token and per-user, Teams per-user (each tenant connects its own Microsoft account) and Teams
/// through the app's own credentials on the demo organizer's calendar.
pub(super) fn client(emulator: &EmulatorHandle) -> Result<MeetSchedifyClient, Error> {
    let demo = emulator.demo();
    let zoom = ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emulator.zoom_api_base())
        .with_oauth_base(emulator.zoom_oauth_base())
        .with_preset(Preset::Healthcare)
        .build()?;
    let per_user = GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_api_base(emulator.google_api_base())
        .with_oauth_base(emulator.google_oauth_base())
        .with_auth_base(emulator.google_auth_base())
        // One process both makes and receives the state, so a fresh key is enough here.
        .with_state_key(OAuthStateKey::generate())
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .build()?;
    let shared = GoogleMeetStaticProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_refresh_token(&demo.google_refresh_token)
        .with_api_base(emulator.google_api_base())
        .with_oauth_base(emulator.google_oauth_base())
        .build()?;
    let teams = TeamsAppProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_organizer(&demo.microsoft_organizer_upn)
        .with_login_base(emulator.microsoft_login_base())
        .with_graph_api_base(emulator.graph_api_base())
        .build()?;
    let teams_per_user = TeamsProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_redirect_uri(&demo.microsoft_redirect_uri)
        .with_login_base(emulator.microsoft_login_base())
        .with_graph_api_base(emulator.graph_api_base())
        // As for Google: the process that makes the state also receives it.
        .with_state_key(OAuthStateKey::generate())
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .build()?;
    MeetSchedifyClient::builder()
        .with_provider(zoom)
        .with_provider(shared)
        .with_provider(per_user)
        .with_provider(teams_per_user)
        .with_provider(teams)
        .build()
}
