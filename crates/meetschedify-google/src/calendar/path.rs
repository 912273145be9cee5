//! Ids placed in URL paths, made safe.
//!
//! The generated bindings put `calendarId` and `eventId` into the path verbatim (no escaping),
//! and the URL parser then resolves `..` segments. An id such as `x/../../calendarList` would
//! send the tenant's token to another endpoint, and a calendar id with `#` (Google's holiday
//! calendars have one) would cut the path short. So every id is percent-encoded here, before it
//! reaches the bindings, and the dot-segments `.` and `..` are refused outright.

use meetschedify_core::{Error, Result};

/// `id` as one percent-encoded path segment; `.` and `..` are an `INVALID_REQUEST` on `field`.
pub(crate) fn segment(id: &str, field: &str) -> Result<String> {
    if id.is_empty() || id == "." || id == ".." {
        return Err(Error::invalid_request(
            field,
            format!("`{id}` is not a valid google calendar id"),
        ));
    }
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        // RFC 3986 unreserved characters, plus `@` (calendar ids are email addresses), which
        // is allowed in a path segment and which Google's own clients leave as is.
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_encoded_into_one_segment() {
        assert_eq!(segment("primary", "f").unwrap(), "primary");
        assert_eq!(
            segment("team@group.calendar.google.com", "f").unwrap(),
            "team@group.calendar.google.com"
        );
        assert_eq!(
            segment("en.usa#holiday@group.v.calendar.google.com", "f").unwrap(),
            "en.usa%23holiday@group.v.calendar.google.com"
        );
        assert_eq!(
            segment("x/../../calendarList", "f").unwrap(),
            "x%2F..%2F..%2FcalendarList"
        );
        assert_eq!(segment("a?b c", "f").unwrap(), "a%3Fb%20c");
        assert_eq!(segment("ü", "f").unwrap(), "%C3%BC");
        for bad in ["", ".", ".."] {
            assert_eq!(
                segment(bad, "meeting_id").unwrap_err().field(),
                Some("meeting_id")
            );
        }
    }
}
