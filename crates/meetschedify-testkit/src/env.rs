//! Service URLs for tests that need a real PostgreSQL or Redis.

/// The URL in `var` (e.g. `MEETSCHEDIFY_TEST_POSTGRES_URL`), or `None` after printing that the
/// test is skipped. With `MEETSCHEDIFY_REQUIRE_SERVICES=1` a missing URL panics instead, so CI
/// cannot pass by skipping.
#[track_caller]
pub fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let required = std::env::var("MEETSCHEDIFY_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{var} is not set but MEETSCHEDIFY_REQUIRE_SERVICES=1 requires the service"
            );
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}
