//! The connect → schedule → disconnect flow, walked with a plain HTTP client.

mod common;

use common::{consent, http, location, meeting_form, rotated, session};
use example_webapp::{AppConfig, RunningApp};
use meetschedify::store_sqlite::SqliteTokenStore;
use meetschedify::{ProviderId, TokenKey, TokenStore};
use reqwest::header::COOKIE;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_schedule_and_disconnect_over_http() {
    let db = std::env::temp_dir().join(format!("webapp-flow-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let app = RunningApp::start(AppConfig::emulator(Some(db.clone())))
        .await
        .unwrap();
    let url = app.url();
    let http = http();
    let browser = session(&http, &url).await;
    let (cookie, tenant) = (browser.cookie.clone(), browser.tenant.clone());
    let store = SqliteTokenStore::open(&db).await.unwrap();
    let key = TokenKey::new(tenant.as_str(), ProviderId::GOOGLE_MEET);

    // Scheduling before connecting says why, with the code.
    let early = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&meeting_form("Early", "k0", Some(&browser.csrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::UNAUTHORIZED);
    assert!(early.text().await.unwrap().contains("GOOGLE_NOT_CONNECTED"));

    // Login CSRF: this session starts a connect and its consent link reaches another browser,
    // whose user approves with their own Google account. That browser brings the callback with
    // its own session and without this connect's binding: refused, and nobody is connected —
    // neither the other session's tenant nor the tenant that started the connect.
    let other = session(&http, &url).await;
    let (other_cookie, other_tenant) = (other.cookie, other.tenant);
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
    // The connect gave the session a new id (and CSRF token) for the same tenant.
    let (browser, html) = rotated(&http, &url, &back).await;
    assert_eq!(browser.tenant, tenant);
    assert!(
        html.contains("<strong id=\"connection\">connected</strong>"),
        "{html}"
    );
    let cookie = browser.cookie.clone();

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

    let form = meeting_form("Consultation <b>", "form-1", Some(&browser.csrf));
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
        .form(&[("csrf_token", &browser.csrf)])
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
