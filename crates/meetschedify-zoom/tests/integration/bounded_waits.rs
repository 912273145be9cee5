//! A `Retry-After` meant to hold a call for a day, shown to fail (docs/security.md, threat
//! model): the wait is over `RetryConfig::max_retry_after`, so the error returns at once.

use std::time::{Duration, Instant, SystemTime};

use meetschedify_emulator::FaultRule;

use crate::common::{builder, client, emulator, fast_retry, meetings, request, sent, status_with};

#[tokio::test]
async fn a_hostile_retry_after_is_returned_at_once_not_slept_on() {
    let a_day_ahead = httpdate_in(Duration::from_secs(86_400));
    for (status, after) in [(503, "86400"), (429, "86400"), (503, a_day_ahead.as_str())] {
        let emu = emulator().await;
        emu.inject_fault(FaultRule::once(
            "POST",
            "/v2/users/*/meetings",
            status_with(
                status,
                r#"{"code":0,"message":"come back tomorrow"}"#.to_owned(),
                &[("content-type", "application/json"), ("retry-after", after)],
            ),
        ));
        // No deadline: only the `max_retry_after` cap can stop the sleep.
        let zoom = builder(&emu)
            .with_retry(fast_retry().without_deadline())
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client(zoom).create_meeting(request("x")).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{status} {after}"
        );
        assert_eq!(err.http_status(), Some(status), "{status} {after}: {err}");
        assert_eq!(err.attempts(), Some(1), "{status} {after}: {err}");
        let retry_after = err.retry_after().expect("retry_after is kept");
        assert!(
            retry_after > Duration::from_secs(86_000) && retry_after <= Duration::from_secs(86_400),
            "{status} {after}: {retry_after:?}"
        );
        assert_eq!(sent(&emu, "POST", "/users/me/meetings").len(), 1);
        assert!(meetings(&emu).is_empty());
    }
}

fn httpdate_in(ahead: Duration) -> String {
    let at = meetschedify_core::jiff::Timestamp::try_from(SystemTime::now() + ahead).unwrap();
    at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
