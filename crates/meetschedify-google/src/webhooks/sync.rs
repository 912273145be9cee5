//! Reading what changed on a watched calendar: a full sync for the first `syncToken`, then
//! incremental syncs from it (reference `webhooks.md` §2.4).

use meetschedify_core::{Result, TenantId};
use serde_json::Value;

use crate::calendar::channels::Next;
use crate::provider::{CalendarProvider, CalendarTokens};

/// What an incremental sync found.
#[derive(Debug)]
pub(crate) enum Changes {
    /// The events changed since the token, and the token to start from next time.
    Since { items: Vec<Value>, next: String },
    /// Google no longer honours the token (`410 GONE`): a full sync is needed.
    Expired,
}

/// Reads every page of `calendar_id` and returns the `nextSyncToken` of the last one; the
/// events themselves are not kept (they are the calendar's state, not changes).
pub(crate) async fn full_sync<S: CalendarTokens>(
    provider: &CalendarProvider<S>,
    tenant: &TenantId,
    calendar_id: &str,
) -> Result<String> {
    let mut page_token: Option<String> = None;
    loop {
        let page = provider
            .calendar()
            .list_page(
                provider.tokens(),
                tenant,
                calendar_id,
                None,
                page_token.as_deref(),
            )
            .await?;
        match page.next {
            Next::Page(next) => page_token = Some(next),
            Next::Sync(sync) => return Ok(sync),
        }
    }
}

/// Reads every page of what changed on `calendar_id` since `sync_token`.
pub(crate) async fn changes_since<S: CalendarTokens>(
    provider: &CalendarProvider<S>,
    tenant: &TenantId,
    calendar_id: &str,
    sync_token: &str,
) -> Result<Changes> {
    let mut items = Vec::new();
    let mut page_token: Option<String> = None;
    loop {
        let read = provider
            .calendar()
            .list_page(
                provider.tokens(),
                tenant,
                calendar_id,
                Some(sync_token),
                page_token.as_deref(),
            )
            .await;
        let page = match read {
            Ok(page) => page,
            Err(e) if e.http_status() == Some(410) => return Ok(Changes::Expired),
            Err(e) => return Err(e),
        };
        items.extend(page.items);
        match page.next {
            Next::Page(next) => page_token = Some(next),
            Next::Sync(next) => return Ok(Changes::Since { items, next }),
        }
    }
}
