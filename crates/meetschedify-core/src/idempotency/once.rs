//! One meeting per key: how the client runs a create that carries an idempotency key.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::{sleep, Instant};

use crate::error::{Error, ErrorCode, Result};
use crate::idempotency::store::{Claim, IdempotencyKey, IdempotencyStore};
use crate::meeting::{CreatedMeeting, MeetingContext};
use crate::provider::MeetingProvider;
use crate::validate::ValidatedCreate;

/// How keyed creates are recorded and how long a repeat waits for a create in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdempotencyConfig {
    /// How long a finished create's record is kept: a repeat within it returns the same
    /// meeting from the record (after that, the provider's own guard still answers where it
    /// can: Zoom's marker, Google's derived event id). Default 24 hours.
    pub record_ttl: Duration,
    /// How long a running create holds its key before another caller may take over (a crashed
    /// process's key is free again after this). The holder renews it every third of it while
    /// its create runs, so a slow create keeps its key. Default 30 seconds.
    pub lease: Duration,
    /// How long a repeat waits for a create with the same key that is in flight, before it
    /// gives up with a retryable error. Default 2 minutes.
    pub wait: Duration,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self {
            record_ttl: Duration::from_secs(24 * 60 * 60),
            lease: Duration::from_secs(30),
            wait: Duration::from_secs(120),
        }
    }
}

impl IdempotencyConfig {
    /// Sets how long finished records are kept.
    pub fn with_record_ttl(mut self, ttl: Duration) -> Self {
        self.record_ttl = ttl;
        self
    }

    /// Sets the lease of a running create.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets how long a repeat waits for a create in flight.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        for (field, value) in [
            ("idempotency.record_ttl", self.record_ttl),
            ("idempotency.lease", self.lease),
        ] {
            if value < Duration::from_secs(1) {
                return Err(Error::invalid_config(field, "must be at least one second"));
            }
        }
        if self.record_ttl < self.lease {
            return Err(Error::invalid_config(
                "idempotency.record_ttl",
                "records must live at least as long as the lease of a running create",
            ));
        }
        Ok(())
    }
}

/// What a finished create leaves in its record.
#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    /// The provider's meeting id.
    meeting_id: String,
    /// The meeting as created, without `raw` (which can hold host credentials), for providers
    /// that cannot read a meeting back; `None` for the others, which are asked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meeting: Option<CreatedMeeting>,
}

/// Runs `valid` (which has an idempotency key) at `provider` at most once per key.
pub(crate) async fn create_once(
    store: &Arc<dyn IdempotencyStore>,
    config: &IdempotencyConfig,
    provider: &Arc<dyn MeetingProvider>,
    valid: &ValidatedCreate,
    key: &str,
) -> Result<CreatedMeeting> {
    let request = valid.request();
    let record = IdempotencyKey::new(request.tenant_id.clone(), request.provider_id.clone(), key);
    let fingerprint = valid.fingerprint();
    let holder = format!("{:032x}", rand::random::<u128>());
    let give_up = Instant::now() + config.wait;
    let mut pause = Duration::from_millis(25);
    loop {
        let claim = store
            .claim(
                &record,
                &fingerprint,
                &holder,
                config.lease,
                config.record_ttl,
            )
            .await?;
        match claim {
            Claim::Acquired => break,
            Claim::Completed {
                fingerprint: theirs,
                outcome,
            } => {
                check_same_request(&theirs, &fingerprint, key)?;
                return replay(provider, valid, &outcome).await;
            }
            Claim::InFlight {
                fingerprint: theirs,
            } => {
                check_same_request(&theirs, &fingerprint, key)?;
                if Instant::now() + pause > give_up {
                    return Err(Error::new(
                        ErrorCode::IdempotencyKeyInUse,
                        format!(
                            "a create with idempotency key `{key}` is still running elsewhere; \
                             repeating the call with the same key is safe"
                        ),
                    )
                    .with_field("idempotency_key"));
                }
                tracing::debug!("a create with this idempotency key is in flight; waiting");
                sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
    tracing::debug!("idempotency key claimed");
    let result = run_holding(store, config, &record, &holder, provider, valid).await;
    match result {
        Ok(meeting) => {
            let outcome = Outcome {
                meeting_id: meeting.provider_event_id.clone(),
                meeting: provider.get().is_none().then(|| {
                    let mut snapshot = meeting.clone();
                    snapshot.raw = serde_json::Value::Null;
                    snapshot
                }),
            };
            let outcome = serde_json::to_string(&outcome)
                .map_err(|e| Error::token_store("could not encode the idempotency record", e))?;
            if let Err(err) = store
                .complete(&record, &holder, &outcome, config.record_ttl)
                .await
            {
                // The meeting exists and is returned; a repeat finds it through the provider's
                // own guard once the lease lapses.
                tracing::warn!(code = %err.code(), "could not record the meeting for its idempotency key: {err}");
            }
            Ok(meeting)
        }
        Err(err) => {
            // Nothing to record: the next call with this key claims it again, and the
            // provider's own guard finds a meeting this attempt may have made.
            if let Err(release) = store.release(&record, &holder).await {
                tracing::warn!(code = %release.code(), "could not release an idempotency key: {release}");
            }
            Err(err)
        }
    }
}

/// Runs the provider's create while renewing the lease, so a slow create keeps its key.
async fn run_holding(
    store: &Arc<dyn IdempotencyStore>,
    config: &IdempotencyConfig,
    record: &IdempotencyKey,
    holder: &str,
    provider: &Arc<dyn MeetingProvider>,
    valid: &ValidatedCreate,
) -> Result<CreatedMeeting> {
    let create = provider.create_meeting(valid);
    tokio::pin!(create);
    // A create that finishes on its first poll (a provider without I/O) needs no renewal, and
    // so no timer: such a provider works on a runtime without one.
    if let std::task::Poll::Ready(result) = futures::poll!(&mut create) {
        return result;
    }
    let every = config.lease / 3;
    let mut next = Instant::now() + every;
    loop {
        tokio::select! {
            result = &mut create => return result,
            () = tokio::time::sleep_until(next) => {
                next = Instant::now() + every;
                match store.renew(record, holder, config.lease).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!("the idempotency lease was lost while the create ran"),
                    Err(err) => tracing::warn!(code = %err.code(), "could not renew the idempotency lease: {err}"),
                }
            }
        }
    }
}

fn check_same_request(recorded: &str, ours: &str, key: &str) -> Result<()> {
    if recorded == ours {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::IdempotencyKeyReused,
        format!(
            "idempotency key `{key}` was already used for a different request; nothing was \
             changed: send a new key for a new meeting"
        ),
    )
    .with_field("idempotency_key"))
}

/// The meeting a finished create made: read again where the provider can (one read), else the
/// recorded copy.
async fn replay(
    provider: &Arc<dyn MeetingProvider>,
    valid: &ValidatedCreate,
    outcome: &str,
) -> Result<CreatedMeeting> {
    let outcome: Outcome = serde_json::from_str(outcome).map_err(|e| {
        Error::token_store("the idempotency record is not valid", e).with_retryable(false)
    })?;
    tracing::info!(meeting_id = %outcome.meeting_id, "idempotency key already used; returning its meeting");
    if let Some(meeting) = outcome.meeting {
        return Ok(meeting);
    }
    let Some(get) = provider.get() else {
        // Records are written with a copy whenever the provider cannot read meetings back.
        return Err(Error::new(
            ErrorCode::TokenStoreError,
            "the idempotency record has no meeting and the provider cannot read one",
        )
        .with_retryable(false)
        .with_meeting_id(outcome.meeting_id));
    };
    let ctx = MeetingContext::new(valid.request().tenant_id.clone());
    get.get_meeting(&ctx, &outcome.meeting_id)
        .await
        .map_err(|e| e.with_meeting_id(outcome.meeting_id.clone()))
}
