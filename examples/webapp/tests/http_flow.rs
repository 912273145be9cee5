//! The connect → schedule → disconnect flow, walked with a plain HTTP client, once for each
//! provider: the routes are the same code, and these tests show they behave the same.

mod common;

use common::{between, consent_to, http, location, meeting_form_for, rotated, session};
use example_webapp::{AppConfig, RunningApp};
use meetschedify::store_sqlite::SqliteTokenStore;
use meetschedify::{ProviderId, TokenKey, TokenStore};
use reqwest::header::COOKIE;
use reqwest::StatusCode;

/// What differs between the providers in the flow.
struct Case {
    /// The app's path segment.
    segment: &'static str,
    id: ProviderId,
    /// The error code of scheduling before connecting.
    not_connected: &'static str,
    /// How the meeting link starts.
    link: &'static str,
    /// The meetings the provider holds in the emulator.
    meetings: fn(&RunningApp) -> usize,
    /// Where the page sends the user to take back the app's access after a disconnect that
    /// only forgot the tokens; `None` when the disconnect revokes the grant.
    remove_access_at: Option<&'static str>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_schedule_and_disconnect_google_over_http() {
    flow(Case {
        segment: "google",
        id: ProviderId::GOOGLE_MEET,
        not_connected: "GOOGLE_NOT_CONNECTED",
        link: "https://meet.google.com/",
        meetings: |app| {
            let state = app.emulator().unwrap().state();
            state.google.events_by_calendar.values().map(Vec::len).sum()
        },
        remove_access_at: None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_schedule_and_disconnect_microsoft_over_http() {
    flow(Case {
        segment: "microsoft",
        id: ProviderId::MICROSOFT_TEAMS,
        not_connected: "NOT_CONNECTED",
        link: "https://teams.microsoft.com/",
        meetings: |app| common::teams_subjects(app).len(),
        remove_access_at: Some("https://myapps.microsoft.com"),
    })
    .await;
}

async fn flow(case: Case) {
    let segment = case.segment;
    let db = std::env::temp_dir().join(format!("webapp-flow-{segment}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let app = RunningApp::start(AppConfig::emulator(Some(db.clone())))
        .await
        .unwrap();
    let url = app.url();
    let http = http();
    let browser = session(&http, &url).await;
    let (cookie, tenant) = (browser.cookie.clone(), browser.tenant.clone());
    let store = SqliteTokenStore::open(&db).await.unwrap();
    let key = TokenKey::new(tenant.as_str(), case.id.clone());

    // Scheduling before connecting says why, with the code.
    let early = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&meeting_form_for(
            segment,
            "Early",
            "k0",
            Some(&browser.csrf),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::UNAUTHORIZED);
    let html = early.text().await.unwrap();
    assert!(html.contains(case.not_connected), "{html}");

    // Login CSRF: this session starts a connect and its consent link reaches another browser,
    // whose user approves with their own account. That browser brings the callback with
    // its own session and without this connect's binding: refused, and nobody is connected —
    // neither the other session's tenant nor the tenant that started the connect.
    let other = session(&http, &url).await;
    let (other_cookie, other_tenant) = (other.cookie, other.tenant);
    let (carried, _binding_stays_in_the_first_browser) =
        consent_to(segment, &http, &url, &cookie).await;
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
    let other_connection = format!("<strong id=\"connection-{segment}\">not connected</strong>");
    assert!(html.contains(&other_connection), "{html}");
    let other_key = TokenKey::new(other_tenant.as_str(), case.id.clone());
    assert!(store.get(&other_key).await.unwrap().is_none());
    assert!(
        store.get(&key).await.unwrap().is_none(),
        "the tenant that started the connect was not connected to the other browser's account"
    );

    // The real flow.
    let (callback, binding) = consent_to(segment, &http, &url, &cookie).await;
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
    let connected = format!("<strong id=\"connection-{segment}\">connected</strong>");
    // The connect gave the session a new id (and CSRF token) for the same tenant.
    let (browser, html) = rotated(&http, &url, &back).await;
    assert_eq!(browser.tenant, tenant);
    assert!(html.contains(&connected), "{html}");
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
    assert!(html.contains(&connected), "{html}");

    let form = meeting_form_for(segment, "Consultation <b>", "form-1", Some(&browser.csrf));
    let booked = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), StatusCode::OK);
    let html = booked.text().await.unwrap();
    let link = format!("id=\"meeting-link\" href=\"{}", case.link);
    assert!(html.contains(&link), "{html}");
    // The same form submitted twice books once.
    let again = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!((case.meetings)(&app), 1, "booked once");

    let gone = http
        .post(format!("{url}/auth/{segment}/disconnect"))
        .header(COOKIE, &cookie)
        .form(&[("csrf_token", &browser.csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    let to = location(&gone);
    assert!(store.get(&key).await.unwrap().is_none(), "tokens deleted");
    let html = http
        .get(format!("{url}{to}"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let not_connected = format!("<strong id=\"connection-{segment}\">not connected</strong>");
    assert!(html.contains(&not_connected), "{html}");
    // Where the grant outlives the disconnect, the page says so and where to remove it.
    match case.remove_access_at {
        Some(at) => {
            assert_eq!(to, format!("/?forgotten={segment}"));
            let info = between(&html, "<p id=\"info\">", '<').unwrap_or_default();
            assert!(
                info.contains("tokens were deleted") && info.contains(at),
                "{html}"
            );
        }
        None => {
            assert_eq!(to, "/");
            assert!(!html.contains("id=\"info\""), "{html}");
        }
    }

    // A denied consent comes back as an error on the page, naming the provider.
    let denied = http
        .get(format!(
            "{url}/auth/{segment}/callback?error=access_denied&state=x"
        ))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let to = location(&denied);
    assert_eq!(to, format!("/?error=access_denied&provider={segment}"));
    let html = http
        .get(format!("{url}{to}"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<code id=\"error-code\">access_denied</code>"),
        "{html}"
    );
    assert!(
        html.contains("did not connect: consent was not given"),
        "{html}"
    );

    app.shutdown().await;
    let _ = std::fs::remove_file(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_offered_providers_have_routes_and_the_form_must_name_one() {
    let app = RunningApp::start(AppConfig::emulator(None)).await.unwrap();
    let (url, http) = (app.url(), http());
    let browser = session(&http, &url).await;
    for path in [
        "/auth/zoom/connect",
        "/auth/google-meet/callback?code=c&state=s",
    ] {
        let answer = http
            .get(format!("{url}{path}"))
            .header(COOKIE, &browser.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let gone = http
        .post(format!("{url}/auth/zoom/disconnect"))
        .header(COOKIE, &browser.cookie)
        .form(&[("csrf_token", &browser.csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    for provider in ["", "zoom"] {
        let booked = http
            .post(format!("{url}/meetings"))
            .header(COOKIE, &browser.cookie)
            .form(&meeting_form_for(provider, "T", "k", Some(&browser.csrf)))
            .send()
            .await
            .unwrap();
        assert_eq!(booked.status(), StatusCode::BAD_REQUEST, "{provider:?}");
        let html = booked.text().await.unwrap();
        assert!(html.contains(">INVALID_REQUEST<"), "{html}");
    }
    app.shutdown().await;
}
