//! Retries never duplicate a meeting: an ambiguous create is re-sent only after the provider has
//! looked for its marker among the host's meetings.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{CreatedMeeting, ErrorCode, RetryConfig};
use meetschedify_emulator::{EmulatorHandle, FaultAction, FaultRule};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::common::{builder, client, emulator, fast_retry, meetings, provider, request, sent};

const CREATE: &str = "/v2/users/*/meetings";

fn status(code: u16) -> FaultAction {
    FaultAction::Status {
        status: code,
        body: format!(r#"{{"code":{code},"message":"gateway trouble"}}"#),
        headers: vec![("content-type".into(), "application/json".into())],
    }
}

/// The emulator holds exactly one meeting, `created` is it, and its create was sent once.
fn assert_one_meeting_sent_once(emu: &EmulatorHandle, created: &CreatedMeeting) {
    let stored = meetings(emu);
    assert_eq!(stored.len(), 1, "exactly one meeting");
    assert_eq!(created.provider_event_id, stored[0]["id"].to_string());
    assert_eq!(
        created.raw, stored[0],
        "the full meeting, read back after the lookup"
    );
    assert_eq!(
        sent(emu, "POST", "/users/me/meetings").len(),
        1,
        "found by the lookup, not sent again"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_not_resent() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    let m = client(provider(&emu))
        .create_meeting(request("Lost answer"))
        .await
        .unwrap();
    assert_one_meeting_sent_once(&emu, &m);
    let lookups = sent(&emu, "GET", "/users/me/meetings");
    assert_eq!(lookups.len(), 1);
    assert!(
        lookups[0].query.contains("type=scheduled"),
        "{}",
        lookups[0].query
    );
    assert!(lookups[0].query.contains("page_size=300"));
}

#[tokio::test]
async fn a_create_zoom_answered_too_late_is_found_not_resent() {
    let emu = emulator().await;
    // Zoom stores the meeting at once but answers after the client's timeout: the usual
    // real-world timeout.
    emu.inject_fault(FaultRule::once(
        "POST",
        CREATE,
        FaultAction::slow_answer(Duration::from_secs(5)),
    ));
    let zoom = builder(&emu)
        // Far below the late answer, far above what a loaded test machine needs for the rest.
        .with_request_timeout(Duration::from_secs(1))
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let m = client(zoom)
        .create_meeting(request("Slow answer"))
        .await
        .unwrap();
    assert_one_meeting_sent_once(&emu, &m);
}

#[tokio::test]
async fn a_create_zoom_finished_after_the_timeout_but_before_the_lookup_is_found() {
    let emu = emulator().await;
    // Zoom is slow to process: the meeting lands 800 ms in, after the client gave up at
    // 300 ms but before the guard looks, two seconds after that (margins wide for a busy
    // machine running this binary's tests in parallel).
    emu.inject_fault(FaultRule::once(
        "POST",
        CREATE,
        FaultAction::slow_processing(Duration::from_millis(800)),
    ));
    let zoom = builder(&emu)
        .with_request_timeout(Duration::from_millis(300))
        .with_retry(
            RetryConfig::default()
                .with_initial_delay(Duration::from_secs(2))
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let m = client(zoom)
        .create_meeting(request("Slow processing"))
        .await
        .unwrap();
    assert_one_meeting_sent_once(&emu, &m);
}

#[tokio::test]
async fn a_create_that_did_not_happen_is_sent_again_after_the_lookup() {
    let emu = emulator().await;
    // The connection dies before Zoom processes the request; a 502 and a 504 from a gateway
    // that never forwarded it. The client cannot tell these from a lost answer.
    emu.inject_fault(FaultRule::sequence(
        "POST",
        CREATE,
        vec![
            Some(FaultAction::ResetBefore),
            Some(status(502)),
            Some(status(504)),
        ],
    ));
    let zoom = builder(&emu)
        .with_retry(fast_retry().with_max_attempts(4))
        .build()
        .unwrap();
    client(zoom)
        .create_meeting(request("Retried"))
        .await
        .unwrap();
    assert_eq!(meetings(&emu).len(), 1);
    assert_eq!(sent(&emu, "POST", "/users/me/meetings").len(), 4);
    assert_eq!(
        sent(&emu, "GET", "/users/me/meetings").len(),
        3,
        "a lookup before each resend"
    );
}

#[tokio::test]
async fn a_503_is_resent_without_a_lookup() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, status(503)));
    client(provider(&emu))
        .create_meeting(request("Busy"))
        .await
        .unwrap();
    assert_eq!(meetings(&emu).len(), 1);
    assert!(sent(&emu, "GET", "/users/me/meetings").is_empty());
}

#[tokio::test]
async fn the_last_attempt_is_checked_before_giving_up() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    // No retries at all: the final lookup still finds the meeting.
    let zoom = builder(&emu)
        .with_retry(RetryConfig::none())
        .build()
        .unwrap();
    let m = client(zoom)
        .create_meeting(request("Single shot"))
        .await
        .unwrap();
    assert_eq!(meetings(&emu).len(), 1);
    assert_eq!(m.provider_event_id, meetings(&emu)[0]["id"].to_string());
}

#[tokio::test]
async fn giving_up_says_that_no_meeting_was_made() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::probability(
        Some("POST"),
        CREATE,
        1.0,
        FaultAction::ResetBefore,
    ));
    let err = client(provider(&emu))
        .create_meeting(request("Never"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMaxRetriesExceeded);
    assert!(err.message().ends_with("no meeting was created"), "{err}");
    assert!(meetings(&emu).is_empty());
}

#[tokio::test]
async fn a_lookup_that_fails_is_tried_again() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    emu.inject_fault(FaultRule::once("GET", CREATE, FaultAction::ResetBefore));
    client(provider(&emu))
        .create_meeting(request("Flaky lookup"))
        .await
        .unwrap();
    assert_eq!(meetings(&emu).len(), 1);
    assert_eq!(sent(&emu, "POST", "/users/me/meetings").len(), 1);
    assert_eq!(sent(&emu, "GET", "/users/me/meetings").len(), 2);
}

/// A list answer that is a success but not a page (empty, 204, JSON of another shape) says
/// nothing about the meeting: the guard looks again instead of reading it as "not found" and
/// sending the create a second time.
#[tokio::test]
async fn a_lookup_answer_that_is_not_a_page_is_looked_up_again_not_read_as_not_found() {
    let answers = [
        (200, ""),
        (204, ""),
        (200, "null"),
        (200, "{}"),
        (200, "[]"),
        (200, r#"{"meetings":5}"#),
    ];
    for (code, body) in answers {
        let emu = emulator().await;
        emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
        emu.inject_fault(FaultRule::once(
            "GET",
            CREATE,
            FaultAction::Status {
                status: code,
                body: body.into(),
                headers: vec![("content-type".into(), "application/json".into())],
            },
        ));
        let zoom = builder(&emu)
            .with_retry(fast_retry().with_max_attempts(2))
            .build()
            .unwrap();
        let m = client(zoom)
            .create_meeting(request("Odd list answer"))
            .await
            .unwrap_or_else(|e| panic!("{code} {body:?}: {e}"));
        let stored = meetings(&emu);
        assert_eq!(stored.len(), 1, "{code} {body:?}: exactly one meeting");
        assert_eq!(m.provider_event_id, stored[0]["id"].to_string());
        assert_eq!(
            sent(&emu, "POST", "/users/me/meetings").len(),
            1,
            "{code} {body:?}: not sent twice"
        );
        assert_eq!(
            sent(&emu, "GET", "/users/me/meetings").len(),
            2,
            "{code} {body:?}: the odd answer, then the last lookup"
        );
    }
}

#[tokio::test]
async fn a_lookup_that_never_answers_with_a_page_ends_unknown_not_resent() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    emu.inject_fault(FaultRule::probability(
        Some("GET"),
        CREATE,
        1.0,
        FaultAction::Status {
            status: 200,
            body: "{}".into(),
            headers: vec![("content-type".into(), "application/json".into())],
        },
    ));
    let err = client(provider(&emu))
        .create_meeting(request("Never a page"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMaxRetriesExceeded);
    assert!(!err.is_retryable(), "{err}");
    assert!(
        err.message().contains("the meeting may have been created"),
        "{err}"
    );
    assert_eq!(meetings(&emu).len(), 1);
    assert_eq!(sent(&emu, "POST", "/users/me/meetings").len(), 1);
}

/// With a single attempt, an ambiguous create whose last lookup fails keeps the guard's
/// verdict: not retryable, and saying the meeting may exist.
#[tokio::test]
async fn with_one_attempt_an_unresolved_create_is_not_retryable() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    emu.inject_fault(FaultRule::once("GET", CREATE, FaultAction::ResetBefore));
    let zoom = builder(&emu)
        .with_retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = client(zoom)
        .create_meeting(request("Single shot, no answer"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomNetworkError);
    assert!(
        !err.is_retryable(),
        "re-sending could duplicate the meeting: {err}"
    );
    assert!(
        err.message().contains("the meeting may have been created"),
        "{err}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(meetings(&emu).len(), 1, "the create did take effect");
    assert_eq!(sent(&emu, "POST", "/users/me/meetings").len(), 1);
}

#[tokio::test]
async fn with_one_attempt_an_unresolved_keyed_create_says_repeating_it_is_safe() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    // The keyed create looks before sending (passes), then once more after the lost answer.
    emu.inject_fault(FaultRule::sequence(
        "GET",
        CREATE,
        vec![None, Some(FaultAction::ResetBefore)],
    ));
    let zoom = builder(&emu)
        .with_retry(RetryConfig::none())
        .build()
        .unwrap();
    let client = client(zoom);
    let keyed = || request("Keyed single shot").with_idempotency_key("job-7");
    let err = client.create_meeting(keyed()).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(
        err.message().contains("the meeting may have been created")
            && err.message().contains("same idempotency key is safe"),
        "{err}"
    );
    // Which the repeat bears out: it finds the meeting instead of making another.
    let m = client.create_meeting(keyed()).await.unwrap();
    let stored = meetings(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(m.provider_event_id, stored[0]["id"].to_string());
    assert_eq!(sent(&emu, "POST", "/users/me/meetings").len(), 1);
}

#[tokio::test]
async fn the_lookup_pages_through_the_hosts_meetings() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    for i in 0..301 {
        client
            .create_meeting(request(&format!("Filler {i}")))
            .await
            .unwrap();
    }
    emu.clear_requests();
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    client.create_meeting(request("On page two")).await.unwrap();
    assert_eq!(meetings(&emu).len(), 302);
    let lookups = sent(&emu, "GET", "/users/me/meetings");
    assert_eq!(
        lookups.len(),
        2,
        "the marked meeting is the 302nd: second page"
    );
    assert!(lookups[1].query.contains("next_page_token="));
}

#[tokio::test]
async fn without_the_guard_an_ambiguous_create_is_not_retried() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", CREATE, FaultAction::ResetAfter));
    let zoom = builder(&emu).with_duplicate_guard(false).build().unwrap();
    let err = client(zoom)
        .create_meeting(request("Unguarded"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomNetworkError);
    assert!(
        !err.is_retryable(),
        "re-sending could duplicate the meeting"
    );
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(meetings(&emu).len(), 1, "the first attempt did take effect");
    assert!(!meetings(&emu)[0]["agenda"]
        .as_str()
        .unwrap()
        .contains("[ref ms-"));
}

/// The issue's acceptance test: 500 creates with 20% ambiguous faults give exactly 500 meetings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_creates_with_twenty_percent_ambiguous_faults_make_exactly_five_hundred_meetings(
) {
    let emu = emulator().await;
    // Rules are tried in order and the first that fires wins, so each probability is of the
    // requests the earlier rules let through: 10% + 4% + 2% + 2% + 2% = 20% of all creates.
    let faults = [
        (0.10, FaultAction::ResetAfter),
        (0.04 / 0.90, FaultAction::ResetBefore),
        (0.02 / 0.86, status(502)),
        (0.02 / 0.84, status(504)),
        (
            0.02 / 0.82,
            FaultAction::latency(Duration::from_millis(1500)),
        ),
    ];
    for (p, action) in faults {
        emu.inject_fault(FaultRule::probability(Some("POST"), CREATE, p, action));
    }
    // Some lookups fail too.
    emu.inject_fault(FaultRule::probability(
        Some("GET"),
        CREATE,
        0.05,
        FaultAction::ResetBefore,
    ));
    let zoom = builder(&emu)
        .with_request_timeout(Duration::from_secs(1))
        .with_retry(fast_retry().with_max_attempts(6))
        .build()
        .unwrap();
    let client = client(zoom);
    // Fifty in flight at a time, as a worker pool would send them: enough to interleave
    // lookups with other creates, few enough that only the injected latency causes timeouts.
    let pool = Arc::new(Semaphore::new(50));
    let mut tasks = JoinSet::new();
    for i in 0..500 {
        let client = client.clone();
        let pool = pool.clone();
        let req = request(&format!("Interview {i}"));
        tasks.spawn(async move {
            let _slot = pool.acquire().await.unwrap();
            client.create_meeting(req).await
        });
    }
    let mut ids = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        let meeting = done.unwrap().expect("every create succeeds");
        assert!(
            ids.insert(meeting.provider_event_id),
            "no two creates share a meeting"
        );
    }
    let stored: BTreeSet<String> = meetings(&emu).iter().map(|m| m["id"].to_string()).collect();
    assert_eq!(stored.len(), 500, "exactly 500 meetings");
    assert_eq!(stored, ids, "every meeting is one a caller got back");

    let posts = sent(&emu, "POST", "/users/me/meetings");
    let lost_answers = posts.iter().filter(|r| r.status.is_none()).count();
    let gateway = posts
        .iter()
        .filter(|r| matches!(r.status, Some(502 | 504)))
        .count();
    let ambiguous = lost_answers + gateway;
    assert!(
        (50..=250).contains(&ambiguous),
        "about 20% of creates should have been ambiguous (more if the machine is slow enough to \
         time out): {ambiguous} of {}",
        posts.len()
    );
    let found_by_lookup = 500 - posts.iter().filter(|r| r.status == Some(201)).count();
    let lookups = sent(&emu, "GET", "/users/me/meetings").len();
    eprintln!(
        "500 creates: {} POSTs, {lost_answers} lost or timed out, {gateway} 502/504, \
         {found_by_lookup} found by lookup, {lookups} list calls",
        posts.len()
    );
    assert!(
        found_by_lookup >= 25,
        "many meetings were found, not re-sent: {found_by_lookup}"
    );
    assert_eq!(emu.zoom_token_requests(), 1);
}
