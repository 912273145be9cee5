//! A browser played by hand with a plain HTTP client: cookies, CSRF tokens and the emulator's
//! consent page, shared by `http_flow.rs` and `attacks.rs`.

// Each test file compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, Response, StatusCode};

/// A client that shows redirects instead of following them.
pub(crate) fn http() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn location(response: &Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// The `Set-Cookie` lines of a response for the cookie `name`.
pub(crate) fn set_cookies(response: &Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|line| line.starts_with(&format!("{name}=")))
        .map(str::to_owned)
        .collect()
}

/// The value a `Set-Cookie` line sets.
pub(crate) fn cookie_value(line: &str) -> String {
    let pair = line.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

/// The text of the page's element `<tag id="id" ...>TEXT<`, or of the attribute value after
/// `marker`.
pub(crate) fn between<'h>(html: &'h str, marker: &str, end: char) -> Option<&'h str> {
    html.split(marker)
        .nth(1)
        .and_then(|rest| rest.split(end).next())
}

/// What a browser holds for one session of the app.
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    /// The `Cookie` header (`webapp_session=...`).
    pub(crate) cookie: String,
    /// The session id alone.
    pub(crate) session_id: String,
    /// The tenant the page says this session is.
    pub(crate) tenant: String,
    /// The CSRF token of the page's forms.
    pub(crate) csrf: String,
}

impl Browser {
    /// Reads the tenant and the CSRF token off a page of this session.
    pub(crate) fn from_page(session_id: String, html: &str) -> Self {
        let tenant = between(html, "<code id=\"tenant\">", '<')
            .unwrap()
            .to_owned();
        let csrf = between(html, "name=\"csrf_token\" value=\"", '"')
            .unwrap()
            .to_owned();
        Browser {
            cookie: format!("webapp_session={session_id}"),
            session_id,
            tenant,
            csrf,
        }
    }

    /// The same session after visiting the page again (to see the current token).
    pub(crate) async fn reload(&self, http: &Client, app: &str) -> (Self, String) {
        let page = http
            .get(app)
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        assert!(
            set_cookies(&page, "webapp_session").is_empty(),
            "session kept"
        );
        let html = page.text().await.unwrap();
        (Self::from_page(self.session_id.clone(), &html), html)
    }
}

/// Opens the page without a cookie: the app starts a session.
pub(crate) async fn session(http: &Client, app: &str) -> Browser {
    let page = http.get(app).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let lines = set_cookies(&page, "webapp_session");
    assert_eq!(lines.len(), 1, "one session cookie");
    let id = cookie_value(&lines[0]);
    let html = page.text().await.unwrap();
    for provider in ["google", "microsoft"] {
        assert!(
            html.contains(&format!("id=\"connect-{provider}\"")),
            "{html}"
        );
    }
    Browser::from_page(id, &html)
}

/// [`consent_to`] Google.
pub(crate) async fn consent(http: &Client, app: &str, cookie: &str) -> (String, String) {
    consent_to("google", http, app, cookie).await
}

/// Connect → the provider's consent page (`provider`: `google` or `microsoft`, the app's path
/// segment) → Allow (Google) or Accept (Microsoft), or straight back when Microsoft remembers an
/// earlier consent → the callback URL (not yet visited), and the cookie that holds the connect's
/// session binding in the browser that started it.
pub(crate) async fn consent_to(
    provider: &str,
    http: &Client,
    app: &str,
    cookie: &str,
) -> (String, String) {
    let connect = http
        .get(format!("{app}/auth/{provider}/connect"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(connect.status(), StatusCode::SEE_OTHER);
    let binding = set_cookies(&connect, "webapp_connect");
    let binding = binding.first().expect("a binding cookie").clone();
    assert!(binding.contains("HttpOnly") && binding.contains("Path=/;"));
    let binding = binding.split(';').next().unwrap().to_owned();
    let consent_url = location(&connect);
    let consent_page = http.get(&consent_url).send().await.unwrap();
    // Microsoft remembers a consent: a user who already accepted goes straight back.
    let allowed = if consent_page.status() == StatusCode::FOUND {
        consent_page
    } else {
        let consent_page = consent_page.text().await.unwrap();
        // Both emulated consent pages are a GET form with a `consent_id` and an allow button.
        assert!(
            consent_page.contains("name=\"decision\" value=\"allow\""),
            "{consent_page}"
        );
        let id = between(&consent_page, "name=\"consent_id\" value=\"", '"').unwrap();
        let action = between(&consent_page, "action=\"", '"').unwrap();
        let origin: String = consent_url
            .splitn(4, '/')
            .take(3)
            .collect::<Vec<_>>()
            .join("/");
        http.get(format!("{origin}{action}?consent_id={id}&decision=allow"))
            .send()
            .await
            .unwrap()
    };
    let callback = location(&allowed);
    assert!(
        callback.starts_with(&format!("{app}/auth/{provider}/callback?")),
        "{callback}"
    );
    (callback, binding)
}

/// [`connect_to`] Google.
pub(crate) async fn connect(http: &Client, app: &str, browser: &Browser) -> Response {
    connect_to("google", http, app, browser).await
}

/// The whole connect to `provider` in the browser that started it; returns the callback's
/// response.
pub(crate) async fn connect_to(
    provider: &str,
    http: &Client,
    app: &str,
    browser: &Browser,
) -> Response {
    let (callback, binding) = consent_to(provider, http, app, &browser.cookie).await;
    let back = http
        .get(&callback)
        .header(COOKIE, format!("{}; {binding}", browser.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/");
    back
}

/// The session the callback's response rotated `browser` to, with its page.
pub(crate) async fn rotated(http: &Client, app: &str, back: &Response) -> (Browser, String) {
    let lines = set_cookies(back, "webapp_session");
    assert_eq!(lines.len(), 1, "the connect issues a new session id");
    let id = cookie_value(&lines[0]);
    let page = http
        .get(app)
        .header(COOKIE, format!("webapp_session={id}"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    (Browser::from_page(id, &html), html)
}

/// The scheduling form for Google as the page would send it, with `csrf` as its token (`None`:
/// left out).
pub(crate) fn meeting_form(
    title: &str,
    key: &str,
    csrf: Option<&str>,
) -> Vec<(&'static str, String)> {
    meeting_form_for("google", title, key, csrf)
}

/// The scheduling form for `provider` (the app's path segment).
pub(crate) fn meeting_form_for(
    provider: &str,
    title: &str,
    key: &str,
    csrf: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("provider", provider.to_owned()),
        ("title", title.to_owned()),
        ("start", "2030-06-20T10:00:00".to_owned()),
        ("end", "2030-06-20T10:30:00".to_owned()),
        ("timezone", "Europe/Berlin".to_owned()),
        ("idempotency_key", key.to_owned()),
    ];
    if let Some(csrf) = csrf {
        form.push(("csrf_token", csrf.to_owned()));
    }
    form
}

/// The subjects of the Teams meetings on every emulated Microsoft calendar (the emulator starts
/// with none, so these are the app's).
pub(crate) fn teams_subjects(app: &example_webapp::RunningApp) -> Vec<String> {
    let state = app.emulator().unwrap().state();
    state
        .microsoft
        .events_by_user
        .values()
        .flatten()
        .filter_map(|e| e["subject"].as_str().map(str::to_owned))
        .collect()
}
