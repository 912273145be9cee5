//! [`TeamsAppProvider::check_mailbox`]: one cheap read of the organizer's calendar, so that an
//! operator (or `meetschedify doctor`) learns before the first meeting whether the app may
//! reach the mailbox at all.

use meetschedify_core::{Operation, Result, TenantId};

use super::TeamsAppProvider;

impl TeamsAppProvider {
    /// Reads at most one event id from the organizer's calendar
    /// (`GET /users/{organizer}/events?$top=1&$select=id`) with the app's token, under the
    /// provider's retry policy. Nothing is written and nobody is notified.
    ///
    /// `Ok(())` means the credentials give a token and Graph lets the app read the organizer's
    /// calendar. A failure is the same typed error a meeting call would get, with the fix in its
    /// message: `BAD_CREDENTIALS` naming the variable (wrong or expired secret, unknown tenant
    /// or app), `PERMISSION_DENIED` naming the application permission `Calendars.ReadWrite`
    /// and its admin consent (and the Exchange application access policy), `PROVIDER_ERROR`
    /// naming `MICROSOFT_TEAMS_ORGANIZER` when Graph has no such mailbox.
    ///
    /// A read proves read access only: an app granted `Calendars.Read` alone passes here and is
    /// refused on its first create.
    pub async fn check_mailbox(&self) -> Result<()> {
        // The app's one token serves every tenant: the probe speaks for none of them.
        let nobody = TenantId::new("meetschedify-mailbox-check");
        self.inner
            .events
            .probe(&nobody)
            .await
            .map_err(|e| self.tag(e, Operation::ConnectionStatus))
    }
}
