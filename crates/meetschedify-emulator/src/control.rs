//! Control operations, shared by [`crate::EmulatorHandle`] and the HTTP control API.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::Value;

use crate::error::EmulatorError;
use crate::faults::FaultRule;
use crate::google::store::{AccessRec, GoogleClient, RefreshRec};
use crate::http::rfc3339_millis;
use crate::ids::{alnum, zoom_access_token};
use crate::record::RecordedRequest;
use crate::settings::Settings;
use crate::snapshot::{GoogleSnapshot, StateSnapshot, ZoomSnapshot};
use crate::state::Shared;
use crate::zoom::limits::utc_day;
use crate::zoom::running::Started;
use crate::zoom::scopes::normalise;
use crate::zoom::seed::{seed, ZoomMeetingSeed};
use crate::zoom::store::{TokenRec, ZoomAccount, ZoomLicence, ZoomMeetingEvent, ZoomUser};

impl Shared {
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.all()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().log.clear();
    }

    pub(crate) fn settings(&self) -> Settings {
        self.lock().settings.clone()
    }

    pub(crate) fn set_settings(&self, settings: Settings) {
        self.lock().settings = settings;
    }

    pub(crate) fn register_zoom_account(&self, account: ZoomAccount) {
        let mut inner = self.lock();
        inner
            .zoom
            .accounts
            .retain(|a| a.account_id != account.account_id && a.client_id != account.client_id);
        inner.zoom.accounts.push(account);
    }

    /// Adds a user, or returns the account's user with that email (case-insensitive). A licence,
    /// when given, is also set on an existing user; without one a new user is Pro and an existing
    /// one keeps its licence.
    pub(crate) fn add_zoom_user(
        &self,
        account_id: &str,
        email: &str,
        licence: Option<ZoomLicence>,
    ) -> Result<ZoomUser, EmulatorError> {
        let mut inner = self.lock();
        inner.zoom.require_account(account_id)?;
        if let Some(user) = inner
            .zoom
            .users
            .iter_mut()
            .find(|u| u.account_id == account_id && u.email.eq_ignore_ascii_case(email))
        {
            if let Some(licence) = licence {
                user.licence = licence;
            }
            return Ok(user.clone());
        }
        let user = ZoomUser {
            id: alnum(&mut inner.rng, 22),
            email: email.to_owned(),
            account_id: account_id.to_owned(),
            licence: licence.unwrap_or_default(),
        };
        inner.zoom.users.push(user.clone());
        Ok(user)
    }

    /// A user of any account by id or email (case-insensitive).
    pub(crate) fn zoom_user(&self, user: &str) -> Option<ZoomUser> {
        self.lock().zoom.find_user(user).cloned()
    }

    pub(crate) fn issue_zoom_access_token(
        &self,
        account_id: &str,
    ) -> Result<String, EmulatorError> {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.zoom.require_account(account_id)?;
        let token = zoom_access_token(&mut inner.rng);
        let lifetime = lifetime(&inner.settings);
        let scopes = inner.zoom.scopes_of(account_id);
        inner.zoom.tokens.insert(
            token.clone(),
            TokenRec {
                account_id: account_id.to_owned(),
                expires_at: now.saturating_add(lifetime).unwrap_or(now),
                scopes,
            },
        );
        Ok(token)
    }

    /// Inserts meetings for a host directly into the store (test support, see `zoom/seed.rs`).
    pub(crate) fn seed_zoom_meetings(
        &self,
        request: &ZoomMeetingSeed,
    ) -> Result<Vec<u64>, EmulatorError> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let wanted = request
            .user
            .clone()
            .unwrap_or_else(|| self.demo.zoom_host_id.clone());
        let Some(host) = inner.zoom.find_user(&wanted).cloned() else {
            return Err(EmulatorError::UnknownZoomUser(wanted));
        };
        seed(&mut inner, &host, request, now).map_err(EmulatorError::InvalidSeed)
    }

    /// Starts a meeting (see `zoom/running.rs`).
    pub(crate) fn start_zoom_meeting(
        &self,
        meeting_id: u64,
        end_others: bool,
    ) -> Result<Started, EmulatorError> {
        let now = self.clock.now();
        let mut guard = self.lock();
        let started = guard.zoom.start_meeting(meeting_id, end_others, now)?;
        self.flush_zoom_webhooks(&mut guard);
        Ok(started)
    }

    /// Ends a meeting if it runs; returns its host id.
    pub(crate) fn end_zoom_meeting(&self, meeting_id: u64) -> Result<String, EmulatorError> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let Some(host_id) = inner
            .zoom
            .meetings
            .get(&meeting_id)
            .map(|m| m.host_id.clone())
        else {
            return Err(EmulatorError::UnknownZoomMeeting(meeting_id.to_string()));
        };
        inner.zoom.end_meeting(meeting_id, now);
        self.flush_zoom_webhooks(&mut inner);
        Ok(host_id)
    }

    /// A host's creates plus updates in the current UTC day (emulator clock): its user id and
    /// the count.
    pub(crate) fn zoom_daily_count(&self, user: &str) -> Result<(String, u32), EmulatorError> {
        let day = utc_day(self.clock.now());
        let inner = self.lock();
        let Some(host) = inner.zoom.find_user(user) else {
            return Err(EmulatorError::UnknownZoomUser(user.to_owned()));
        };
        let count = inner
            .zoom
            .daily
            .get(&(host.id.clone(), day))
            .copied()
            .unwrap_or(0);
        Ok((host.id.clone(), count))
    }

    /// Sets a host's creates plus updates in the current UTC day; returns its user id.
    pub(crate) fn set_zoom_daily_count(
        &self,
        user: &str,
        count: u32,
    ) -> Result<String, EmulatorError> {
        let day = utc_day(self.clock.now());
        let mut inner = self.lock();
        let Some(host_id) = inner.zoom.find_user(user).map(|u| u.id.clone()) else {
            return Err(EmulatorError::UnknownZoomUser(user.to_owned()));
        };
        inner.zoom.daily.insert((host_id.clone(), day), count);
        Ok(host_id)
    }

    pub(crate) fn zoom_meeting_events(&self) -> Vec<ZoomMeetingEvent> {
        self.lock().zoom.meeting_events.clone()
    }

    /// Replaces the scopes of an account's app; tokens issued before keep theirs.
    pub(crate) fn set_zoom_scopes<S: AsRef<str>>(
        &self,
        account_id: &str,
        scopes: &[S],
    ) -> Result<(), EmulatorError> {
        let mut inner = self.lock();
        inner.zoom.require_account(account_id)?;
        inner
            .zoom
            .scopes
            .insert(account_id.to_owned(), normalise(scopes));
        Ok(())
    }

    /// The scopes an account's app has now.
    pub(crate) fn zoom_scopes(&self, account_id: &str) -> Result<Vec<String>, EmulatorError> {
        let inner = self.lock();
        inner.zoom.require_account(account_id)?;
        Ok(inner.zoom.scopes_of(account_id))
    }

    pub(crate) fn register_google_client(&self, client: GoogleClient) {
        let mut inner = self.lock();
        inner
            .google
            .clients
            .retain(|c| c.client_id != client.client_id);
        inner.google.clients.push(client);
    }

    pub(crate) fn add_google_user(&self, email: &str) {
        let mut inner = self.lock();
        if !inner
            .google
            .users
            .iter()
            .any(|u| u.eq_ignore_ascii_case(email))
        {
            inner.google.users.push(email.to_owned());
        }
    }

    pub(crate) fn issue_google_refresh_token(
        &self,
        client_id: &str,
        email: &str,
        scopes: &[String],
    ) -> Result<String, EmulatorError> {
        let mut inner = self.lock();
        if inner.google.client(client_id).is_none() {
            return Err(EmulatorError::UnknownGoogleClient(client_id.to_owned()));
        }
        if !inner.google.users.iter().any(|u| u == email) {
            return Err(EmulatorError::UnknownGoogleUser(email.to_owned()));
        }
        let token = format!("1//0{}", alnum(&mut inner.rng, 100));
        inner.google.refresh.insert(
            token.clone(),
            RefreshRec {
                client_id: client_id.to_owned(),
                user: email.to_owned(),
                scopes: scopes.to_vec(),
                revoked: false,
            },
        );
        inner
            .google
            .grants
            .insert((client_id.to_owned(), email.to_owned()));
        Ok(token)
    }

    pub(crate) fn issue_google_access_token(
        &self,
        email: &str,
        scopes: &[String],
    ) -> Result<String, EmulatorError> {
        let now = self.clock.now();
        let mut inner = self.lock();
        if !inner.google.users.iter().any(|u| u == email) {
            return Err(EmulatorError::UnknownGoogleUser(email.to_owned()));
        }
        let token = format!("ya29.a0{}", alnum(&mut inner.rng, 120));
        let lifetime = lifetime(&inner.settings);
        inner.google.access.insert(
            token.clone(),
            AccessRec {
                user: email.to_owned(),
                scopes: scopes.to_vec(),
                expires_at: now.saturating_add(lifetime).unwrap_or(now),
                refresh_token: None,
                revoked: false,
            },
        );
        Ok(token)
    }

    /// Revokes any token the emulator issued (Zoom access, Google access or refresh).
    pub(crate) fn revoke_token(&self, token: &str) -> bool {
        let mut inner = self.lock();
        if inner.zoom.tokens.remove(token).is_some() {
            return true;
        }
        crate::google::revoke_token(&mut inner, token)
    }

    pub(crate) fn add_fault(&self, rule: FaultRule) {
        self.lock().faults.add(rule);
    }

    pub(crate) fn faults(&self) -> Vec<FaultRule> {
        self.lock().faults.rules()
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    pub(crate) fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub(crate) fn token_requests(&self) -> (u64, u64) {
        let inner = self.lock();
        (inner.zoom.token_requests, inner.google.token_requests)
    }

    pub(crate) fn snapshot(&self) -> StateSnapshot {
        let now = self.clock.now();
        let inner = self.lock();
        let mut meetings_by_host: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for id in &inner.zoom.meeting_order {
            if let Some(m) = inner.zoom.meetings.get(id) {
                meetings_by_host
                    .entry(m.host_id.clone())
                    .or_default()
                    .push(Value::Object(m.body.clone()));
            }
        }
        let events_by_calendar = crate::google::render_all(&inner);
        StateSnapshot {
            now: rfc3339_millis(now),
            clock_offset_secs: self.clock.offset().as_secs(),
            settings: inner.settings.clone(),
            faults: inner.faults.rules(),
            zoom: ZoomSnapshot {
                token_requests: inner.zoom.token_requests,
                meetings_by_host,
                deleted_meetings: inner.zoom.deleted.clone(),
                meeting_events: inner.zoom.meeting_events.clone(),
            },
            google: GoogleSnapshot {
                token_requests: inner.google.token_requests,
                events_by_calendar,
                send_updates: inner.google.send_updates.clone(),
            },
            microsoft: crate::microsoft::snapshot(&inner),
        }
    }
}

fn lifetime(settings: &Settings) -> SignedDuration {
    SignedDuration::from_secs(
        i64::try_from(settings.access_token_lifetime_secs).unwrap_or(i64::MAX),
    )
}
