//! `channels.stop` (reference `webhooks.md` §2.5): compiled with or without the `webhooks`
//! feature, because a disconnect stops the tenant's channels whichever process opened them
//! (a shared subscription store may hold channels another binary opened).

use google_calendar3::api::Channel;
use meetschedify_core::{Operation, Result, TenantId};

use super::client::Calendar;
use crate::provider::CalendarTokens;

impl Calendar {
    /// Stops a channel. A channel Google no longer knows (404) counts as stopped.
    pub(crate) async fn stop_channel<T: CalendarTokens>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        channel_id: &str,
        resource_id: &str,
    ) -> Result<()> {
        let channel = Channel {
            id: Some(channel_id.to_owned()),
            resource_id: Some(resource_id.to_owned()),
            ..Channel::default()
        };
        let stopped = self
            .call(tokens, tenant, Operation::Disconnect, false, |hub, dlg| {
                let call = hub.channels().stop(channel.clone()).delegate(dlg);
                Box::pin(async move { call.doit().await.map(|r| (r, None)) })
            })
            .await;
        match stopped {
            Ok(_) => Ok(()),
            Err(e) if e.http_status() == Some(404) => {
                tracing::info!(channel_id, "channel already gone at google");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
