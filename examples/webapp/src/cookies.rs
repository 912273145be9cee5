//! The app's two cookies: their names and attributes, and reading them back.
//!
//! Every cookie is `HttpOnly` (scripts cannot read it), `SameSite=Lax` (another site cannot POST
//! with it, while the provider's top-level redirect back to the callback still carries it) and
//! `Path=/`. Served over https, each is also `Secure` and named with the `__Host-` prefix, which
//! the browser accepts only from a secure origin, with `Path=/` and without `Domain`: a sibling
//! subdomain or a plain-http response cannot plant or overwrite it (the usual way to fixate a
//! session). On http loopback (tests, local runs) the plain names are used, because browsers
//! refuse `__Host-` cookies from `http://127.0.0.1`.

use axum::http::{header, HeaderMap, HeaderValue};

/// Which of the app's cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cookie {
    /// The session id (see `session.rs`).
    Session,
    /// The session binding of a connect in progress, until the callback.
    ///
    /// It is `Path=/` like the session cookie, although only the callback reads it: `__Host-`
    /// demands `Path=/`, and the prefix's protection against a planted binding is worth more
    /// than keeping an opaque, `HttpOnly` value off the other routes.
    Binding,
}

impl Cookie {
    fn base_name(self) -> &'static str {
        match self {
            Cookie::Session => "webapp_session",
            Cookie::Binding => "webapp_connect",
        }
    }
}

/// How cookies are named and flagged, decided once from the configured public URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CookiePolicy {
    secure: bool,
}

impl CookiePolicy {
    /// `secure`: users reach the app over https (`AppConfig::serves_https`).
    pub(crate) fn new(secure: bool) -> Self {
        Self { secure }
    }

    /// The cookie's name: `__Host-` prefixed over https.
    pub(crate) fn name(self, cookie: Cookie) -> String {
        if self.secure {
            format!("__Host-{}", cookie.base_name())
        } else {
            cookie.base_name().to_owned()
        }
    }

    /// The `Set-Cookie` that stores `value` (URL-safe characters only) for `max_age` seconds, or
    /// for the browser session when `None`.
    pub(crate) fn set(self, cookie: Cookie, value: &str, max_age: Option<u32>) -> HeaderValue {
        let max_age = max_age
            .map(|s| format!("; Max-Age={s}"))
            .unwrap_or_default();
        let secure = if self.secure { "; Secure" } else { "" };
        let line = format!(
            "{}={value}; Path=/{max_age}; HttpOnly; SameSite=Lax{secure}",
            self.name(cookie)
        );
        // Values are ids this app minted (hex, base64url): never a character a header refuses.
        HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The `Set-Cookie` that deletes the cookie (same name, path and flags, `Max-Age=0`).
    pub(crate) fn clear(self, cookie: Cookie) -> HeaderValue {
        self.set(cookie, "", Some(0))
    }

    /// The values the request's `Cookie` headers carry under the cookie's name, in order (a
    /// browser may send two cookies of one name, say one per path).
    pub(crate) fn read<'h>(
        self,
        headers: &'h HeaderMap,
        cookie: Cookie,
    ) -> impl Iterator<Item = &'h str> + 'h {
        let wanted = self.name(cookie);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(move |(name, _)| *name == wanted)
            .map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use crate::AppConfig;

    use super::*;

    fn policy(config: &AppConfig) -> CookiePolicy {
        CookiePolicy::new(config.serves_https().unwrap())
    }

    #[test]
    fn over_https_cookies_are_host_prefixed_and_secure() {
        let https = policy(&AppConfig::emulator(None).with_public_url("https://meet.example.com"));
        for cookie in [Cookie::Session, Cookie::Binding] {
            let line = https.set(cookie, "abc", Some(600));
            let line = line.to_str().unwrap();
            assert!(line.starts_with("__Host-webapp_"), "{line}");
            for attribute in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/;"] {
                assert!(line.contains(attribute), "{attribute} missing: {line}");
            }
            assert!(!line.contains("Domain"), "{line}");
            let cleared = https.clear(cookie);
            let cleared = cleared.to_str().unwrap();
            assert!(cleared.starts_with("__Host-webapp_") && cleared.contains("; Secure"));
            assert!(cleared.contains("Max-Age=0"), "{cleared}");
        }
    }

    #[test]
    fn on_http_loopback_cookies_keep_plain_names_without_secure() {
        let http = policy(&AppConfig::emulator(None));
        let line = http.set(Cookie::Session, "abc", None);
        assert_eq!(
            line.to_str().unwrap(),
            "webapp_session=abc; Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn over_https_only_the_prefixed_cookie_is_read() {
        let https = CookiePolicy::new(true);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("webapp_session=planted; __Host-webapp_session=real"),
        );
        let values: Vec<&str> = https.read(&headers, Cookie::Session).collect();
        assert_eq!(values, ["real"]);
    }
}
