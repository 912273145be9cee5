//! [`UtcDay`]: the day a daily limit counts in.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

const SECONDS_PER_DAY: i64 = 86_400;

/// A UTC calendar day, as days since 1970-01-01. Zoom's per-host limit resets at 00:00 UTC
/// ("You may resume these requests at GMT 00:00:00"), so counts are kept per UTC day, whatever
/// the time zone of the meetings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UtcDay(i64);

impl UtcDay {
    /// The day `at` falls on.
    pub fn of(at: Timestamp) -> Self {
        Self(at.as_second().div_euclid(SECONDS_PER_DAY))
    }

    /// The day with this number (days since 1970-01-01).
    pub const fn from_number(days: i64) -> Self {
        Self(days)
    }

    /// Days since 1970-01-01.
    pub const fn number(self) -> i64 {
        self.0
    }

    /// 00:00 UTC of the next day: when this day's counts reset.
    pub fn next_reset(self) -> Timestamp {
        Timestamp::from_second((self.0 + 1).saturating_mul(SECONDS_PER_DAY))
            .unwrap_or(Timestamp::MAX)
    }
}

impl fmt::Display for UtcDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start = Timestamp::from_second(self.0.saturating_mul(SECONDS_PER_DAY))
            .unwrap_or(Timestamp::MAX);
        write!(f, "{}", start.strftime("%Y-%m-%d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_split_at_midnight_utc() {
        let before: Timestamp = "2026-12-02T23:59:59Z".parse().unwrap();
        let after: Timestamp = "2026-12-03T00:00:00Z".parse().unwrap();
        assert_ne!(UtcDay::of(before), UtcDay::of(after));
        assert_eq!(UtcDay::of(before).next_reset(), after);
        assert_eq!(UtcDay::of(before).to_string(), "2026-12-02");
        let pre_epoch: Timestamp = "1969-12-31T12:00:00Z".parse().unwrap();
        assert_eq!(UtcDay::of(pre_epoch).number(), -1);
    }
}
