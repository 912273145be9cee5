//! The connect → schedule → disconnect flow, walked with a plain HTTP client.

use example_webapp::{AppConfig, RunningApp};
use meetschedify::store_sqlite::SqliteTokenStore;
use meetschedify::{ProviderId, TokenKey, TokenStore};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};

fn http() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Starts a session; returns its cookie and the tenant id shown on the page.
async fn session(http: &Client, app: &str) -> (String, String) {
    let page = http.get(app).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"connect\""), "{html}");
    let tenant = cookie.split_once('=').unwrap().1.to_owned();
    assert!(html.contains(&tenant));
    (cookie, tenant)
}

/// Connect → consent page → Allow → the callback URL (not yet visited), and the cookie that
/// holds the connect's session binding in the browser that started it.
async fn consent(http: &Client, app: &str, cookie: &str) -> (String, String) {
    let connect = http
        .get(format!("{app}/auth/google/connect"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(connect.status(), StatusCode::SEE_OTHER);
    let binding = connect.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(binding.starts_with("webapp_connect="), "{binding}");
    assert!(binding.contains("HttpOnly") && binding.contains("Path=/auth/google/callback"));
    let binding = binding.split(';').next().unwrap().to_owned();
    let consent_url = location(&connect);
    let consent_page = http
        .get(&consent_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(consent_page.contains(">Allow</button>"), "{consent_page}");
    let id = consent_page
        .split("name=\"consent_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let base = consent_url.split("/o/oauth2").next().unwrap();
    let allowed = http
        .get(format!(
            "{base}/o/oauth2/v2/auth/decision?consent_id={id}&decision=allow"
        ))
        .send()
        .await
        .unwrap();
    let callback = location(&allowed);
    assert!(
        callback.starts_with(&format!("{app}/auth/google/callback?")),
        "{callback}"
    );
    (callback, binding)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_schedule_and_disconnect_over_http() {
    let db = std::env::temp_dir().join(format!("webapp-flow-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let app = RunningApp::start(AppConfig::emulator(Some(db.clone())))
        .await
        .unwrap();
    let url = app.url();
    let http = http();
    let (cookie, tenant) = session(&http, &url).await;
    let store = SqliteTokenStore::open(&db).await.unwrap();
    let key = TokenKey::new(tenant.as_str(), ProviderId::GOOGLE_MEET);

    // Scheduling before connecting says why, with the code.
    let early = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&[
            ("title", "Early"),
            ("start", "2030-06-20T10:00:00"),
            ("end", "2030-06-20T10:30:00"),
            ("timezone", "Europe/Berlin"),
            ("idempotency_key", "k0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::UNAUTHORIZED);
    assert!(early.text().await.unwrap().contains("GOOGLE_NOT_CONNECTED"));

    // Login CSRF: this session starts a connect and its consent link reaches another browser,
    // whose user approves with their own Google account. That browser brings the callback with
    // its own session and without this connect's binding: refused, and nobody is connected —
    // neither the other session's tenant nor the tenant that started the connect.
    let (other_cookie, other_tenant) = session(&http, &url).await;
    let (carried, _binding_stays_in_the_first_browser) = consent(&http, &url, &cookie).await;
    let refused = http
        .get(&carried)
        .header(COOKIE, &other_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = refused.text().await.unwrap();
    assert!(html.contains("OAUTH_STATE_INVALID"), "{html}");
    assert!(html.contains("session binding"), "{html}");
    assert!(html.contains(">not connected<"), "{html}");
    let other_key = TokenKey::new(other_tenant.as_str(), ProviderId::GOOGLE_MEET);
    assert!(store.get(&other_key).await.unwrap().is_none());
    assert!(
        store.get(&key).await.unwrap().is_none(),
        "the tenant that started the connect was not connected to the other browser's account"
    );

    // The real flow.
    let (callback, binding) = consent(&http, &url, &cookie).await;
    let back = http
        .get(&callback)
        .header(COOKIE, format!("{cookie}; {binding}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        back.status(),
        StatusCode::SEE_OTHER,
        "{}",
        back.text().await.unwrap()
    );
    assert_eq!(location(&back), "/");
    assert!(store.get(&key).await.unwrap().is_some(), "tokens in SQLite");

    // The same callback again: the state was used up.
    let replay = http
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("OAUTH_STATE_INVALID"));

    let page = http.get(&url).header(COOKIE, &cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<strong id=\"connection\">connected</strong>"),
        "{html}"
    );

    let form = [
        ("title", "Consultation <b>"),
        ("start", "2030-06-20T10:00:00"),
        ("end", "2030-06-20T10:30:00"),
        ("timezone", "Europe/Berlin"),
        ("idempotency_key", "form-1"),
    ];
    let booked = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), StatusCode::OK);
    let html = booked.text().await.unwrap();
    assert!(
        html.contains("id=\"meeting-link\" href=\"https://meet.google.com/"),
        "{html}"
    );
    // The same form submitted twice books once.
    let again = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let events: usize = app
        .emulator()
        .unwrap()
        .state()
        .google
        .events_by_calendar
        .values()
        .map(|e| e.len())
        .sum();
    assert_eq!(events, 1);

    let gone = http
        .post(format!("{url}/auth/google/disconnect"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    assert!(store.get(&key).await.unwrap().is_none(), "tokens deleted");
    let html = http
        .get(&url)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("not connected"), "{html}");

    // A denied consent comes back as an error on the page.
    let denied = http
        .get(format!(
            "{url}/auth/google/callback?error=access_denied&state=x"
        ))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&denied), "/?error=access_denied");

    app.shutdown().await;
    let _ = std::fs::remove_file(db);
}
