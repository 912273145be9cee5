//! Sessions the app issues itself, standing in for the application's own login.
//!
//! The cookie holds only an id; what it means (the tenant, the CSRF token) lives in a registry on
//! the server. An id counts only if this registry minted it: a cookie value the browser offers
//! that the registry does not know, however well-formed, starts a new session with a new id and a
//! new tenant. So an attacker cannot choose a victim's session id (session fixation), and one
//! obtained from the app and planted anyway is swapped for a fresh id once the victim connects
//! (see [`Sessions::rotate`]).
//!
//! The registry is in memory, which suits an example with one process: sessions end when it
//! restarts, and several instances would each know only their own. A real application keeps
//! sessions in its own store (its database, Redis) or uses its login framework's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use meetschedify::TenantId;
use rand::Rng;

use crate::cookies::{Cookie, CookiePolicy};

/// A session unused this long is forgotten (and its id no longer accepted).
const IDLE_TIMEOUT: Duration = Duration::from_secs(8 * 60 * 60);

/// One session as the routes see it.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The id in the cookie: 128 random bits, hex.
    pub(crate) id: String,
    /// Whose calendar this session books on.
    pub(crate) tenant: TenantId,
    /// The synchronizer token every POST form must carry (see `csrf.rs`).
    pub(crate) csrf_token: String,
}

#[derive(Debug)]
struct Entry {
    tenant: TenantId,
    csrf_token: String,
    last_seen: Instant,
}

/// The ids this app minted and what each one stands for.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves the map consistent (each step is one insert or
        // remove), so a poisoned lock is still safe to use.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session whose id the request's cookie carries, if this registry minted that id and
    /// it has not expired.
    pub(crate) fn find(&self, policy: CookiePolicy, headers: &HeaderMap) -> Option<Session> {
        let mut entries = self.lock();
        let now = Instant::now();
        for id in policy.read(headers, Cookie::Session) {
            if let Some(entry) = entries.get_mut(id) {
                if now.duration_since(entry.last_seen) < IDLE_TIMEOUT {
                    entry.last_seen = now;
                    return Some(Session {
                        id: id.to_owned(),
                        tenant: entry.tenant.clone(),
                        csrf_token: entry.csrf_token.clone(),
                    });
                }
                entries.remove(id);
                return None;
            }
        }
        None
    }

    /// A new session: a new id and a new tenant, whatever cookie the request brought.
    pub(crate) fn start(&self) -> Session {
        let tenant = TenantId::new(format!("user-{}", random_hex()));
        self.insert(tenant)
    }

    /// A new id and CSRF token for `old`'s tenant; `old`'s id stops working. Called when the
    /// session gains a Google or Microsoft connection: whoever else knew the old id (because they planted it)
    /// is left holding an id that starts an empty session.
    pub(crate) fn rotate(&self, old: &Session) -> Session {
        self.lock().remove(&old.id);
        self.insert(old.tenant.clone())
    }

    fn insert(&self, tenant: TenantId) -> Session {
        let session = Session {
            id: random_hex(),
            tenant,
            csrf_token: random_hex(),
        };
        let now = Instant::now();
        let mut entries = self.lock();
        // Each new session sweeps out the expired ones, so idle sessions cannot pile up.
        entries.retain(|_, e| now.duration_since(e.last_seen) < IDLE_TIMEOUT);
        entries.insert(
            session.id.clone(),
            Entry {
                tenant: session.tenant.clone(),
                csrf_token: session.csrf_token.clone(),
                last_seen: now,
            },
        );
        session
    }
}

/// 128 bits from the thread's CSPRNG (ChaCha, seeded by the OS), as 32 hex digits.
fn random_hex() -> String {
    format!("{:032x}", rand::thread_rng().gen::<u128>())
}

/// A random idempotency key for one rendered form.
pub(crate) fn form_key() -> String {
    format!("form-{}", random_hex())
}

#[cfg(test)]
mod tests {
    use axum::http::{header, HeaderValue};

    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let line = format!("webapp_session={value}");
        headers.insert(header::COOKIE, HeaderValue::from_str(&line).unwrap());
        headers
    }

    #[test]
    fn only_minted_ids_are_found() {
        let (sessions, policy) = (Sessions::new(), CookiePolicy::new(false));
        let minted = sessions.start();
        assert_eq!(minted.id.len(), 32);
        let found = sessions.find(policy, &with_cookie(&minted.id)).unwrap();
        assert_eq!(found.tenant, minted.tenant);
        assert_eq!(found.csrf_token, minted.csrf_token);
        let chosen = "0123456789abcdef0123456789abcdef";
        assert!(sessions.find(policy, &with_cookie(chosen)).is_none());
    }

    #[test]
    fn rotation_keeps_the_tenant_and_retires_the_old_id() {
        let (sessions, policy) = (Sessions::new(), CookiePolicy::new(false));
        let old = sessions.start();
        let new = sessions.rotate(&old);
        assert_eq!(new.tenant, old.tenant);
        assert_ne!(new.id, old.id);
        assert_ne!(new.csrf_token, old.csrf_token);
        assert!(sessions.find(policy, &with_cookie(&old.id)).is_none());
        assert!(sessions.find(policy, &with_cookie(&new.id)).is_some());
    }
}
