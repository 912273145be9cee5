//! The one check every provider applies to an endpoint base URL.
//!
//! Access tokens, refresh tokens and client secrets travel to these hosts, so a base must be
//! `https`; plain `http` is allowed only on a loopback host (the local emulator), where the
//! traffic never leaves the machine. Keeping the rule here means Zoom, Google and any custom
//! provider refuse the same URLs with the same words.

use url::{Host, Url};

use crate::error::{Error, Result};

/// Checks an endpoint base URL and returns it parsed.
///
/// Accepted: any `https` URL, and `http` on `localhost`, `127.0.0.0/8` or `::1`. Refused with
/// `INVALID_CONFIG` naming `field` (the setting or the environment variable the value came
/// from): anything that is not an absolute URL, another scheme, plain `http` to any other host
/// (`http://api.example.com` would send the client secret in clear text), and a base carrying a
/// query, a fragment or credentials (paths are appended to a base, so those would be mangled or
/// leaked). The value is never echoed, in case it holds credentials.
///
/// ```
/// use meetschedify_core::{check_base_url, ErrorCode};
///
/// assert!(check_base_url("api_base", "https://api.zoom.us/v2").is_ok());
/// assert!(check_base_url("api_base", "http://127.0.0.1:8765/v2").is_ok());
/// let err = check_base_url("api_base", "http://api.example.com").unwrap_err();
/// assert_eq!(err.code(), ErrorCode::InvalidConfig);
/// assert_eq!(err.field(), Some("api_base"));
/// ```
pub fn check_base_url(field: &str, value: &str) -> Result<Url> {
    let url = Url::parse(value.trim()).map_err(|e| {
        Error::invalid_config(field, format!("{field} is not an absolute url: {e}"))
    })?;
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(Error::invalid_config(
            field,
            format!("{field} must not carry a query, a fragment or credentials"),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::invalid_config(
            field,
            format!(
                "{field} must use https: plain http is only allowed on a loopback host \
                 (localhost, 127.0.0.0/8, ::1), since tokens and the client secret would \
                 travel in clear text"
            ),
        )),
        other => Err(Error::invalid_config(
            field,
            format!("{field} has the unsupported url scheme `{other}`; use https"),
        )),
    }
}

/// Whether the URL's host is `localhost`, `127.0.0.0/8` or `::1`.
///
/// Only the name `localhost` itself counts: `localhost.example.com` resolves wherever its owner
/// likes.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn https_anywhere_and_http_on_loopback_are_accepted() {
        for ok in [
            "https://api.zoom.us/v2",
            "https://api.example.com",
            "https://10.0.0.1:8443/",
            "http://127.0.0.1:1234",
            "http://127.5.6.7/v2",
            "http://localhost:9",
            "http://LOCALHOST",
            "http://[::1]:80",
        ] {
            check_base_url("api_base", ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused_naming_the_field() {
        for bad in [
            "http://api.example.com",
            "http://10.0.0.1",
            "http://0.0.0.0:80",
            "http://[::2]",
            "http://localhost.example.com",
            "http://128.0.0.1",
        ] {
            let err = check_base_url("oauth_base", bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad}");
            assert_eq!(err.field(), Some("oauth_base"), "{bad}");
            assert!(err.message().contains("loopback"), "{bad}: {err}");
        }
    }

    #[test]
    fn other_malformed_bases_are_refused_without_echoing_them() {
        for (bad, why) in [
            ("not a url", "absolute"),
            ("ftp://127.0.0.1", "scheme"),
            ("https://u:p4ss@example.com", "credentials"),
            ("https://example.com/?x=1", "query"),
            ("https://example.com/#f", "fragment"),
        ] {
            let err = check_base_url("api_base", bad).unwrap_err();
            assert_eq!(err.field(), Some("api_base"));
            assert!(err.message().contains(why), "{bad}: {err}");
            assert!(!err.to_string().contains("p4ss"), "{err}");
        }
    }
}
