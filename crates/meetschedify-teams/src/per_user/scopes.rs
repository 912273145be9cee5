//! The delegated scopes the per-user provider asks for, and how a granted list is read.

/// Asks for a refresh token: without it the authorization-code answer carries none (reference
/// `microsoft-teams.md` §1.3, "Only provided if offline_access scope was requested").
pub const SCOPE_OFFLINE_ACCESS: &str = "offline_access";

/// The delegated Graph permission behind `POST/GET/PATCH /me/events` and `.../cancel`
/// (reference §3.1: "Permission: Calendars.ReadWrite (delegated work/school ...)").
pub const SCOPE_CALENDARS_READ_WRITE: &str = "https://graph.microsoft.com/Calendars.ReadWrite";

/// The default: the least that works. The event's Teams meeting comes with the calendar
/// permission, so no `OnlineMeetings.*` scope is needed; the provider never reads the user's
/// profile or an ID token, so neither `User.Read` nor `openid` is asked for.
pub(crate) fn default_scopes() -> Vec<String> {
    vec![
        SCOPE_OFFLINE_ACCESS.to_owned(),
        SCOPE_CALENDARS_READ_WRITE.to_owned(),
    ]
}

/// Whether `scope` is Calendars.ReadWrite, written in full or short (Graph is the default
/// resource of a short name, and answers may use either form).
pub(crate) fn is_calendars_read_write(scope: &str) -> bool {
    scope.eq_ignore_ascii_case(SCOPE_CALENDARS_READ_WRITE)
        || scope.eq_ignore_ascii_case("Calendars.ReadWrite")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_the_calendar_permission_count() {
        assert!(is_calendars_read_write("Calendars.ReadWrite"));
        assert!(is_calendars_read_write(
            "https://graph.microsoft.com/calendars.readwrite"
        ));
        assert!(!is_calendars_read_write("Calendars.Read"));
        assert!(!is_calendars_read_write(
            "https://graph.microsoft.com/Calendars.ReadWrite.Shared"
        ));
    }
}
