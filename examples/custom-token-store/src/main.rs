//! Per-user Google Meet with tokens in a JSON file (`FileTokenStore`, see `file_store.rs`).
//!
//! With `--emulator` (or when `GOOGLE_CLIENT_ID` is unset) it starts the local emulator, saves a
//! tenant's tokens as if the tenant had connected, and schedules a meeting; otherwise it uses
//! `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI` and
//! `MEETSCHEDIFY_OAUTH_STATE_KEY`, and the tenant must have connected (see the webapp example).

mod file_store;

use std::path::PathBuf;
use std::sync::Arc;

use file_store::FileTokenStore;
use meetschedify::emulator::{Emulator, EmulatorHandle};
use meetschedify::google::{GoogleEndpoints, GoogleMeetBuilder, GoogleMeetProvider};
use meetschedify::{
    CreateMeetingRequest, CreatedMeeting, MeetSchedifyClient, MeetingTime, OAuthStateKey,
    ProviderId, SaveCondition, TokenRecord, TokenStore,
};

const TENANT: &str = "org_123";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let use_emulator =
        args.iter().any(|a| a == "--emulator") || std::env::var_os("GOOGLE_CLIENT_ID").is_none();
    let file = args
        .iter()
        .position(|a| a == "--file")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || std::env::temp_dir().join("meetschedify-tokens.json"),
            PathBuf::from,
        );
    let store = Arc::new(FileTokenStore::open(&file));

    let mut emulator = None;
    let provider = if use_emulator {
        let emu = Emulator::start().await?;
        println!("using the Google emulator at {}", emu.base_url());
        let provider = provider_for_emulator(&emu, store.clone())?;
        connect_as_if_consented(&emu, &provider, store.as_ref()).await?;
        emulator = Some(emu);
        provider
    } else {
        GoogleMeetBuilder::from_env()
            .with_token_store(store.clone())
            .build()?
    };

    let meeting = schedule(provider).await?;
    println!(
        "join link: {}",
        meeting.conference_link.as_deref().unwrap_or("-")
    );
    println!("token file {}:", store.path().display());
    for record in read_redacted(store.path())? {
        println!("  {record}");
    }
    if let Some(emu) = emulator {
        emu.shutdown().await;
    }
    Ok(())
}

/// The per-user provider against the emulator, with our store.
fn provider_for_emulator(
    emu: &EmulatorHandle,
    store: Arc<dyn TokenStore>,
) -> meetschedify::Result<GoogleMeetProvider> {
    let demo = emu.demo();
    GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
        .with_state_key(OAuthStateKey::generate())
        .with_token_store(store)
        .build()
}

/// Saves what a completed OAuth callback would have saved: a refresh token (and an access token
/// that has already expired, so the first call refreshes and persists a new one).
async fn connect_as_if_consented(
    emu: &EmulatorHandle,
    provider: &GoogleMeetProvider,
    store: &dyn TokenStore,
) -> Result<(), Box<dyn std::error::Error>> {
    let demo = emu.demo();
    let refresh = emu.issue_google_refresh_token(
        &demo.google_client_id,
        &demo.google_user_email,
        &["https://www.googleapis.com/auth/calendar.events"],
    )?;
    let record = TokenRecord::new("expired-access-token")
        .with_refresh_token(refresh)
        .with_expires_at(meetschedify::jiff::Timestamp::UNIX_EPOCH);
    store
        .save(
            &provider.tokens().token_key(&TENANT.into()),
            &record,
            SaveCondition::Always,
        )
        .await?;
    Ok(())
}

async fn schedule(provider: GoogleMeetProvider) -> meetschedify::Result<CreatedMeeting> {
    let client = MeetSchedifyClient::builder()
        .with_provider(provider)
        .build()?;
    client
        .create_meeting(
            CreateMeetingRequest::new(
                TENANT,
                ProviderId::GOOGLE_MEET,
                "Quarterly review",
                MeetingTime::new("2030-09-01T15:00:00", "2030-09-01T16:00:00")
                    .with_timezone("Europe/London"),
            )
            .with_idempotency_key("qr-2030-q3"),
        )
        .await
}

/// The file's records with every token replaced by its length: enough to see what changed.
fn read_redacted(path: &std::path::Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let mut out = Vec::new();
    for (key, record) in json.as_object().into_iter().flatten() {
        let len = |field: &str| record[field].as_str().map_or(0, str::len);
        out.push(format!(
            "{key}: version {}, access token [{} chars], refresh token [{} chars], expires {}",
            record["version"],
            len("access_token"),
            len("refresh_token"),
            record["expires_at"].as_str().unwrap_or("-"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_provider_refreshes_through_the_file_and_schedules() {
        let path =
            std::env::temp_dir().join(format!("meetschedify-example-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let emu = Emulator::start().await.unwrap();
        let store = Arc::new(FileTokenStore::open(&path));
        let provider = provider_for_emulator(&emu, store.clone()).unwrap();
        connect_as_if_consented(&emu, &provider, store.as_ref())
            .await
            .unwrap();

        let meeting = schedule(provider).await.unwrap();
        assert!(meeting
            .conference_link
            .unwrap()
            .starts_with("https://meet.google.com/"));
        // The refreshed access token was persisted (version 2) before it was used.
        let lines = read_redacted(&path).unwrap();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("version 2"), "{lines:?}");
        assert_eq!(emu.google_token_requests(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("expired-access-token"));
        let _ = std::fs::remove_file(path);
    }
}
