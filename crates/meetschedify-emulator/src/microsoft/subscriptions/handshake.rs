//! The validation handshake Graph performs before creating a subscription (reference
//! `webhooks.md` §3.2): `POST {url}?validationToken=<URL-encoded>` with `text/plain`, answered
//! within 10 seconds by `200 OK` whose body is the decoded token, exactly.

use std::time::Duration;

use axum::body::Body;
use hyper::Request;

use crate::zoom::webhooks::http_client;

/// How long the endpoint has to answer the check.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(10);

/// Percent-encodes everything but RFC 3986 unreserved characters, as Graph sends the token.
fn encode(token: &str) -> String {
    token
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends the check to `url` and compares the answer with `token`; the error says what was
/// wrong (it becomes the create call's 400 message).
pub(crate) async fn validate(url: &str, token: &str) -> Result<(), String> {
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{separator}validationToken={}", encode(token));
    let request = Request::post(target)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Body::empty())
        .map_err(|e| format!("invalid notification url: {e}"))?;
    let response = tokio::time::timeout(VALIDATION_TIMEOUT, http_client().request(request))
        .await
        .map_err(|_| {
            "the endpoint did not answer the validation request within 10 seconds".to_owned()
        })?
        .map_err(|e| format!("the endpoint could not be reached: {e}"))?;
    let status = response.status();
    if status.as_u16() != 200 {
        return Err(format!(
            "the endpoint answered the validation request with {status}"
        ));
    }
    let bytes = axum::body::to_bytes(Body::new(response.into_body()), 64 * 1024)
        .await
        .map_err(|e| format!("unreadable validation answer: {e}"))?;
    if bytes.as_ref() != token.as_bytes() {
        return Err("the validation answer is not the decoded validationToken".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn the_token_is_percent_encoded() {
        assert_eq!(encode("a b:<c>~"), "a%20b%3A%3Cc%3E~");
    }
}
