//! Attacks on the web app, each performed with a plain HTTP client and shown to fail: session
//! fixation, CSRF on the POST forms, a Microsoft consent completed in another browser, and
//! reading tokens from a copy of the database. (Login CSRF is also performed in `http_flow.rs`,
//! for each provider.)

mod common;

use common::{
    connect, connect_to, consent_to, http, meeting_form, meeting_form_for, rotated, session,
    set_cookies, Browser,
};
use example_webapp::{AppConfig, RunningApp};
use meetschedify::store_sqlite::SqliteTokenStore;
use meetschedify::{ProviderId, TokenKey, TokenStore};
use reqwest::header::COOKIE;
use reqwest::{Client, StatusCode};

/// A temporary SQLite file for one test.
fn temp_db(name: &str) -> std::path::PathBuf {
    let db = std::env::temp_dir().join(format!("webapp-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    db
}

/// Opens the page with `cookie`; returns the session the app answers with and the page.
async fn visit(http: &Client, app: &str, cookie: &str) -> (Option<String>, String) {
    let page = http.get(app).header(COOKIE, cookie).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let issued = set_cookies(&page, "webapp_session")
        .first()
        .map(|line| common::cookie_value(line));
    (issued, page.text().await.unwrap())
}

fn meeting_count(app: &RunningApp) -> usize {
    let state = app.emulator().unwrap().state();
    state.google.events_by_calendar.values().map(Vec::len).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_id_the_attacker_chooses_is_not_adopted() {
    let app = RunningApp::start(AppConfig::emulator(None)).await.unwrap();
    let (url, http) = (app.url(), http());
    // Well-formed ids in the format the app mints (and in the format it used to), planted in the
    // victim's browser before the victim's first visit.
    for chosen in ["0123456789abcdef0123456789abcdef", "user-0123456789abcdef"] {
        let (issued, html) = visit(&http, &url, &format!("webapp_session={chosen}")).await;
        let issued = issued.expect("the app answers with a session id of its own");
        assert_ne!(issued, chosen);
        assert_eq!(issued.len(), 32, "128 random bits, hex: {issued}");
        let victim = Browser::from_page(issued, &html);
        assert!(!victim.tenant.contains(chosen), "{}", victim.tenant);
        // The chosen id stays unknown: the attacker cannot come back with it.
        let (again, again_html) = visit(&http, &url, &format!("webapp_session={chosen}")).await;
        let again = Browser::from_page(again.expect("another new session"), &again_html);
        assert_ne!(again.session_id, victim.session_id);
        assert_ne!(again.tenant, victim.tenant, "a new session is a new tenant");
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_session_id_planted_before_a_connect_is_worthless_after_it() {
    let app = RunningApp::start(AppConfig::emulator(None)).await.unwrap();
    let (url, http) = (app.url(), http());
    // The attacker gets a real id from the app and plants it in the victim's browser, who then
    // connects their Google account in it.
    let planted = session(&http, &url).await;
    let back = connect(&http, &url, &planted).await;
    let (victim, html) = rotated(&http, &url, &back).await;
    assert_ne!(victim.session_id, planted.session_id);
    assert_eq!(victim.tenant, planted.tenant);
    assert!(html.contains(">connected<"), "{html}");
    // The attacker's copy of the old id now starts an empty session of another tenant.
    let (issued, html) = visit(&http, &url, &planted.cookie).await;
    let attacker = Browser::from_page(issued.expect("a new session"), &html);
    assert_ne!(attacker.tenant, victim.tenant);
    assert!(html.contains(">not connected<"), "{html}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_without_the_sessions_csrf_token_are_refused_and_do_nothing() {
    let db = temp_db("csrf");
    let app = RunningApp::start(AppConfig::emulator(Some(db.clone())))
        .await
        .unwrap();
    let (url, http) = (app.url(), http());
    // The victim connects both providers (each connect gives the session a new id).
    let back = connect(&http, &url, &session(&http, &url).await).await;
    let (victim, _) = rotated(&http, &url, &back).await;
    let back = connect_to("microsoft", &http, &url, &victim).await;
    let (victim, _) = rotated(&http, &url, &back).await;
    let store = SqliteTokenStore::open(&db).await.unwrap();
    let keys = [ProviderId::GOOGLE_MEET, ProviderId::MICROSOFT_TEAMS]
        .map(|provider| TokenKey::new(victim.tenant.as_str(), provider));
    // A token that is some session's, just not the victim's: the attacker's own.
    let attackers_own = session(&http, &url).await.csrf;
    let wrong_tokens = [
        None,
        Some(String::new()),
        Some("0".repeat(32)),
        Some(attackers_own),
    ];

    // Another site's page makes the victim's browser POST with the victim's cookie.
    for token in &wrong_tokens {
        let token = token.as_deref();
        for provider in ["google", "microsoft"] {
            let booked = http
                .post(format!("{url}/meetings"))
                .header(COOKIE, &victim.cookie)
                .form(&meeting_form_for(provider, "Forged", "forged", token))
                .send()
                .await
                .unwrap();
            assert_eq!(booked.status(), StatusCode::FORBIDDEN, "token {token:?}");
            let mut disconnect = http
                .post(format!("{url}/auth/{provider}/disconnect"))
                .header(COOKIE, &victim.cookie);
            if let Some(token) = token {
                disconnect = disconnect.form(&[("csrf_token", token)]);
            }
            let gone = disconnect.send().await.unwrap();
            assert_eq!(gone.status(), StatusCode::FORBIDDEN, "token {token:?}");
        }
    }
    assert_eq!(meeting_count(&app), 0, "nothing was booked at Google");
    assert!(common::teams_subjects(&app).is_empty(), "nor at Microsoft");
    for key in &keys {
        assert!(store.get(key).await.unwrap().is_some(), "still connected");
    }
    let (_, html) = victim.reload(&http, &url).await;
    for provider in ["google", "microsoft"] {
        let connected = format!("<strong id=\"connection-{provider}\">connected</strong>");
        assert!(html.contains(&connected), "{html}");
    }

    // The page's own forms, with the token, still work.
    let booked = http
        .post(format!("{url}/meetings"))
        .header(COOKIE, &victim.cookie)
        .form(&meeting_form("Real", "real", Some(&victim.csrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), StatusCode::OK);
    assert_eq!(meeting_count(&app), 1);
    app.shutdown().await;
    let _ = std::fs::remove_file(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_microsoft_consent_completed_in_another_browser_connects_nobody() {
    let db = temp_db("ms-binding");
    let app = RunningApp::start(AppConfig::emulator(Some(db.clone())))
        .await
        .unwrap();
    let (url, http) = (app.url(), http());
    let store = SqliteTokenStore::open(&db).await.unwrap();
    // The attacker starts a Microsoft connect in their own browser, accepts with their own
    // account, and sends the callback link to the victim instead of following it.
    let attacker = session(&http, &url).await;
    let (link, attackers_binding) = consent_to("microsoft", &http, &url, &attacker.cookie).await;
    let victim = session(&http, &url).await;
    for cookie in [
        // The victim's browser has no binding for this connect...
        victim.cookie.clone(),
        // ...and a binding of another connect (the victim's own, started earlier) is no better.
        {
            let (_, own) = consent_to("microsoft", &http, &url, &victim.cookie).await;
            format!("{}; {own}", victim.cookie)
        },
    ] {
        let refused = http
            .get(&link)
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let html = refused.text().await.unwrap();
        assert!(html.contains("OAUTH_STATE_INVALID"), "{html}");
        assert!(
            html.contains("<strong id=\"connection-microsoft\">not connected</strong>"),
            "{html}"
        );
    }
    for tenant in [&victim.tenant, &attacker.tenant] {
        let key = TokenKey::new(tenant.as_str(), ProviderId::MICROSOFT_TEAMS);
        assert!(
            store.get(&key).await.unwrap().is_none(),
            "{tenant} connected"
        );
    }
    // The refusal happened before the code was exchanged: it still works in the attacker's own
    // browser, which proves the binding, not a spent code, stopped the victim's.
    let back = http
        .get(&link)
        .header(COOKIE, format!("{}; {attackers_binding}", attacker.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let key = TokenKey::new(attacker.tenant.as_str(), ProviderId::MICROSOFT_TEAMS);
    assert!(store.get(&key).await.unwrap().is_some());
    app.shutdown().await;
    let _ = std::fs::remove_file(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_the_sqlite_file_are_encrypted() {
    let db = temp_db("at-rest");
    let app = RunningApp::start(AppConfig::emulator(Some(db.clone())))
        .await
        .unwrap();
    let (url, http) = (app.url(), http());
    let back = connect(&http, &url, &session(&http, &url).await).await;
    let (_, html) = rotated(&http, &url, &back).await;
    assert!(html.contains(">connected<"), "{html}");

    // What someone with a copy of the file reads.
    let store = SqliteTokenStore::open(&db).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM meetschedify_tokens")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    // The emulator's access tokens start `ya29.`, its refresh tokens `1//`, as Google's do.
    assert!(
        rows[0].contains("mse1:"),
        "an encryption envelope: {}",
        rows[0]
    );
    assert!(!rows[0].contains("ya29"), "access token in clear");
    assert!(!rows[0].contains("1//"), "refresh token in clear");
    app.shutdown().await;
    let _ = std::fs::remove_file(db);
}
