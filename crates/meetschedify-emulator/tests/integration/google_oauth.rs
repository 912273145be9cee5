//! Conformance: Google OAuth 2.0 web-server flow (`/o/oauth2/v2/auth`, `/token`, `/revoke`).

use std::time::Duration;

use crate::common::{basic, challenge, events_url, google_token, Http, Reply};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use serde_json::json;

const VERIFIER: &str = "verifier-0123456789-0123456789-0123456789-0123456789";
const SCOPE: &str = "https://www.googleapis.com/auth/calendar.events openid email";

fn auth_url(emu: &EmulatorHandle, extra: &[(&str, &str)]) -> String {
    let demo = emu.demo();
    let challenge = challenge(VERIFIER);
    let mut params = vec![
        ("client_id", demo.google_client_id.as_str()),
        ("redirect_uri", demo.google_redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", SCOPE),
        ("state", "csrf-state-42"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(key, _)| key != k);
        params.push((k, v));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{}/o/oauth2/v2/auth?{query}", emu.google_auth_base())
}

/// Query parameters of a redirect.
fn redirect_params(reply: &Reply) -> std::collections::HashMap<String, String> {
    assert_eq!(reply.status, 302, "{}", reply.text());
    let location = reply.header("location").unwrap();
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

/// Follows the consent page like a person pressing a button.
async fn press(http: &Http, emu: &EmulatorHandle, page: &Reply, decision: &str) -> Reply {
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains(">Allow</button>"));
    let marker = "name=\"consent_id\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let url = format!(
        "{}/o/oauth2/v2/auth/decision?consent_id={id}&decision={decision}",
        emu.google_auth_base()
    );
    http.send("GET", &url, &[], vec![]).await
}

async fn exchange(http: &Http, emu: &EmulatorHandle, code: &str, verifier: &str) -> Reply {
    let demo = emu.demo();
    http.form(
        &format!("{}/token", emu.google_oauth_base()),
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &demo.google_redirect_uri),
            ("client_id", &demo.google_client_id),
            ("client_secret", &demo.google_client_secret),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn authorization_validates_the_request() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case<'_>; 7] = [
        (&[("client_id", "unknown")], 401, "invalid_client"),
        (
            &[(
                "redirect_uri",
                "http://127.0.0.1:8080/oauth/google/callback/",
            )],
            400,
            "redirect_uri_mismatch",
        ),
        (
            &[("response_type", "token")],
            400,
            "unsupported_response_type",
        ),
        (&[("scope", "")], 400, "invalid_request"),
        (
            &[("scope", "https://www.googleapis.com/auth/drive")],
            400,
            "invalid_scope",
        ),
        (
            &[("code_challenge_method", "plain")],
            400,
            "invalid_request",
        ),
        (&[("code_challenge", "short")], 400, "invalid_request"),
    ];
    for (extra, status, error) in cases {
        let reply = http.send("GET", &auth_url(&emu, extra), &[], vec![]).await;
        assert_eq!(reply.status, status, "{extra:?}");
        assert!(reply.text().contains(error), "{extra:?}: {}", reply.text());
    }
}

#[tokio::test]
async fn consent_page_allow_redirects_with_code_and_state() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    // The demo user already granted the demo client (that is where the demo refresh token came
    // from), so the screen shows only when forced, as at Google.
    let forced = [("access_type", "offline"), ("prompt", "consent")];
    let page = http
        .send("GET", &auth_url(&emu, &forced), &[], vec![])
        .await;
    let params = redirect_params(&press(&http, &emu, &page, "allow").await);
    assert_eq!(params["state"], "csrf-state-42");
    let reply = exchange(&http, &emu, &params["code"], VERIFIER).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["scope"], SCOPE);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("1//"));
    assert!(body["id_token"].is_string(), "openid was asked for");
    // The access token works on the Calendar API.
    let token = body["access_token"].as_str().unwrap();
    let list = http.get(&events_url(&emu, "primary"), token).await;
    assert_eq!(list.status, 200);
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let page = http
        .send(
            "GET",
            &auth_url(&emu, &[("prompt", "consent")]),
            &[],
            vec![],
        )
        .await;
    let params = redirect_params(&press(&http, &emu, &page, "deny").await);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "csrf-state-42");
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn auto_consent_redirects_at_once() {
    let emu = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let reply = http.send("GET", &auth_url(&emu, &[]), &[], vec![]).await;
    let params = redirect_params(&reply);
    assert!(params["code"].starts_with("4/"));
    assert_eq!(params["state"], "csrf-state-42");
    let location = reply.header("location").unwrap();
    assert!(location.starts_with(&emu.demo().google_redirect_uri));
}

#[tokio::test]
async fn pkce_and_one_time_codes_are_enforced() {
    let emu = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let code =
        redirect_params(&http.send("GET", &auth_url(&emu, &[]), &[], vec![]).await)["code"].clone();
    let reply = exchange(
        &http,
        &emu,
        &code,
        "a-different-verifier-a-different-verifier-xx",
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        json!({"error":"invalid_grant","error_description":"Invalid code verifier."})
    );
    let ok = exchange(&http, &emu, &code, VERIFIER).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.json().get("refresh_token").is_none(),
        "online access: no refresh token"
    );
    let reused = exchange(&http, &emu, &code, VERIFIER).await;
    assert_eq!(reused.status, 400);
    assert_eq!(reused.json()["error"], "invalid_grant");
    let garbage = exchange(&http, &emu, "4%2F0Aencoded", VERIFIER).await;
    assert_eq!(
        garbage.json(),
        json!({"error":"invalid_grant","error_description":"Malformed auth code."})
    );
    // The redirect URI must be the one the code was issued for.
    let code =
        redirect_params(&http.send("GET", &auth_url(&emu, &[]), &[], vec![]).await)["code"].clone();
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/token", emu.google_oauth_base()),
            &[],
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://elsewhere/cb"),
                ("client_id", &demo.google_client_id),
                ("client_secret", &demo.google_client_secret),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()["error"].clone()),
        (400, json!("redirect_uri_mismatch"))
    );
}

#[tokio::test]
async fn refresh_token_only_on_offline_consent() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    emu.add_google_user("new@emulator.example.com");
    let hint = [
        ("access_type", "offline"),
        ("login_hint", "new@emulator.example.com"),
    ];
    // First authorization shows the consent page and yields a refresh token.
    let page = http.send("GET", &auth_url(&emu, &hint), &[], vec![]).await;
    let code = redirect_params(&press(&http, &emu, &page, "allow").await)["code"].clone();
    assert!(exchange(&http, &emu, &code, VERIFIER).await.json()["refresh_token"].is_string());
    // Next time Google skips the screen, and no refresh token comes back...
    let reply = http.send("GET", &auth_url(&emu, &hint), &[], vec![]).await;
    let code = redirect_params(&reply)["code"].clone();
    assert!(exchange(&http, &emu, &code, VERIFIER)
        .await
        .json()
        .get("refresh_token")
        .is_none());
    // ...unless the client forces the screen with prompt=consent.
    let mut forced = hint.to_vec();
    forced.push(("prompt", "consent"));
    let page = http
        .send("GET", &auth_url(&emu, &forced), &[], vec![])
        .await;
    let code = redirect_params(&press(&http, &emu, &page, "allow").await)["code"].clone();
    assert!(exchange(&http, &emu, &code, VERIFIER).await.json()["refresh_token"].is_string());
}

#[tokio::test]
async fn refresh_grant_never_returns_a_refresh_token_and_basic_auth_works() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/token", emu.google_oauth_base()),
            &[(
                "authorization",
                &basic(&demo.google_client_id, &demo.google_client_secret),
            )],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &demo.google_refresh_token),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(emu.google_token_requests(), 1);
}

#[tokio::test]
async fn bad_secret_is_401_invalid_client_and_bad_grant_type_is_400() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let url = format!("{}/token", emu.google_oauth_base());
    let reply = http
        .form(
            &url,
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &demo.google_refresh_token),
                ("client_id", &demo.google_client_id),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        json!({"error":"invalid_client","error_description":"Unauthorized"})
    );
    let reply = http
        .form(
            &url,
            &[],
            &[
                ("grant_type", "password"),
                ("client_id", &demo.google_client_id),
                ("client_secret", &demo.google_client_secret),
            ],
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()["error"].clone()),
        (400, json!("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn revoke_ends_the_refresh_token_and_its_access_tokens() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let access = google_token(&http, &emu).await;
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/revoke", emu.google_oauth_base()),
            &[],
            &[("token", &demo.google_refresh_token)],
        )
        .await;
    assert_eq!(reply.status, 200);
    let reply = http
        .form(
            &format!("{}/token", emu.google_oauth_base()),
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &demo.google_refresh_token),
                ("client_id", &demo.google_client_id),
                ("client_secret", &demo.google_client_secret),
            ],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        json!({"error":"invalid_grant","error_description":"Token has been expired or revoked."})
    );
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        http.get(&events_url(&emu, "primary"), &access).await.status,
        401
    );
    // Revoking again (query form) is a 400.
    let again = format!(
        "{}/revoke?token={}",
        emu.google_oauth_base(),
        demo.google_refresh_token
    );
    assert_eq!(http.send("POST", &again, &[], vec![]).await.status, 400);
}

#[tokio::test]
async fn access_tokens_expire_on_the_emulator_clock() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let access = google_token(&http, &emu).await;
    let url = events_url(&emu, "primary");
    assert_eq!(http.get(&url, &access).await.status, 200);
    emu.advance_clock(Duration::from_secs(3599));
    let reply = http.get(&url, &access).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["errors"][0]["reason"], "authError");
}

#[tokio::test]
async fn basic_client_credentials_may_be_form_encoded() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    emu.register_google_client(meetschedify_emulator::GoogleClient {
        client_id: "odd client".into(),
        client_secret: "s/e+c=r%t".into(),
        redirect_uris: vec!["http://localhost/cb".into()],
    });
    let user = emu.demo().google_user_email.clone();
    let refresh = emu
        .issue_google_refresh_token(
            "odd client",
            &user,
            &["https://www.googleapis.com/auth/calendar"],
        )
        .unwrap();
    // RFC 6749 2.3.1: form-encode id and secret, then Basic-encode them.
    let reply = http
        .form(
            &format!("{}/token", emu.google_oauth_base()),
            &[("authorization", &basic("odd+client", "s%2Fe%2Bc%3Dr%25t"))],
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}
