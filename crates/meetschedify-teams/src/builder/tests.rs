use std::collections::HashMap;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{ErrorCode, MeetingProvider, ProviderId, RetryConfig};

use super::*;
use crate::config::{
    ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_GRAPH_API_BASE, ENV_LOGIN_BASE, ENV_ORGANIZER,
    ENV_TENANT_ID,
};

fn vars(pairs: &[(&str, &str)]) -> TeamsAppProviderBuilder {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    TeamsAppProviderBuilder::from_lookup(|name| map.get(name).cloned())
}

const CREDS: [(&str, &str); 4] = [
    (ENV_TENANT_ID, "contoso.onmicrosoft.com"),
    (ENV_CLIENT_ID, "cid"),
    (ENV_CLIENT_SECRET, "shh"),
    (ENV_ORGANIZER, "bookings@contoso.example"),
];

fn ok() -> TeamsAppProviderBuilder {
    TeamsAppProviderBuilder::new()
        .with_credentials("contoso.onmicrosoft.com", "cid", "shh")
        .with_organizer("bookings@contoso.example")
}

#[test]
fn defaults_match_the_documentation() {
    let b = ok();
    let c = &b.settings;
    assert_eq!(c.login_base, "https://login.microsoftonline.com");
    assert_eq!(c.graph_base, "https://graph.microsoft.com/v1.0");
    assert_eq!(c.request_timeout, Duration::from_secs(15));
    assert_eq!(c.retry, RetryConfig::default());
    assert_eq!(c.provider_id, ProviderId::MICROSOFT_TEAMS_APP);
    assert_eq!(c.token_refresh_ahead, Duration::from_secs(60));
    assert_eq!(c.max_response_bytes, crate::DEFAULT_MAX_RESPONSE_BYTES);
    assert!(c.tenant_ownership);
    let teams = b.build().unwrap();
    assert_eq!(teams.id(), &ProviderId::MICROSOFT_TEAMS_APP);
    assert_eq!(teams.organizer(), "bookings@contoso.example");
    assert_eq!(
        teams.token_key().tenant_id.as_str(),
        "contoso.onmicrosoft.com/cid"
    );
}

#[test]
fn from_lookup_reads_everything() {
    let mut pairs = CREDS.to_vec();
    pairs.push((ENV_LOGIN_BASE, " http://127.0.0.1:9/ "));
    pairs.push((ENV_GRAPH_API_BASE, "http://127.0.0.1:9/v1.0/"));
    let b = vars(&pairs);
    let c = &b.settings;
    assert_eq!(c.tenant_id, "contoso.onmicrosoft.com");
    assert_eq!(c.client_id, "cid");
    assert_eq!(c.client_secret.expose_secret(), "shh");
    assert_eq!(c.organizer, "bookings@contoso.example");
    assert_eq!(c.login_base, "http://127.0.0.1:9");
    assert_eq!(c.graph_base, "http://127.0.0.1:9/v1.0");
    b.build().unwrap();
    let defaults = vars(&CREDS);
    assert_eq!(defaults.settings.graph_base, DEFAULT_GRAPH);
}

const DEFAULT_GRAPH: &str = "https://graph.microsoft.com/v1.0";

#[test]
fn from_lookup_names_the_missing_variable() {
    for missing in [
        ENV_TENANT_ID,
        ENV_CLIENT_ID,
        ENV_CLIENT_SECRET,
        ENV_ORGANIZER,
    ] {
        let pairs: Vec<_> = CREDS
            .iter()
            .map(|(k, v)| (*k, if *k == missing { "  " } else { *v }))
            .collect();
        let err = vars(&pairs).build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some(missing));
        assert_eq!(err.message(), format!("{missing} is not set"));
    }
    assert_eq!(vars(&[]).build().unwrap_err().field(), Some(ENV_TENANT_ID));
}

#[test]
fn a_setter_replaces_the_variable_and_its_name() {
    let err = vars(&CREDS).with_client_id("").build().unwrap_err();
    assert_eq!(err.field(), Some("client_id"));
    assert_eq!(err.message(), "client_id must not be empty");
    let err = vars(&CREDS).with_organizer("a/b").build().unwrap_err();
    assert_eq!(err.field(), Some("organizer"));
    let mut pairs = CREDS.to_vec();
    pairs.push((ENV_GRAPH_API_BASE, "http://graph.example.com"));
    assert_eq!(
        vars(&pairs).build().unwrap_err().field(),
        Some(ENV_GRAPH_API_BASE)
    );
    vars(&pairs)
        .with_graph_api_base("https://graph.example.com/v1.0")
        .build()
        .unwrap();
}

/// The attack: a base pointed at plain http on another host would send the client secret and
/// tokens in clear text.
#[test]
fn plain_http_bases_are_refused_except_on_loopback() {
    for (builder, field) in [
        (
            ok().with_graph_api_base("http://graph.example.com"),
            "graph_api_base",
        ),
        (
            ok().with_login_base("http://login.example.com"),
            "login_base",
        ),
    ] {
        let err = builder.build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some(field));
        assert!(err.message().contains("https"), "{err}");
    }
    for var in [ENV_LOGIN_BASE, ENV_GRAPH_API_BASE] {
        let mut pairs = CREDS.to_vec();
        pairs.push((var, "http://api.example.com"));
        assert_eq!(vars(&pairs).build().unwrap_err().field(), Some(var));
    }
    for base in [
        "http://127.0.0.1:1234",
        "http://localhost:1234/v1.0",
        "http://[::1]:1234",
    ] {
        ok().with_graph_api_base(base)
            .with_login_base(base)
            .build()
            .unwrap_or_else(|e| panic!("{base}: {e}"));
    }
}

#[test]
fn build_names_the_setting_at_fault() {
    let cases = [
        (ok().with_tenant_id(""), "tenant_id"),
        (ok().with_tenant_id("common"), "tenant_id"),
        (ok().with_tenant_id("Organizations"), "tenant_id"),
        (ok().with_tenant_id("a/b"), "tenant_id"),
        (ok().with_client_id("a b"), "client_id"),
        (ok().with_client_secret(""), "client_secret"),
        (ok().with_organizer(""), "organizer"),
        (ok().with_organizer("x?y"), "organizer"),
        (ok().with_graph_api_base("not a url"), "graph_api_base"),
        (ok().with_login_base("ftp://x.example"), "login_base"),
        (ok().with_request_timeout(Duration::ZERO), "request_timeout"),
        (ok().with_max_response_bytes(0), "max_response_bytes"),
        (
            ok().with_retry(RetryConfig::default().with_max_attempts(0)),
            "retry.max_attempts",
        ),
        (ok().with_provider_id("Teams App"), "provider_id"),
    ];
    for (builder, field) in cases {
        let err = builder.build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{field}");
        assert_eq!(err.field(), Some(field), "{err}");
    }
    ok().with_tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47")
        .with_organizer("4b75189b-c195-403b-bac4-bf03f2295ebc")
        .with_provider_id("teams-eu")
        .build()
        .unwrap();
}

#[test]
fn debug_hides_the_secret() {
    let b = ok().with_client_secret("very-secret-value");
    let text = format!("{b:?} {b:#?}");
    assert!(!text.contains("very-secret-value"));
    assert!(text.contains("[redacted]"));
    let teams = b.build().unwrap();
    assert!(!format!("{teams:?} {teams:#?}").contains("very-secret-value"));
    let from_env = vars(&[(ENV_CLIENT_SECRET, "very-secret-value")]);
    assert!(!format!("{from_env:?}").contains("very-secret-value"));
}
