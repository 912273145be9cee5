//! `meetschedify webhooks send-test`: a sample Zoom notification, signed exactly as Zoom signs
//! (`v0=HMAC-SHA256(secret, "v0:{timestamp}:{raw body}")`), sent to a listener.

use meetschedify::jiff::Timestamp;
use meetschedify::{EnvVars, Error, ErrorCode};
use meetschedify_zoom::webhooks::{
    encrypted_token_for_test, sign_for_test, ENV_WEBHOOK_SECRET_TOKEN, HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
};
use serde_json::{json, Value};

use crate::args::SendTestArgs;
use crate::exit::Exit;

/// The plain token of a sample URL validation.
const PLAIN_TOKEN: &str = "meetschedify-send-test";

/// Sends the sample; succeeds when the listener answers 2xx (and, for a URL validation, with
/// the right `encryptedToken`). The answer is printed on stdout.
pub async fn run(args: &SendTestArgs) -> Result<Exit, Error> {
    let lookup = |name: &str| std::env::var(name).ok();
    let env = EnvVars::new(&lookup);
    // The newest secret (first in the list) is the one Zoom signs with after a rotation.
    let secret = env
        .get(ENV_WEBHOOK_SECRET_TOKEN)
        .and_then(|list| {
            list.split(',')
                .map(str::trim)
                .find(|s| !s.is_empty())
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            Error::invalid_config(
                ENV_WEBHOOK_SECRET_TOKEN,
                "set the Zoom webhook secret token to sign the sample with",
            )
        })?;
    let now = Timestamp::now();
    let body = sample(&args.event, &args.meeting_id, now).to_string();
    let timestamp = now.as_second().to_string();
    let response = reqwest::Client::new()
        .post(&args.url)
        .header("content-type", "application/json; charset=utf-8")
        .header(HEADER_TIMESTAMP, &timestamp)
        .header(
            HEADER_SIGNATURE,
            sign_for_test(&secret, &timestamp, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::NetworkError,
                format!("cannot reach {}: {e}", args.url),
            )
        })?;
    let status = response.status();
    let answer = response.text().await.unwrap_or_default();
    println!("{} {answer}", status.as_u16());
    if !status.is_success() {
        return Ok(Exit::Failure);
    }
    if args.event == "endpoint.url_validation" {
        let expected = encrypted_token_for_test(&secret, PLAIN_TOKEN);
        let answer: Value = serde_json::from_str(&answer).unwrap_or_default();
        if answer["plainToken"] != PLAIN_TOKEN || answer["encryptedToken"] != expected.as_str() {
            eprintln!("# the listener answered the URL validation with the wrong token");
            return Ok(Exit::Failure);
        }
    }
    Ok(Exit::Success)
}

/// A notification shaped like Zoom's (webhook reference §1.6).
fn sample(event: &str, meeting_id: &str, now: Timestamp) -> Value {
    if event == "endpoint.url_validation" {
        return json!({
            "payload": { "plainToken": PLAIN_TOKEN },
            "event_ts": now.as_millisecond(),
            "event": event,
        });
    }
    let mut object = json!({
        "id": meeting_id,
        "uuid": format!("send-test-{}", now.as_millisecond()),
        "host_id": "send-test-host",
        "topic": "meetschedify send-test",
        "type": 2,
        "start_time": now.round(meetschedify::jiff::Unit::Second).unwrap_or(now).to_string(),
        "timezone": "UTC",
        "duration": 30,
    });
    if event.starts_with("meeting.participant_") {
        object["participant"] = json!({
            "user_id": "16778240",
            "user_name": "Send Test",
            "participant_uuid": "send-test-participant",
            "email": "",
            "join_time": now.round(meetschedify::jiff::Unit::Second).unwrap_or(now).to_string(),
        });
    }
    json!({
        "event": event,
        "event_ts": now.as_millisecond(),
        "payload": { "account_id": "send-test-account", "object": object },
    })
}
