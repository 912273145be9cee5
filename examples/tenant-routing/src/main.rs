//! Three provider types in one client; each tenant routed by its preference.

mod routing;

use std::sync::Arc;

use meetschedify::emulator::{Emulator, EmulatorHandle};
use meetschedify::google::{GoogleEndpoints, GoogleMeetBuilder, GoogleMeetProvider};
use meetschedify::google_static::{GoogleMeetStaticBuilder, GoogleMeetStaticProvider};
use meetschedify::store_sqlite::SqliteTokenStore;
use meetschedify::zoom::ZoomProvider;
use meetschedify::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingTime, OAuthStateKey, ProviderId,
    SaveCondition, TenantId, TokenRecord, TokenStore,
};
use routing::{Preferences, Route};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let use_emulator = std::env::args().any(|a| a == "--emulator")
        || (std::env::var_os("ZOOM_CLIENT_ID").is_none()
            && std::env::var_os("GOOGLE_CLIENT_ID").is_none());
    let mut emulator = None;
    let client = if use_emulator {
        let emu = Emulator::start().await?;
        println!("using the emulator at {}", emu.base_url());
        let client = emulator_client(&emu).await?;
        emulator = Some(emu);
        client
    } else {
        client_from_env().await?
    };
    let preferences = preferences();
    for tenant in ["acme", "globex", "initech", "umbrella"] {
        let (route, link) = schedule(&client, &preferences, &tenant.into()).await?;
        let why = match route.skipped.first() {
            None => "first preference, connected".to_owned(),
            Some((p, reason)) => format!("{p}: {reason}"),
        };
        println!(
            "{tenant:<9} {:<19} ({why})  {link}",
            route.provider.as_str()
        );
    }
    if let Some(emu) = emulator {
        emu.shutdown().await;
    }
    Ok(())
}

/// What the application stored for each tenant (a settings page would write this).
fn preferences() -> Preferences {
    let mut prefs = Preferences::new(vec![ProviderId::ZOOM]);
    prefs.set("acme", vec![ProviderId::GOOGLE_MEET, ProviderId::ZOOM]);
    prefs.set("globex", vec![ProviderId::GOOGLE_MEET, ProviderId::ZOOM]);
    prefs.set("initech", vec![ProviderId::GOOGLE_MEET_STATIC]);
    prefs.set("umbrella", vec![ProviderId::new("jitsi")]);
    prefs
}

/// Routes a tenant and books its weekly meeting there.
async fn schedule(
    client: &MeetSchedifyClient,
    preferences: &Preferences,
    tenant: &TenantId,
) -> meetschedify::Result<(Route, String)> {
    let route = preferences.route(client, tenant).await?;
    let meeting = client
        .create_meeting(
            CreateMeetingRequest::new(
                tenant.clone(),
                route.provider.clone(),
                format!("Weekly sync — {tenant}"),
                MeetingTime::new("2030-02-04T09:00:00", "2030-02-04T09:30:00")
                    .with_timezone("Europe/Paris"),
            )
            .with_idempotency_key(format!("weekly-{tenant}-2030-02-04")),
        )
        .await?;
    Ok((route, meeting.conference_link.unwrap_or_default()))
}

/// All three provider types against the emulator; tenant `acme` has connected its Google account.
async fn emulator_client(emu: &EmulatorHandle) -> meetschedify::Result<MeetSchedifyClient> {
    let demo = emu.demo();
    let zoom = ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .build()?;
    let shared = GoogleMeetStaticBuilder::new()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_refresh_token(&demo.google_refresh_token)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
        .build()?;
    let store = Arc::new(SqliteTokenStore::in_memory().await?);
    let per_user = GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
        .with_state_key(OAuthStateKey::generate())
        .with_token_store(store.clone())
        .build()?;
    // What the OAuth callback stores when acme connects (see the webapp example for the flow).
    emu.add_google_user("owner@acme.example");
    let refresh = emu
        .issue_google_refresh_token(
            &demo.google_client_id,
            "owner@acme.example",
            &["https://www.googleapis.com/auth/calendar.events"],
        )
        .map_err(|e| meetschedify::Error::invalid_config("emulator", e.to_string()))?;
    store
        .save(
            &per_user.tokens().token_key(&"acme".into()),
            &TokenRecord::new("not-yet-fetched")
                .with_refresh_token(refresh)
                .with_expires_at(meetschedify::jiff::Timestamp::UNIX_EPOCH),
            SaveCondition::Always,
        )
        .await?;
    MeetSchedifyClient::builder()
        .with_provider(zoom)
        .with_provider(shared)
        .with_provider(per_user)
        .build()
}

/// Every provider whose variables are set.
async fn client_from_env() -> meetschedify::Result<MeetSchedifyClient> {
    let mut builder = MeetSchedifyClient::builder();
    if std::env::var_os("ZOOM_CLIENT_ID").is_some() {
        builder = builder.with_provider(ZoomProvider::from_env()?);
    }
    if std::env::var_os("GOOGLE_REFRESH_TOKEN").is_some() {
        builder = builder.with_provider(GoogleMeetStaticProvider::from_env()?);
    }
    if std::env::var_os("GOOGLE_CLIENT_ID").is_some() {
        let store = Arc::new(
            meetschedify::store_sqlite::SqliteTokenStoreBuilder::from_env()
                .build()
                .await?,
        );
        builder = builder.with_provider(
            GoogleMeetBuilder::from_env()
                .with_token_store(store)
                .build()?,
        );
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_tenant_lands_on_the_provider_its_preferences_allow() {
        let emu = Emulator::start().await.unwrap();
        let client = emulator_client(&emu).await.unwrap();
        let prefs = preferences();
        let mut chosen = Vec::new();
        for tenant in ["acme", "globex", "initech", "umbrella"] {
            let (route, link) = schedule(&client, &prefs, &tenant.into()).await.unwrap();
            assert!(link.starts_with("https://"), "{tenant}: {link}");
            chosen.push((tenant, route.provider.as_str().to_owned(), route.skipped));
        }
        assert_eq!(chosen[0].1, "google-meet");
        assert_eq!(chosen[1].1, "zoom");
        assert_eq!(chosen[1].2[0].0, ProviderId::GOOGLE_MEET);
        assert_eq!(chosen[2].1, "google-meet-static");
        assert_eq!(chosen[3].1, "zoom");
        assert_eq!(chosen[3].2[0].1, "not registered");

        // A tenant with no usable provider at all gets a typed error.
        let none = Preferences::new(vec![]);
        let err = none.route(&client, &"nobody".into()).await.unwrap_err();
        assert_eq!(err.code(), meetschedify::ErrorCode::ProviderNotFound);
    }
}
