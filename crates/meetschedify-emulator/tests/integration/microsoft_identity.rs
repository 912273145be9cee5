//! The Microsoft identity platform: client credentials, authorization code with PKCE, refresh with
//! rotation, revocation, and the AADSTS error bodies of the reference (§1).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use meetschedify_emulator::{ConsentMode, Emulator, EmulatorHandle};
use serde_json::Value;

use crate::common::{basic, challenge, Http, Reply};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-emulator-test";
const GRAPH_DEFAULT: &str = "https://graph.microsoft.com/.default";

pub(crate) fn token_url(emu: &EmulatorHandle) -> String {
    format!(
        "{}/{}/oauth2/v2.0/token",
        emu.microsoft_login_base(),
        emu.demo().microsoft_tenant_id
    )
}

/// An app-only token for the demo app, the way a client gets one.
pub(crate) async fn app_token(http: &Http, emu: &EmulatorHandle) -> String {
    let demo = emu.demo();
    let reply = http
        .form(
            &token_url(emu),
            &[],
            &[
                ("client_id", &demo.microsoft_client_id),
                ("client_secret", &demo.microsoft_client_secret),
                ("scope", GRAPH_DEFAULT),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

/// Asserts the §1.7 error shape and returns the body.
pub(crate) fn assert_aadsts(reply: &Reply, status: u16, error: &str, code: u64) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: "), "{description}");
    assert!(
        description.contains("\r\nCorrelation ID: "),
        "{description}"
    );
    assert!(description.contains("\r\nTimestamp: "), "{description}");
    assert_eq!(body["error_codes"], serde_json::json!([code]));
    let timestamp = body["timestamp"].as_str().unwrap();
    assert_eq!(timestamp.len(), "2016-01-09 02:02:12Z".len(), "{timestamp}");
    assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b' ');
    assert_eq!(body["trace_id"].as_str().unwrap().len(), 36);
    assert_eq!(body["correlation_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    body
}

fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn client_credentials_returns_an_app_token_with_the_granted_roles() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    // client_secret_post.
    let reply = http
        .form(
            &token_url(&emu),
            &[],
            &[
                ("client_id", &demo.microsoft_client_id),
                ("client_secret", &demo.microsoft_client_secret),
                ("scope", GRAPH_DEFAULT),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert!(body.get("refresh_token").is_none(), "{body}");
    let claims = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        claims["roles"],
        serde_json::json!(["Calendars.ReadWrite", "OnlineMeetings.ReadWrite.All"])
    );
    assert_eq!(claims["tid"], demo.microsoft_tenant_id.as_str());
    // HTTP Basic is allowed too (§1.2).
    let auth = basic(&demo.microsoft_client_id, &demo.microsoft_client_secret);
    let reply = http
        .form(
            &token_url(&emu),
            &[("authorization", &auth)],
            &[
                ("scope", GRAPH_DEFAULT),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // Roles set through the control API show in the next token.
    emu.set_microsoft_app_roles(&demo.microsoft_client_id, &["Calendars.ReadWrite"])
        .unwrap();
    let token = crate::microsoft_identity::app_token(&http, &emu).await;
    assert_eq!(
        jwt_claims(&token)["roles"],
        serde_json::json!(["Calendars.ReadWrite"])
    );
    assert_eq!(emu.microsoft_token_requests(), 3);
}

#[tokio::test]
async fn client_credentials_errors_have_the_documented_bodies() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let post = |secret: &'static str, scope: &'static str| {
        let http = http.clone();
        let url = token_url(&emu);
        let client = demo.microsoft_client_id.clone();
        async move {
            http.form(
                &url,
                &[],
                &[
                    ("client_id", client.as_str()),
                    ("client_secret", secret),
                    ("scope", scope),
                    ("grant_type", "client_credentials"),
                ],
            )
            .await
        }
    };
    let secret: &'static str = Box::leak(demo.microsoft_client_secret.clone().into_boxed_str());
    // A specific permission instead of `/.default`.
    let reply = post(secret, "https://graph.microsoft.com/Calendars.ReadWrite").await;
    assert_aadsts(&reply, 400, "invalid_scope", 1_002_012);
    // A wrong secret: 401.
    let reply = post("not-the-secret", GRAPH_DEFAULT).await;
    let body = assert_aadsts(&reply, 401, "invalid_client", 7_000_215);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains(&format!(
            "for a secret added to app '{}'",
            demo.microsoft_client_id
        )));
    // An expired secret: 401.
    emu.set_microsoft_secret_expired(&demo.microsoft_client_id, true)
        .unwrap();
    let reply = post(secret, GRAPH_DEFAULT).await;
    assert_aadsts(&reply, 401, "invalid_client", 7_000_222);
    emu.set_microsoft_secret_expired(&demo.microsoft_client_id, false)
        .unwrap();
    // An unknown tenant and an unknown app.
    let reply = http
        .form(
            &format!(
                "{}/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
                emu.microsoft_login_base()
            ),
            &[],
            &[
                ("client_id", "x"),
                ("client_secret", "y"),
                ("scope", GRAPH_DEFAULT),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_aadsts(&reply, 400, "invalid_request", 90_002);
    let reply = http
        .form(
            &token_url(&emu),
            &[],
            &[
                ("client_id", "nobody"),
                ("client_secret", "y"),
                ("scope", GRAPH_DEFAULT),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_aadsts(&reply, 400, "unauthorized_client", 700_016);
    // Form bodies only: JSON is not read.
    let json = serde_json::json!({
        "client_id": demo.microsoft_client_id, "client_secret": secret,
        "scope": GRAPH_DEFAULT, "grant_type": "client_credentials"
    });
    let reply = http
        .send(
            "POST",
            &token_url(&emu),
            &[("content-type", "application/json")],
            json.to_string().into_bytes(),
        )
        .await;
    assert_aadsts(&reply, 400, "invalid_request", 9_002_313);
    // Client credentials over /common is refused.
    let reply = http
        .form(
            &format!("{}/common/oauth2/v2.0/token", emu.microsoft_login_base()),
            &[],
            &[
                ("client_id", demo.microsoft_client_id.as_str()),
                ("client_secret", secret),
                ("scope", GRAPH_DEFAULT),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_aadsts(&reply, 400, "invalid_request", 9_001_023);
}

/// The redirect of an authorize request, as `(status, Location)`.
async fn authorize(
    http: &Http,
    emu: &EmulatorHandle,
    scope: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let demo = emu.demo();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", &demo.microsoft_client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &demo.microsoft_redirect_uri)
        .append_pair("scope", scope)
        .append_pair("state", "st4te")
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        query.append_pair(k, v);
    }
    let url = format!(
        "{}/{}/oauth2/v2.0/authorize?{}",
        emu.microsoft_login_base(),
        demo.microsoft_tenant_id,
        query.finish()
    );
    http.send("GET", &url, &[], vec![]).await
}

fn location_param(reply: &Reply, key: &str) -> Option<String> {
    let location = reply
        .header("location")
        .unwrap_or_else(|| panic!("no redirect: {}", reply.text()));
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn redeem(http: &Http, emu: &EmulatorHandle, code: &str, verifier: &str) -> Reply {
    let demo = emu.demo();
    http.form(
        &token_url(emu),
        &[],
        &[
            ("client_id", demo.microsoft_client_id.as_str()),
            ("client_secret", demo.microsoft_client_secret.as_str()),
            ("code", code),
            ("redirect_uri", demo.microsoft_redirect_uri.as_str()),
            ("grant_type", "authorization_code"),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn refresh(http: &Http, emu: &EmulatorHandle, token: &str) -> Reply {
    let demo = emu.demo();
    http.form(
        &token_url(emu),
        &[],
        &[
            ("client_id", demo.microsoft_client_id.as_str()),
            ("client_secret", demo.microsoft_client_secret.as_str()),
            ("refresh_token", token),
            ("grant_type", "refresh_token"),
        ],
    )
    .await
}

const DELEGATED: &str = "openid offline_access https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/OnlineMeetings.ReadWrite";

#[tokio::test]
async fn authorization_code_with_pkce_is_one_time_and_checks_the_verifier() {
    let emu = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let reply = authorize(&http, &emu, DELEGATED, &[]).await;
    assert_eq!(reply.status, 302);
    assert_eq!(location_param(&reply, "state").as_deref(), Some("st4te"));
    let code = location_param(&reply, "code").unwrap();
    let body = redeem(&http, &emu, &code, VERIFIER).await.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].is_string(), "{body}");
    assert!(body["id_token"].is_string(), "{body}");
    assert_eq!(
        body["scope"],
        "https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/OnlineMeetings.ReadWrite"
    );
    let claims = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["oid"], emu.demo().microsoft_organizer_id.as_str());
    assert_eq!(
        claims["scp"],
        "Calendars.ReadWrite OnlineMeetings.ReadWrite"
    );
    // A code works once.
    let again = redeem(&http, &emu, &code, VERIFIER).await;
    assert_aadsts(&again, 400, "invalid_grant", 54_005);
    // A wrong verifier fails.
    let code = location_param(&authorize(&http, &emu, DELEGATED, &[]).await, "code").unwrap();
    let wrong = redeem(
        &http,
        &emu,
        &code,
        "another-verifier-another-verifier-another-verifier",
    )
    .await;
    assert_aadsts(&wrong, 400, "invalid_grant", 501_481);
    // Without offline_access there is no refresh token.
    let code = location_param(
        &authorize(
            &http,
            &emu,
            "https://graph.microsoft.com/Calendars.ReadWrite",
            &[],
        )
        .await,
        "code",
    )
    .unwrap();
    let body = redeem(&http, &emu, &code, VERIFIER).await.json();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    // An unknown scope comes back as an error redirect.
    let reply = authorize(&http, &emu, "offline_access Mail.Send", &[]).await;
    assert_eq!(
        location_param(&reply, "error").as_deref(),
        Some("invalid_scope")
    );
    // Without PKCE the emulator refuses (stricter than Microsoft, on purpose).
    let demo = emu.demo();
    let url = format!(
        "{}/{}/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri={}&scope=offline_access",
        emu.microsoft_login_base(),
        demo.microsoft_tenant_id,
        demo.microsoft_client_id,
        url::form_urlencoded::byte_serialize(demo.microsoft_redirect_uri.as_bytes()).collect::<String>()
    );
    let reply = http.send("GET", &url, &[], vec![]).await;
    assert_eq!(
        location_param(&reply, "error").as_deref(),
        Some("invalid_request")
    );
    // The app is unknown in another tenant and with an unregistered redirect URI: error pages, no
    // redirect to an untrusted address.
    emu.register_microsoft_app(meetschedify_emulator::MicrosoftApp {
        tenant_id: "33333333-3333-4333-8333-333333333333".into(),
        client_id: "other-app".into(),
        client_secret: "x".into(),
        redirect_uris: vec![],
        roles: vec![],
        secret_expired: false,
    });
    let other = url.replace(
        &demo.microsoft_tenant_id,
        "33333333-3333-4333-8333-333333333333",
    );
    let page = http.send("GET", &other, &[], vec![]).await;
    assert_eq!(page.status, 400);
    assert!(page.text().contains("AADSTS700016"), "{}", page.text());
    let bad_redirect = url.replace("oauth%2Fmicrosoft%2Fcallback", "elsewhere");
    let page = http.send("GET", &bad_redirect, &[], vec![]).await;
    assert_eq!(page.status, 400);
    assert!(page.header("location").is_none());
    assert!(page.text().contains("AADSTS50011"), "{}", page.text());
}

#[tokio::test]
async fn the_consent_page_asks_and_redirects_either_way() {
    let emu = Emulator::builder()
        .with_microsoft_consent(ConsentMode::Page)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let page = authorize(&http, &emu, DELEGATED, &[]).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Calendars.ReadWrite"), "{html}");
    let consent_id = html
        .split("name=\"consent_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let decide = |decision: &'static str, id: String| {
        let http = http.clone();
        let url = format!(
            "{}/{}/oauth2/v2.0/consent?consent_id={id}&decision={decision}",
            emu.microsoft_login_base(),
            emu.demo().microsoft_tenant_id
        );
        async move { http.send("GET", &url, &[], vec![]).await }
    };
    let allowed = decide("allow", consent_id.clone()).await;
    assert!(location_param(&allowed, "code").is_some());
    // The page's id is single-use.
    assert_eq!(decide("allow", consent_id).await.status, 400);
    // Once consented, the same scopes skip the page; prompt=consent shows it again.
    let again = authorize(&http, &emu, DELEGATED, &[]).await;
    assert_eq!(again.status, 302);
    let forced = authorize(&http, &emu, DELEGATED, &[("prompt", "consent")]).await;
    assert_eq!(forced.status, 200);
    let id = forced
        .text()
        .split("name=\"consent_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let denied = decide("deny", id).await;
    assert_eq!(
        location_param(&denied, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(location_param(&denied, "state").as_deref(), Some("st4te"));
}

#[tokio::test]
async fn refresh_rotates_and_keeps_the_old_token_valid_by_default() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let first = emu
        .issue_microsoft_refresh_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_upn,
            &["offline_access", "Calendars.ReadWrite"],
        )
        .unwrap();
    let body = refresh(&http, &emu, &first).await.json();
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        body["scope"],
        "https://graph.microsoft.com/Calendars.ReadWrite"
    );
    // §1.4: the platform does not revoke the old one.
    assert_eq!(refresh(&http, &emu, &first).await.status, 200);
    assert_eq!(refresh(&http, &emu, &second).await.status, 200);
    // A scope outside the consent: consent_required.
    let reply = http
        .form(
            &token_url(&emu),
            &[],
            &[
                ("client_id", demo.microsoft_client_id.as_str()),
                ("client_secret", demo.microsoft_client_secret.as_str()),
                ("refresh_token", second.as_str()),
                ("grant_type", "refresh_token"),
                (
                    "scope",
                    "https://graph.microsoft.com/OnlineMeetings.ReadWrite",
                ),
            ],
        )
        .await;
    let body = assert_aadsts(&reply, 400, "invalid_grant", 65_001);
    assert_eq!(body["suberror"], "consent_required");
}

#[tokio::test]
async fn single_use_refresh_tokens_fail_on_reuse() {
    let emu = Emulator::builder()
        .with_microsoft_single_use_refresh_tokens(true)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let first = emu
        .issue_microsoft_refresh_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_id,
            &["offline_access", "Calendars.ReadWrite"],
        )
        .unwrap();
    let second = refresh(&http, &emu, &first).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_aadsts(
        &refresh(&http, &emu, &first).await,
        400,
        "invalid_grant",
        70_000,
    );
    let third = refresh(&http, &emu, &second).await;
    assert_eq!(third.status, 200, "{}", third.text());
    // The setting can be switched at run time.
    emu.update_settings(|s| s.microsoft_single_use_refresh_tokens = false);
    assert_eq!(refresh(&http, &emu, &second).await.status, 200);
}

#[tokio::test]
async fn revoked_and_idle_refresh_tokens_fail_with_their_codes() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let scopes = ["offline_access", "Calendars.ReadWrite"];
    let token = emu
        .issue_microsoft_refresh_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_id,
            &scopes,
        )
        .unwrap();
    emu.revoke_microsoft_user_tokens(&demo.microsoft_organizer_upn)
        .unwrap();
    assert_aadsts(
        &refresh(&http, &emu, &token).await,
        400,
        "invalid_grant",
        50_173,
    );
    // A new consent after the revocation works again.
    emu.advance_clock(Duration::from_millis(5));
    let fresh = emu
        .issue_microsoft_refresh_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_id,
            &scopes,
        )
        .unwrap();
    assert_eq!(refresh(&http, &emu, &fresh).await.status, 200);
    // Ninety days without use.
    emu.advance_clock(Duration::from_secs(91 * 24 * 3600));
    let idle = assert_aadsts(
        &refresh(&http, &emu, &fresh).await,
        400,
        "invalid_grant",
        700_082,
    );
    assert!(idle["error_description"]
        .as_str()
        .unwrap()
        .contains("90.00:00:00"));
    // Garbage is not a grant.
    assert_aadsts(
        &refresh(&http, &emu, "nope").await,
        400,
        "invalid_grant",
        70_000,
    );
}

#[tokio::test]
async fn a_conditional_access_mfa_requirement_fails_refresh_with_a_claims_challenge() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let token = emu
        .issue_microsoft_refresh_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_id,
            &["offline_access", "Calendars.ReadWrite"],
        )
        .unwrap();
    emu.set_microsoft_mfa_required(&demo.microsoft_organizer_upn, true)
        .unwrap();
    let body = assert_aadsts(
        &refresh(&http, &emu, &token).await,
        400,
        "invalid_grant",
        50_076,
    );
    assert_eq!(body["suberror"], "basic_action");
    let claims: Value = serde_json::from_str(body["claims"].as_str().unwrap()).unwrap();
    assert_eq!(claims["access_token"]["capolids"]["essential"], true);
    emu.set_microsoft_mfa_required(&demo.microsoft_organizer_id, false)
        .unwrap();
    assert_eq!(refresh(&http, &emu, &token).await.status, 200);
}
