//! [`MemoryIdempotencyStore`]: idempotency records in this process's memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::error::Result;
use crate::idempotency::store::{Claim, IdempotencyKey, IdempotencyStore};

/// Sweep expired records once this many claims have been made since the last sweep, so a
/// long-running process does not keep every key it ever saw.
const SWEEP_EVERY: usize = 1024;

/// Idempotency records in memory: the client's default.
///
/// Concurrent creates with one key inside this process wait for the first; records are lost
/// when the process ends, and other instances do not see them. Instances that share work (a
/// queue consumed by several workers, a load-balanced API) need a shared store: the SQL and
/// Redis token stores implement [`IdempotencyStore`] too.
///
/// Time is `tokio`'s clock, so tests that pause it can expire leases and records.
#[derive(Debug, Default)]
pub struct MemoryIdempotencyStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<IdempotencyKey, Entry>,
    claims_since_sweep: usize,
}

#[derive(Debug)]
struct Entry {
    fingerprint: String,
    state: State,
    expires: Instant,
}

#[derive(Debug)]
enum State {
    Running { holder: String, until: Instant },
    Done { outcome: String },
}

impl MemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records are held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a record half-written (every change is
        // one insert or remove), so a poisoned lock is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotencyStore {
    async fn claim(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.claims_since_sweep += 1;
        if inner.claims_since_sweep >= SWEEP_EVERY {
            inner.claims_since_sweep = 0;
            inner.records.retain(|_, e| e.expires > now);
        }
        // A live record is described and left alone; an absent or expired one, or a lapsed
        // lease of the same request, is (re)claimed below.
        if let Some(e) = inner.records.get(key).filter(|e| e.expires > now) {
            match &e.state {
                State::Running { until, .. } if *until <= now && e.fingerprint == fingerprint => {}
                State::Running { .. } => {
                    return Ok(Claim::InFlight {
                        fingerprint: e.fingerprint.clone(),
                    })
                }
                State::Done { outcome } => {
                    return Ok(Claim::Completed {
                        fingerprint: e.fingerprint.clone(),
                        outcome: outcome.clone(),
                    })
                }
            }
        }
        inner.records.insert(
            key.clone(),
            Entry {
                fingerprint: fingerprint.to_owned(),
                state: State::Running {
                    holder: holder.to_owned(),
                    until: now + lease,
                },
                expires: now + ttl,
            },
        );
        Ok(Claim::Acquired)
    }

    async fn renew(&self, key: &IdempotencyKey, holder: &str, lease: Duration) -> Result<bool> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.records.get_mut(key) {
            Some(Entry {
                state: State::Running { holder: h, until },
                ..
            }) if h == holder => {
                *until = now + lease;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        _holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()> {
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some(entry) = inner.records.get_mut(key) {
            // A holder whose lease lapsed and was taken over still records what it made: the
            // taker's provider guard finds the same meeting, and the first outcome stays.
            if matches!(entry.state, State::Running { .. }) {
                entry.state = State::Done {
                    outcome: outcome.to_owned(),
                };
                entry.expires = now + ttl;
            }
        }
        Ok(())
    }

    async fn release(&self, key: &IdempotencyKey, holder: &str) -> Result<()> {
        let mut inner = self.lock();
        let mine = matches!(
            inner.records.get(key),
            Some(Entry { state: State::Running { holder: h, .. }, .. }) if h == holder
        );
        if mine {
            inner.records.remove(key);
        }
        Ok(())
    }
}
