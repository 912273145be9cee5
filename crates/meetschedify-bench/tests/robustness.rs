//! Robustness where `cargo fuzz` cannot run (it needs nightly Rust): property tests with
//! `proptest` that feed arbitrary and mutated input to request validation, time parsing, OAuth
//! state unsealing, and the Zoom and Google response parsers (through the providers, against
//! the emulator answering arbitrary statuses, headers and bodies, non-JSON included).
//!
//! Each property asserts a typed outcome, never just "did not panic": validation and time
//! parsing return `INVALID_REQUEST` naming a field or a request that really is valid; an
//! unsealed state is `OAUTH_STATE_INVALID` unless it is the sealed one; a provider call ends
//! in a `meetschedify_core::Error` (or a real meeting). The default case counts keep CI to a few
//! seconds; `PROPTEST_CASES=10000` runs more.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::MemoryTokenStore;
use meetschedify_core::{
    CreateMeetingRequest, DstResolution, ErrorCode, MeetingParticipant, MeetingProvider,
    MeetingTime, OAuthStateKey, OAuthStateSealer, ProviderId, RequestLimits, RetryConfig,
    SaveCondition, SessionBinding, TokenKey, TokenRecord, TokenStore, ValidatedCreate,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction, FaultRule};
use meetschedify_google::{CalendarOptions, GoogleEndpoints, GoogleMeetProvider};
use meetschedify_zoom::ZoomProvider;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Value};

/// `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Any text, weighted toward what parsers trip on: empty, whitespace, control and non-ASCII
/// characters, and long runs.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[ -~]{0,40}",
        1 => Just(String::new()),
        1 => "[\\s\\u{0}-\\u{1f}\\u{7f}\\u{200b}\\u{feff}]{0,8}",
        1 => "[a-zA-Z0-9@._+-]{0,12}@[a-zA-Z0-9.-]{0,12}",
        1 => "x{190,260}",
    ]
}

/// Date-time-shaped text: near misses of `YYYY-MM-DDTHH:MM[:SS]` and RFC 3339.
fn time_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}T[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?",
        "20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-4]):[0-5][0-9](:[0-6][0-9])?(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        any::<String>(),
    ]
}

fn timezone() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("UTC".to_owned()),
        Just("America/New_York".to_owned()),
        Just("Europe/Berlin".to_owned()),
        Just("Australia/Lord_Howe".to_owned()),
        Just("Asia/Kolkata".to_owned()),
        "[A-Za-z_/+-]{0,30}",
        any::<String>(),
    ]
}

fn dst() -> impl Strategy<Value = DstResolution> {
    prop_oneof![
        Just(DstResolution::Reject),
        Just(DstResolution::Earlier),
        Just(DstResolution::Later)
    ]
}

fn meeting_time() -> impl Strategy<Value = MeetingTime> {
    (time_text(), time_text(), timezone(), dst()).prop_map(|(s, e, tz, d)| {
        MeetingTime::new(s, e)
            .with_timezone(tz)
            .with_dst_resolution(d)
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

prop_compose! {
    fn create_request()(
        tenant in text(),
        provider in prop_oneof![Just("zoom".to_owned()), Just("google_meet".to_owned()), text()],
        title in text(),
        description in proptest::option::of(text()),
        time in meeting_time(),
        primary in proptest::option::of((text(), proptest::option::of(text()))),
        others in prop::collection::vec((text(), proptest::option::of(text())), 0..3),
        link in any::<bool>(),
        metadata in prop::collection::vec((text(), json_value()), 0..3),
        key in proptest::option::of(text()),
        notify in proptest::option::of(any::<bool>()),
        options in prop::collection::vec((text(), json_value()), 0..2),
    ) -> CreateMeetingRequest {
        let participant = |(email, name): (String, Option<String>)| {
            let p = MeetingParticipant::new(email);
            match name { Some(n) => p.with_display_name(n), None => p }
        };
        let mut r = CreateMeetingRequest::new(tenant, ProviderId::from(provider), title, time)
            .with_conference_link(link);
        if let Some(d) = description { r = r.with_description(d); }
        if let Some(p) = primary { r = r.with_primary_participant(participant(p)); }
        for p in others { r = r.with_participant(participant(p)); }
        for (k, v) in metadata { r = r.with_metadata_entry(k, v); }
        if let Some(k) = key { r = r.with_idempotency_key(k); }
        if let Some(n) = notify { r = r.with_notify_participants(n); }
        for (k, v) in options { r = r.with_provider_option(k, v); }
        r
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// Validation never panics; a rejection is `INVALID_REQUEST` naming a field, and an
    /// accepted request has a title and an end after its start.
    #[test]
    fn validation_is_total(request in create_request()) {
        match ValidatedCreate::new(request, &RequestLimits::DEFAULT) {
            Ok(valid) => {
                prop_assert!(!valid.title().trim().is_empty());
                prop_assert!(valid.time().end_utc() > valid.time().start_utc());
            }
            Err(e) => {
                prop_assert_eq!(e.code(), ErrorCode::InvalidRequest, "{}", e);
                prop_assert!(e.field().is_some_and(|f| !f.is_empty()), "no field: {}", e);
            }
        }
    }

    /// Time parsing never panics; success means a positive duration in a known zone.
    #[test]
    fn time_parsing_is_total(time in meeting_time()) {
        match time.resolve() {
            Ok(t) => {
                prop_assert!(t.end_utc() > t.start_utc());
                prop_assert!(t.duration_minutes() >= 0);
                prop_assert!(!t.timezone().is_empty());
            }
            Err(e) => {
                prop_assert_eq!(e.code(), ErrorCode::InvalidRequest);
                let field = e.field().unwrap_or_default().to_owned();
                prop_assert!(field.starts_with("time."), "field {field}: {e}");
            }
        }
    }
}

fn sealer() -> OAuthStateSealer {
    OAuthStateSealer::new(OAuthStateKey::from_bytes([42; 32]))
}

proptest! {
    #![proptest_config(cases(256))]

    /// Arbitrary text is never a valid state.
    #[test]
    fn unsealing_arbitrary_text_is_rejected(state in prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_-]{0,300}",
        "v1\\.[A-Za-z0-9_-]{0,200}",
        "[A-Za-z0-9_.=-]{0,200}",
    ]) {
        let sealer = sealer();
        let outcome = runtime().block_on(sealer.unseal(&ProviderId::GOOGLE_MEET, &state, Some(&SessionBinding::new("browser"))));
        match outcome {
            Ok(_) => prop_assert!(false, "random text unsealed: {state:?}"),
            Err(err) => prop_assert_eq!(err.code(), ErrorCode::OAuthStateInvalid),
        }
    }

    /// A sealed state with one edit (a byte changed, cut short, extended, or characters
    /// swapped) is rejected, or, if the edit did not change what it decodes to, opens to the
    /// same payload.
    #[test]
    fn unsealing_mutated_states_is_rejected(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        edit in 0..4u8,
        tail in "[A-Za-z0-9_.=-]{1,8}",
    ) {
        let sealer = sealer();
        let state = sealer
            .seal(&"tenant-1".into(), &ProviderId::GOOGLE_MEET, None, None, &SessionBinding::new("browser"))
            .unwrap();
        let mut bytes = state.clone().into_bytes();
        let i = at.index(bytes.len());
        match edit {
            0 => bytes[i] = byte,
            1 => bytes.truncate(i),
            2 => bytes.extend_from_slice(tail.as_bytes()),
            _ => { let j = (i + 1) % bytes.len(); bytes.swap(i, j); }
        }
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        prop_assume!(mutated != state);
        match runtime().block_on(sealer.unseal(&ProviderId::GOOGLE_MEET, &mutated, Some(&SessionBinding::new("browser")))) {
            Err(e) => prop_assert_eq!(e.code(), ErrorCode::OAuthStateInvalid),
            Ok(payload) => prop_assert_eq!(payload.tenant_id.as_str(), "tenant-1"),
        }
    }
}

/// The emulator and providers the response properties share: one retry attempt (every
/// answer is parsed once, and no `Retry-After` makes a test wait).
struct Rig {
    emu: EmulatorHandle,
    zoom: ZoomProvider,
    google: GoogleMeetProvider,
    store: Arc<MemoryTokenStore>,
}

const GOOGLE_TENANT: &str = "fuzz-tenant";

/// The provider properties share one emulator and its fault rules, and the test harness runs
/// them on parallel threads: each case holds this lock so no case consumes another's fault.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Numbers the Zoom hosts the guard property creates.
static HOSTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        runtime().block_on(async {
            let emu = Emulator::builder()
                .with_zoom_daily_limit(None)
                .with_google_quota_per_minute(None)
                .start()
                .await
                .unwrap();
            let demo = emu.demo().clone();
            let zoom = zoom_provider(&emu);
            let store = Arc::new(MemoryTokenStore::new());
            let access = emu
                .issue_google_access_token(
                    &demo.google_user_email,
                    &[meetschedify_bench::workload::GOOGLE_SCOPE],
                )
                .unwrap();
            let refresh = emu
                .issue_google_refresh_token(
                    &demo.google_client_id,
                    &demo.google_user_email,
                    &[meetschedify_bench::workload::GOOGLE_SCOPE],
                )
                .unwrap();
            store
                .save(
                    &TokenKey::new(GOOGLE_TENANT, ProviderId::GOOGLE_MEET),
                    &TokenRecord::new(access)
                        .with_refresh_token(refresh)
                        .with_expires_at(
                            Timestamp::now()
                                .checked_add(SignedDuration::from_hours(1))
                                .unwrap(),
                        ),
                    SaveCondition::Always,
                )
                .await
                .unwrap();
            let google = google_provider(&emu, Arc::clone(&store));
            Rig {
                emu,
                zoom,
                google,
                store,
            }
        })
    })
}

fn zoom_provider(emu: &EmulatorHandle) -> ZoomProvider {
    let demo = emu.demo();
    ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .with_retry(RetryConfig::none())
        .with_request_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn google_provider(emu: &EmulatorHandle, store: Arc<MemoryTokenStore>) -> GoogleMeetProvider {
    let demo = emu.demo();
    GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_state_key(OAuthStateKey::from_bytes([1; 32]))
        .with_token_store(store as Arc<dyn TokenStore>)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url()).unwrap())
        .with_calendar_options(
            CalendarOptions::default()
                .with_retry(RetryConfig::none())
                .with_conference_wait(Duration::from_millis(50))
                .with_conference_poll_interval(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

fn create(tenant: &str, provider: ProviderId) -> ValidatedCreate {
    ValidatedCreate::new(
        CreateMeetingRequest::new(
            tenant,
            provider,
            "Fuzzed answer",
            MeetingTime::new("2030-01-10T10:00:00", "2030-01-10T11:00:00"),
        ),
        &RequestLimits::DEFAULT,
    )
    .unwrap()
}

/// A response body: arbitrary text, arbitrary JSON, or vendor-shaped JSON with wrong types.
fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => json_value().prop_map(|v| v.to_string()),
        1 => (json_value(), json_value(), json_value()).prop_map(|(id, url, code)| json!({
            "id": id, "join_url": url, "code": code, "message": code, "start_time": url,
            "settings": {"global_dial_in_numbers": [{"number": id}]},
        }).to_string()),
        1 => (json_value(), json_value(), json_value()).prop_map(|(code, reason, status)| json!({
            "error": {"code": code, "message": reason, "errors": [{"reason": reason, "domain": status}], "status": status},
        }).to_string()),
        1 => (json_value(), json_value()).prop_map(|(id, conf)| json!({
            "id": id, "status": "confirmed", "start": {"dateTime": conf}, "end": {"dateTime": id},
            "conferenceData": {"createRequest": {"status": {"statusCode": conf}}, "entryPoints": conf},
            "hangoutLink": conf,
        }).to_string()),
        1 => json_value().prop_map(|v| {
            // JSON cut short, as a dropped connection leaves it.
            let s = v.to_string();
            s.chars().take(s.chars().count() / 2).collect::<String>()
        }),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("content-type"),
        Just("retry-after"),
        Just("x-ratelimit-type"),
        Just("x-ratelimit-category"),
        Just("www-authenticate"),
    ];
    let value = prop_oneof![
        Just("application/json".to_owned()),
        Just("text/html".to_owned()),
        Just("Daily-limit".to_owned()),
        "[0-9]{0,12}",
        "[ -~]{0,40}",
    ];
    prop::collection::vec((name.prop_map(str::to_owned), value), 0..3)
}

fn fault() -> impl Strategy<Value = FaultAction> {
    prop_oneof![
        4 => (200u16..600, body(), headers())
            .prop_map(|(status, body, headers)| FaultAction::Status { status, body, headers }),
        1 => (200u16..600).prop_map(|status| FaultAction::NonJson { status }),
        1 => Just(FaultAction::ResetBefore),
        1 => Just(FaultAction::ResetAfter),
    ]
}

/// The error is a typed one that a caller can act on (not, for example, a request error for
/// a request that was valid).
fn check_error(e: &meetschedify_core::Error) -> Result<(), TestCaseError> {
    prop_assert!(
        !matches!(
            e.code(),
            ErrorCode::InvalidRequest | ErrorCode::InvalidConfig
        ),
        "a valid request was reported as {}: {e}",
        e.code()
    );
    prop_assert!(!e.message().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(cases(48))]

    /// Whatever Zoom's create answers, the call ends in a meeting or a typed error.
    #[test]
    fn zoom_create_answers_are_parsed(action in fault()) {
        let _serial = serial();
        let rig = rig();
        rig.emu.clear_faults();
        rig.emu.inject_fault(FaultRule::once("POST", "/v2/users/*/meetings", action));
        let outcome = runtime().block_on(rig.zoom.create_meeting(&create("t", ProviderId::ZOOM)));
        rig.emu.clear_faults();
        if let Err(e) = &outcome {
            check_error(e)?;
        }
    }

    /// After a create whose answer was lost, the duplicate guard lists the host's meetings
    /// before sending again: whatever that list answers, the call ends in the meeting or a
    /// typed error that is not retryable, and never makes a second meeting. With one attempt or
    /// two, and whatever the list answers: an answer that is not a list page (empty, `204`,
    /// `null`, `{}`) is an unreadable lookup, never "not found".
    #[test]
    fn zoom_guard_lookup_answers_are_parsed(action in fault(), one_attempt in any::<bool>()) {
        let attempts = if one_attempt { 1 } else { 2 };
        let _serial = serial();
        let rig = rig();
        let demo = rig.emu.demo();
        let zoom = ZoomProvider::builder()
            .with_credentials(&demo.zoom_account_id, &demo.zoom_client_id, &demo.zoom_client_secret)
            .with_api_base(rig.emu.zoom_api_base())
            .with_oauth_base(rig.emu.zoom_oauth_base())
            .with_retry(
                RetryConfig::default()
                    .with_max_attempts(attempts)
                    .with_initial_delay(Duration::from_millis(1))
                    .with_jitter(false),
            )
            .with_request_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        // A host of its own per case, so the guard's list stays one short page.
        let host = format!("guard-{}@example.com", HOSTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let user = rig.emu.add_zoom_user(&demo.zoom_account_id, &host).unwrap();
        let count = || -> usize { rig.emu.state().zoom.meetings_by_host.get(&user.id).map_or(0, Vec::len) };
        rig.emu.clear_faults();
        let before = count();
        rig.emu.inject_fault(FaultRule::once("POST", "/v2/users/*/meetings", FaultAction::ResetAfter));
        rig.emu.inject_fault(FaultRule::once("GET", "/v2/users/*/meetings", action));
        let request = ValidatedCreate::new(
            create("t", ProviderId::ZOOM)
                .into_request()
                .with_provider_option("zoom", json!({ "user_id": host })),
            &RequestLimits::DEFAULT,
        )
        .unwrap();
        let outcome = runtime().block_on(zoom.create_meeting(&request));
        rig.emu.clear_faults();
        prop_assert_eq!(count(), before + 1, "one create, one meeting");
        match &outcome {
            Err(e) => {
                check_error(e)?;
                prop_assert!(!e.is_retryable(), "{e}");
                prop_assert!(!e.to_string().contains("no meeting was created"), "{e}");
            }
            Ok(m) => prop_assert!(m.conference_link.is_some()),
        }
    }

    /// Whatever Zoom's token endpoint answers, the call ends in a meeting or a typed error.
    #[test]
    fn zoom_token_answers_are_parsed(action in fault()) {
        let _serial = serial();
        let rig = rig();
        let zoom = zoom_provider(&rig.emu);
        rig.emu.clear_faults();
        rig.emu.inject_fault(FaultRule::once("POST", "/oauth/token", action));
        let outcome = runtime().block_on(zoom.create_meeting(&create("t", ProviderId::ZOOM)));
        rig.emu.clear_faults();
        if let Err(e) = &outcome {
            check_error(e)?;
        }
    }

    /// Whatever Calendar's insert answers, the call ends in a meeting or a typed error.
    #[test]
    fn google_insert_answers_are_parsed(action in fault()) {
        let _serial = serial();
        let rig = rig();
        rig.emu.clear_faults();
        rig.emu.inject_fault(FaultRule::once("POST", "/calendar/v3/calendars/*/events", action));
        let outcome = runtime().block_on(
            rig.google.create_meeting(&create(GOOGLE_TENANT, ProviderId::GOOGLE_MEET)),
        );
        rig.emu.clear_faults();
        if let Err(e) = &outcome {
            check_error(e)?;
        }
    }

    /// Whatever the conference poll (`events.get` after an insert that answered `pending`)
    /// answers, the call ends in a meeting with a link or a typed error.
    #[test]
    fn google_poll_answers_are_parsed(action in fault()) {
        let _serial = serial();
        let rig = rig();
        rig.emu.clear_faults();
        rig.emu.inject_fault(FaultRule::once("GET", "/calendar/v3/calendars/*/events/*", action));
        let outcome = runtime().block_on(
            rig.google.create_meeting(&create(GOOGLE_TENANT, ProviderId::GOOGLE_MEET)),
        );
        rig.emu.clear_faults();
        match &outcome {
            Err(e) => check_error(e)?,
            Ok(m) => prop_assert!(m.conference_link.is_some()),
        }
    }

    /// Whatever Google's token endpoint answers to a refresh, the call ends in a meeting or a
    /// typed error (each case a new tenant whose access token has expired).
    #[test]
    fn google_token_answers_are_parsed(action in fault(), n in any::<u64>()) {
        let _serial = serial();
        let rig = rig();
        let demo = rig.emu.demo().clone();
        let tenant = format!("refresh-{n}");
        let refresh = rig.emu
            .issue_google_refresh_token(
                &demo.google_client_id,
                &demo.google_user_email,
                &[meetschedify_bench::workload::GOOGLE_SCOPE],
            )
            .unwrap();
        runtime().block_on(rig.store.save(
            &TokenKey::new(tenant.as_str(), ProviderId::GOOGLE_MEET),
            &TokenRecord::new("ya29.expired").with_refresh_token(refresh).with_expires_at(Timestamp::UNIX_EPOCH),
            SaveCondition::Always,
        )).unwrap();
        rig.emu.clear_faults();
        rig.emu.inject_fault(FaultRule::once("POST", "/token", action));
        let outcome = runtime().block_on(
            rig.google.create_meeting(&create(&tenant, ProviderId::GOOGLE_MEET)),
        );
        rig.emu.clear_faults();
        if let Err(e) = &outcome {
            check_error(e)?;
        }
    }
}
