//! The request log: what clients sent, with secrets redacted, for tests that assert on the wire.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Replaces a secret in the log.
pub(crate) const REDACTED: &str = "[redacted]";

/// Headers whose values are always redacted.
const SECRET_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// Form and JSON fields whose values are redacted in bodies and query strings.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "token",
    "password",
    "zak",
];

/// One request as the emulator received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Sequence number, from 1.
    pub seq: u64,
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/v2/users/me/meetings`.
    pub path: String,
    /// Raw query string (secrets redacted), empty when absent.
    pub query: String,
    /// Headers in arrival order (lower-case names) with `Authorization` and cookies redacted.
    pub headers: Vec<(String, String)>,
    /// Body as text (secrets in forms and JSON redacted).
    pub body: String,
    /// Status the emulator answered, `None` when the connection was dropped instead.
    pub status: Option<u16>,
}

impl RecordedRequest {
    /// The value of a header (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A bounded log of requests.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    next_seq: u64,
}

impl RequestLog {
    /// Appends a request and returns its sequence number (to attach the status later).
    pub(crate) fn push(&mut self, mut request: RecordedRequest, capacity: usize) -> u64 {
        self.next_seq += 1;
        request.seq = self.next_seq;
        if capacity == 0 {
            return request.seq;
        }
        while self.entries.len() >= capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(request);
        self.next_seq
    }

    pub(crate) fn set_status(&mut self, seq: u64, status: u16) {
        // Recent entries are at the back; the request being answered is almost always the last one.
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.seq == seq) {
            entry.status = Some(status);
        }
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Redacts secret headers.
pub(crate) fn redact_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
        // Keep the scheme: tests want to see `Basic` vs `Bearer` without the credential.
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} {REDACTED}"),
            None => REDACTED.to_owned(),
        }
    } else {
        value.to_owned()
    }
}

/// Redacts secret fields of a urlencoded string (query or form body).
pub(crate) fn redact_form(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_field(k) => format!("{k}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts secret fields of a body: JSON objects field by field, forms pair by pair.
pub(crate) fn redact_body(content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return redact_form(&text);
    }
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(mut value) if value.is_object() => {
            redact_json(&mut value);
            value.to_string()
        }
        _ => text.into_owned(),
    }
}

fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_field(k) && v.is_string() {
                    *v = serde_json::Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|f| name.eq_ignore_ascii_case(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_everywhere() {
        assert_eq!(
            redact_header("Authorization", "Bearer abc"),
            "Bearer [redacted]"
        );
        assert_eq!(redact_header("accept", "x"), "x");
        assert_eq!(
            redact_form("grant_type=refresh_token&refresh_token=1%2F%2Fx&client_secret=s"),
            "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]"
        );
        let json = redact_body(
            "application/json",
            br#"{"topic":"t","password":"p","settings":{"zak":"z"}}"#,
        );
        assert!(!json.contains("\"p\"") && !json.contains("\"z\""), "{json}");
        assert!(json.contains("\"topic\":\"t\""));
    }

    #[test]
    fn log_is_bounded() {
        let mut log = RequestLog::default();
        for _ in 0..5 {
            let seq = log.push(
                RecordedRequest {
                    seq: 0,
                    method: "GET".into(),
                    path: "/".into(),
                    query: String::new(),
                    headers: vec![],
                    body: String::new(),
                    status: None,
                },
                3,
            );
            log.set_status(seq, 200);
        }
        let all = log.all();
        assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert!(all.iter().all(|r| r.status == Some(200)));
    }
}
