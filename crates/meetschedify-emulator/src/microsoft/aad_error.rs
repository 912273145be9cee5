//! The identity platform's error body (reference `microsoft-teams.md` §1.7, from the Entra docs
//! `reference-error-codes.md` and observed bodies):
//! `{error, error_description: "AADSTSnnnn: ...\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...",
//! error_codes: [n], timestamp, trace_id, correlation_id, error_uri}`.

use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use rand::Rng;
use serde_json::{json, Value};

use crate::http::json as json_response;
use crate::ids::guid;

/// One AADSTS error: the code, the OAuth `error`, its HTTP status and the message text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Aadsts {
    pub(crate) code: u32,
    pub(crate) error: &'static str,
    pub(crate) status: StatusCode,
}

/// AADSTS7000215 `invalid_client` / 401 (§1.7 table, DOC EC + OBS).
pub(crate) const INVALID_SECRET: Aadsts = Aadsts {
    code: 7_000_215,
    error: "invalid_client",
    status: StatusCode::UNAUTHORIZED,
};
/// AADSTS7000222 `invalid_client` / 401: expired secret (§1.7).
pub(crate) const EXPIRED_SECRET: Aadsts = Aadsts {
    code: 7_000_222,
    error: "invalid_client",
    status: StatusCode::UNAUTHORIZED,
};
/// AADSTS7000218: no secret. `invalid_client` is the reference's "(unconfirmed)"; the 401 status is
/// the emulator's choice (the same as the other `invalid_client` answers).
pub(crate) const MISSING_SECRET: Aadsts = Aadsts {
    code: 7_000_218,
    error: "invalid_client",
    status: StatusCode::UNAUTHORIZED,
};
/// AADSTS700016: app not found in the tenant. `unauthorized_client` is "(unconfirmed)" in the
/// reference; 400 is the emulator's choice.
pub(crate) const UNKNOWN_APP: Aadsts = Aadsts {
    code: 700_016,
    error: "unauthorized_client",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS90002: tenant not found. `invalid_request` / 400 are the emulator's choice (the reference
/// leaves both unconfirmed).
pub(crate) const UNKNOWN_TENANT: Aadsts = Aadsts {
    code: 90_002,
    error: "invalid_request",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS9001023: grant type not supported over `/common` or `/consumers` (§1.1, DOC EC);
/// `invalid_request` / 400 are the emulator's choice.
pub(crate) const NEEDS_TENANT: Aadsts = Aadsts {
    code: 9_001_023,
    error: "invalid_request",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS70011 `invalid_scope` / 400 (§1.7).
pub(crate) const INVALID_SCOPE: Aadsts = Aadsts {
    code: 70_011,
    error: "invalid_scope",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS1002012 `invalid_scope` / 400: client credentials without `/.default` (§1.2, OBS).
pub(crate) const SCOPE_NOT_DEFAULT: Aadsts = Aadsts {
    code: 1_002_012,
    error: "invalid_scope",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS54005: code already redeemed (§1.3, DOC EC); `invalid_grant` is "(unconfirmed)".
pub(crate) const CODE_REDEEMED: Aadsts = Aadsts {
    code: 54_005,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS501481: PKCE verifier does not match (§1.3, DOC EC), `invalid_grant` (§5.2).
pub(crate) const BAD_VERIFIER: Aadsts = Aadsts {
    code: 501_481,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS70000 `invalid_grant`: grant not valid (§1.7). The emulator's choice for an unknown,
/// expired or mismatched code or refresh token, and for a refresh token already used when
/// `microsoft_single_use_refresh_tokens` is on.
pub(crate) const BAD_GRANT: Aadsts = Aadsts {
    code: 70_000,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS50173 `invalid_grant` / 400: grant revoked (§1.5, §1.7).
pub(crate) const REVOKED: Aadsts = Aadsts {
    code: 50_173,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS700082 `invalid_grant` / 400: refresh token unused for 90 days (§1.4, §1.7).
pub(crate) const INACTIVE: Aadsts = Aadsts {
    code: 700_082,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS65001 `invalid_grant` + `suberror: consent_required` (§1.7, §5.2).
pub(crate) const NO_CONSENT: Aadsts = Aadsts {
    code: 65_001,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS50076 `invalid_grant` / 400 + `suberror: basic_action` + `claims`: MFA now required
/// (§1.7, §5.2).
pub(crate) const MFA_REQUIRED: Aadsts = Aadsts {
    code: 50_076,
    error: "invalid_grant",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS9002313 `invalid_request`: malformed request (§1.7, `error` unconfirmed); 400 and its use
/// for a missing parameter are the emulator's choice.
pub(crate) const MALFORMED: Aadsts = Aadsts {
    code: 9_002_313,
    error: "invalid_request",
    status: StatusCode::BAD_REQUEST,
};
/// `unsupported_grant_type` (§1.3 token-endpoint errors); AADSTS70003 is the emulator's choice of
/// number (not in the reference).
pub(crate) const UNSUPPORTED_GRANT: Aadsts = Aadsts {
    code: 70_003,
    error: "unsupported_grant_type",
    status: StatusCode::BAD_REQUEST,
};
/// AADSTS50011 redirect URI mismatch: the number and `invalid_request` are the emulator's choice
/// (the reference only says the URI "must exactly match", §1.3).
pub(crate) const REDIRECT_MISMATCH: Aadsts = Aadsts {
    code: 50_011,
    error: "invalid_request",
    status: StatusCode::BAD_REQUEST,
};

/// `2016-01-09 02:02:12Z`, the shape of `timestamp` (§1.7).
pub(crate) fn aad_timestamp(now: Timestamp) -> String {
    now.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// The JSON body of an identity error, with fresh trace and correlation ids.
pub(crate) fn body(rng: &mut impl Rng, now: Timestamp, err: Aadsts, message: &str) -> Value {
    let trace_id = guid(rng);
    let correlation_id = guid(rng);
    let timestamp = aad_timestamp(now);
    json!({
        "error": err.error,
        "error_description": format!(
            "AADSTS{}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            err.code
        ),
        "error_codes": [err.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        // The reference says `error_uri` appears when the lookup page has more; the emulator
        // always sends it (its choice), in the documented shape.
        "error_uri": format!("https://login.microsoftonline.com/error?code={}", err.code),
    })
}

/// The HTTP answer for an identity error.
pub(crate) fn respond(rng: &mut impl Rng, now: Timestamp, err: Aadsts, message: &str) -> Response {
    json_response(err.status, &body(rng, now, err, message))
}

/// An identity error with `suberror`, for interaction-type failures.
pub(crate) fn respond_sub(
    rng: &mut impl Rng,
    now: Timestamp,
    err: Aadsts,
    message: &str,
    suberror: &str,
) -> Response {
    let mut value = body(rng, now, err, message);
    value["suberror"] = json!(suberror);
    json_response(err.status, &value)
}

/// AADSTS50076 with `suberror: basic_action` and a `claims` challenge (a JSON string), in the
/// shape of the observed body (§1.7, msal-js#5491).
pub(crate) fn respond_mfa(rng: &mut impl Rng, now: Timestamp) -> Response {
    let mut value = body(
        rng,
        now,
        MFA_REQUIRED,
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
    );
    value["suberror"] = json!("basic_action");
    let policy = guid(rng);
    value["claims"] = json!(
        json!({"access_token": {"capolids": {"essential": true, "values": [policy]}}}).to_string()
    );
    json_response(MFA_REQUIRED.status, &value)
}
