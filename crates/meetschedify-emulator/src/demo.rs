//! The demo credentials every emulator registers at start-up (and again on reset).

use serde::Serialize;

/// Credentials and identities the emulator knows from the start, so a user can point the library at it
/// without registering anything. None of them is secret: they only work against an emulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoCredentials {
    /// Zoom Server-to-Server OAuth account id (`ZOOM_ACCOUNT_ID`).
    pub zoom_account_id: String,
    /// Zoom client id (`ZOOM_CLIENT_ID`).
    pub zoom_client_id: String,
    /// Zoom client secret (`ZOOM_CLIENT_SECRET`).
    pub zoom_client_secret: String,
    /// Email of the Zoom account owner, the user behind `me`.
    pub zoom_host_email: String,
    /// Zoom user id of that owner (the `host_id` of meetings created for `me`).
    pub zoom_host_id: String,
    /// Email of a second user of the demo Zoom account, with a Pro licence (one meeting at a
    /// time), for host pools: `alice@clinic.example`.
    pub zoom_pro_user_email: String,
    /// Zoom user id of the Pro user.
    pub zoom_pro_user_id: String,
    /// Email of a third user of the demo Zoom account, with a Business licence (two meetings at
    /// a time): `bob@clinic.example`.
    pub zoom_business_user_email: String,
    /// Zoom user id of the Business user.
    pub zoom_business_user_id: String,
    /// Google OAuth client id (`GOOGLE_CLIENT_ID`).
    pub google_client_id: String,
    /// Google OAuth client secret (`GOOGLE_CLIENT_SECRET`).
    pub google_client_secret: String,
    /// The redirect URI registered for the client (`GOOGLE_REDIRECT_URI`).
    pub google_redirect_uri: String,
    /// The pre-registered Google test user.
    pub google_user_email: String,
    /// A refresh token of the test user for the demo client (`GOOGLE_REFRESH_TOKEN`), with the
    /// `calendar` and `calendar.events` scopes.
    pub google_refresh_token: String,
    /// Microsoft Entra tenant id (`MICROSOFT_TENANT_ID`).
    pub microsoft_tenant_id: String,
    /// Microsoft app (client) id (`MICROSOFT_CLIENT_ID`), granted the application permissions
    /// `Calendars.ReadWrite` and `OnlineMeetings.ReadWrite.All`.
    pub microsoft_client_id: String,
    /// Microsoft client secret (`MICROSOFT_CLIENT_SECRET`).
    pub microsoft_client_secret: String,
    /// The redirect URI registered for the Microsoft app (`MICROSOFT_REDIRECT_URI`).
    pub microsoft_redirect_uri: String,
    /// Object id of the demo organizer (`MICROSOFT_TEAMS_ORGANIZER`), with an application access
    /// policy grant for the demo app.
    pub microsoft_organizer_id: String,
    /// User principal name (and mailbox) of the demo organizer.
    pub microsoft_organizer_upn: String,
}

impl Default for DemoCredentials {
    fn default() -> Self {
        Self {
            zoom_account_id: "emuAccount0000000001".to_owned(),
            zoom_client_id: "emuZoomClientId00001".to_owned(),
            zoom_client_secret: "emuZoomClientSecret000000000001".to_owned(),
            zoom_host_email: "host@emulator.example.com".to_owned(),
            zoom_host_id: "emuHostUser0000000001A".to_owned(),
            zoom_pro_user_email: "alice@clinic.example".to_owned(),
            zoom_pro_user_id: "emuAliceProUser000002A".to_owned(),
            zoom_business_user_email: "bob@clinic.example".to_owned(),
            zoom_business_user_id: "emuBobBusinessUser003A".to_owned(),
            google_client_id: "emulator-client.apps.googleusercontent.com".to_owned(),
            google_client_secret: "GOCSPX-emulator-secret-0001".to_owned(),
            google_redirect_uri: "http://127.0.0.1:8080/oauth/google/callback".to_owned(),
            google_user_email: "user@emulator.example.com".to_owned(),
            google_refresh_token: "1//emulator-demo-refresh-token-0001".to_owned(),
            microsoft_tenant_id: "00000000-0000-4000-8000-00000000e111".to_owned(),
            microsoft_client_id: "00000000-0000-4000-8000-00000000c1d1".to_owned(),
            microsoft_client_secret: "emu.MicrosoftClientSecret-0001".to_owned(),
            microsoft_redirect_uri: "http://127.0.0.1:8080/oauth/microsoft/callback".to_owned(),
            microsoft_organizer_id: "00000000-0000-4000-8000-0000000000a1".to_owned(),
            microsoft_organizer_upn: "organizer@emulator.onmicrosoft.com".to_owned(),
        }
    }
}

/// Scopes the demo refresh token carries.
pub(crate) const DEMO_GOOGLE_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
];

/// Application permissions of the demo Microsoft app.
pub(crate) const DEMO_MICROSOFT_ROLES: &[&str] =
    &["Calendars.ReadWrite", "OnlineMeetings.ReadWrite.All"];
