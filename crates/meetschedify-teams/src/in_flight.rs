//! [`InFlight`]: at most four Graph requests at once per mailbox.
//!
//! Outlook allows 4 concurrent requests per app and mailbox and answers more with 429 ("Limits
//! per mailbox" on Graph's throttling-limits page), so a fifth waits here instead of being
//! throttled there. The app-only provider writes to one mailbox and has one budget; the per-user
//! provider writes to one mailbox per tenant, and tenants are spread over a fixed set of
//! budgets by a hash of their id: memory stays bounded however many tenants connect, and two
//! tenants sharing a budget only ever wait for each other, never exceed a mailbox's limit.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use meetschedify_core::TenantId;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Requests one mailbox may have in flight.
pub(crate) const MAX_IN_FLIGHT: usize = 4;

/// How many budgets the per-user provider spreads tenants over.
pub(crate) const PER_USER_STRIPES: usize = 64;

/// The concurrency budgets of one provider.
#[derive(Debug)]
pub(crate) struct InFlight {
    stripes: Vec<Semaphore>,
}

impl InFlight {
    /// `stripes` budgets of [`MAX_IN_FLIGHT`] each (at least one).
    pub(crate) fn new(stripes: usize) -> Self {
        Self {
            stripes: (0..stripes.max(1))
                .map(|_| Semaphore::new(MAX_IN_FLIGHT))
                .collect(),
        }
    }

    /// Waits for a slot in `tenant`'s budget; the slot is held until the permit is dropped.
    pub(crate) async fn acquire(&self, tenant: &TenantId) -> Option<SemaphorePermit<'_>> {
        let index = if self.stripes.len() == 1 {
            0
        } else {
            let mut hasher = DefaultHasher::new();
            tenant.as_str().hash(&mut hasher);
            let len = u64::try_from(self.stripes.len()).unwrap_or(u64::MAX);
            // The remainder is below `len`, itself a usize, so it always fits.
            usize::try_from(hasher.finish() % len).unwrap_or(0)
        };
        // The semaphores are never closed, so acquiring cannot fail.
        self.stripes[index].acquire().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_tenant_gets_four_slots_and_others_are_not_blocked_by_it() {
        let limits = InFlight::new(PER_USER_STRIPES);
        let busy = TenantId::new("busy");
        let mut held = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            held.push(limits.acquire(&busy).await.unwrap());
        }
        let fifth =
            tokio::time::timeout(std::time::Duration::from_millis(20), limits.acquire(&busy)).await;
        assert!(fifth.is_err(), "a fifth request for one mailbox waits");
        // Some tenant hashes to another stripe and is served at once.
        let mut other_served = false;
        for i in 0..32 {
            let other = TenantId::new(format!("other-{i}"));
            let quick =
                tokio::time::timeout(std::time::Duration::from_millis(20), limits.acquire(&other))
                    .await;
            if quick.is_ok() {
                other_served = true;
                break;
            }
        }
        assert!(other_served);
    }
}
