//! How the app is configured: flags first, then the environment.

use std::path::PathBuf;

use meetschedify::Error;

use crate::backend::{GOOGLE_CLIENT_ID_ENV, MICROSOFT_CLIENT_ID_ENV};

/// The variable that names the public origin (see [`AppConfig::public_url`]).
pub const PUBLIC_URL_ENV: &str = "WEBAPP_PUBLIC_URL";

/// Which Google and Microsoft the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The real vendors: Google when `GOOGLE_CLIENT_ID` is set (with the other `GOOGLE_*`
    /// variables), Microsoft when `MICROSOFT_CLIENT_ID` is (with the other `MICROSOFT_*`
    /// variables), and `MEETSCHEDIFY_OAUTH_STATE_KEY`.
    Vendors,
    /// An emulator started in this process, with a Google OAuth client and a Microsoft app
    /// registered for this app: both providers are offered.
    Emulator,
}

/// The app's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppConfig {
    /// The port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// The vendors to use.
    pub backend: Backend,
    /// The SQLite file for tokens; `None` keeps them in memory.
    pub database: Option<PathBuf>,
    /// The origin users reach the app at (`https://meet.example.com`), when it is not the
    /// loopback address it listens on (a TLS proxy in front). `https` turns on `Secure` and
    /// `__Host-` cookies; plain `http` is accepted only on loopback.
    pub public_url: Option<String>,
}

impl AppConfig {
    /// Settings for tests: a free port, the emulator, tokens in `database` or in memory.
    pub fn emulator(database: Option<PathBuf>) -> Self {
        Self {
            port: 0,
            backend: Backend::Emulator,
            database,
            public_url: None,
        }
    }

    /// The same settings, served to users at `url` (see [`AppConfig::public_url`]).
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Whether users reach the app over https, which decides the cookies' `Secure` attribute and
    /// `__Host-` prefix. No public URL means the loopback address the app listens on (http).
    ///
    /// A public URL on plain http to a non-loopback host is an error: session cookies and CSRF
    /// tokens would cross the network in clear.
    pub fn serves_https(&self) -> Result<bool, Error> {
        let Some(url) = self.public_url.as_deref() else {
            return Ok(false);
        };
        if url.starts_with("https://") {
            return Ok(true);
        }
        let host = url
            .strip_prefix("http://")
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default())
            .map(|authority| match authority.rsplit_once(':') {
                // `[::1]:3000` and `127.0.0.1:3000` lose their port; `[::1]` keeps its brackets.
                Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
                _ => authority,
            });
        match host {
            Some("localhost" | "[::1]") => Ok(false),
            Some(h) if h.starts_with("127.") && h.parse::<std::net::Ipv4Addr>().is_ok() => {
                Ok(false)
            }
            _ => Err(Error::invalid_config(
                PUBLIC_URL_ENV,
                "the public URL must be https (plain http only on loopback)",
            )),
        }
    }

    /// Reads `--port N`, `--emulator`, `--db PATH`, `--public-url URL`, then `PORT`,
    /// `GOOGLE_CLIENT_ID` and `MICROSOFT_CLIENT_ID` (both unset means the emulator),
    /// `MEETSCHEDIFY_SQLITE_PATH` and `WEBAPP_PUBLIC_URL` (unset: the origin of
    /// `GOOGLE_REDIRECT_URI` or else `MICROSOFT_REDIRECT_URI`, if set).
    pub fn from_args_and_env(args: &[String]) -> Result<Self, String> {
        let value = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .map(|i| {
                    args.get(i + 1)
                        .cloned()
                        .ok_or(format!("{flag} needs a value"))
                })
                .transpose()
        };
        let port = match value("--port")?.or_else(|| std::env::var("PORT").ok()) {
            Some(p) => p
                .parse()
                .map_err(|_| format!("port `{p}` is not a number"))?,
            None => 3000,
        };
        let vendor_configured = [GOOGLE_CLIENT_ID_ENV, MICROSOFT_CLIENT_ID_ENV]
            .iter()
            .any(|name| std::env::var_os(name).is_some());
        let backend = if args.iter().any(|a| a == "--emulator") || !vendor_configured {
            Backend::Emulator
        } else {
            Backend::Vendors
        };
        let database = value("--db")?
            .or_else(|| std::env::var("MEETSCHEDIFY_SQLITE_PATH").ok())
            .map(PathBuf::from)
            .or_else(|| (backend == Backend::Vendors).then(|| "webapp-tokens.db".into()));
        // The vendors redirect to the public origin, so a redirect URI names it when nothing
        // else does.
        let public_url = value("--public-url")?
            .or_else(|| std::env::var(PUBLIC_URL_ENV).ok())
            .or_else(|| {
                ["GOOGLE_REDIRECT_URI", "MICROSOFT_REDIRECT_URI"]
                    .iter()
                    .find_map(|name| std::env::var(name).ok())
                    .map(|u| origin(&u))
            });
        Ok(Self {
            port,
            backend,
            database,
            public_url,
        })
    }
}

/// `https://host:port` of a URL (everything before the path).
fn origin(url: &str) -> String {
    let path_at = url
        .find("://")
        .and_then(|scheme_end| url[scheme_end + 3..].find('/').map(|i| scheme_end + 3 + i));
    url[..path_at.unwrap_or(url.len())].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_decided_by_the_public_url_and_plain_http_only_on_loopback() {
        let config = |url: &str| AppConfig::emulator(None).with_public_url(url);
        assert!(!AppConfig::emulator(None).serves_https().unwrap());
        assert!(config("https://meet.example.com").serves_https().unwrap());
        for loopback in [
            "http://127.0.0.1:3000",
            "http://localhost:3000/",
            "http://[::1]:8080",
        ] {
            assert!(!config(loopback).serves_https().unwrap(), "{loopback}");
        }
        for remote in [
            "http://meet.example.com",
            "http://127.0.0.1.evil.com",
            "ftp://x",
        ] {
            let err = config(remote).serves_https().unwrap_err();
            assert_eq!(err.field(), Some(PUBLIC_URL_ENV), "{remote}");
        }
    }

    #[test]
    fn the_origin_of_a_redirect_uri_is_its_scheme_and_authority() {
        assert_eq!(
            origin("https://meet.example.com:8443/auth/google/callback"),
            "https://meet.example.com:8443"
        );
        assert_eq!(origin("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
    }
}
