//! Retrying a provider call with exponential backoff that honours `Retry-After`.
//!
//! Providers wrap each HTTP call in [`with_retry`]; custom providers can do the same. The policy
//! is a [`RetryConfig`]: how many attempts, how the delay grows, whether it is jittered, the
//! longest `Retry-After` it will sleep on, and an overall deadline (60 s unless changed). What is worth retrying is decided by the error itself
//! ([`Error::is_retryable`]), so the provider that understands the failure makes the call.
//!
//! ```
//! use std::time::Duration;
//! use meetschedify_core::{with_retry, Error, ErrorCode, RetryConfig};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let config = RetryConfig::default()
//!     .with_initial_delay(Duration::from_millis(1))
//!     .with_jitter(false);
//! let value = with_retry(&config, |attempt| async move {
//!     if attempt < 2 {
//!         Err(Error::new(ErrorCode::NetworkError, "connection reset"))
//!     } else {
//!         Ok(attempt)
//!     }
//! })
//! .await
//! .unwrap();
//! assert_eq!(value, 2);
//! # });
//! ```

use std::future::Future;
use std::time::{Duration, SystemTime};

use rand::Rng;
use tokio::time::Instant;

use crate::error::{Error, Result};

/// How a failed call is retried.
///
/// The defaults (3 attempts, 500 ms doubling up to 8 s, jittered, `Retry-After` honoured up to
/// 60 s, a 60 s deadline) keep an interactive request under about two seconds of waiting in the
/// common case, while still riding out a brief rate limit or a dropped connection, and never let
/// a provider's answer hold a call for longer than a minute.
///
/// ```
/// use std::time::Duration;
/// use meetschedify_core::RetryConfig;
///
/// let config = RetryConfig::default()
///     .with_max_attempts(5)
///     .with_deadline(Duration::from_secs(30));
/// config.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// How many times the call is made in total, the first attempt included (at least 1).
    pub max_attempts: u32,
    /// The wait before the first retry.
    pub initial_delay: Duration,
    /// The longest computed backoff; a longer `Retry-After` from the provider still wins.
    pub max_delay: Duration,
    /// How much the delay grows after each retry (at least 1.0).
    pub factor: f64,
    /// Whether each delay is randomised within `[d/2, d]` so that many clients that failed
    /// together do not retry in lockstep.
    pub jitter: bool,
    /// The longest `Retry-After` that is slept on. A longer one (Zoom's daily limit asks to come
    /// back at 00:00 UTC, a hostile or broken server may ask for a day) ends the call at once
    /// with the error, which still carries [`Error::retry_after`] so the application can
    /// schedule the work for later instead of holding a request or a worker for that long.
    pub max_retry_after: Duration,
    /// An overall bound on the time spent, measured from the first attempt: a retry whose wait
    /// would end after it is not made. `None` (see [`RetryConfig::without_deadline`]) leaves only
    /// `max_attempts` and the per-request timeouts as bounds.
    pub deadline: Option<Duration>,
}

/// The default [`RetryConfig::max_retry_after`].
///
/// A minute covers every per-second or per-minute rate limit the vendors document (Zoom's
/// per-second 429 asks for a second or two; Google's `rateLimitExceeded` for a few seconds) and
/// what a load balancer's `503` usually asks for, while anything longer (Zoom's daily limit,
/// Google's daily quota, a maintenance window) is better rescheduled by the application than
/// slept on inside one call.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The default [`RetryConfig::deadline`].
///
/// One minute is longer than a retry run of the default policy normally takes (about two
/// seconds of backoff plus three requests under their own timeouts) yet short enough that a web
/// request or a queue worker is never held indefinitely by a slow or hostile provider.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            factor: 2.0,
            jitter: true,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            deadline: Some(DEFAULT_DEADLINE),
        }
    }
}

impl RetryConfig {
    /// A policy that makes one attempt and never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets how many attempts are made in total.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the wait before the first retry.
    pub fn with_initial_delay(mut self, initial_delay: Duration) -> Self {
        self.initial_delay = initial_delay;
        self
    }

    /// Sets the cap on the computed backoff.
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets how much the delay grows after each retry.
    pub fn with_factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// Turns jitter on or off (off makes delays exact, which tests and debugging like).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the longest `Retry-After` that is slept on; a longer one returns the error at once.
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// Sets the overall deadline, measured from the first attempt.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Removes the overall deadline (the default is [`DEFAULT_DEADLINE`]); calls are then bounded
    /// only by `max_attempts`, the waits between them and each request's own timeout.
    pub fn without_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// Checks the settings; an `INVALID_CONFIG` error names the field at fault.
    pub fn validate(&self) -> Result<()> {
        if self.max_attempts == 0 {
            return Err(Error::invalid_config(
                "max_attempts",
                "max_attempts must be at least 1",
            ));
        }
        if !self.factor.is_finite() || self.factor < 1.0 {
            return Err(Error::invalid_config(
                "factor",
                "factor must be a finite number of at least 1.0",
            ));
        }
        if self.initial_delay > self.max_delay {
            return Err(Error::invalid_config(
                "initial_delay",
                "initial_delay must not be greater than max_delay",
            ));
        }
        Ok(())
    }

    /// The wait before retry number `retry_number` (1 for the first retry).
    ///
    /// The delay is `initial_delay * factor^(retry_number - 1)`, capped at `max_delay`. With
    /// jitter it is drawn uniformly from `[d/2, d]` ("equal jitter"): that spreads clients out
    /// yet never collapses to zero, which would hammer a provider that just asked us to slow
    /// down. A retry number of 0 is treated as 1.
    pub fn backoff(&self, retry_number: u32) -> Duration {
        let delay = self.capped_exponential(retry_number);
        if self.jitter {
            rand::thread_rng().gen_range(delay / 2..=delay)
        } else {
            delay
        }
    }

    /// The un-jittered delay, saturating at `max_delay` instead of overflowing.
    fn capped_exponential(&self, retry_number: u32) -> Duration {
        let exponent = i32::try_from(retry_number.saturating_sub(1)).unwrap_or(i32::MAX);
        let seconds = self.initial_delay.as_secs_f64() * self.factor.powi(exponent);
        // An overflowing or NaN product (only possible with a config that fails `validate`)
        // falls back to the cap rather than panicking inside a retry loop.
        Duration::try_from_secs_f64(seconds).map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// How long to wait before the next attempt, or `None` to give up with `error`.
    fn next_delay(&self, error: &Error, attempt: u32, elapsed: Duration) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return None;
        }
        let retry_after = error.retry_after().unwrap_or_default();
        // A wait longer than the cap is not slept on: the error goes back with its `retry_after`
        // so the caller can schedule, rather than one answer holding the call for hours.
        if retry_after > self.max_retry_after {
            return None;
        }
        // The provider's Retry-After is a floor, even above `max_delay`: retrying sooner only
        // earns another rate-limit answer.
        let delay = self.backoff(attempt).max(retry_after);
        match self.deadline {
            Some(deadline) if elapsed.saturating_add(delay) > deadline => None,
            _ => Some(delay),
        }
    }
}

/// Runs `op` until it succeeds, fails with a non-retryable error, or the policy gives up.
///
/// `op` receives the attempt number, starting at 1. After a retryable error it waits for the
/// longer of [`RetryConfig::backoff`] and the error's [`Error::retry_after`]; if the
/// `Retry-After` is longer than [`RetryConfig::max_retry_after`], or the wait would end after
/// the configured deadline, it gives up at once instead of sleeping (the error keeps its
/// `retry_after`). Whatever error is
/// finally returned records how many attempts were made ([`Error::attempts`]). A config that
/// fails [`RetryConfig::validate`] returns that error without calling `op`.
///
/// This function does not time out a single attempt: that is the HTTP client's job, and its
/// timeout should become a retryable error. Only mark an error retryable when repeating the call
/// cannot create a duplicate (for example, a `POST` that creates a meeting and whose answer was
/// lost must not be retried blindly).
///
/// Each retry is logged at `WARN` with the attempt that failed, the delay and the error code.
pub async fn with_retry<T, F, Fut>(config: &RetryConfig, mut op: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    config.validate()?;
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let error = match op(attempt).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let Some(delay) = config.next_delay(&error, attempt, started.elapsed()) else {
            return Err(error.with_attempts(attempt));
        };
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        tracing::warn!(
            attempt,
            delay_ms,
            code = %error.code(),
            error = %error,
            "retrying after a retryable error"
        );
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

/// Parses an HTTP `Retry-After` value: delta-seconds (`"120"`) or an HTTP date.
///
/// A date in the past gives [`Duration::ZERO`]; anything else (negative numbers, words, empty
/// text) gives `None`. `now` is passed in so callers and tests control the clock.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use meetschedify_core::parse_retry_after;
///
/// assert_eq!(parse_retry_after("120", SystemTime::now()), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("soon", SystemTime::now()), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    // Digits only: `u64::from_str` alone would also accept a leading `+`.
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::ErrorCode;

    fn retryable() -> Error {
        Error::new(ErrorCode::NetworkError, "connection reset")
    }

    fn exact() -> RetryConfig {
        RetryConfig::default().with_jitter(false)
    }

    #[test]
    fn defaults_match_the_documentation() {
        let c = RetryConfig::default();
        assert_eq!(c.max_attempts, 3);
        assert_eq!(c.initial_delay, Duration::from_millis(500));
        assert_eq!(c.max_delay, Duration::from_secs(8));
        assert!((c.factor - 2.0).abs() < f64::EPSILON);
        assert!(c.jitter);
        assert_eq!(c.max_retry_after, Duration::from_secs(60));
        assert_eq!(c.deadline, Some(Duration::from_secs(60)));
        c.validate().unwrap();
        assert_eq!(c.without_deadline().deadline, None);
        assert_eq!(RetryConfig::none().max_attempts, 1);
    }

    #[test]
    fn setters_set_their_field() {
        let c = RetryConfig::default()
            .with_max_attempts(7)
            .with_initial_delay(Duration::from_millis(10))
            .with_max_delay(Duration::from_secs(1))
            .with_factor(3.0)
            .with_jitter(false)
            .with_max_retry_after(Duration::from_secs(9))
            .with_deadline(Duration::from_secs(20));
        assert_eq!(c.max_attempts, 7);
        assert_eq!(c.initial_delay, Duration::from_millis(10));
        assert_eq!(c.max_delay, Duration::from_secs(1));
        assert!((c.factor - 3.0).abs() < f64::EPSILON);
        assert!(!c.jitter);
        assert_eq!(c.max_retry_after, Duration::from_secs(9));
        assert_eq!(c.deadline, Some(Duration::from_secs(20)));
    }

    #[test]
    fn validate_names_the_field_at_fault() {
        let cases = [
            (RetryConfig::default().with_max_attempts(0), "max_attempts"),
            (RetryConfig::default().with_factor(0.5), "factor"),
            (RetryConfig::default().with_factor(f64::NAN), "factor"),
            (RetryConfig::default().with_factor(f64::INFINITY), "factor"),
            (
                RetryConfig::default()
                    .with_initial_delay(Duration::from_secs(10))
                    .with_max_delay(Duration::from_secs(1)),
                "initial_delay",
            ),
        ];
        for (config, field) in cases {
            let err = config.validate().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{field}");
            assert_eq!(err.field(), Some(field));
            assert!(err.message().contains(field), "{}", err.message());
        }
        RetryConfig::default().with_factor(1.0).validate().unwrap();
    }

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let c = exact();
        let ms = |n| c.backoff(n).as_millis();
        assert_eq!(
            [ms(1), ms(2), ms(3), ms(4), ms(5)],
            [500, 1000, 2000, 4000, 8000]
        );
        assert_eq!(c.backoff(6), Duration::from_secs(8));
        assert_eq!(c.backoff(u32::MAX), Duration::from_secs(8));
        assert_eq!(c.backoff(0), c.backoff(1));
        let flat = exact().with_factor(1.0);
        assert_eq!(flat.backoff(10), Duration::from_millis(500));
    }

    #[test]
    fn jitter_stays_within_half_to_full_delay_and_varies() {
        let c = RetryConfig::default();
        let full = Duration::from_secs(1);
        let samples: Vec<Duration> = (0..1000).map(|_| c.backoff(2)).collect();
        for d in &samples {
            assert!(*d >= full / 2 && *d <= full, "{d:?} outside [500ms, 1s]");
        }
        let first = samples[0];
        assert!(
            samples.iter().any(|d| *d != first),
            "jitter produced a constant delay"
        );
        // The draw covers the range rather than hugging one end.
        assert!(samples.iter().any(|d| *d < Duration::from_millis(600)));
        assert!(samples.iter().any(|d| *d > Duration::from_millis(900)));
        let capped = c.backoff(30);
        assert!(capped >= Duration::from_secs(4) && capped <= Duration::from_secs(8));
    }

    #[tokio::test(start_paused = true)]
    async fn succeeds_after_two_retryable_failures_with_the_exact_backoff() {
        let start = Instant::now();
        let seen = Cell::new(Vec::new());
        let value = with_retry(&exact(), |attempt| {
            let mut v = seen.take();
            v.push(attempt);
            seen.set(v);
            async move {
                if attempt < 3 {
                    Err(retryable())
                } else {
                    Ok("done")
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(value, "done");
        assert_eq!(seen.take(), vec![1, 2, 3]);
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_attempts_and_records_them() {
        let start = Instant::now();
        let calls = Cell::new(0);
        let err = with_retry(&exact().with_max_attempts(4), |_| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(retryable()) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 4);
        assert_eq!(err.attempts(), Some(4));
        assert_eq!(err.code(), ErrorCode::NetworkError);
        assert_eq!(start.elapsed(), Duration::from_millis(500 + 1000 + 2000));
    }

    #[tokio::test(start_paused = true)]
    async fn non_retryable_error_is_returned_at_once() {
        let start = Instant::now();
        let calls = Cell::new(0);
        let err = with_retry(&exact(), |_| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(Error::invalid_request("title", "title is required")) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 1);
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_flag_on_the_error_overrides_its_code() {
        let calls = Cell::new(0);
        let err = with_retry(&exact(), |_| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(retryable().with_retryable(false)) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 1);
        assert_eq!(err.attempts(), Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn none_policy_makes_one_attempt() {
        let calls = Cell::new(0);
        let err = with_retry(&RetryConfig::none(), |_| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(retryable()) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 1);
        assert_eq!(err.attempts(), Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_longer_than_backoff_is_honoured_beyond_max_delay() {
        let start = Instant::now();
        let config = exact().with_max_delay(Duration::from_secs(1));
        let value = with_retry(&config, |attempt| async move {
            if attempt == 1 {
                Err(Error::new(ErrorCode::ZoomRateLimit, "too many requests")
                    .with_retry_after(Some(Duration::from_secs(5))))
            } else {
                Ok(attempt)
            }
        })
        .await
        .unwrap();
        assert_eq!(value, 2);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_shorter_than_backoff_does_not_shorten_it() {
        let start = Instant::now();
        with_retry(&exact(), |attempt| async move {
            if attempt == 1 {
                Err(retryable().with_retry_after(Some(Duration::from_millis(10))))
            } else {
                Ok(())
            }
        })
        .await
        .unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_beyond_the_deadline_stops_without_sleeping() {
        let start = Instant::now();
        let calls = Cell::new(0);
        let config = exact().with_deadline(Duration::from_secs(2));
        let err = with_retry(&config, |_| {
            calls.set(calls.get() + 1);
            async {
                Err::<(), _>(
                    Error::new(ErrorCode::GoogleRateLimit, "rate limited")
                        .with_retry_after(Some(Duration::from_secs(5))),
                )
            }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 1);
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    /// The attack: a server answers `503` with `Retry-After: 86400` to hold the call for a day.
    #[tokio::test(start_paused = true)]
    async fn hostile_retry_after_beyond_the_cap_returns_at_once() {
        let start = Instant::now();
        let calls = Cell::new(0);
        // No deadline, so only the cap can stop the sleep.
        let config = exact().without_deadline();
        let err = with_retry(&config, |_| {
            calls.set(calls.get() + 1);
            async {
                Err::<(), _>(
                    Error::new(ErrorCode::ProviderError, "503 from the api")
                        .with_retryable(true)
                        .with_retry_after(Some(Duration::from_secs(86_400))),
                )
            }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 1);
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(86_400)));
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_at_the_cap_is_still_honoured() {
        let start = Instant::now();
        let config = exact()
            .without_deadline()
            .with_max_retry_after(Duration::from_secs(30));
        let value = with_retry(&config, |attempt| async move {
            if attempt == 1 {
                Err(retryable().with_retry_after(Some(Duration::from_secs(30))))
            } else {
                Ok(attempt)
            }
        })
        .await
        .unwrap();
        assert_eq!(value, 2);
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn default_deadline_bounds_a_run_of_long_retry_afters() {
        let start = Instant::now();
        let calls = Cell::new(0);
        // 50 s waits are under the 60 s cap, but a second one would pass the 60 s deadline.
        let config = exact().with_max_attempts(10);
        let err = with_retry(&config, |_| {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(retryable().with_retry_after(Some(Duration::from_secs(50)))) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 2);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(50)));
        assert_eq!(start.elapsed(), Duration::from_secs(50));
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_counts_time_spent_in_attempts() {
        let start = Instant::now();
        let calls = Cell::new(0);
        // Each attempt takes 1 s; after the first (1 s) plus 500 ms of backoff the second
        // attempt ends at 2.5 s, and a further 1 s wait would pass the 3 s deadline.
        let config = exact()
            .with_max_attempts(10)
            .with_deadline(Duration::from_secs(3));
        let err = with_retry(&config, |_| {
            calls.set(calls.get() + 1);
            async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err::<(), _>(retryable())
            }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 2);
        assert_eq!(err.attempts(), Some(2));
        assert_eq!(start.elapsed(), Duration::from_millis(2500));
    }

    #[tokio::test(start_paused = true)]
    async fn invalid_config_is_reported_without_calling_op() {
        let calls = Cell::new(0);
        let err = with_retry(&RetryConfig::default().with_max_attempts(0), |_| {
            calls.set(calls.get() + 1);
            async { Ok(()) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls.get(), 0);
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some("max_attempts"));
    }

    #[test]
    fn retry_future_is_send_when_the_operation_is() {
        // Providers spawn and box these futures; a non-`Send` value held across the sleep (such
        // as a thread-local RNG) would break them at compile time, here rather than downstream.
        fn assert_send<T: Send>(_: &T) {}
        let config = RetryConfig::default();
        let future = with_retry(&config, |_| async { Err::<(), _>(retryable()) });
        assert_send(&future);
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn parse_retry_after_reads_delta_seconds() {
        let now = at(1_700_000_000);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
    }

    #[test]
    fn parse_retry_after_reads_http_dates() {
        let now = at(1_700_000_000);
        let ahead = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&ahead, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", at(1_700_000_000)),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn parse_retry_after_rejects_anything_else() {
        let now = at(1_700_000_000);
        for bad in [
            "soon",
            "-5",
            "+5",
            "",
            "   ",
            "1.5",
            "12abc",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }
}
