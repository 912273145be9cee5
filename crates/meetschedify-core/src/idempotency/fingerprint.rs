//! The fingerprint of a create request: what "the same request" means for an idempotency key.

use std::fmt::Write as _;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::validate::ValidatedCreate;

/// Bumped if what the fingerprint covers ever changes: a record written by one release keeps
/// meaning the same request to the next (a mismatch would refuse honest repeats).
const VERSION: &str = "v1";

impl ValidatedCreate {
    /// The fingerprint of what this request asks for: the same for a repeat of the same
    /// request, different when the title, description, times, time zone, participants,
    /// conference link, notification choice, metadata or provider options differ.
    ///
    /// Two requests that mean the same meeting fingerprint alike even if written differently:
    /// times are compared as instants, participants as a set of lower-cased emails (with their
    /// display names), JSON objects whatever their key order. The tenant, provider and key are
    /// not part of it (they name the record instead).
    ///
    /// ```
    /// # use meetschedify_core::*;
    /// let limits = RequestLimits::DEFAULT;
    /// let at = |start: &str, end: &str| MeetingTime::new(start, end).with_timezone("Europe/Paris");
    /// let ten = CreateMeetingRequest::new("t", ProviderId::ZOOM, "Check-up", at("2027-03-01T10:00:00", "2027-03-01T10:30:00"));
    /// let same = CreateMeetingRequest::new("t", ProviderId::ZOOM, "Check-up ", at("2027-03-01T10:00:00", "2027-03-01T10:30:00"));
    /// let three = CreateMeetingRequest::new("t", ProviderId::ZOOM, "Check-up", at("2027-03-01T15:00:00", "2027-03-01T15:30:00"));
    /// let fp = |r| ValidatedCreate::new(r, &limits).unwrap().fingerprint();
    /// assert_eq!(fp(ten.clone()), fp(same));
    /// assert_ne!(fp(ten), fp(three));
    /// ```
    pub fn fingerprint(&self) -> String {
        let request = self.request();
        let mut participants: Vec<(String, Option<&str>)> = request
            .participants()
            .map(|p| (p.email.trim().to_lowercase(), p.display_name.as_deref()))
            .collect();
        participants.sort();
        let content = json!({
            "title": self.title(),
            "description": request.description.as_deref().map(str::trim_end),
            "start": self.time().start_utc().to_string(),
            "end": self.time().end_utc().to_string(),
            "timezone": self.time().timezone(),
            "participants": participants,
            "conference": request.add_conference_link,
            "notify": request.notify_participants,
            "metadata": request.metadata,
            "provider_options": request.provider_options,
        });
        let mut canonical = String::new();
        write_canonical(&content, &mut canonical);
        let digest = Sha256::digest(canonical.as_bytes());
        let mut out = String::with_capacity(VERSION.len() + 1 + 32);
        out.push_str(VERSION);
        out.push(':');
        for b in &digest[..16] {
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

/// JSON with object keys sorted at every level, so key order (which `serde_json` keeps or not
/// depending on a feature another crate may turn on) never changes the fingerprint.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreateMeetingRequest, MeetingParticipant, MeetingTime, RequestLimits};

    fn request() -> CreateMeetingRequest {
        CreateMeetingRequest::new(
            "org_1",
            "zoom",
            "Interview",
            MeetingTime::new("2027-06-15T10:00:00", "2027-06-15T11:00:00")
                .with_timezone("Asia/Kolkata"),
        )
        .with_description("Round 2")
        .with_primary_participant(MeetingParticipant::new("a@example.com"))
        .with_participant(MeetingParticipant::new("b@example.com"))
        .with_metadata_entry("application_id", "app_42")
    }

    fn fp(r: CreateMeetingRequest) -> String {
        ValidatedCreate::new(r, &RequestLimits::DEFAULT)
            .unwrap()
            .fingerprint()
    }

    #[test]
    fn the_same_request_written_differently_has_one_fingerprint() {
        let base = fp(request());
        assert!(base.starts_with("v1:") && base.len() == 35, "{base}");
        // The same instant given in another zone's offset is still another zone: the zone is
        // part of the request (Zoom shows it), so only the spelling of one zone may vary.
        let mut reordered = request();
        reordered.primary_participant = Some(MeetingParticipant::new("B@example.com"));
        reordered.additional_participants = vec![MeetingParticipant::new("a@example.com")];
        assert_eq!(fp(reordered), base);
        let mut spaced = request();
        spaced.title = " Interview ".into();
        spaced.description = Some("Round 2\n".into());
        assert_eq!(fp(spaced), base);
        // The tenant names the record, not the request.
        let mut other_tenant = request();
        other_tenant.tenant_id = "org_2".into();
        assert_eq!(fp(other_tenant), base);
    }

    #[test]
    fn each_part_of_the_request_changes_the_fingerprint() {
        let base = fp(request());
        type Change = Box<dyn Fn(&mut CreateMeetingRequest)>;
        let changes: Vec<(&str, Change)> = vec![
            ("title", Box::new(|r| r.title = "Interview 2".into())),
            ("description", Box::new(|r| r.description = None)),
            (
                "start",
                Box::new(|r| {
                    r.time = MeetingTime::new("2027-06-15T15:00:00", "2027-06-15T16:00:00")
                        .with_timezone("Asia/Kolkata")
                }),
            ),
            (
                "zone",
                Box::new(|r| {
                    r.time = MeetingTime::new("2027-06-15T10:00:00", "2027-06-15T11:00:00")
                        .with_timezone("Europe/Paris")
                }),
            ),
            (
                "participant",
                Box::new(|r| r.additional_participants.clear()),
            ),
            ("conference", Box::new(|r| r.add_conference_link = false)),
            ("notify", Box::new(|r| r.notify_participants = Some(false))),
            (
                "metadata",
                Box::new(|r| {
                    r.metadata.insert("application_id".into(), "app_43".into());
                }),
            ),
            (
                "provider options",
                Box::new(|r| {
                    r.provider_options
                        .insert("zoom".into(), json!({"settings": {"waiting_room": true}}));
                }),
            ),
        ];
        for (what, change) in changes {
            let mut r = request();
            change(&mut r);
            assert_ne!(fp(r), base, "{what}");
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a: Value =
            serde_json::from_str(r#"{"b":{"y":1,"x":[{"d":1,"c":2}]},"a":"\u00e9"}"#).unwrap();
        let mut out = String::new();
        write_canonical(&a, &mut out);
        assert_eq!(out, r#"{"a":"é","b":{"x":[{"c":2,"d":1}],"y":1}}"#);
    }

    #[test]
    fn the_fingerprint_is_pinned() {
        // A record written by one release must match the same request in the next: changing
        // what is hashed needs a new VERSION.
        assert_eq!(fp(request()), "v1:77c381055712c1f7937f3510aced32be");
    }
}
