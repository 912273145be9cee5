//! The one workload every way runs: `create_meeting` with a title, a one-hour slot in a named
//! zone, one invitee and a Meet/Zoom link, each call a new meeting.

use meetschedify_core::{CreateMeetingRequest, MeetingParticipant, MeetingTime, ProviderId};
use rand::Rng;

/// The slot's local start and end, and its zone.
pub const START_LOCAL: &str = "2030-03-04T10:00:00";
/// See [`START_LOCAL`].
pub const END_LOCAL: &str = "2030-03-04T11:00:00";
/// See [`START_LOCAL`].
pub const TIMEZONE: &str = "Europe/Berlin";
/// [`START_LOCAL`] in UTC (Berlin is UTC+1 in March 2030, before the switch).
pub const START_UTC: &str = "2030-03-04T09:00:00Z";
/// [`END_LOCAL`] in UTC.
pub const END_UTC: &str = "2030-03-04T10:00:00Z";
/// The Zoom tenant (every tenant shares the account's token anyway).
pub const ZOOM_TENANT: &str = "bench";
/// The Teams tenant (every tenant shares the app's token and the organizer's calendar).
pub const TEAMS_TENANT: &str = "bench";
/// Google's OAuth scope the tenants grant.
pub const GOOGLE_SCOPE: &str = "https://www.googleapis.com/auth/calendar.events";

/// The title of call `n`.
pub fn title(n: usize) -> String {
    format!("Bench meeting {n}")
}

/// The invitee of call `n`.
pub fn invitee(n: usize) -> String {
    format!("guest{}@example.com", n % 100)
}

/// The Google test user behind tenant `i`.
pub fn google_user(i: usize) -> String {
    format!("bench-user-{i}@example.com")
}

/// Tenant `i`'s id.
pub fn google_tenant(i: usize) -> String {
    format!("tenant-{i}")
}

/// Call `n` as a meetschedify request.
pub fn request(tenant: &str, provider: ProviderId, n: usize) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        tenant,
        provider,
        title(n),
        MeetingTime::new(START_LOCAL, END_LOCAL).with_timezone(TIMEZONE),
    )
    .with_primary_participant(MeetingParticipant::new(invitee(n)))
}

/// A Calendar event id as Google accepts them (`[a-v0-9]`, 52 characters, the length of the
/// library's SHA-256 in base32hex), fresh for each call.
pub fn google_event_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    let mut rng = rand::thread_rng();
    (0..52)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// The duplicate-guard marker's shape, `[ref ms-<24 hex digits>]`, fresh for each call, so the
/// floor sends an agenda of the same size as the library.
pub fn zoom_marker() -> String {
    let bits: u128 = rand::thread_rng().gen::<u128>() >> 32;
    format!("[ref ms-{bits:024x}]")
}
