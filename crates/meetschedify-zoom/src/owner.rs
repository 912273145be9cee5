//! Tenant ownership on a shared Zoom account.
//!
//! Every tenant's meetings live on the hosts of one Zoom account, so a meeting id alone would
//! let any tenant read, change or cancel any other tenant's meeting. Each create therefore
//! stamps its tenant's [`OwnerTag`] into the marker at the end of the agenda (see `marker.rs`),
//! the one free-text field Zoom keeps and returns, and get, update and cancel read the meeting
//! and refuse, as `MEETING_NOT_FOUND`, one whose tag is not the caller's.
//!
//! The tag is a hash, not the tenant id: participants read the agenda. It is not a secret
//! either, and needs not be: the tenant of a call comes from the application, and the library
//! only ever writes the caller's own tag.

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::{Error, ProviderId, Result, TenantId};
use serde_json::Value;

use crate::marker::Marker;

/// Hex digits of a tag: 64 bits, so two tenants of one account never share one by chance.
pub(crate) const OWNER_HEX_LEN: usize = 16;

/// The tag of the tenant that owns a meeting: the first 64 bits of SHA-256 over a domain
/// label, the provider id and the tenant id (each length-prefixed), as lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnerTag(String);

impl OwnerTag {
    /// The tag of `tenant` on `provider`: the same pair always gives the same tag.
    pub(crate) fn of(provider: &ProviderId, tenant: &TenantId) -> Self {
        // Not `KeyDigest::derive`: there is no key, only the pair; the parts and their
        // length prefixes are those of every release so far, so stamped meetings stay owned.
        let digest = KeyDigest::of_parts(&[
            "meetschedify-zoom/owner/v1",
            provider.as_str(),
            tenant.as_str(),
        ]);
        Self(digest.to_hex(OWNER_HEX_LEN))
    }

    /// A tag read back from an agenda (already checked to be lower-case hex).
    pub(crate) fn parsed(hex: &str) -> Self {
        Self(hex.to_owned())
    }

    /// The tag as hex.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `meeting` (Zoom's meeting JSON) carries `owner`'s tag in its agenda's marker.
pub(crate) fn owned_by(meeting: &Value, owner: &OwnerTag) -> bool {
    meeting
        .get("agenda")
        .and_then(Value::as_str)
        .and_then(Marker::find_in)
        .is_some_and(|m| m.owner() == owner)
}

/// Fails with the `MEETING_NOT_FOUND` Zoom itself gives for an unknown id when `meeting` is not
/// `owner`'s: another tenant's, or one made outside this library (no marker). The two cases
/// answer alike, so a tenant learns nothing about meetings that are not its own.
pub(crate) fn ensure_owned(
    meeting: &Value,
    owner: &OwnerTag,
    id: &str,
    provider: &ProviderId,
) -> Result<()> {
    if owned_by(meeting, owner) {
        return Ok(());
    }
    tracing::info!(
        meeting_id = %id,
        "refused: the meeting belongs to another tenant or was made outside meetschedify"
    );
    Err(not_found(id, provider))
}

/// The error of a refused meeting: what Zoom answers for an id it does not know (404, code
/// 3001, the message of `GET /meetings/{meetingId}`).
fn not_found(id: &str, provider: &ProviderId) -> Error {
    let body = format!(r#"{{"code":3001,"message":"Meeting {id} is not found or has expired."}}"#);
    crate::errors::api_status(404, &Default::default(), body.as_bytes(), provider).error
}

#[cfg(test)]
mod tests {
    use meetschedify_core::ErrorCode;
    use serde_json::json;

    use super::*;

    #[test]
    fn tags_are_stable_and_scoped_by_provider_and_tenant() {
        let a = OwnerTag::of(&ProviderId::ZOOM, &"org_1".into());
        assert_eq!(a, OwnerTag::of(&ProviderId::ZOOM, &"org_1".into()));
        assert_ne!(a, OwnerTag::of(&ProviderId::ZOOM, &"org_2".into()));
        assert_ne!(a, OwnerTag::of(&"zoom-eu".into(), &"org_1".into()));
        assert_eq!(a.as_str().len(), OWNER_HEX_LEN);
        assert!(!a.as_str().contains("org_1"));
        // Pinned (checked with Python's hashlib): meetings stamped by one release must stay
        // their tenant's in the next.
        assert_eq!(a.as_str(), PINNED_ORG_1);
    }

    const PINNED_ORG_1: &str = "1b4781a9c889f74e";

    #[test]
    fn only_the_owner_passes() {
        let provider = ProviderId::ZOOM;
        let mine = Marker::random(&provider, &"org_1".into());
        let meeting = json!({"id": 1, "agenda": mine.agenda(Some("Round 2"))});
        let owner = OwnerTag::of(&provider, &"org_1".into());
        ensure_owned(&meeting, &owner, "1", &provider).unwrap();
        let other = OwnerTag::of(&provider, &"org_2".into());
        let err = ensure_owned(&meeting, &other, "1", &provider).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MeetingNotFound);
        assert_eq!(err.http_status(), Some(404));
        assert_eq!(err.zoom_details().unwrap().code, Some(3001));
        for unowned in [json!({"id": 1}), json!({"id": 1, "agenda": "made in Zoom"})] {
            assert!(!owned_by(&unowned, &owner));
        }
    }
}
