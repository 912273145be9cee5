//! The emulator's own errors (starting it, and control calls that name unknown things).

/// What can go wrong when starting or controlling the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("cannot bind the emulator to {addr}: {source}")]
    Bind {
        /// Address that was asked for.
        addr: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A control call named a Zoom account that is not registered.
    #[error("unknown zoom account {0}")]
    UnknownZoomAccount(String),
    /// A control call named a Zoom user (id or email) that is not registered.
    #[error("unknown zoom user {0}")]
    UnknownZoomUser(String),
    /// A control call named a Zoom meeting that does not exist (or not any more).
    #[error("unknown zoom meeting {0}")]
    UnknownZoomMeeting(String),
    /// A Zoom meeting could not start: its host already runs as many meetings as its licence
    /// allows. The first words are what Zoom shows the meeting's participants.
    #[error(
        "host has another meeting in progress: {host_id} may run {limit} at a time and runs {running:?}"
    )]
    ZoomHostBusy {
        /// The host's user id.
        host_id: String,
        /// How many meetings the host's licence lets it run at once.
        limit: usize,
        /// The host's running meetings, earliest-started first.
        running: Vec<u64>,
    },
    /// A control call needs a running Zoom meeting (a participant joining or leaving).
    #[error("zoom meeting {0} is not running")]
    ZoomMeetingNotRunning(u64),
    /// A control call named a participant who is not in the meeting.
    #[error("unknown zoom participant {0}")]
    UnknownZoomParticipant(String),
    /// A control call named a Graph subscription that does not exist (or expired).
    #[error("unknown graph subscription {0}")]
    UnknownGraphSubscription(String),
    /// A lifecycle notification was asked for a subscription made without a
    /// `lifecycleNotificationUrl` (Graph sends them only there).
    #[error("graph subscription {0} has no lifecycleNotificationUrl")]
    NoLifecycleUrl(String),
    /// A webhook endpoint failed Zoom's URL validation, so it was not registered: why.
    #[error("zoom webhook endpoint validation failed: {0}")]
    ZoomWebhookValidation(String),
    /// A Zoom event subscription listed an event the emulator does not send, or none: what.
    #[error("unsupported zoom webhook event subscription: {0}")]
    UnknownZoomWebhookEvent(String),
    /// Seeded meetings would have been refused by a create: the field and why.
    #[error("invalid zoom meeting seed: {0}")]
    InvalidSeed(String),
    /// A control call named a Google OAuth client that is not registered.
    #[error("unknown google client {0}")]
    UnknownGoogleClient(String),
    /// A control call named a Google user that is not registered.
    #[error("unknown google user {0}")]
    UnknownGoogleUser(String),
    /// A control call named a Google event (`calendar/event id`) that does not exist.
    #[error("unknown google event {0}")]
    UnknownGoogleEvent(String),
    /// A control call named a Microsoft app (client id) that is not registered.
    #[error("unknown microsoft app {0}")]
    UnknownMicrosoftApp(String),
    /// A control call named a Microsoft user (object id or UPN) that is not registered.
    #[error("unknown microsoft user {0}")]
    UnknownMicrosoftUser(String),
}
