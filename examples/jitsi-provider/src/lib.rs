#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    async_trait, ConferenceLink, ConferenceLinkKind, ConnectionStatus, CreatedMeeting, Error,
    Guarantees, MeetingProvider, ProviderId, Result, TenantId, ValidatedCreate,
};

/// The purpose label of room names derived from idempotency keys; a new version would move
/// every keyed room, so it never changes.
const ROOM_PURPOSE: &str = "jitsi/room/v1";

/// The public Jitsi Meet service.
pub const DEFAULT_BASE_URL: &str = "https://meet.jit.si";

/// Makes Jitsi Meet room links.
pub struct JitsiProvider {
    id: ProviderId,
    base_url: String,
    room_secret: Option<SecretString>,
}

// Hand-written so the room secret never reaches a log.
impl fmt::Debug for JitsiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JitsiProvider")
            .field("id", &self.id)
            .field("base_url", &self.base_url)
            .field(
                "room_secret",
                &self.room_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl JitsiProvider {
    /// A builder with the public service and the provider id `jitsi`.
    pub fn builder() -> JitsiBuilder {
        JitsiBuilder::new()
    }

    /// The room name for a request: the title in CamelCase, then 16 hex digits.
    fn room_name(&self, request: &ValidatedCreate) -> String {
        let title: String = request
            .title()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                first.into_iter().chain(chars).collect::<String>()
            })
            .collect();
        let title = if title.is_empty() {
            "Meeting".to_owned()
        } else {
            title.chars().take(48).collect()
        };
        let suffix = match request.request().idempotency_key.as_deref() {
            // Same tenant, same key: same room, so a retried create is harmless, from this
            // process or any other (core's KeyDigest: SHA-256 over length-prefixed parts,
            // stable across processes and releases).
            Some(key) => {
                let tenant = &request.request().tenant_id;
                let digest = match &self.room_secret {
                    Some(secret) => KeyDigest::of_parts(&[
                        ROOM_PURPOSE,
                        self.id.as_str(),
                        tenant.as_str(),
                        key,
                        secret.expose_secret(),
                    ]),
                    None => KeyDigest::derive(ROOM_PURPOSE, &self.id, tenant, key),
                };
                digest.to_hex(16)
            }
            // No key: a fresh, unpredictable name (RandomState is seeded per process).
            None => format!(
                "{:016x}",
                RandomState::new().hash_one((request.title(), std::process::id()))
            ),
        };
        format!("{title}-{suffix}")
    }
}

#[async_trait]
impl MeetingProvider for JitsiProvider {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    // The room is a pure function of (provider id, tenant, key, room secret), computed here
    // with no state: a repeat with the same key gets the same room even from a client that
    // kept no record. Metadata is returned by create only: with no get there is no round trip
    // to promise.
    fn guarantees(&self) -> Guarantees {
        Guarantees::NONE.with_idempotent_create(true)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let room = format!("{}/{}", self.base_url, self.room_name(request));
        Ok(CreatedMeeting::new(
            self.id.clone(),
            room.clone(),
            request.time().to_meeting_time(),
        )
        .with_title(request.title())
        .with_conference_link(room.clone())
        .with_conference_links(vec![
            ConferenceLink::new(ConferenceLinkKind::Video, room).with_label("Jitsi Meet")
        ])
        .with_metadata(request.request().metadata.clone()))
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone())
            .with_reason("jitsi needs no account"))
    }
}

/// Configures a [`JitsiProvider`].
#[derive(Default)]
pub struct JitsiBuilder {
    id: Option<ProviderId>,
    base_url: Option<String>,
    room_secret: Option<SecretString>,
}

impl fmt::Debug for JitsiBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JitsiBuilder")
            .field("id", &self.id)
            .field("base_url", &self.base_url)
            .field(
                "room_secret",
                &self.room_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl JitsiBuilder {
    /// The public service, provider id `jitsi`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `JITSI_BASE_URL` (optional) and `JITSI_ROOM_SECRET` (optional).
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        if let Ok(url) = std::env::var("JITSI_BASE_URL") {
            builder = builder.with_base_url(url);
        }
        if let Ok(secret) = std::env::var("JITSI_ROOM_SECRET") {
            builder = builder.with_room_secret(secret);
        }
        builder
    }

    /// Registers the provider under another id (two Jitsi servers, say).
    pub fn with_provider_id(mut self, id: impl Into<ProviderId>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// A self-hosted Jitsi server, e.g. `https://meet.example.org`.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Mixed into room names derived from idempotency keys, so they cannot be guessed.
    pub fn with_room_secret(mut self, secret: impl Into<String>) -> Self {
        self.room_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<JitsiProvider> {
        let base_url = self
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        let host = base_url.strip_prefix("https://").unwrap_or_default();
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(Error::invalid_config(
                "base_url",
                format!("expected https://host[:port] with no path, got `{base_url}`"),
            ));
        }
        Ok(JitsiProvider {
            id: self.id.unwrap_or_else(|| ProviderId::new("jitsi")),
            base_url,
            room_secret: self.room_secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use meetschedify_core::{
        CreateMeetingRequest, ErrorCode, MeetSchedifyClient, MeetingContext, MeetingTime,
    };

    use super::*;

    fn client(builder: JitsiBuilder) -> MeetSchedifyClient {
        MeetSchedifyClient::builder()
            .with_provider(builder.build().unwrap())
            .build()
            .unwrap()
    }

    fn request(tenant: &str, key: Option<&str>) -> CreateMeetingRequest {
        let r = CreateMeetingRequest::new(
            tenant,
            ProviderId::new("jitsi"),
            "Weekly 1:1 — Ana & Bo",
            MeetingTime::new("2030-01-10T09:00:00", "2030-01-10T09:30:00")
                .with_timezone("Europe/Lisbon"),
        )
        .with_metadata_entry("booking", "b-1");
        match key {
            Some(k) => r.with_idempotency_key(k),
            None => r,
        }
    }

    #[tokio::test]
    async fn a_key_gives_the_same_room_and_tenants_get_different_rooms() {
        let c = client(JitsiProvider::builder());
        let a = c.create_meeting(request("t1", Some("k"))).await.unwrap();
        let again = c.create_meeting(request("t1", Some("k"))).await.unwrap();
        let other = c.create_meeting(request("t2", Some("k"))).await.unwrap();
        assert_eq!(a.conference_link, again.conference_link);
        assert_ne!(a.conference_link, other.conference_link);
        let link = a.conference_link.unwrap();
        assert!(
            link.starts_with("https://meet.jit.si/Weekly11AnaBo-"),
            "{link}"
        );
        assert_eq!(a.metadata["booking"], "b-1");
        // Pinned (checked with an independent SHA-256 over the length-prefixed parts
        // "jitsi/room/v1", "jitsi", "t1", "k"): the name must not change between releases, or
        // stored links would move.
        assert_eq!(link, "https://meet.jit.si/Weekly11AnaBo-12d5f40248bfb3ed");
    }

    #[tokio::test]
    async fn without_a_key_each_room_is_new_and_a_secret_changes_keyed_rooms() {
        let c = client(JitsiProvider::builder());
        let a = c.create_meeting(request("t1", None)).await.unwrap();
        let b = c.create_meeting(request("t1", None)).await.unwrap();
        assert_ne!(a.conference_link, b.conference_link);
        let secret = client(JitsiProvider::builder().with_room_secret("s3cret"));
        let plain = c.create_meeting(request("t1", Some("k"))).await.unwrap();
        let salted = secret
            .create_meeting(request("t1", Some("k")))
            .await
            .unwrap();
        assert_ne!(plain.conference_link, salted.conference_link);
    }

    #[tokio::test]
    async fn unsupported_operations_and_bad_config_are_typed_errors() {
        let c = client(JitsiProvider::builder().with_base_url("https://jitsi.example.org/"));
        let made = c.create_meeting(request("t1", Some("k"))).await.unwrap();
        assert!(made
            .conference_link
            .unwrap()
            .starts_with("https://jitsi.example.org/"));
        let err = c
            .cancel_meeting(&ProviderId::new("jitsi"), &MeetingContext::new("t1"), "x")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::OperationNotSupported);
        for bad in ["http://meet.jit.si", "https://", "https://host/path"] {
            let err = JitsiProvider::builder()
                .with_base_url(bad)
                .build()
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad}");
            assert_eq!(err.field(), Some("base_url"));
        }
        let debug = format!("{:?}", JitsiProvider::builder().with_room_secret("s3cret"));
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}
