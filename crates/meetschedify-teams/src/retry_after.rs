//! `Retry-After` as Graph sends it.
//!
//! Graph's throttling guide documents whole seconds (`Retry-After: 10`), and an earlier version
//! of the same page showed a decimal (`Retry-After: 2.128`), which core's
//! [`parse_retry_after`] (RFC 9110: digits or an HTTP date) does not read. Both are read here,
//! a fraction rounded up so the wait is never shorter than asked.

use std::time::{Duration, SystemTime};

use meetschedify_core::parse_retry_after;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The wait a `Retry-After` header asks for, if it has a readable one.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse(value, SystemTime::now())
}

fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Some((whole, fraction)) = value.split_once('.') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(whole) && digits(fraction) {
            let secs: u64 = whole.parse().ok()?;
            let round_up = fraction.bytes().any(|b| b != b'0');
            return Some(Duration::from_secs(
                secs.saturating_add(u64::from(round_up)),
            ));
        }
        return None;
    }
    parse_retry_after(value, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_decimal_and_date_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse("10", now), Some(Duration::from_secs(10)));
        assert_eq!(parse(" 2.128 ", now), Some(Duration::from_secs(3)));
        assert_eq!(parse("4.000", now), Some(Duration::from_secs(4)));
        assert_eq!(parse("0.5", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse("Sun, 09 Sep 2001 01:48:00 GMT", now),
            Some(Duration::from_secs(80))
        );
        for bad in ["", "-1", "1.", ".5", "1.2.3", "soon", "+3"] {
            assert_eq!(parse(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn reads_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
    }
}
