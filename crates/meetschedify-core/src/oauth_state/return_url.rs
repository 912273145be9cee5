//! [`ReturnUrlPolicy`]: which return URLs a sealed state may carry.

use url::{Host, Origin, Url};

use crate::error::{Error, Result};

/// Browsers and proxies start failing around 8 KB of URL; the state also carries this URL inside
/// the provider's redirect, so keep it well below that.
const MAX_RETURN_URL_BYTES: usize = 2048;

/// Which return URLs a sealed state may carry, to stop the connect flow from being used as an
/// open redirect.
///
/// [`ReturnUrlPolicy::new`] allows relative paths on the application's own site only. Each
/// [`ReturnUrlPolicy::allow_origin`] adds one absolute origin (scheme, host and port).
///
/// ```
/// use meetschedify_core::ReturnUrlPolicy;
///
/// let policy = ReturnUrlPolicy::new().allow_origin("https://app.example.com").unwrap();
/// assert!(policy.check("/dashboard?tab=zoom").is_ok());
/// assert!(policy.check("https://app.example.com/done").is_ok());
/// assert!(policy.check("//evil.example").is_err());
/// assert!(policy.check("https://evil.example/").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnUrlPolicy {
    allowed_origins: Vec<Origin>,
}

impl ReturnUrlPolicy {
    /// A policy that allows relative paths only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also allows absolute URLs on `origin`, such as `https://app.example.com` or
    /// `http://localhost:3000`.
    ///
    /// The origin must be `https`, or `http` on a loopback host (plain http elsewhere would let
    /// anyone on the network read the page the user lands on). It must carry no path, query,
    /// fragment or credentials. Fails with `INVALID_CONFIG` on field `allowed_origin`.
    pub fn allow_origin(mut self, origin: &str) -> Result<Self> {
        let origin = parse_allowed_origin(origin)?;
        if !self.allowed_origins.contains(&origin) {
            self.allowed_origins.push(origin);
        }
        Ok(self)
    }

    /// Checks a return URL; fails with `INVALID_REQUEST` on field `return_url`.
    ///
    /// A relative URL must start with a single `/` (not `//`, which browsers read as another
    /// host). Any URL is rejected if it holds a backslash (browsers treat it as `/`), a control
    /// character (browsers drop tabs and newlines, turning `/\t/evil` into `//evil`),
    /// surrounding whitespace, or more than 2048 bytes. An absolute URL must be `http(s)`
    /// without credentials and on an allowed origin.
    pub fn check(&self, url: &str) -> Result<()> {
        check_return_url_text(url)?;
        if url.starts_with('/') {
            check_relative_return_url(url)
        } else {
            self.check_absolute_return_url(url)
        }
    }

    fn check_absolute_return_url(&self, url: &str) -> Result<()> {
        let parsed = Url::parse(url).map_err(|_| {
            return_url_error("return url must be a path starting with / or an absolute url")
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(return_url_error("return url scheme must be http or https"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(return_url_error("return url must not contain credentials"));
        }
        if !self.allowed_origins.contains(&parsed.origin()) {
            return Err(return_url_error("return url origin is not allowed"));
        }
        Ok(())
    }
}

fn return_url_error(message: &str) -> Error {
    Error::invalid_request("return_url", message)
}

/// Character-level checks shared by relative and absolute return URLs.
fn check_return_url_text(url: &str) -> Result<()> {
    if url.is_empty() {
        return Err(return_url_error("return url must not be empty"));
    }
    if url.len() > MAX_RETURN_URL_BYTES {
        return Err(return_url_error("return url must be at most 2048 bytes"));
    }
    if url.chars().any(char::is_control) {
        return Err(return_url_error(
            "return url must not contain control characters",
        ));
    }
    if url.contains('\\') {
        return Err(return_url_error("return url must not contain a backslash"));
    }
    if url.trim() != url {
        return Err(return_url_error(
            "return url must not start or end with whitespace",
        ));
    }
    Ok(())
}

fn check_relative_return_url(url: &str) -> Result<()> {
    // `//host/path` is a scheme-relative URL: browsers send the user to `host`. With control
    // characters and backslashes already refused, any other leading `/` stays on this site.
    if url.starts_with("//") {
        return Err(return_url_error("return url must not start with //"));
    }
    Ok(())
}

fn parse_allowed_origin(origin: &str) -> Result<Origin> {
    let invalid = |message: &str| Error::invalid_config("allowed_origin", message);
    let url = Url::parse(origin.trim()).map_err(|_| {
        invalid("allowed origin must be an absolute url such as https://app.example.com")
    })?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(invalid(
                "allowed origin must use https (http only on localhost)",
            ))
        }
    }
    let bare = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !bare {
        return Err(invalid("allowed origin must be scheme, host and port only"));
    }
    Ok(url.origin())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn app_policy() -> ReturnUrlPolicy {
        ReturnUrlPolicy::new()
            .allow_origin("https://app.example.com")
            .unwrap()
    }

    #[test]
    fn relative_return_urls_are_allowed() {
        for ok in [
            "/dashboard?x=1",
            "/",
            "/a/b#frag",
            "/javascript:alert(1)",
            "/%2F%2Fevil.com",
        ] {
            ReturnUrlPolicy::new()
                .check(ok)
                .unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
    }

    #[test]
    fn open_redirects_are_rejected() {
        let bad = [
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https://evil.com/x",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,hi",
            "http://app.example.com.evil.com",
            "https://app.example.com.evil.com/",
            "https://app.example.com@evil.com/",
            "https://user:pw@app.example.com/",
            "http://app.example.com/done",
            "https://app.example.com:8443/done",
            "/\t/evil.com",
            "/ok\nLocation: https://evil.com",
            "/ok\u{7f}",
            "/ok\u{85}",
            " /dashboard",
            "/dashboard ",
            "dashboard",
            "",
        ];
        let policy = app_policy();
        for url in bad {
            let err = policy.check(url).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidRequest, "{url:?}");
            assert_eq!(err.field(), Some("return_url"), "{url:?}");
        }
        // Each defence is pinned on its own, so none hides behind another.
        let reasons = [
            ("//evil.com", "return url must not start with //"),
            ("/\\evil.com", "return url must not contain a backslash"),
            (
                "/\t/evil.com",
                "return url must not contain control characters",
            ),
            (
                "javascript:alert(1)",
                "return url scheme must be http or https",
            ),
            (
                "https://u@app.example.com/",
                "return url must not contain credentials",
            ),
            ("https://evil.com/x", "return url origin is not allowed"),
            (
                " /dashboard",
                "return url must not start or end with whitespace",
            ),
            (
                "dashboard",
                "return url must be a path starting with / or an absolute url",
            ),
            ("", "return url must not be empty"),
        ];
        for (url, message) in reasons {
            assert_eq!(policy.check(url).unwrap_err().message(), message, "{url:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_RETURN_URL_BYTES));
        assert!(policy.check(&long).is_err());
    }

    #[test]
    fn absolute_return_url_needs_its_origin_allowed() {
        let url = "https://app.example.com/done";
        assert!(ReturnUrlPolicy::new().check(url).is_err());
        app_policy().check(url).unwrap();
        app_policy()
            .check("https://APP.example.com:443/done")
            .unwrap();
        let local = ReturnUrlPolicy::new()
            .allow_origin("http://localhost:3000/")
            .unwrap();
        local.check("http://localhost:3000/cb").unwrap();
        assert!(local.check("http://localhost:3001/cb").is_err());
        assert!(local.check("https://localhost:3000/cb").is_err());
        let both = app_policy().allow_origin("http://127.0.0.1:8080").unwrap();
        both.check(url).unwrap();
        both.check("http://127.0.0.1:8080/x").unwrap();
    }

    #[test]
    fn allow_origin_rejects_anything_but_a_bare_secure_origin() {
        for bad in [
            "app.example.com",
            "ftp://app.example.com",
            "http://app.example.com",
            "https://app.example.com/path",
            "https://app.example.com/?q=1",
            "https://app.example.com/#f",
            "https://user@app.example.com",
            "javascript:alert(1)",
            "",
        ] {
            let err = ReturnUrlPolicy::new().allow_origin(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad:?}");
            assert_eq!(err.field(), Some("allowed_origin"), "{bad:?}");
        }
        let twice = app_policy()
            .allow_origin("https://app.example.com/")
            .unwrap();
        assert_eq!(twice, app_policy());
    }
}
