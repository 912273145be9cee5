//! The emulator's clock: real time plus an offset that tests move forward.
//!
//! Token expiry, Zoom's daily limit and Google's per-minute quota all read this clock, so a test can
//! "wait an hour" in a microsecond with [`crate::EmulatorHandle::advance_clock`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// Wall-clock time as the emulator sees it.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    /// Offset from real time in milliseconds; only ever grows (the API has no way to go back).
    offset_ms: AtomicI64,
}

impl Clock {
    /// The emulator's current time.
    pub(crate) fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        // Saturate rather than panic: a silly offset must not take the server down.
        Timestamp::now()
            .saturating_add(offset)
            .unwrap_or(Timestamp::MAX)
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// How far ahead of real time the clock runs.
    pub(crate) fn offset(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.offset_ms.load(Ordering::Relaxed)).unwrap_or(0))
    }

    /// Back to real time (used by reset).
    pub(crate) fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        let gained = clock.now().duration_since(before);
        assert!(gained >= SignedDuration::from_secs(3600));
        assert_eq!(clock.offset(), Duration::from_secs(3600));
        clock.reset();
        assert_eq!(clock.offset(), Duration::ZERO);
    }
}
