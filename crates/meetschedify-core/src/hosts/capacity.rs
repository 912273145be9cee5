//! What a capacity error says: why no host could take a meeting, and when one could.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One host's state when a pool refused a meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostLoad {
    /// The host's id, as configured.
    pub host: String,
    /// Creates plus updates counted on it today (UTC).
    pub used_today: u32,
    /// Whether it has no creates or updates left today (counted, or the vendor said so).
    pub out_of_quota: bool,
    /// When it is busy over the requested time: the earliest time one of its overlapping
    /// meetings ends, padding included. `None` when it is not busy then.
    pub free_at: Option<Timestamp>,
    /// Whether the caller left it out (the request was pinned to another host, or the vendor
    /// refused it during this call).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub excluded: bool,
}

/// Why a [`HostPool`](super::HostPool) refused a meeting (`NO_HOST_AVAILABLE`) or a reschedule
/// on the meeting's host (`HOST_BUSY`): read it with [`Error::capacity`](crate::Error::capacity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityDetails {
    /// The meeting's start, as requested.
    pub start: Timestamp,
    /// The meeting's end, as requested.
    pub end: Timestamp,
    /// The hosts considered, in the pool's order.
    pub hosts: Vec<HostLoad>,
    /// When daily counts reset (00:00 UTC next), if any host was out of quota.
    pub quota_resets_at: Option<Timestamp>,
}

impl CapacityDetails {
    /// The earliest time a busy host with quota left frees up (its overlapping meeting ends),
    /// if any host is busy rather than out of quota.
    pub fn earliest_free_at(&self) -> Option<Timestamp> {
        self.hosts
            .iter()
            .filter(|h| !h.out_of_quota && !h.excluded)
            .filter_map(|h| h.free_at)
            .min()
    }

    /// A one-line summary for the error message.
    pub(crate) fn summary(&self) -> String {
        // A host counts once: out of quota first (whether or not it was left out), then left
        // out, then busy.
        let spent = self.hosts.iter().filter(|h| h.out_of_quota).count();
        let excluded = self
            .hosts
            .iter()
            .filter(|h| h.excluded && !h.out_of_quota)
            .count();
        let busy = self
            .hosts
            .iter()
            .filter(|h| !h.excluded && !h.out_of_quota && h.free_at.is_some())
            .count();
        let mut parts = Vec::new();
        if busy > 0 {
            let mut part = format!("{busy} busy");
            if let Some(at) = self.earliest_free_at() {
                part.push_str(&format!(" (the earliest frees up at {at})"));
            }
            parts.push(part);
        }
        if spent > 0 {
            let mut part = format!("{spent} out of today's create/update quota");
            if let Some(at) = self.quota_resets_at {
                part.push_str(&format!(" (it resets at {at})"));
            }
            parts.push(part);
        }
        if excluded > 0 {
            parts.push(format!(
                "{excluded} left out (the request named another host, or the vendor refused it)"
            ));
        }
        parts.join(", ")
    }
}
