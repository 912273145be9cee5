//! The emulator's shared state: one mutex around everything a request may touch.
//!
//! A single lock keeps the handlers simple and is far from the bottleneck: a request holds it for
//! microseconds, and the emulator answers tens of thousands of requests a second on two cores.

use std::sync::{Mutex, MutexGuard, OnceLock};

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::clock::Clock;
use crate::demo::{DemoCredentials, DEMO_GOOGLE_SCOPES, DEMO_MICROSOFT_ROLES};
use crate::faults::Faults;
use crate::google::store::{GoogleClient, GoogleStore, RefreshRec};
use crate::microsoft::store::{MicrosoftApp, MicrosoftStore, MicrosoftUser};
use crate::record::RequestLog;
use crate::settings::Settings;
use crate::zoom::store::{ZoomAccount, ZoomLicence, ZoomStore, ZoomUser};

/// Everything that changes while the emulator runs.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) rng: StdRng,
    pub(crate) zoom: ZoomStore,
    pub(crate) google: GoogleStore,
    pub(crate) microsoft: MicrosoftStore,
    pub(crate) faults: Faults,
    pub(crate) log: RequestLog,
}

/// State shared by the server and the handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) clock: Clock,
    inner: Mutex<Inner>,
    /// What [`Shared::reset`] returns to.
    initial_settings: Settings,
    seed: u64,
    pub(crate) demo: DemoCredentials,
    /// `http://127.0.0.1:PORT`, known once the socket is bound.
    root: OnceLock<String>,
    /// Outgoing Zoom webhooks: the delivery worker's queue and log.
    pub(crate) zoom_outbox: crate::zoom::webhooks::Outbox,
    /// Outgoing Google push messages: the delivery worker's queue and log.
    pub(crate) google_outbox: crate::google::push::Outbox,
    /// Outgoing Graph change notifications: the delivery worker's queue and log.
    pub(crate) graph_outbox: crate::microsoft::subscriptions::GraphOutbox,
}

impl Shared {
    pub(crate) fn new(settings: Settings, seed: u64, demo: DemoCredentials) -> Self {
        let inner = Inner::fresh(&settings, seed, &demo);
        Self {
            clock: Clock::default(),
            inner: Mutex::new(inner),
            initial_settings: settings,
            seed,
            demo,
            root: OnceLock::new(),
            zoom_outbox: crate::zoom::webhooks::Outbox::default(),
            google_outbox: crate::google::push::Outbox::default(),
            graph_outbox: crate::microsoft::subscriptions::GraphOutbox::default(),
        }
    }

    /// Records the server's root URL (called once, right after binding).
    pub(crate) fn set_root_url(&self, root: String) {
        let _ = self.root.set(root);
    }

    /// The server's root URL, e.g. `http://127.0.0.1:8765`.
    pub(crate) fn root_url(&self) -> &str {
        self.root.get().map_or("", String::as_str)
    }

    /// Locks the state. A panic in one handler must not wedge the emulator, so a poisoned lock is used
    /// as is: every mutation leaves the maps consistent before anything that can panic.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Back to the state right after start: demo data only, clock at real time, RNG re-seeded.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::fresh(&self.initial_settings, self.seed, &self.demo);
        self.clock.reset();
        self.zoom_outbox.clear();
        self.google_outbox.clear();
        self.graph_outbox.clear();
    }
}

impl Inner {
    fn fresh(settings: &Settings, seed: u64, demo: &DemoCredentials) -> Self {
        let mut inner = Self {
            settings: settings.clone(),
            rng: StdRng::seed_from_u64(seed),
            zoom: ZoomStore::default(),
            google: GoogleStore::default(),
            microsoft: MicrosoftStore::default(),
            faults: Faults::default(),
            log: RequestLog::default(),
        };
        inner.zoom.accounts.push(ZoomAccount {
            account_id: demo.zoom_account_id.clone(),
            client_id: demo.zoom_client_id.clone(),
            client_secret: demo.zoom_client_secret.clone(),
        });
        inner.zoom.users.push(ZoomUser {
            id: demo.zoom_host_id.clone(),
            email: demo.zoom_host_email.clone(),
            account_id: demo.zoom_account_id.clone(),
            licence: ZoomLicence::Pro,
        });
        // Two more users for host pools, after the owner so that `me` stays the owner.
        inner.zoom.users.push(ZoomUser {
            id: demo.zoom_pro_user_id.clone(),
            email: demo.zoom_pro_user_email.clone(),
            account_id: demo.zoom_account_id.clone(),
            licence: ZoomLicence::Pro,
        });
        inner.zoom.users.push(ZoomUser {
            id: demo.zoom_business_user_id.clone(),
            email: demo.zoom_business_user_email.clone(),
            account_id: demo.zoom_account_id.clone(),
            licence: ZoomLicence::Business,
        });
        inner.google.clients.push(GoogleClient {
            client_id: demo.google_client_id.clone(),
            client_secret: demo.google_client_secret.clone(),
            redirect_uris: vec![demo.google_redirect_uri.clone()],
        });
        inner.google.users.push(demo.google_user_email.clone());
        inner.google.refresh.insert(
            demo.google_refresh_token.clone(),
            RefreshRec {
                client_id: demo.google_client_id.clone(),
                user: demo.google_user_email.clone(),
                scopes: DEMO_GOOGLE_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
                revoked: false,
            },
        );
        inner.google.grants.insert((
            demo.google_client_id.clone(),
            demo.google_user_email.clone(),
        ));
        inner.microsoft.apps.push(MicrosoftApp {
            tenant_id: demo.microsoft_tenant_id.clone(),
            client_id: demo.microsoft_client_id.clone(),
            client_secret: demo.microsoft_client_secret.clone(),
            redirect_uris: vec![demo.microsoft_redirect_uri.clone()],
            roles: DEMO_MICROSOFT_ROLES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            secret_expired: false,
        });
        inner.microsoft.users.push(MicrosoftUser {
            tenant_id: demo.microsoft_tenant_id.clone(),
            id: demo.microsoft_organizer_id.clone(),
            user_principal_name: demo.microsoft_organizer_upn.clone(),
            display_name: "Emulator Organizer".to_owned(),
        });
        inner.microsoft.policies.insert((
            demo.microsoft_client_id.clone(),
            demo.microsoft_organizer_id.clone(),
        ));
        inner
    }
}
