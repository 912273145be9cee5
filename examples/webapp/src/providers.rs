//! The providers a user can connect, as a table: the routes and the page are written once and
//! read their provider from here, so Google and Microsoft get the same protections by
//! construction rather than by copying.

use meetschedify::ProviderId;

/// One per-user provider the app offers.
#[derive(Debug)]
pub(crate) struct Connectable {
    /// The library's provider id.
    pub(crate) id: ProviderId,
    /// The path segment of its routes: `/auth/{segment}/connect`, `.../callback`,
    /// `.../disconnect`; also the value of the scheduling form's `provider` field.
    pub(crate) segment: &'static str,
    /// The vendor's name, for messages ("Google did not connect").
    pub(crate) vendor: &'static str,
    /// What the user connects, for the page ("Google Calendar").
    pub(crate) calendar: &'static str,
    /// What the scheduled meeting is called ("Google Meet").
    pub(crate) meeting: &'static str,
    /// Where the user takes back the app's access when a disconnect could only forget the
    /// tokens (the provider has no per-grant revocation); `None` when a disconnect revokes.
    pub(crate) remove_access_at: Option<&'static str>,
}

/// Google Meet on the user's Google Calendar.
pub(crate) static GOOGLE: Connectable = Connectable {
    id: ProviderId::GOOGLE_MEET,
    segment: "google",
    vendor: "Google",
    calendar: "Google Calendar",
    meeting: "Google Meet",
    remove_access_at: None,
};

/// Teams meetings on the user's Outlook calendar (a Microsoft work or school account).
pub(crate) static MICROSOFT: Connectable = Connectable {
    id: ProviderId::MICROSOFT_TEAMS,
    segment: "microsoft",
    vendor: "Microsoft",
    calendar: "Microsoft Outlook calendar",
    meeting: "Teams meeting",
    remove_access_at: Some(
        "https://myapps.microsoft.com (choose the app, then Manage your application and Revoke \
         permissions)",
    ),
};

impl Connectable {
    /// The OAuth redirect URI's path, which the provider's app registration must name.
    pub(crate) fn callback_path(&self) -> String {
        format!("/auth/{}/callback", self.segment)
    }
}

/// The providers this app runs with, in the page's order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Enabled(Vec<&'static Connectable>);

impl Enabled {
    /// The given providers, in that order.
    pub(crate) fn new(providers: Vec<&'static Connectable>) -> Self {
        Self(providers)
    }

    /// Every enabled provider.
    pub(crate) fn all(&self) -> &[&'static Connectable] {
        &self.0
    }

    /// The enabled provider whose path segment is `segment`; `None` for any other value,
    /// including a provider the app knows but was not configured with.
    pub(crate) fn by_segment(&self, segment: &str) -> Option<&'static Connectable> {
        self.0.iter().copied().find(|p| p.segment == segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_enabled_providers_are_found_by_segment() {
        let google_only = Enabled::new(vec![&GOOGLE]);
        assert_eq!(
            google_only.by_segment("google").map(|p| &p.id),
            Some(&ProviderId::GOOGLE_MEET)
        );
        assert!(google_only.by_segment("microsoft").is_none());
        let both = Enabled::new(vec![&GOOGLE, &MICROSOFT]);
        assert_eq!(
            both.by_segment("microsoft").map(|p| &p.id),
            Some(&ProviderId::MICROSOFT_TEAMS)
        );
        assert!(both.by_segment("").is_none() && both.by_segment("zoom").is_none());
        assert_eq!(MICROSOFT.callback_path(), "/auth/microsoft/callback");
    }
}
