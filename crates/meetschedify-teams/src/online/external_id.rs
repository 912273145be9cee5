//! The `externalId` of an online meeting: idempotency, tenant ownership and the time zone.
//!
//! An onlineMeeting has no extended properties and no free-text field of the application's
//! own (reference §2.5): `subject` is shown to attendees, and `joinInformation` and the ids are
//! read-only. Its one client-chosen property is `externalId`: `createOrGet` keys meetings by
//! (tenant, organizer, `externalId`), returns it on every read, and no PATCH may change it
//! (§2.3, §2.4). The library writes `msch1.<owner>.<create>.<zone>` there:
//!
//! | part | what | why |
//! |---|---|---|
//! | `owner` | 16 hex digits of SHA-256 over the provider id and the tenant | all tenants share the organizer: get, update and cancel refuse a meeting whose owner part is not the caller's |
//! | `create` | 24 hex digits derived from the idempotency key ([`KeyDigest::derive`]), or random | a repeated keyed create, or a retry after a lost answer, finds the first meeting |
//! | `zone` | the create's IANA zone | times come back from Graph in UTC; reads give them in this zone |
//!
//! Neither part reveals the tenant or the key, and the tenant of a call comes from the
//! application, so a tenant cannot make the library write another tenant's owner part.
//! Because the zone is part of the key Graph matches, the same idempotency key with another
//! zone makes another meeting; and since `externalId` cannot change, reads after an update
//! into another zone give the times (exact instants) in the create's zone.

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::{ProviderId, TenantId};

/// The version label: a new layout gets a new label, never reuses this one.
const PREFIX: &str = "msch1";
/// Hex digits of the owner part: 64 bits, so two tenants never share one by chance.
const OWNER_HEX: usize = 16;
/// Hex digits of the create part: 96 bits.
const CREATE_HEX: usize = 24;

/// One online meeting's `externalId`, as the library writes and reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExternalId {
    owner: String,
    create: String,
    zone: String,
}

impl ExternalId {
    /// The id of a create with idempotency key `key`: the same provider, tenant, key and zone
    /// always give the same id, from any process.
    pub(crate) fn derived(provider: &ProviderId, tenant: &TenantId, key: &str, zone: &str) -> Self {
        let digest = KeyDigest::derive("meetschedify-teams/external-id/v1", provider, tenant, key);
        Self {
            owner: owner_tag(provider, tenant),
            create: digest.to_hex(CREATE_HEX),
            zone: zone.to_owned(),
        }
    }

    /// A fresh id for a create without an idempotency key: shared by that call's retries only.
    pub(crate) fn random(provider: &ProviderId, tenant: &TenantId, zone: &str) -> Self {
        let bits = rand::random::<u128>() >> (128 - 4 * CREATE_HEX);
        Self {
            owner: owner_tag(provider, tenant),
            create: format!("{bits:0w$x}", w = CREATE_HEX),
            zone: zone.to_owned(),
        }
    }

    /// The library's id in a meeting's `externalId`, or `None` for one it did not write.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(4, '.');
        let (prefix, owner, create, zone) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |s: &str, n: usize| {
            s.len() == n
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        (prefix == PREFIX && hex(owner, OWNER_HEX) && hex(create, CREATE_HEX) && !zone.is_empty())
            .then(|| Self {
                owner: owner.to_owned(),
                create: create.to_owned(),
                zone: zone.to_owned(),
            })
    }

    /// Whether `tenant` of `provider` created the meeting.
    pub(crate) fn owned_by(&self, provider: &ProviderId, tenant: &TenantId) -> bool {
        self.owner == owner_tag(provider, tenant)
    }

    /// The IANA zone of the create.
    pub(crate) fn zone(&self) -> &str {
        &self.zone
    }
}

impl std::fmt::Display for ExternalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PREFIX}.{}.{}.{}", self.owner, self.create, self.zone)
    }
}

/// The owner part of `tenant` on `provider`.
fn owner_tag(provider: &ProviderId, tenant: &TenantId) -> String {
    KeyDigest::of_parts(&[
        "meetschedify-teams/owner/v1",
        provider.as_str(),
        tenant.as_str(),
    ])
    .to_hex(OWNER_HEX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ProviderId = ProviderId::MICROSOFT_TEAMS_APP;

    #[test]
    fn keyed_ids_are_stable_and_scoped() {
        let a = ExternalId::derived(&P, &"acme".into(), "booking-42", "Europe/Berlin");
        assert_eq!(
            a,
            ExternalId::derived(&P, &"acme".into(), "booking-42", "Europe/Berlin")
        );
        assert_ne!(
            a,
            ExternalId::derived(&P, &"globex".into(), "booking-42", "Europe/Berlin")
        );
        assert_ne!(
            a,
            ExternalId::derived(&P, &"acme".into(), "booking-43", "Europe/Berlin")
        );
        let text = a.to_string();
        assert!(text.starts_with("msch1.") && text.ends_with(".Europe/Berlin"));
        assert!(!text.contains("acme") && !text.contains("booking"));
        assert_eq!(ExternalId::parse(&text), Some(a));
    }

    #[test]
    fn keyed_ids_are_pinned() {
        // Pinned: a key must give the same externalId from one release to the next, or a
        // create repeated across an upgrade would make a second meeting. Checked with Python's
        // hashlib over the same length-prefixed parts.
        let id = ExternalId::derived(&P, &"acme".into(), "booking-42", "Europe/Berlin");
        assert_eq!(
            id.to_string(),
            "msch1.4c27ed0ba95f3c15.1ac22c275be6fb8d843fc574.Europe/Berlin"
        );
    }

    #[test]
    fn ownership_follows_the_tenant() {
        let id = ExternalId::random(&P, &"acme".into(), "UTC");
        assert!(id.owned_by(&P, &"acme".into()));
        assert!(!id.owned_by(&P, &"globex".into()));
        assert!(!id.owned_by(&"teams-eu".into(), &"acme".into()));
        assert_ne!(id, ExternalId::random(&P, &"acme".into(), "UTC"));
    }

    #[test]
    fn foreign_ids_are_not_read() {
        for foreign in [
            "booking-42",
            "msch1.0123456789abcdef.0123456789abcdef01234567",
            "msch1.0123456789ABCDEF.0123456789abcdef01234567.UTC",
            "msch2.0123456789abcdef.0123456789abcdef01234567.UTC",
            "msch1.0123456789abcdef.0123456789abcdef01234567.",
        ] {
            assert_eq!(ExternalId::parse(foreign), None, "{foreign}");
        }
        let zoned =
            "msch1.0123456789abcdef.0123456789abcdef01234567.America/Argentina/Buenos_Aires";
        assert_eq!(
            ExternalId::parse(zoned).unwrap().zone(),
            "America/Argentina/Buenos_Aires"
        );
    }
}
