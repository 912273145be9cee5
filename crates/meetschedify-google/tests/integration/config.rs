//! Configuration: `from_env` reads the variables users know, `build()` names what is missing or
//! wrong, and nothing secret is printed.

use std::collections::HashMap;
use std::sync::Arc;

use meetschedify_core::{Capabilities, MemoryTokenStore};
use meetschedify_core::{ErrorCode, MeetingProvider, OAuthConnect, ProviderId};
use meetschedify_google::{GoogleMeetBuilder, SendUpdates, SCOPE_CALENDAR};

fn env() -> HashMap<&'static str, String> {
    [
        (
            "GOOGLE_CLIENT_ID",
            "id.apps.googleusercontent.com".to_owned(),
        ),
        ("GOOGLE_CLIENT_SECRET", "GOCSPX-top-secret".to_owned()),
        (
            "GOOGLE_REDIRECT_URI",
            "https://app.example.com/auth/google/callback".to_owned(),
        ),
        (
            "MEETSCHEDIFY_OAUTH_STATE_KEY",
            // What `openssl rand -base64 32` prints.
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [3u8; 32]),
        ),
    ]
    .into_iter()
    .collect()
}

fn from(vars: &HashMap<&'static str, String>) -> GoogleMeetBuilder {
    GoogleMeetBuilder::from_lookup(|n| vars.get(n).cloned())
}

#[tokio::test]
async fn from_env_builds_with_a_store() {
    let vars = env();
    let builder = from(&vars);
    let debug = format!("{builder:?}");
    assert!(!debug.contains("top-secret"), "{debug}");
    let provider = builder
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .with_send_updates(SendUpdates::None)
        .build()
        .unwrap();
    assert_eq!(provider.id(), &ProviderId::GOOGLE_MEET);
    let caps = Capabilities::of(&provider);
    assert!(caps.oauth_connect && caps.idempotent_create && caps.metadata_round_trip);
    assert_eq!(provider.options().send_updates, SendUpdates::None);
    assert_eq!(provider.options().calendar_id, "primary");
    assert!(!format!("{provider:?}").contains("top-secret"));
}

#[tokio::test]
async fn environment_values_are_trimmed() {
    let mut vars = env();
    for value in vars.values_mut() {
        // As when a secret is mounted from a file that ends in a newline.
        *value = format!(" {value}\n");
    }
    let provider = from(&vars)
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .with_request_timeout(std::time::Duration::from_secs(7))
        .build()
        .unwrap();
    let url = provider
        .tokens()
        .authorization_url(&meetschedify_core::AuthorizationRequest::new(
            "org_1",
            ProviderId::GOOGLE_MEET,
        ))
        .await
        .unwrap()
        .url;
    let redirect = env()[meetschedify_google::ENV_REDIRECT_URI].clone();
    let query: HashMap<String, String> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(
        query["redirect_uri"], redirect,
        "no stray whitespace: {url}"
    );
    assert_eq!(
        query["client_id"],
        env()[meetschedify_google::ENV_CLIENT_ID]
    );
    assert_eq!(
        provider.options().request_timeout,
        std::time::Duration::from_secs(7)
    );
}

#[test]
fn every_missing_setting_is_named() {
    for missing in [
        "GOOGLE_CLIENT_ID",
        "GOOGLE_CLIENT_SECRET",
        "GOOGLE_REDIRECT_URI",
        "MEETSCHEDIFY_OAUTH_STATE_KEY",
    ] {
        let mut vars = env();
        vars.remove(missing);
        let err = from(&vars)
            .with_token_store(Arc::new(MemoryTokenStore::new()))
            .build()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some(missing), "{err}");
    }
    let err = from(&env()).build().unwrap_err();
    assert_eq!(err.field(), Some("token_store"));
}

#[test]
fn bad_values_are_refused_with_their_name() {
    let mut vars = env();
    vars.insert("MEETSCHEDIFY_OAUTH_STATE_KEY", "too-short".into());
    assert_eq!(
        from(&vars).build().unwrap_err().field(),
        Some("MEETSCHEDIFY_OAUTH_STATE_KEY")
    );

    let mut vars = env();
    vars.insert(
        "MEETSCHEDIFY_GOOGLE_API_BASE",
        "http://calendar.internal".into(),
    );
    assert_eq!(
        from(&vars).build().unwrap_err().field(),
        Some("MEETSCHEDIFY_GOOGLE_API_BASE")
    );

    let store = || Arc::new(MemoryTokenStore::new());
    let mut vars = env();
    vars.insert("GOOGLE_REDIRECT_URI", "not a url".into());
    let err = from(&vars).with_token_store(store()).build().unwrap_err();
    assert_eq!(err.field(), Some("GOOGLE_REDIRECT_URI"));

    let err = from(&env())
        .with_token_store(store())
        .with_scopes(["openid", "email"])
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("scopes"));
    from(&env())
        .with_token_store(store())
        .with_scopes([SCOPE_CALENDAR, "openid"])
        .build()
        .unwrap();

    for (calendar, field) in [("..", "calendar_id"), ("", "calendar_id")] {
        let err = from(&env())
            .with_token_store(store())
            .with_calendar_id(calendar)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some(field), "{calendar:?}");
    }
    let err = from(&env())
        .with_token_store(store())
        .with_provider_id("Google Meet")
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("provider_id"));
    let err = from(&env())
        .with_token_store(store())
        .with_retry(meetschedify_core::RetryConfig::default().with_max_attempts(0))
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("max_attempts"));
}

/// The builder's shared setters are written once, on the generic `CalendarProviderBuilder`. The
/// other tests here and in `tests/common` set most of them; these are the ones nothing else
/// sets on this builder.
#[test]
fn the_base_and_pending_conference_setters_reach_their_settings() {
    use meetschedify_google::GoogleEndpoints;

    let provider = from(&env())
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .with_allow_pending_conference(true)
        .with_api_base("http://127.0.0.1:9/api")
        .with_oauth_base("http://127.0.0.1:9/oauth")
        .with_auth_base("http://127.0.0.1:9/auth")
        .build()
        .unwrap();
    assert!(provider.options().allow_pending_conference);
    let expected = GoogleEndpoints::google()
        .with_api_base("http://127.0.0.1:9/api")
        .and_then(|e| e.with_oauth_base("http://127.0.0.1:9/oauth"))
        .and_then(|e| e.with_auth_base("http://127.0.0.1:9/auth"))
        .unwrap();
    assert_eq!(provider.endpoints(), &expected);
}
