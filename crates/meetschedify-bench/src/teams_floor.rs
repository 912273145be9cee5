//! The Teams floor: the least a client must do to make the app-only provider's meetings with
//! Graph. One client-credentials token per lifetime, then `POST /users/{organizer}/events`
//! with the body the library sends (a Teams meeting, a `transactionId`, an extended property of
//! the library's size, times in UTC), at most four requests in flight.
//!
//! The cap is Outlook's, not the library's: Graph allows 4 concurrent requests per app and
//! mailbox and answers more with 429 ("Limits per mailbox",
//! <https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits>), and every
//! create goes to the one organizer mailbox. A floor without it would measure a client that
//! real Graph throttles.

use std::sync::Arc;
use std::time::Instant;

use meetschedify_core::async_trait;
use meetschedify_emulator::DemoCredentials;
use rand::Rng;
use serde_json::{json, Value};
use tokio::sync::{RwLock, Semaphore};

use crate::ways::{renew_at, Cached, Creator};
use crate::workload;

/// Requests in flight to the organizer's mailbox at most (Outlook's per-mailbox limit).
const MAILBOX_CONCURRENCY: usize = 4;
/// Graph's default scope for client credentials.
const SCOPE: &str = "https://graph.microsoft.com/.default";

/// See the module docs.
pub(crate) struct TeamsFloor {
    http: reqwest::Client,
    token_url: String,
    events_url: String,
    client_id: String,
    client_secret: String,
    token: RwLock<Option<Cached>>,
    mailbox: Semaphore,
}

impl TeamsFloor {
    /// The floor for the emulator at `base` and its demo app and organizer.
    pub(crate) fn new(base: &str, demo: &DemoCredentials) -> Self {
        Self {
            http: reqwest::Client::new(),
            token_url: format!(
                "{base}/login/{}/oauth2/v2.0/token",
                demo.microsoft_tenant_id
            ),
            events_url: format!(
                "{base}/graph/v1.0/users/{}/events",
                demo.microsoft_organizer_upn
            ),
            client_id: demo.microsoft_client_id.clone(),
            client_secret: demo.microsoft_client_secret.clone(),
            token: RwLock::new(None),
            mailbox: Semaphore::new(MAILBOX_CONCURRENCY),
        }
    }

    async fn token(&self) -> Result<Arc<str>, String> {
        if let Some(c) = self.token.read().await.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(Arc::clone(&c.token));
            }
        }
        // One fetch however many callers wait: the write lock is the single flight.
        let mut slot = self.token.write().await;
        if let Some(c) = slot.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(Arc::clone(&c.token));
            }
        }
        let v: Value = self
            .http
            .post(&self.token_url)
            .form(&[
                ("client_id", self.client_id.as_str()),
                ("scope", SCOPE),
                ("client_secret", self.client_secret.as_str()),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let token: Arc<str> = v["access_token"].as_str().ok_or("no access_token")?.into();
        *slot = Some(Cached {
            token: Arc::clone(&token),
            renew_at: renew_at(v["expires_in"].as_u64().unwrap_or(3599)),
        });
        Ok(token)
    }
}

/// A fresh GUID-shaped `transactionId`, as the library sends without an idempotency key.
fn transaction_id() -> String {
    let bits: u128 = rand::thread_rng().gen();
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[async_trait]
impl Creator for TeamsFloor {
    async fn create(&self, n: usize) -> Result<(), String> {
        let token = self.token().await?;
        // The library's stamp for this workload: its tenant and zone, in its property.
        let stamp = json!({ "tenant": workload::TEAMS_TENANT, "timezone": workload::TIMEZONE });
        let body = json!({
            "subject": workload::title(n),
            "start": { "dateTime": &workload::START_UTC[..19], "timeZone": "UTC" },
            "end": { "dateTime": &workload::END_UTC[..19], "timeZone": "UTC" },
            "transactionId": transaction_id(),
            "singleValueExtendedProperties": [{
                "id": meetschedify_teams::PROPERTY_ID,
                "value": stamp.to_string(),
            }],
            "attendees": [{
                "emailAddress": { "address": workload::invitee(n) },
                "type": "required",
            }],
            "isOnlineMeeting": true,
            "onlineMeetingProvider": "teamsForBusiness",
        });
        let _slot = self.mailbox.acquire().await.map_err(|e| e.to_string())?;
        let reply = self
            .http
            .post(&self.events_url)
            .bearer_auth(&*token)
            .header("Prefer", "outlook.timezone=\"UTC\"")
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if reply.status().as_u16() != 201 {
            return Err(format!("graph answered {}", reply.status()));
        }
        let v: Value = reply.json().await.map_err(|e| e.to_string())?;
        v["onlineMeeting"]["joinUrl"]
            .as_str()
            .ok_or("no onlineMeeting.joinUrl")?;
        Ok(())
    }
}
