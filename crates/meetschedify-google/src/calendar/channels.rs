//! The Calendar calls behind push channels: `events.watch`, `channels.stop`, and one page of
//! `events.list` for a sync (reference `webhooks.md` §2.1, §2.4, §2.5).

use google_calendar3::api::Channel;
use meetschedify_core::{Error, ErrorCode, Operation, Result, TenantId};
use serde_json::Value;

use super::client::Calendar;
use super::path;
use crate::provider::CalendarTokens;

/// A channel to open. No `Debug`: it holds the channel's secret token.
pub(crate) struct ChannelSpec<'a> {
    pub(crate) id: &'a str,
    pub(crate) address: &'a str,
    pub(crate) token: &'a str,
    /// The asked expiration, in Unix milliseconds.
    pub(crate) expiration_ms: i64,
}

/// What Google answered to `events.watch`.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    /// The opaque id of the watched resource, needed to stop the channel.
    pub(crate) resource_id: String,
    /// When the channel ends, in Unix milliseconds: the earlier of what was asked and Google's
    /// own limit, so it is read from the answer, never assumed.
    pub(crate) expiration_ms: i64,
}

/// One page of `events.list`: the events exactly as Google sent them, and where to go next.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) items: Vec<Value>,
    pub(crate) next: Next,
}

/// Where a read goes on after a page.
#[derive(Debug, Clone)]
pub(crate) enum Next {
    /// Another page: its `pageToken`.
    Page(String),
    /// The last page: the `syncToken` for the next incremental read.
    Sync(String),
}

/// The largest page Google serves: fewer round trips for a full sync.
///
/// Errors are labelled with the closest existing `Operation`: `Configure` for opening a
/// channel, `Disconnect` for stopping one (done before a disconnect), `GetMeeting` for reading
/// changes; core's `Operation` is a closed enum shared by every provider, so push calls get no
/// variant of their own here.
const MAX_RESULTS: i32 = 2500;

impl Calendar {
    /// Opens a channel on `calendar_id`'s events, delivering to its address with its token
    /// echoed.
    pub(crate) async fn watch_channel<T: CalendarTokens>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        calendar_id: &str,
        spec: &ChannelSpec<'_>,
    ) -> Result<Watched> {
        let calendar = path::segment(calendar_id, "calendar_id")?;
        let channel = Channel {
            id: Some(spec.id.to_owned()),
            type_: Some("web_hook".to_owned()),
            address: Some(spec.address.to_owned()),
            token: Some(spec.token.to_owned()),
            // `expiration` is the documented field (SPEC GDISC); `params.ttl` is not documented
            // for Calendar, so it is not sent.
            expiration: Some(spec.expiration_ms),
            ..Channel::default()
        };
        // A watch is not idempotent by itself, but a retry reuses the channel id, which Google
        // refuses (`channelIdNotUnique`) rather than opening a second channel.
        let answer = self
            .call(tokens, tenant, Operation::Configure, false, |hub, dlg| {
                let call = hub.events().watch(channel.clone(), &calendar).delegate(dlg);
                Box::pin(async move { call.doit().await.map(|(r, _)| (r, None)) })
            })
            .await?;
        let raw = answer.raw();
        let resource_id = raw["resourceId"]
            .as_str()
            .ok_or_else(|| malformed("events.watch answered without a resourceId"))?
            .to_owned();
        // An int64 in Google's JSON: a string, or a number from some clients and emulators.
        let expiration_ms = raw["expiration"]
            .as_i64()
            .or_else(|| raw["expiration"].as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| malformed("events.watch answered without an expiration"))?;
        Ok(Watched {
            resource_id,
            expiration_ms,
        })
    }

    /// One page of `calendar_id`'s events: with `sync_token`, only what changed since it
    /// (deleted events included); without, everything (deleted events included too, so both
    /// kinds of read use the same parameters, as Google asks).
    pub(crate) async fn list_page<T: CalendarTokens>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        calendar_id: &str,
        sync_token: Option<&str>,
        page_token: Option<&str>,
    ) -> Result<Page> {
        let calendar = path::segment(calendar_id, "calendar_id")?;
        let answer = self
            .call(tokens, tenant, Operation::GetMeeting, false, |hub, dlg| {
                let mut call = hub
                    .events()
                    .list(&calendar)
                    .show_deleted(true)
                    .max_results(MAX_RESULTS)
                    .delegate(dlg);
                if let Some(token) = sync_token {
                    call = call.sync_token(token);
                }
                if let Some(token) = page_token {
                    call = call.page_token(token);
                }
                Box::pin(async move { call.doit().await.map(|(r, _)| (r, None)) })
            })
            .await?;
        let mut raw = answer.raw();
        let text = |key: &str| raw[key].as_str().map(str::to_owned);
        // The sync token comes on the last page only (reference §2.4).
        let next = match (text("nextPageToken"), text("nextSyncToken")) {
            (Some(page), _) => Next::Page(page),
            (None, Some(sync)) => Next::Sync(sync),
            (None, None) => {
                return Err(malformed(
                    "events.list answered with neither nextPageToken nor nextSyncToken",
                ))
            }
        };
        let items = match raw.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        Ok(Page { items, next })
    }
}

fn malformed(what: &str) -> Error {
    Error::new(ErrorCode::ProviderError, what.to_owned())
}
