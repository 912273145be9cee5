//! Request validation, before any I/O.
//!
//! [`ValidatedCreate`] and [`ValidatedUpdate`] can only be made by validating a request against
//! a provider's [`RequestLimits`], so a provider that receives one knows every rule below holds.
//! Each failure is an `INVALID_REQUEST` error whose `field` names the culprit as a dotted path
//! (`time.end`, `additional_participants[2].email`).

use std::collections::HashSet;

use email_address::EmailAddress;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::meeting::{CreateMeetingRequest, MeetingParticipant, Metadata, UpdateMeetingRequest};
use crate::time::ResolvedTime;

/// The limits a provider puts on requests. Core checks them before calling the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestLimits {
    /// Longest title, in characters.
    pub max_title_chars: usize,
    /// Longest description, in characters.
    pub max_description_chars: usize,
    /// Most participants (primary plus additional).
    pub max_participants: usize,
    /// Largest metadata, in bytes of compact JSON.
    pub max_metadata_bytes: usize,
    /// Longest idempotency key, in characters.
    pub max_idempotency_key_chars: usize,
}

impl RequestLimits {
    /// Limits that suit most providers: 255-character titles, 8,000-character descriptions,
    /// 100 participants, 8 KiB of metadata, 255-character idempotency keys.
    pub const DEFAULT: RequestLimits = RequestLimits {
        max_title_chars: 255,
        max_description_chars: 8_000,
        max_participants: 100,
        max_metadata_bytes: 8 * 1024,
        max_idempotency_key_chars: 255,
    };

    /// Sets the longest title.
    pub const fn with_max_title_chars(mut self, n: usize) -> Self {
        self.max_title_chars = n;
        self
    }

    /// Sets the longest description.
    pub const fn with_max_description_chars(mut self, n: usize) -> Self {
        self.max_description_chars = n;
        self
    }

    /// Sets the most participants.
    pub const fn with_max_participants(mut self, n: usize) -> Self {
        self.max_participants = n;
        self
    }

    /// Sets the largest metadata.
    pub const fn with_max_metadata_bytes(mut self, n: usize) -> Self {
        self.max_metadata_bytes = n;
        self
    }
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A create request that passed validation, with its time resolved.
#[derive(Debug, Clone)]
pub struct ValidatedCreate {
    request: CreateMeetingRequest,
    time: ResolvedTime,
}

impl ValidatedCreate {
    /// Validates `request` against `limits`.
    pub fn new(request: CreateMeetingRequest, limits: &RequestLimits) -> Result<Self> {
        request.tenant_id.validate("tenant_id")?;
        check_title(&request.title, "title", limits)?;
        if let Some(d) = &request.description {
            check_description(d, "description", limits)?;
        }
        let time = request.time.resolve()?;
        let mut seen = HashSet::new();
        if let Some(p) = &request.primary_participant {
            check_participant(p, "primary_participant", &mut seen)?;
        }
        for (i, p) in request.additional_participants.iter().enumerate() {
            check_participant(p, &format!("additional_participants[{i}]"), &mut seen)?;
        }
        let count = request.participants().count();
        if count > limits.max_participants {
            return Err(Error::invalid_request(
                "additional_participants",
                format!(
                    "{count} participants exceed the limit of {}",
                    limits.max_participants
                ),
            ));
        }
        check_metadata(&request.metadata, "metadata", limits)?;
        if let Some(key) = &request.idempotency_key {
            check_idempotency_key(key, limits)?;
        }
        Ok(Self { request, time })
    }

    /// The request as given.
    pub fn request(&self) -> &CreateMeetingRequest {
        &self.request
    }

    /// The resolved time.
    pub fn time(&self) -> &ResolvedTime {
        &self.time
    }

    /// The title, trimmed.
    pub fn title(&self) -> &str {
        self.request.title.trim()
    }

    /// Gives the request back.
    pub fn into_request(self) -> CreateMeetingRequest {
        self.request
    }
}

/// An update request that passed validation, with its time (if any) resolved.
#[derive(Debug, Clone)]
pub struct ValidatedUpdate {
    request: UpdateMeetingRequest,
    time: Option<ResolvedTime>,
}

impl ValidatedUpdate {
    /// Validates `request` against `limits`. An update that changes nothing is rejected.
    pub fn new(request: UpdateMeetingRequest, limits: &RequestLimits) -> Result<Self> {
        if request.is_empty() {
            return Err(Error::invalid_request(
                "update",
                "an update must change at least one of title, description, time, participants \
                 or metadata",
            ));
        }
        if let Some(t) = &request.title {
            check_title(t, "title", limits)?;
        }
        if let Some(d) = &request.description {
            check_description(d, "description", limits)?;
        }
        let time = request.time.as_ref().map(|t| t.resolve()).transpose()?;
        if let Some(list) = &request.participants {
            let mut seen = HashSet::new();
            for (i, p) in list.iter().enumerate() {
                check_participant(p, &format!("participants[{i}]"), &mut seen)?;
            }
            if list.len() > limits.max_participants {
                return Err(Error::invalid_request(
                    "participants",
                    format!(
                        "{} participants exceed the limit of {}",
                        list.len(),
                        limits.max_participants
                    ),
                ));
            }
        }
        if let Some(m) = &request.metadata {
            check_metadata(m, "metadata", limits)?;
        }
        Ok(Self { request, time })
    }

    /// The request as given.
    pub fn request(&self) -> &UpdateMeetingRequest {
        &self.request
    }

    /// The resolved new time, if the update moves the meeting.
    pub fn time(&self) -> Option<&ResolvedTime> {
        self.time.as_ref()
    }
}

fn check_title(title: &str, field: &str, limits: &RequestLimits) -> Result<()> {
    let trimmed = title.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_request(field, "title must not be empty"));
    }
    let chars = trimmed.chars().count();
    if chars > limits.max_title_chars {
        return Err(Error::invalid_request(
            field,
            format!(
                "title is {chars} characters; the limit is {}",
                limits.max_title_chars
            ),
        ));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_request(
            field,
            "title must not contain control characters",
        ));
    }
    Ok(())
}

fn check_description(description: &str, field: &str, limits: &RequestLimits) -> Result<()> {
    let chars = description.chars().count();
    if chars > limits.max_description_chars {
        return Err(Error::invalid_request(
            field,
            format!(
                "description is {chars} characters; the limit is {}",
                limits.max_description_chars
            ),
        ));
    }
    Ok(())
}

fn check_participant(
    p: &MeetingParticipant,
    field: &str,
    seen: &mut HashSet<String>,
) -> Result<()> {
    let email = p.email.trim();
    let well_formed = EmailAddress::parse_with_options(
        email,
        email_address::Options::default()
            .without_display_text()
            .without_domain_literal(),
    )
    .is_ok_and(|addr| addr.domain().contains('.'));
    if !well_formed {
        return Err(Error::invalid_request(
            format!("{field}.email"),
            format!("`{email}` is not a valid email address"),
        ));
    }
    if !seen.insert(email.to_lowercase()) {
        return Err(Error::invalid_request(
            format!("{field}.email"),
            format!("`{email}` is listed more than once"),
        ));
    }
    if let Some(name) = &p.display_name {
        if name.chars().count() > 256 || name.chars().any(char::is_control) {
            return Err(Error::invalid_request(
                format!("{field}.display_name"),
                "display name must be at most 256 characters without control characters",
            ));
        }
    }
    Ok(())
}

fn check_metadata(metadata: &Metadata, field: &str, limits: &RequestLimits) -> Result<()> {
    // Compact JSON is what providers store, so that is what the limit counts.
    let bytes = serde_json::to_vec(metadata)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if bytes > limits.max_metadata_bytes {
        return Err(Error::invalid_request(
            field,
            format!(
                "metadata is {bytes} bytes of JSON; the limit is {}",
                limits.max_metadata_bytes
            ),
        ));
    }
    Ok(())
}

fn check_idempotency_key(key: &str, limits: &RequestLimits) -> Result<()> {
    let field = "idempotency_key";
    if key.is_empty() || key.chars().count() > limits.max_idempotency_key_chars {
        return Err(Error::invalid_request(
            field,
            format!(
                "idempotency key must be 1 to {} characters",
                limits.max_idempotency_key_chars
            ),
        ));
    }
    if !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid_request(
            field,
            "idempotency key must be printable ASCII without spaces",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, MeetingTime, ProviderId};

    fn request() -> CreateMeetingRequest {
        CreateMeetingRequest::new(
            "org_1",
            ProviderId::ZOOM,
            "Interview",
            MeetingTime::new("2026-06-15T10:00:00", "2026-06-15T11:00:00")
                .with_timezone("Asia/Kolkata"),
        )
        .with_primary_participant(MeetingParticipant::new("candidate@example.com"))
        .with_participant(MeetingParticipant::new("interviewer@example.com"))
    }

    fn field_of(req: CreateMeetingRequest) -> String {
        let err = ValidatedCreate::new(req, &RequestLimits::DEFAULT).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        err.field().unwrap().to_owned()
    }

    #[test]
    fn a_good_request_passes() {
        let v = ValidatedCreate::new(request(), &RequestLimits::DEFAULT).unwrap();
        assert_eq!(v.time().duration_minutes(), 60);
        assert_eq!(v.title(), "Interview");
    }

    #[test]
    fn empty_title_is_rejected() {
        let mut r = request();
        r.title = "   ".into();
        assert_eq!(field_of(r), "title");
    }

    #[test]
    fn over_long_title_is_rejected_by_provider_limit() {
        let mut r = request();
        r.title = "x".repeat(201);
        let zoom = RequestLimits::DEFAULT.with_max_title_chars(200);
        let err = ValidatedCreate::new(r.clone(), &zoom).unwrap_err();
        assert_eq!(err.field(), Some("title"));
        assert!(err.message().contains("201"));
        r.title = "é".repeat(200);
        ValidatedCreate::new(r, &zoom).expect("limit counts characters, not bytes");
    }

    #[test]
    fn over_long_description_is_rejected() {
        let r = request().with_description("x".repeat(2001));
        let err = ValidatedCreate::new(r, &RequestLimits::DEFAULT.with_max_description_chars(2000))
            .unwrap_err();
        assert_eq!(err.field(), Some("description"));
    }

    #[test]
    fn end_not_after_start_is_rejected() {
        let mut r = request();
        r.time.end = r.time.start.clone();
        assert_eq!(field_of(r), "time.end");
    }

    #[test]
    fn unknown_time_zone_is_rejected() {
        let mut r = request();
        r.time.timezone = "Asia/Atlantis".into();
        assert_eq!(field_of(r), "time.timezone");
    }

    #[test]
    fn malformed_emails_are_rejected_with_their_position() {
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a b@example.com",
            "@example.com",
            "a@",
            "<a@x.com>",
        ] {
            let mut r = request();
            r.additional_participants.push(MeetingParticipant::new(bad));
            assert_eq!(field_of(r), "additional_participants[1].email", "{bad:?}");
        }
        let mut r = request();
        r.primary_participant = Some(MeetingParticipant::new("nope"));
        assert_eq!(field_of(r), "primary_participant.email");
    }

    #[test]
    fn duplicate_participants_are_rejected_case_insensitively() {
        let r = request().with_participant(MeetingParticipant::new("Candidate@Example.com"));
        assert_eq!(field_of(r), "additional_participants[1].email");
    }

    #[test]
    fn too_many_participants_are_rejected() {
        let mut r = request();
        for i in 0..99 {
            r.additional_participants
                .push(MeetingParticipant::new(format!("p{i}@example.com")));
        }
        assert_eq!(field_of(r), "additional_participants");
    }

    #[test]
    fn oversized_metadata_is_rejected() {
        let r = request().with_metadata_entry("blob", "x".repeat(9000));
        assert_eq!(field_of(r), "metadata");
        let ok = request().with_metadata_entry("blob", "x".repeat(8000));
        ValidatedCreate::new(ok, &RequestLimits::DEFAULT).unwrap();
    }

    #[test]
    fn bad_tenant_and_idempotency_keys_are_rejected() {
        let mut r = request();
        r.tenant_id = "".into();
        assert_eq!(field_of(r), "tenant_id");
        assert_eq!(
            field_of(request().with_idempotency_key("")),
            "idempotency_key"
        );
        assert_eq!(
            field_of(request().with_idempotency_key("has space")),
            "idempotency_key"
        );
        assert_eq!(
            field_of(request().with_idempotency_key("k".repeat(256))),
            "idempotency_key"
        );
    }

    #[test]
    fn updates_are_validated_field_by_field() {
        let limits = RequestLimits::DEFAULT;
        let empty = ValidatedUpdate::new(UpdateMeetingRequest::new(), &limits).unwrap_err();
        assert_eq!(empty.field(), Some("update"));
        let bad_time = UpdateMeetingRequest::new().with_time(MeetingTime::new(
            "2026-06-15T11:00:00",
            "2026-06-15T10:00:00",
        ));
        assert_eq!(
            ValidatedUpdate::new(bad_time, &limits).unwrap_err().field(),
            Some("time.end")
        );
        let dup = UpdateMeetingRequest::new().with_participants(vec![
            MeetingParticipant::new("a@example.com"),
            MeetingParticipant::new("A@example.com"),
        ]);
        assert_eq!(
            ValidatedUpdate::new(dup, &limits).unwrap_err().field(),
            Some("participants[1].email")
        );
        let blank_title = UpdateMeetingRequest::new().with_title("");
        assert_eq!(
            ValidatedUpdate::new(blank_title, &limits)
                .unwrap_err()
                .field(),
            Some("title")
        );
        let ok = UpdateMeetingRequest::new().with_time(MeetingTime::new(
            "2026-06-15T10:00:00",
            "2026-06-15T10:45:00",
        ));
        let v = ValidatedUpdate::new(ok, &limits).unwrap();
        assert_eq!(v.time().unwrap().duration_minutes(), 45);
    }
}
