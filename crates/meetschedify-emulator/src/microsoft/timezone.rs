//! `dateTimeTimeZone` values and `Prefer: outlook.timezone` (reference `microsoft-teams.md` §3.4).
//!
//! `timeZone` is a Windows zone name (`Pacific Standard Time`, `UTC`) or an IANA name
//! (`America/Los_Angeles`, `Europe/Berlin`, `Asia/Kolkata`); `dateTime` is wall time without an
//! offset. The Windows names the emulator knows are the common ones below (the list is its choice,
//! after CLDR's `windowsZones.xml` mapping); any IANA name jiff knows is accepted. Whether the
//! `Prefer` header takes IANA names is unconfirmed (§3.4, §7); the emulator accepts them there too.
//! A wall time in a DST gap or fold is resolved "compatibly" (later offset in a gap, earlier in a
//! fold), the emulator's choice.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

/// Windows zone name → IANA name.
const WINDOWS: &[(&str, &str)] = &[
    ("UTC", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Central Standard Time", "America/Chicago"),
    ("Eastern Standard Time", "America/New_York"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Dateline Standard Time", "Etc/GMT+12"),
];

/// The zone a `timeZone` value names, if the emulator knows it.
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if let Some((_, iana)) = WINDOWS.iter().find(|(w, _)| w.eq_ignore_ascii_case(name)) {
        return TimeZone::get(iana).ok();
    }
    // IANA names only: jiff would also read POSIX TZ strings, which Graph does not take.
    if name.contains('/') || name.eq_ignore_ascii_case("utc") {
        return TimeZone::get(name).ok();
    }
    None
}

/// The instant of a `dateTimeTimeZone` value; `Err` says which half is wrong.
pub(crate) fn instant(value: &Value) -> Result<Timestamp, String> {
    let zone_name = value
        .get("timeZone")
        .and_then(Value::as_str)
        .unwrap_or("UTC");
    let Some(tz) = zone(zone_name) else {
        return Err(format!(
            "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone_name}'."
        ));
    };
    let text = value
        .get("dateTime")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let civil: DateTime = text.parse().map_err(|_| {
        format!("Cannot convert the literal '{text}' to the expected type 'Edm.DateTime'.")
    })?;
    tz.to_ambiguous_zoned_datetime(civil)
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// The zone named by `Prefer: outlook.timezone="..."`, if the header is there and names a known
/// zone: `(name as sent, zone)`. An unknown name falls back to UTC (the emulator's choice).
pub(crate) fn preferred(headers: &axum::http::HeaderMap) -> Option<(String, TimeZone)> {
    for value in headers.get_all("prefer") {
        let Ok(text) = value.to_str() else { continue };
        for part in text.split(',') {
            let part = part.trim();
            let Some(rest) = part.strip_prefix("outlook.timezone=") else {
                continue;
            };
            let name = rest.trim().trim_matches('"');
            return zone(name).map(|tz| (name.to_owned(), tz));
        }
    }
    None
}

/// `{dateTime: "2019-11-20T13:00:00.0000000", timeZone}` in the preferred zone, else UTC (§3.1, §3.4).
pub(crate) fn render(at: Timestamp, preferred: Option<&(String, TimeZone)>) -> Value {
    let (name, tz) = match preferred {
        Some((name, tz)) => (name.clone(), tz.clone()),
        None => ("UTC".to_owned(), TimeZone::UTC),
    };
    let local = at.to_zoned_datetime(tz).datetime();
    json!({
        "dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000").to_string(),
        "timeZone": name,
    })
}

/// A UTC instant with seven fractional digits, as Graph writes `createdDateTime` (§3.1).
pub(crate) fn utc7(at: Timestamp) -> String {
    format!(
        "{}{:07}Z",
        at.strftime("%Y-%m-%dT%H:%M:%S."),
        at.subsec_nanosecond() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_iana_names_read_the_same() {
        let pst = instant(
            &json!({"dateTime": "2019-11-20T13:00:00", "timeZone": "Pacific Standard Time"}),
        )
        .unwrap();
        let la = instant(
            &json!({"dateTime": "2019-11-20T13:00:00.0000000", "timeZone": "America/Los_Angeles"}),
        )
        .unwrap();
        assert_eq!(pst, la);
        assert_eq!(pst.to_string(), "2019-11-20T21:00:00Z");
        assert!(
            instant(&json!({"dateTime": "2019-11-20T13:00:00", "timeZone": "Mars/Olympus"}))
                .is_err()
        );
        assert!(instant(&json!({"dateTime": "tomorrow", "timeZone": "UTC"})).is_err());
        let berlin = ("Europe/Berlin".to_owned(), zone("Europe/Berlin").unwrap());
        assert_eq!(
            render(pst, Some(&berlin))["dateTime"],
            "2019-11-20T22:00:00.0000000"
        );
        assert_eq!(render(pst, None)["timeZone"], "UTC");
        assert_eq!(
            utc7("2019-11-20T21:00:00.1234567Z".parse().unwrap()),
            "2019-11-20T21:00:00.1234567Z"
        );
    }
}
