//! The error codes are public contract: this snapshot fails when one is renamed, removed, or
//! changes whether it is retryable.

use meetschedify_core::{
    Error, ErrorCode, ErrorKind, GoogleErrorDetails, HttpErrorDetails, ProviderErrorDetails,
    ZoomErrorDetails,
};

#[test]
fn error_code_table() {
    let table: Vec<_> = ErrorCode::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "code": c.as_str(),
                "kind": c.kind().as_str(),
                "retryable": c.retryable_by_default(),
                "suggested_http_status": c.suggested_http_status(),
                "description": c.description(),
            })
        })
        .collect();
    insta::assert_json_snapshot!(table);
}

#[test]
fn codes_round_trip_through_text_and_serde() {
    for code in ErrorCode::ALL {
        assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), *code);
        assert_eq!(code.to_string(), code.as_str());
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
        assert!(!code.description().is_empty());
    }
    assert!("NOT_A_CODE".parse::<ErrorCode>().is_err());
}

#[test]
fn the_codes_users_already_match_on_exist() {
    for text in [
        "GOOGLE_NOT_CONNECTED",
        "GOOGLE_TOKEN_REFRESH_FAILED",
        "GOOGLE_AUTH_REVOKED",
        "GOOGLE_CALENDAR_ERROR",
        "GOOGLE_RATE_LIMIT",
        "ZOOM_INVALID_CLIENT",
        "ZOOM_TOKEN_ERROR",
        "ZOOM_MEETING_ERROR",
        "ZOOM_RATE_LIMIT",
        "ZOOM_NETWORK_ERROR",
        "ZOOM_MAX_RETRIES_EXCEEDED",
        "PROVIDER_NOT_FOUND",
        "INVALID_CONFIG",
        "OPERATION_NOT_SUPPORTED",
        "INVALID_REQUEST",
        "MEETING_NOT_FOUND",
        "OAUTH_STATE_INVALID",
        "TOKEN_STORE_ERROR",
        "CONFERENCE_PENDING",
    ] {
        text.parse::<ErrorCode>()
            .unwrap_or_else(|_| panic!("{text} is missing"));
    }
}

#[test]
fn errors_carry_typed_provider_details() {
    let google = Error::new(ErrorCode::GoogleRateLimit, "rate limited").with_details(
        ProviderErrorDetails::Google(GoogleErrorDetails::new(
            403,
            Some("rateLimitExceeded".into()),
            Some("Rate Limit Exceeded".into()),
        )),
    );
    assert_eq!(google.http_status(), Some(403));
    assert_eq!(
        google.google_details().unwrap().reason.as_deref(),
        Some("rateLimitExceeded")
    );
    assert!(google.zoom_details().is_none());
    assert!(google.is_retryable());

    let zoom = Error::new(ErrorCode::MeetingNotFound, "meeting not found")
        .with_details(ProviderErrorDetails::Zoom(ZoomErrorDetails::new(
            404,
            Some(3001),
            Some(r#"{"code":3001,"message":"Meeting does not exist: 1."}"#.into()),
        )))
        .with_retryable(false);
    assert_eq!(zoom.zoom_details().unwrap().code, Some(3001));
    let json = zoom.to_json();
    assert_eq!(json["code"], "MEETING_NOT_FOUND");
    assert_eq!(json["details"]["provider"], "zoom");
    assert_eq!(json["details"]["code"], 3001);
    assert_eq!(json["http_status"], 404);
}

#[test]
fn display_is_one_line_with_code_and_field() {
    let err = Error::invalid_request("time.timezone", "unknown time zone `Mars/Base`");
    assert_eq!(
        err.to_string(),
        "INVALID_REQUEST: time.timezone: unknown time zone `Mars/Base`"
    );
    assert!(!err.to_string().contains('\n'));
    let err = Error::new(ErrorCode::ZoomRateLimit, "daily limit reached")
        .with_retry_after(Some(std::time::Duration::from_secs(30)));
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(30)));
    assert_eq!(err.to_json()["retry_after_ms"], 30_000);
}

#[test]
fn an_error_can_name_the_meeting_it_is_about() {
    let plain = Error::new(ErrorCode::ZoomNetworkError, "reset");
    assert_eq!(plain.meeting_id(), None);
    assert!(plain.to_json().get("meeting_id").is_none());

    let pending =
        Error::new(ErrorCode::ConferencePending, "still pending").with_meeting_id("k1ng5s4abmtg");
    assert_eq!(pending.meeting_id(), Some("k1ng5s4abmtg"));
    assert_eq!(pending.to_json()["meeting_id"], "k1ng5s4abmtg");
    assert!(format!("{pending:?}").contains("k1ng5s4abmtg"));
}

#[test]
fn an_unknown_outcome_is_machine_readable() {
    let plain = Error::new(
        ErrorCode::GoogleCalendarError,
        "google calendar answered 503",
    );
    assert!(!plain.outcome_unknown());
    assert!(plain.to_json().get("outcome_unknown").is_none());
    assert!(!format!("{plain:?}").contains("outcome_unknown"));

    let unknown = plain
        .with_outcome_unknown(true)
        .with_meeting_id("k1ng5s4abmtg");
    assert!(unknown.outcome_unknown());
    assert!(unknown.clone().outcome_unknown(), "kept by clone");
    assert_eq!(unknown.to_json()["outcome_unknown"], true);
    assert_eq!(unknown.to_json()["meeting_id"], "k1ng5s4abmtg");
    assert!(format!("{unknown:?}").contains("outcome_unknown: true"));
    assert!(!unknown.with_outcome_unknown(false).outcome_unknown());
}

#[test]
fn errors_are_cheap_to_clone_and_thread_safe() {
    fn assert_traits<T: Clone + Send + Sync + std::error::Error + 'static>() {}
    assert_traits::<Error>();
    assert!(std::mem::size_of::<Error>() <= std::mem::size_of::<usize>());
}

/// Every vendor-specific code has a provider-neutral twin of the same kind, so a third-party
/// provider can report each failure the built-in ones report, and an application that matches
/// on the kind handles both alike.
#[test]
fn every_vendor_code_has_a_neutral_code_of_its_kind() {
    let vendor =
        |c: &ErrorCode| c.as_str().starts_with("GOOGLE_") || c.as_str().starts_with("ZOOM_");
    for code in ErrorCode::ALL.iter().filter(|c| vendor(c)) {
        let twin = ErrorCode::ALL
            .iter()
            .find(|n| !vendor(n) && n.kind() == code.kind());
        assert!(
            twin.is_some(),
            "{code} ({}) has no neutral code",
            code.kind()
        );
    }
    for (code, kind) in [
        (ErrorCode::GoogleNotConnected, ErrorKind::ReconnectRequired),
        (ErrorCode::GoogleAuthRevoked, ErrorKind::ReconnectRequired),
        (ErrorCode::NotConnected, ErrorKind::ReconnectRequired),
        (ErrorCode::AuthRevoked, ErrorKind::ReconnectRequired),
        (ErrorCode::ZoomInvalidClient, ErrorKind::BadCredentials),
        (ErrorCode::BadCredentials, ErrorKind::BadCredentials),
        (ErrorCode::ZoomRateLimit, ErrorKind::RateLimited),
        (ErrorCode::GoogleRateLimit, ErrorKind::RateLimited),
        (ErrorCode::RateLimited, ErrorKind::RateLimited),
        (ErrorCode::ZoomNetworkError, ErrorKind::Unavailable),
        (ErrorCode::NetworkError, ErrorKind::Unavailable),
        (ErrorCode::MeetingNotFound, ErrorKind::NotFound),
    ] {
        assert_eq!(code.kind(), kind, "{code}");
    }
    assert!(ErrorCode::AuthRevoked.needs_reconnect());
    assert!(!ErrorCode::RateLimited.needs_reconnect());
}

#[test]
fn the_json_view_names_the_kind_and_neutral_details() {
    let err =
        Error::new(ErrorCode::RateLimited, "slow down").with_details(ProviderErrorDetails::Http(
            HttpErrorDetails::new(429)
                .with_vendor_code("TooManyRequests")
                .with_request_id("req-1"),
        ));
    let json = err.to_json();
    assert_eq!(json["kind"], "rate_limited");
    assert_eq!(json["http_status"], 429);
    assert_eq!(json["details"]["vendor_code"], "TooManyRequests");
    assert_eq!(
        err.http_details().unwrap().request_id.as_deref(),
        Some("req-1")
    );
    assert_eq!(err.kind(), ErrorKind::RateLimited);
}
