//! Idempotent creates: one meeting per idempotency key, however often and however concurrently
//! the create is repeated.
//!
//! When a [`CreateMeetingRequest`](crate::CreateMeetingRequest) carries an idempotency key, the
//! client first claims the key in an [`IdempotencyStore`]:
//!
//! - a key never used (or whose record expired) is claimed, the provider creates the meeting,
//!   and the record keeps the meeting id for [`IdempotencyConfig::record_ttl`];
//! - a key already used for the same request returns that meeting (one read at the provider,
//!   none for a provider that cannot read meetings back);
//! - a key already used for a different request (its [fingerprint](crate::ValidatedCreate::fingerprint)
//!   differs) is refused with `IDEMPOTENCY_KEY_REUSED`, and nothing is sent;
//! - a key whose create is still running elsewhere waits for it, then returns its meeting.
//!
//! Waiting for a create in flight and renewing a running create's lease use Tokio's timer, as
//! any provider that does I/O does; a create that completes on its first poll (a provider with
//! no I/O) needs none.
//!
//! Providers that derive ids at the vendor from the key (Google event ids, the Zoom marker)
//! use [`KeyDigest`], so every provider scopes keys the same way.
//!
//! Records live in the store the client was built with: [`MemoryIdempotencyStore`] by default
//! (one process), or a shared one (the SQL and Redis stores) for several instances.

mod digest;
mod fingerprint;
mod memory;
mod once;
mod store;

pub use digest::KeyDigest;
pub use memory::MemoryIdempotencyStore;
pub(crate) use once::create_once;
pub use once::IdempotencyConfig;
pub use store::{Claim, IdempotencyKey, IdempotencyStore};
