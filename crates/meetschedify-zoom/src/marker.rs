//! The marker: a short tag at the end of a meeting's agenda that records which tenant owns the
//! meeting, and lets the duplicate guard recognise a meeting it created when Zoom's answer was
//! lost.
//!
//! Zoom has no client-chosen meeting id, no idempotency header and no private properties, and a
//! meeting's `agenda` is the one free-text field both the meeting and the list endpoint
//! (`GET /users/{userId}/meetings`) return, so the marker lives there:
//! `[ref ms-<owner: 16 hex>-<create: 24 hex>]`, after a blank line when there is a description.
//! The owner part is the tenant's [`OwnerTag`] (see `owner.rs`); the create part identifies one
//! create (derived from the idempotency key, or random). Participants see exactly this line; it
//! holds no tenant id, key or other text of the application.

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::{ProviderId, TenantId};

use crate::owner::{OwnerTag, OWNER_HEX_LEN};

const PREFIX: &str = "[ref ms-";
const HEX_LEN: usize = 24;
const SEPARATOR: &str = "\n\n";

/// Characters of the agenda the marker takes, separator included: the description limit is
/// Zoom's 2,000 minus this.
pub(crate) const RESERVED_CHARS: usize =
    SEPARATOR.len() + PREFIX.len() + OWNER_HEX_LEN + 1 + HEX_LEN + 1;

/// One create's marker: its owner and its own reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    owner: OwnerTag,
    create: String,
}

impl Marker {
    /// The marker of a create with an idempotency key: the same provider, tenant and key always
    /// give the same marker, and different tenants never share one (they share a Zoom account).
    pub(crate) fn derived(provider: &ProviderId, tenant: &TenantId, key: &str) -> Self {
        let digest = KeyDigest::derive("meetschedify-zoom/marker/v1", provider, tenant, key);
        Self {
            owner: OwnerTag::of(provider, tenant),
            create: digest.to_hex(HEX_LEN),
        }
    }

    /// A fresh marker for a create without an idempotency key (96 random bits), owned by
    /// `tenant`.
    pub(crate) fn random(provider: &ProviderId, tenant: &TenantId) -> Self {
        // One integer formatted as hex rather than twelve bytes formatted one at a time.
        let bits = rand::random::<u128>() >> (128 - 4 * HEX_LEN);
        Self {
            owner: OwnerTag::of(provider, tenant),
            create: format!("{bits:0w$x}", w = HEX_LEN),
        }
    }

    /// The tenant that owns the meeting.
    pub(crate) fn owner(&self) -> &OwnerTag {
        &self.owner
    }

    /// The tag as it appears in the agenda.
    pub(crate) fn tag(&self) -> String {
        format!("{PREFIX}{}-{}]", self.owner.as_str(), self.create)
    }

    /// The agenda for a description (or none) with the marker at its end.
    pub(crate) fn agenda(&self, description: Option<&str>) -> String {
        match description.map(str::trim_end).filter(|d| !d.is_empty()) {
            Some(d) => format!("{d}{SEPARATOR}{}", self.tag()),
            None => self.tag(),
        }
    }

    /// Whether an agenda carries this marker.
    pub(crate) fn is_in(&self, agenda: &str) -> bool {
        Self::find_in(agenda).as_ref() == Some(self)
    }

    /// The marker an agenda ends with (trailing whitespace aside): proof that the agenda is
    /// whole, since a marker is always its last text.
    pub(crate) fn ending(agenda: &str) -> Option<Self> {
        let agenda = agenda.trim_end();
        Self::find_in(agenda).filter(|m| agenda.ends_with(&m.tag()))
    }

    /// The last marker in an agenda, if there is one. The library always writes it last, so a
    /// look-alike in the description never wins over it.
    pub(crate) fn find_in(agenda: &str) -> Option<Self> {
        let start = agenda.rfind(PREFIX)? + PREFIX.len();
        let rest = agenda.get(start..)?;
        let hex = |s: Option<&str>| {
            s.filter(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            })
            .map(str::to_owned)
        };
        let owner = hex(rest.get(..OWNER_HEX_LEN))?;
        let rest = rest.get(OWNER_HEX_LEN..)?.strip_prefix('-')?;
        let create = hex(rest.get(..HEX_LEN))?;
        rest[HEX_LEN..].starts_with(']').then(|| Self {
            owner: OwnerTag::parsed(&owner),
            create,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random() -> Marker {
        Marker::random(&ProviderId::ZOOM, &"org_1".into())
    }

    #[test]
    fn derived_markers_are_stable_and_tenant_scoped() {
        let a = Marker::derived(&ProviderId::ZOOM, &"org_1".into(), "key-1");
        assert_eq!(
            a,
            Marker::derived(&ProviderId::ZOOM, &"org_1".into(), "key-1")
        );
        assert_ne!(
            a,
            Marker::derived(&ProviderId::ZOOM, &"org_2".into(), "key-1")
        );
        assert_ne!(
            a,
            Marker::derived(&ProviderId::ZOOM, &"org_1".into(), "key-2")
        );
        assert_ne!(
            a,
            Marker::derived(&"zoom-eu".into(), &"org_1".into(), "key-1")
        );
        assert_ne!(
            Marker::derived(&ProviderId::ZOOM, &"ab".into(), "c"),
            Marker::derived(&ProviderId::ZOOM, &"a".into(), "bc")
        );
        // Pinned (checked with Python's hashlib): a marker written by one release must be found
        // by the next.
        assert_eq!(
            a.tag(),
            "[ref ms-1b4781a9c889f74e-f32d42e639ac3c26be24eb47]"
        );
    }

    #[test]
    fn random_markers_differ() {
        assert_ne!(random(), random());
        assert_eq!(random().tag().len(), RESERVED_CHARS - SEPARATOR.len());
    }

    #[test]
    fn agenda_round_trips() {
        let m = random();
        let with = m.agenda(Some("Round 2: system design\n"));
        assert!(with.starts_with("Round 2: system design\n\n[ref ms-"));
        assert_eq!(
            with.chars().count(),
            "Round 2: system design".len() + RESERVED_CHARS
        );
        assert!(m.is_in(&with));
        assert_eq!(Marker::find_in(&with), Some(m.clone()));
        assert_eq!(m.agenda(None), m.tag());
        assert_eq!(m.agenda(Some("  ")), m.tag());
        assert!(!random().is_in(&with));
    }

    #[test]
    fn find_rejects_look_alikes() {
        let owner = "0123456789abcdef";
        let create = "0123456789abcdef01234567";
        assert_eq!(Marker::find_in("no marker"), None);
        assert_eq!(Marker::find_in("[ref ms-123]"), None);
        // The one-part format of unreleased versions carries no owner: not a marker.
        assert_eq!(Marker::find_in(&format!("[ref ms-{create}]")), None);
        assert_eq!(
            Marker::find_in(&format!("[ref ms-{owner}-{}]", create.to_uppercase())),
            None
        );
        assert_eq!(
            Marker::find_in(&format!("[ref ms-{}-{create}]", owner.to_uppercase())),
            None
        );
        assert_eq!(Marker::find_in(&format!("[ref ms-{owner}{create}]")), None);
        assert_eq!(Marker::find_in(&format!("[ref ms-{owner}-{create}")), None);
        assert_eq!(
            Marker::find_in(&format!("[ref ms-{owner}-{}]", &create[1..])),
            None
        );
        let found = Marker::find_in(&format!("x [ref ms-{owner}-{create}]")).unwrap();
        assert_eq!(found.owner().as_str(), owner);
    }

    #[test]
    fn the_last_marker_wins_over_a_look_alike_in_the_description() {
        let forged = Marker::random(&ProviderId::ZOOM, &"org_2".into());
        let mine = random();
        let agenda = mine.agenda(Some(&forged.agenda(Some("Round 2"))));
        assert_eq!(Marker::find_in(&agenda), Some(mine));
    }

    #[test]
    fn ending_needs_the_whole_marker_last() {
        let m = random();
        let agenda = m.agenda(Some("Round 2"));
        assert_eq!(Marker::ending(&agenda), Some(m.clone()));
        // Cut by the list inside the marker, or followed by more text: not an ending.
        assert_eq!(Marker::ending(&agenda[..agenda.len() - 3]), None);
        assert_eq!(Marker::ending(&format!("{agenda} and more")), None);
    }
}
