//! A one-shot local HTTP listener for OAuth redirects (`connect`, `google-token`).
//!
//! Google sends the browser to the redirect URI with `code` and `state` (or `error`) in the
//! query. For a terminal flow the redirect URI is `http://localhost:PORT/...`: we listen on that
//! port for exactly one matching request, answer with a short page, and hand back the query.

use std::time::Duration;

use meetschedify::{Error, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the redirect carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The authorization code.
    pub code: String,
    /// The state, to be checked by the library.
    pub state: String,
}

/// The host, port and path of a loopback redirect URI, or a config error naming `field`.
pub fn loopback_target(redirect_uri: &str, field: &str) -> Result<(String, u16, String), Error> {
    let bad =
        |why: &str| Error::invalid_config(field, format!("redirect uri `{redirect_uri}` {why}"));
    let rest = redirect_uri
        .strip_prefix("http://")
        .ok_or_else(|| bad("must start with http:// to be received locally"))?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let (host, port) = authority
        .rsplit_once(':')
        .ok_or_else(|| bad("must name a port"))?;
    if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return Err(bad(
            "must point at localhost to be received by this command",
        ));
    }
    let port: u16 = port.parse().map_err(|_| bad("has an invalid port"))?;
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host.trim_matches(['[', ']'])
    };
    Ok((host.to_owned(), port, path))
}

/// Binds the listener first, so the browser can never arrive before we listen.
pub async fn bind(host: &str, port: u16) -> Result<TcpListener, Error> {
    TcpListener::bind((host, port)).await.map_err(|e| {
        Error::invalid_config(
            "redirect_uri",
            format!("cannot listen on {host}:{port}: {e}"),
        )
    })
}

/// Waits (up to `timeout`) for the redirect to `path` and returns its code and state.
pub async fn receive(
    listener: &TcpListener,
    path: &str,
    timeout: Duration,
) -> Result<Redirect, Error> {
    tokio::time::timeout(timeout, async {
        loop {
            let (mut stream, _) = listener.accept().await.map_err(|e| {
                Error::new(ErrorCode::NetworkError, format!("callback listener failed: {e}"))
            })?;
            let mut buf = vec![0u8; 8192];
            let n = stream.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("");
            let (req_path, query) = target.split_once('?').unwrap_or((target, ""));
            if req_path != path {
                // Browsers also ask for /favicon.ico and the like: ignore anything else.
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                continue;
            }
            let result = parse_query(query);
            let body = match &result {
                Ok(_) => "<h2>Connected. You can close this tab and return to the terminal.</h2>",
                Err(_) => "<h2>Authorization failed. See the terminal for details.</h2>",
            };
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            return result;
        }
    })
    .await
    .map_err(|_| Error::new(ErrorCode::OAuthStateInvalid, "no authorization arrived in time").with_field("code"))?
}

/// Reads `code` and `state` (or Google's `error`) from a redirect query string.
pub fn parse_query(query: &str) -> Result<Redirect, Error> {
    let mut code = None;
    let mut state = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "code" => code = Some(value),
            "state" => state = Some(value),
            "error" => {
                return Err(Error::new(
                    ErrorCode::OAuthStateInvalid,
                    format!("authorization was refused: {value}"),
                )
                .with_field("error"))
            }
            _ => {}
        }
    }
    match (code, state) {
        (Some(code), Some(state)) => Ok(Redirect { code, state }),
        _ => Err(Error::invalid_request(
            "code",
            "the redirect carried no code and state",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_are_parsed() {
        assert_eq!(
            loopback_target("http://localhost:5000/oauth2callback", "f").unwrap(),
            ("127.0.0.1".into(), 5000, "/oauth2callback".into())
        );
        assert_eq!(
            loopback_target("http://127.0.0.1:8080", "f").unwrap().2,
            "/"
        );
        for bad in [
            "https://app.example.com/cb",
            "http://example.com:80/cb",
            "http://localhost/cb",
        ] {
            assert_eq!(
                loopback_target(bad, "f").unwrap_err().field(),
                Some("f"),
                "{bad}"
            );
        }
    }

    #[test]
    fn queries_yield_code_and_state_or_the_error() {
        let r = parse_query("state=a%2Fb%3D&code=4%2F0Ab+c&scope=x").unwrap();
        assert_eq!(
            r,
            Redirect {
                code: "4/0Ab c".into(),
                state: "a/b=".into()
            }
        );
        assert_eq!(
            parse_query("error=access_denied").unwrap_err().code(),
            ErrorCode::OAuthStateInvalid
        );
        assert_eq!(
            parse_query("code=x").unwrap_err().code(),
            ErrorCode::InvalidRequest
        );
    }

    #[tokio::test]
    async fn the_listener_takes_the_matching_request() {
        let listener = bind("127.0.0.1", 0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = tokio::spawn(async move {
            for target in ["/favicon.ico", "/cb?code=c1&state=s1"] {
                let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap();
                s.write_all(format!("GET {target} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut answer = String::new();
                s.read_to_string(&mut answer).await.unwrap();
            }
        });
        let r = receive(&listener, "/cb", Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(r.code, "c1");
        client.await.unwrap();
    }
}
