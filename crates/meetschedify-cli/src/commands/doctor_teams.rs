//! `doctor`'s check of the app-only Teams provider beyond its token: may the app read the
//! organizer's calendar?
//!
//! Client credentials give a token whether or not an administrator consented to the app's
//! application permissions (the token then simply carries no roles), so only a Graph call
//! shows a missing `Calendars.ReadWrite`, a missing admin consent, an Exchange application
//! access policy that leaves the organizer out, or an organizer without a mailbox.

use meetschedify::{ErrorCode, ProviderId};
use meetschedify_teams::TeamsAppProvider;

use super::doctor::Finding;

/// What the app needs, said once for the healthy and the broken finding alike.
const NEEDS: &str = "the Microsoft Graph application permission Calendars.ReadWrite, with \
                     admin consent";

/// The `mailbox` finding: a read of at most one event id from the organizer's calendar.
pub(super) async fn mailbox(provider: &ProviderId, teams: &TeamsAppProvider) -> Finding {
    let organizer = teams.organizer();
    let (ok, detail) = match teams.check_mailbox().await {
        Ok(()) => (
            true,
            format!(
                "the app reads the calendar of {organizer}; scheduling also needs {NEEDS} \
                 (a read passes with Calendars.Read alone)"
            ),
        ),
        Err(err) => {
            tracing::warn!(code = %err.code(), "teams mailbox check failed");
            let fix = if err.code() == ErrorCode::PermissionDenied {
                // The provider's message names the permission, the consent and the access
                // policy already.
                String::new()
            } else {
                format!("; the app needs {NEEDS} on the calendar of {organizer}")
            };
            (false, format!("{err}{fix}"))
        }
    };
    Finding {
        provider: provider.to_string(),
        check: "mailbox",
        ok,
        detail,
        data: None,
    }
}
