//! A one-shot local HTTP listener for OAuth redirects (`connect`, `google-token`).
//!
//! Google sends the browser to the redirect URI with `code` and `state` (or `error`) in the
//! query. For a terminal flow the redirect URI is `http://localhost:PORT/...`: we listen on that
//! port for exactly one matching request, answer with a short page, and hand back the query.

use std::sync::Arc;
use std::time::Duration;

use meetschedify::{Error, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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

/// How long one connection may take to send its request line before it is dropped.
///
/// A browser sends the redirect at once; 10 s is generous for a slow machine yet means a
/// connection that sends nothing (a port scanner, a pre-connecting browser, an attacker on
/// the machine) is soon closed.
pub const CONNECTION_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits (up to `timeout`) for the redirect to `path` and returns its code and state.
///
/// Each connection is served in its own task with [`CONNECTION_READ_TIMEOUT`], so a connection
/// that stays idle neither blocks the real redirect nor lives on: the browser's request is
/// answered while the idle one waits to be dropped.
pub async fn receive(
    listener: &TcpListener,
    path: &str,
    timeout: Duration,
) -> Result<Redirect, Error> {
    receive_with(listener, path, timeout, CONNECTION_READ_TIMEOUT).await
}

/// [`receive`] with the per-connection read timeout as a parameter (tests shorten it).
async fn receive_with(
    listener: &TcpListener,
    path: &str,
    timeout: Duration,
    read_timeout: Duration,
) -> Result<Redirect, Error> {
    // Dropped on return, which aborts whatever connections are still being read.
    let mut connections = tokio::task::JoinSet::new();
    let path: Arc<str> = Arc::from(path);
    tokio::time::timeout(timeout, async {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = accepted.map_err(|e| {
                        Error::new(ErrorCode::NetworkError, format!("callback listener failed: {e}"))
                    })?;
                    connections.spawn(serve(stream, Arc::clone(&path), read_timeout));
                }
                Some(served) = connections.join_next(), if !connections.is_empty() => {
                    if let Ok(Some(result)) = served {
                        return result;
                    }
                }
            }
        }
    })
    .await
    .map_err(|_| Error::new(ErrorCode::OAuthStateInvalid, "no authorization arrived in time").with_field("code"))?
}

/// Serves one connection: `None` if it was not the redirect (another path, nothing sent within
/// `read_timeout`, a connection closed early), else what the redirect carried.
async fn serve(
    mut stream: TcpStream,
    path: Arc<str>,
    read_timeout: Duration,
) -> Option<Result<Redirect, Error>> {
    let head = tokio::time::timeout(read_timeout, read_request_line(&mut stream))
        .await
        .ok()?;
    let target = head.split_whitespace().nth(1).unwrap_or("");
    let (req_path, query) = target.split_once('?').unwrap_or((target, ""));
    if req_path != &*path {
        // Browsers also ask for /favicon.ico and the like: ignore anything else.
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await;
        return None;
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
    Some(result)
}

/// Reads until the request line is complete (or 8 KiB, or the peer stops) and returns it.
async fn read_request_line(stream: &mut TcpStream) -> String {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while buf.len() < 8192 && !buf.contains(&b'\n') {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
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

    /// The attack: one idle TCP connection to the listener (nothing sent) used to block the
    /// flow, since the listener waited on it without a timeout. Now the browser's redirect,
    /// arriving after it, is served at once, and the idle connection is closed later.
    #[tokio::test]
    async fn an_idle_connection_neither_blocks_the_redirect_nor_stays_open() {
        let listener = bind("127.0.0.1", 0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = tokio::spawn(async move {
            let idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            // Make sure the idle connection is accepted before the real one.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            s.write_all(b"GET /cb?code=c2&state=s2 HTTP/1.1\r\nhost: x\r\n\r\n")
                .await
                .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            idle
        });
        let r = receive_with(
            &listener,
            "/cb",
            Duration::from_secs(10),
            Duration::from_millis(300),
        )
        .await
        .unwrap();
        assert_eq!((r.code.as_str(), r.state.as_str()), ("c2", "s2"));
        let mut idle = client.await.unwrap();
        // The idle connection is closed (its task aborted once the flow ended, or timed out).
        let mut byte = [0u8; 1];
        let closed = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut byte))
            .await
            .expect("the idle connection was closed");
        assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
    }

    #[tokio::test]
    async fn an_idle_connection_is_dropped_after_the_read_timeout() {
        let listener = bind("127.0.0.1", 0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let flow = tokio::spawn(async move {
            receive_with(
                &listener,
                "/cb",
                Duration::from_secs(10),
                Duration::from_millis(200),
            )
            .await
        });
        let mut idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let mut byte = [0u8; 1];
        let closed = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut byte))
            .await
            .expect("the idle connection was closed");
        assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
        assert!(started.elapsed() >= Duration::from_millis(150));
        // The flow still waits for the real redirect.
        assert!(!flow.is_finished());
        flow.abort();
    }
}
