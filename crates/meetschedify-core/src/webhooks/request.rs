//! [`WebhookRequest`]: what a verifier needs from an HTTP request, independent of any server
//! framework.

use std::fmt;

/// The largest body a verifier accepts by default: 64 KiB.
///
/// Meeting notifications are a few kilobytes (Zoom's largest, `recording.completed`, lists one
/// entry per recording file); the bound stops a caller from making the receiver buffer and hash
/// an arbitrarily large body before the signature check can fail.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// The pseudo-header under which an HTTP endpoint passes the request's raw query string (the
/// part after `?`, still percent-encoded) to a verifier.
///
/// Most vendors put everything in headers and body, but Microsoft Graph's endpoint check
/// arrives as `?validationToken=...`. A name starting with `:` cannot arrive as a real HTTP/1.1
/// header (`:` is not a token character) and HTTP/2 reserves such names for the protocol, so
/// a caller cannot forge it with a header of its own. The facade's axum route sets it.
pub const QUERY_PSEUDO_HEADER: &str = ":query";

/// Request headers, matched without regard to case (HTTP/1.1 names are case-insensitive and
/// HTTP/2 sends them in lower case).
///
/// `Debug` shows the header names only: values may carry credentials (`authorization`,
/// signatures).
#[derive(Clone, Default)]
pub struct WebhookHeaders {
    /// Names lower-cased once on insertion, in arrival order.
    entries: Vec<(String, String)>,
}

impl WebhookHeaders {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header. A repeated name keeps every value; [`get`](Self::get) returns the first.
    pub fn insert(&mut self, name: &str, value: impl Into<String>) {
        self.entries.push((name.to_ascii_lowercase(), value.into()));
    }

    /// Adds a header, builder style.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.insert(name, value);
        self
    }

    /// The first value of `name`, in any case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// How many header values there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for WebhookHeaders {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Self::new();
        for (name, value) in iter {
            headers.insert(name.as_ref(), value);
        }
        headers
    }
}

impl fmt::Debug for WebhookHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|(name, _)| name))
            .finish()
    }
}

/// One incoming notification: its headers and its body exactly as received.
///
/// Verifiers sign-check the raw bytes, never a re-serialised parse of them: a vendor's
/// formatting (spaces, `\u00e9` escapes, big integers) would not survive the round trip and a
/// genuine notification would be refused.
///
/// `Debug` shows header names and the body's length, not its contents.
#[derive(Clone)]
pub struct WebhookRequest {
    headers: WebhookHeaders,
    body: Vec<u8>,
}

impl WebhookRequest {
    /// A request from its headers and raw body.
    pub fn new(headers: WebhookHeaders, body: impl Into<Vec<u8>>) -> Self {
        Self {
            headers,
            body: body.into(),
        }
    }

    /// The headers.
    pub fn headers(&self) -> &WebhookHeaders {
        &self.headers
    }

    /// The body, byte for byte as it arrived.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_any_case_and_debug_shows_names_only() {
        let headers: WebhookHeaders = [
            ("X-Zm-Signature", "v0=abc"),
            ("authorization", "Basic c2VjcmV0"),
        ]
        .into_iter()
        .collect();
        assert_eq!(headers.get("x-zm-signature"), Some("v0=abc"));
        assert_eq!(headers.get("AUTHORIZATION"), Some("Basic c2VjcmV0"));
        assert_eq!(headers.get("x-zm-request-timestamp"), None);
        let request = WebhookRequest::new(headers, b"{\"secret\":1}".to_vec());
        let debug = format!("{request:?}");
        assert_eq!(
            debug,
            r#"WebhookRequest { headers: ["x-zm-signature", "authorization"], body_len: 12 }"#
        );
    }
}
