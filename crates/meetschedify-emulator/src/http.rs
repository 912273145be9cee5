//! Small helpers shared by the handlers: JSON answers, forms, queries and credentials.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;

/// A JSON answer with the charset both vendors put in their `Content-Type`.
pub(crate) fn json(status: StatusCode, value: &Value) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// An empty answer (`204 No Content`).
pub(crate) fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Adds a header to a response, skipping values that are not valid header text.
pub(crate) fn with_header(mut response: Response, name: &'static str, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// Parses a urlencoded string into a map (the last value of a repeated key wins).
pub(crate) fn parse_form(text: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(text).into_owned().collect()
}

/// All values of a repeated query key, in order.
pub(crate) fn query_all(query: Option<&str>, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The `Content-Type` header, lower-cased, or empty.
pub(crate) fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `Authorization: Basic` credentials, if present and well formed.
pub(crate) fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `Authorization: Bearer` token, if present.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// UTC timestamp without fractions (Zoom: `2020-03-31T12:02:00Z`).
pub(crate) fn rfc3339_seconds(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// UTC timestamp with milliseconds (Google: `2025-01-15T10:00:00.000Z`).
pub(crate) fn rfc3339_millis(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Basic aWQ6c2VjcmV0"),
        );
        assert_eq!(basic_auth(&headers), Some(("id".into(), "secret".into())));
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer(&headers), Some("abc"));
    }

    #[test]
    fn timestamps_have_vendor_shapes() {
        let ts: jiff::Timestamp = "2025-01-15T10:00:00.123456Z".parse().unwrap();
        assert_eq!(rfc3339_seconds(ts), "2025-01-15T10:00:00Z");
        assert_eq!(rfc3339_millis(ts), "2025-01-15T10:00:00.123Z");
        assert_eq!(
            query_all(Some("a=1&b=2&a=x%3Dy"), "a"),
            vec!["1".to_owned(), "x=y".to_owned()]
        );
    }
}
