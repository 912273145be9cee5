//! Host pools: spreading meetings over several host accounts so that no host runs more
//! meetings at once than its licence allows, nor makes more create and update calls in a UTC
//! day than its vendor accepts.
//!
//! Zoom is the vendor that needs it (one running meeting per Pro host, two on Business, and 100
//! creates plus updates per host a day), but nothing here is Zoom's: a provider with the same
//! kind of limits uses the same pool.
//!
//! - A [`HostPool`] holds the hosts ([`PoolHost`], each with its concurrent-meeting limit), the
//!   padding kept around each meeting, the daily limit, and the [`HostLedger`] its bookings and
//!   daily counts live in.
//! - Every decision (which host takes a meeting, whether a reschedule fits, charging an update)
//!   is one [`HostLedger::transact`]: the ledger reads what the pool asks for and applies the
//!   pool's changes as one atomic step across every process sharing the backend. The policy is
//!   here, once; a ledger only provides isolation ([`MemoryHostLedger`] in one process, the SQL
//!   and Redis stores for many).
//! - A create first *reserves* a slot (a pending booking that lapses if the process dies), then
//!   *confirms* it with the meeting id, or *releases* it when the create failed.
//!
//! ```
//! # tokio_test_shim::block_on(async {
//! use std::sync::Arc;
//! use meetschedify_core::hosts::{HostPool, MemoryHostLedger, PoolHost};
//! use meetschedify_core::jiff::Timestamp;
//! use meetschedify_core::ErrorCode;
//!
//! let pool = HostPool::new(
//!     "zoom:clinic",
//!     vec![PoolHost::new("alice@clinic.example"), PoolHost::new("bob@clinic.example")],
//!     Arc::new(MemoryHostLedger::new()),
//! )?;
//! let start: Timestamp = "2030-01-07T10:00:00Z".parse()?;
//! let end: Timestamp = "2030-01-07T10:30:00Z".parse()?;
//! let first = pool.reserve(start, end, &[]).await?;
//! let second = pool.reserve(start, end, &[]).await?;
//! assert_ne!(first.host(), second.host());
//! let third = pool.reserve(start, end, &[]).await.unwrap_err();
//! assert_eq!(third.code(), ErrorCode::NoHostAvailable);
//! assert_eq!(third.capacity().unwrap().earliest_free_at(), Some(end));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! # mod tokio_test_shim {
//! #     pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #         tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
//! #     }
//! # }
//! ```

mod capacity;
mod day;
mod host;
mod ledger;
mod memory;
mod policy;
mod pool;

pub use capacity::{CapacityDetails, HostLoad};
pub use day::UtcDay;
pub use host::{PoolHost, MAX_CONCURRENT_LIMIT};
pub use ledger::{Booking, HostLedger, LedgerChanges, LedgerQuery, LedgerView};
pub use memory::MemoryHostLedger;
pub use pool::{
    HostPool, HostStatus, Rebuilt, Reschedule, Reservation, DEFAULT_PENDING_TTL,
    DEFAULT_PER_HOST_DAILY_LIMIT,
};
