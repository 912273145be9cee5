//! Graph URL paths with caller-given parts (the organizer, an event id) made safe.
//!
//! Event ids are opaque base64-like text that may hold `/`, `+` and `=`; a `/` left as is
//! would address another resource. Every byte outside RFC 3986's unreserved set (and `@`,
//! common in user principal names and allowed in a path segment) is percent-encoded.

use meetschedify_core::{Error, Result};

/// The longest event id accepted. Exchange ids are about 150 characters; the bound keeps a
/// caller's mistake (or abuse) from becoming a huge request line.
const MAX_EVENT_ID_CHARS: usize = 512;

/// `segment` percent-encoded for use as one path segment.
pub(crate) fn segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Checks a caller-given event id before it goes into a path: not empty, not absurdly long,
/// no control characters.
pub(crate) fn check_event_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if id.is_empty() || id.chars().count() > MAX_EVENT_ID_CHARS || id.chars().any(char::is_control)
    {
        return Err(Error::invalid_request(
            "meeting_id",
            format!("a Teams meeting id is 1 to {MAX_EVENT_ID_CHARS} printable characters"),
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use meetschedify_core::ErrorCode;

    use super::*;

    #[test]
    fn ids_cannot_escape_their_segment() {
        assert_eq!(segment("AAMk/AD+A=="), "AAMk%2FAD%2BA%3D%3D");
        assert_eq!(segment("adele@contoso.example"), "adele@contoso.example");
        assert_eq!(segment("../x?y#z"), "..%2Fx%3Fy%23z");
        assert_eq!(segment("ü"), "%C3%BC");
    }

    #[test]
    fn bad_ids_are_refused_before_any_call() {
        for bad in ["", "  ", "a\nb", &"x".repeat(513)] {
            let err = check_event_id(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidRequest);
            assert_eq!(err.field(), Some("meeting_id"));
        }
        assert_eq!(check_event_id(" AAMk= ").unwrap(), "AAMk=");
    }
}
