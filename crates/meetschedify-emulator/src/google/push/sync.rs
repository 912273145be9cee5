//! Change tracking behind `events.list?syncToken=` and the `exists` messages: every write to an
//! event takes the next change number, and queues a message to each channel on its calendar.

use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::Timestamp;
use rand::Rng;

use super::state::Message;
use crate::google::errors::error;
use crate::state::Inner;

/// Records that `event_id` on `calendar` changed at `now` (created, updated or deleted) and
/// queues an `exists` message to every open, unexpired channel watching `calendar`. For an
/// events watch Google says `exists` for deletes too: the deletion shows in the next
/// incremental sync as a cancelled event (reference §2.2).
pub(crate) fn changed(
    inner: &mut Inner,
    root: &str,
    calendar: &str,
    event_id: &str,
    now: Timestamp,
) {
    let push = &mut inner.google.push;
    push.change_seq += 1;
    let seq = push.change_seq;
    if let Some(event) = inner
        .google
        .calendars
        .get_mut(calendar)
        .and_then(|c| c.events.get_mut(event_id))
    {
        event.changed = seq;
    }
    let mut ids: Vec<String> = inner
        .google
        .push
        .channels
        .values()
        .filter(|c| c.calendar == calendar && c.expiration > now)
        .map(|c| c.id.clone())
        .collect();
    // A stable order, so a test's faults land on the channel it expects.
    ids.sort();
    for id in ids {
        // Numbers increase but not one by one, as at Google (reference §2.2).
        let gap = inner.rng.gen_range(1..=3);
        if let Some(channel) = inner.google.push.channels.get_mut(&id) {
            channel.message_number += gap;
            let message = message(channel, root, "exists");
            inner.google.push.pending.push(message);
        }
    }
}

/// The message `state` for `channel` with its current number.
pub(crate) fn message(
    channel: &super::state::ChannelRec,
    root: &str,
    state: &'static str,
) -> Message {
    Message {
        url: channel.address.clone(),
        channel_id: channel.id.clone(),
        token: channel.token.clone(),
        resource_id: channel.resource_id.clone(),
        resource_uri: format!(
            "{root}/calendar/v3/calendars/{}/events?alt=json",
            channel.calendar
        ),
        state,
        number: channel.message_number,
        expiration: channel.expiration,
    }
}

/// The sync token naming change number `seq`.
pub(crate) fn sync_token(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("sync:{seq}"))
}

/// A `syncToken` checked against the store.
pub(crate) struct SyncCheck;

impl SyncCheck {
    /// The change number `token` names, or Google's `410 fullSyncRequired` when it names none
    /// the emulator still honours (expired through the control API, or never issued).
    pub(crate) fn since(inner: &Inner, token: &str) -> Result<u64, Response> {
        let seq = URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|raw| raw.strip_prefix("sync:")?.parse::<u64>().ok());
        let push = &inner.google.push;
        match seq {
            Some(seq) if seq >= push.oldest_valid_sync && seq <= push.change_seq => Ok(seq),
            _ => Err(error(
                StatusCode::GONE,
                "calendar",
                "fullSyncRequired",
                "Sync token is no longer valid, a full sync is required.",
            )),
        }
    }
}
