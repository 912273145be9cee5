//! The duplicate-guard marker: a short tag at the end of a meeting's agenda that lets the
//! provider recognise a meeting it created when Zoom's answer was lost.
//!
//! Zoom has no client-chosen meeting id and no idempotency header, and a meeting's `agenda` is
//! the one free-text field the list endpoint returns (`GET /users/{userId}/meetings`), so the
//! marker lives there: `[ref ms-<24 hex>]`, after a blank line when there is a description.

use std::fmt::Write as _;

use meetschedify_core::{ProviderId, TenantId};
use sha2::{Digest, Sha256};

const PREFIX: &str = "[ref ms-";
const HEX_LEN: usize = 24;
const SEPARATOR: &str = "\n\n";

/// Characters of the agenda the marker takes, separator included: the description limit is
/// Zoom's 2,000 minus this.
pub(crate) const RESERVED_CHARS: usize = SEPARATOR.len() + PREFIX.len() + HEX_LEN + 1;

/// One create's marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker(String);

impl Marker {
    /// The marker of a create with an idempotency key: the same provider, tenant and key always
    /// give the same marker, and different tenants never share one (they share a Zoom account).
    pub(crate) fn derived(provider: &ProviderId, tenant: &TenantId, key: &str) -> Self {
        let mut hash = Sha256::new();
        for part in [
            "meetschedify-zoom/marker/v1",
            provider.as_str(),
            tenant.as_str(),
            key,
        ] {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        Self::from_bytes(&hash.finalize()[..HEX_LEN / 2])
    }

    /// A fresh marker for a create without an idempotency key (96 random bits).
    pub(crate) fn random() -> Self {
        Self::from_bytes(&rand::random::<[u8; HEX_LEN / 2]>())
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        let mut hex = String::with_capacity(HEX_LEN);
        for b in bytes {
            let _ = write!(hex, "{b:02x}");
        }
        Self(hex)
    }

    /// The tag as it appears in the agenda.
    pub(crate) fn tag(&self) -> String {
        format!("{PREFIX}{}]", self.0)
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

    /// The marker at the end of an agenda, if there is one.
    pub(crate) fn find_in(agenda: &str) -> Option<Self> {
        let start = agenda.rfind(PREFIX)? + PREFIX.len();
        let rest = agenda.get(start..)?;
        let hex = rest.get(..HEX_LEN)?;
        let valid = hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && rest[HEX_LEN..].starts_with(']');
        valid.then(|| Self(hex.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(a.tag(), "[ref ms-f32d42e639ac3c26be24eb47]");
    }

    #[test]
    fn random_markers_differ() {
        assert_ne!(Marker::random(), Marker::random());
        assert_eq!(
            Marker::random().tag().len(),
            RESERVED_CHARS - SEPARATOR.len()
        );
    }

    #[test]
    fn agenda_round_trips() {
        let m = Marker::random();
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
        assert!(!Marker::random().is_in(&with));
    }

    #[test]
    fn find_rejects_look_alikes() {
        assert_eq!(Marker::find_in("no marker"), None);
        assert_eq!(Marker::find_in("[ref ms-123]"), None);
        assert_eq!(Marker::find_in("[ref ms-ZZZZZZZZZZZZZZZZZZZZZZZZ]"), None);
        assert_eq!(Marker::find_in("[ref ms-0123456789ABCDEF01234567]"), None);
        assert_eq!(Marker::find_in("[ref ms-0123456789abcdef01234567"), None);
        assert!(Marker::find_in("x [ref ms-0123456789abcdef01234567]").is_some());
    }

    #[test]
    fn ending_needs_the_whole_marker_last() {
        let m = Marker::random();
        let agenda = m.agenda(Some("Round 2"));
        assert_eq!(Marker::ending(&agenda), Some(m.clone()));
        // Cut by the list inside the marker, or followed by more text: not an ending.
        assert_eq!(Marker::ending(&agenda[..agenda.len() - 3]), None);
        assert_eq!(Marker::ending(&format!("{agenda} and more")), None);
    }
}
