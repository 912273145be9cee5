//! [`Mailbox`]: whose calendar a provider writes to, and the Graph paths and log routes that
//! follow from it.
//!
//! The app-only provider addresses one organizer by name (`/users/{organizer}`); the per-user
//! provider addresses whoever signed in (`/me`, which Graph resolves from the delegated token,
//! reference `microsoft-teams.md` §3.1). Everything else about an event is the same.

use crate::path::segment;

/// The mailbox whose calendar holds the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mailbox {
    /// `/users/{organizer}`: an object id or user principal name (application permissions).
    User(String),
    /// `/me`: the signed-in user of the delegated token.
    Me,
}

/// The Graph requests the event operations make, for log routes without ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A one-event listing that proves the grant reaches the calendar.
    List,
    Create,
    Read,
    Patch,
    Cancel,
    Delete,
}

impl Mailbox {
    /// `/users/{organizer}/events` or `/me/events`.
    pub(crate) fn events(&self) -> String {
        match self {
            Mailbox::User(organizer) => format!("/users/{}/events", segment(organizer)),
            Mailbox::Me => "/me/events".to_owned(),
        }
    }

    /// `{events}/{id}`, the id percent-encoded as one segment.
    pub(crate) fn event(&self, id: &str) -> String {
        format!("{}/{}", self.events(), segment(id))
    }

    /// The route of `route` for logs: placeholders instead of ids, so logs never carry them.
    pub(crate) fn route(&self, route: Route) -> &'static str {
        match (self, route) {
            (Mailbox::User(_), Route::List) => "GET /users/{organizer}/events",
            (Mailbox::User(_), Route::Create) => "POST /users/{organizer}/events",
            (Mailbox::User(_), Route::Read) => "GET /users/{organizer}/events/{id}",
            (Mailbox::User(_), Route::Patch) => "PATCH /users/{organizer}/events/{id}",
            (Mailbox::User(_), Route::Cancel) => "POST /users/{organizer}/events/{id}/cancel",
            (Mailbox::User(_), Route::Delete) => "DELETE /users/{organizer}/events/{id}",
            (Mailbox::Me, Route::List) => "GET /me/events",
            (Mailbox::Me, Route::Create) => "POST /me/events",
            (Mailbox::Me, Route::Read) => "GET /me/events/{id}",
            (Mailbox::Me, Route::Patch) => "PATCH /me/events/{id}",
            (Mailbox::Me, Route::Cancel) => "POST /me/events/{id}/cancel",
            (Mailbox::Me, Route::Delete) => "DELETE /me/events/{id}",
        }
    }

    /// How errors name the mailbox: the organizer, or "the signed-in user's mailbox".
    pub(crate) fn describe(&self) -> String {
        match self {
            Mailbox::User(organizer) => format!("the organizer `{organizer}`"),
            Mailbox::Me => "the signed-in user's mailbox".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_their_segment_in_either_mailbox() {
        let user = Mailbox::User("adele@contoso.example".to_owned());
        assert_eq!(
            user.event("AAMk/AD+A=="),
            "/users/adele@contoso.example/events/AAMk%2FAD%2BA%3D%3D"
        );
        assert_eq!(
            Mailbox::Me.event("AAMk/AD+A=="),
            "/me/events/AAMk%2FAD%2BA%3D%3D"
        );
        assert_eq!(
            Mailbox::User("a/b".to_owned()).events(),
            "/users/a%2Fb/events"
        );
    }

    #[test]
    fn routes_name_the_mailbox_kind_but_no_id() {
        let user = Mailbox::User("adele@contoso.example".to_owned());
        assert_eq!(
            user.route(Route::Cancel),
            "POST /users/{organizer}/events/{id}/cancel"
        );
        assert_eq!(Mailbox::Me.route(Route::Create), "POST /me/events");
        assert!(!user.route(Route::Read).contains("adele"));
    }
}
