//! Credentials inside vendors' notification payloads, masked wherever an event is printed for
//! people (`Debug`, and so logs).

use serde_json::Value;

/// What replaces a credential.
const REDACTED: &str = "[redacted]";

/// Object members holding credentials in the vendors' payloads, at any depth: Zoom's
/// `recording.completed` carries a top-level `download_token` (downloads the recording) and the
/// recording's `password` and `recording_play_passcode`; meeting objects can carry passcodes
/// (`password`, `encrypted_password`, `h323_password`, `pstn_password`) and the host's
/// `start_url` (it embeds the host's ZAK); Graph's items carry the subscription's
/// `clientState`.
const CREDENTIAL_FIELDS: [&str; 8] = [
    "download_token",
    "password",
    "encrypted_password",
    "h323_password",
    "pstn_password",
    "recording_play_passcode",
    "start_url",
    "clientState",
];

/// `value` with every credential member's value replaced by `[redacted]`.
pub(crate) fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, member)| {
                    let member = if CREDENTIAL_FIELDS.contains(&key.as_str()) {
                        Value::from(REDACTED)
                    } else {
                        redacted(member)
                    };
                    (key.clone(), member)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn credentials_are_masked_at_any_depth_and_the_rest_is_kept() {
        let raw = json!({"event": "recording.completed", "download_token": "DL-SECRET",
            "payload": {"object": {"id": 1, "password": "PW", "recording_files": [{"id": "f", "password": "x"}]}}});
        let masked = redacted(&raw);
        assert_eq!(masked["download_token"], REDACTED);
        assert_eq!(masked["payload"]["object"]["password"], REDACTED);
        assert_eq!(
            masked["payload"]["object"]["recording_files"][0]["password"],
            REDACTED
        );
        assert_eq!(masked["payload"]["object"]["id"], 1);
        assert_eq!(masked["event"], "recording.completed");
        assert!(!masked.to_string().contains("SECRET"));
    }
}
