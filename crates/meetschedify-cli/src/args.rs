//! The command line, as clap types. `meetschedify --help` is pinned by a snapshot test.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Schedule Google Meet, Zoom and Microsoft Teams meetings from the command line.
///
/// Configuration comes from the environment (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID,
/// ZOOM_CLIENT_SECRET, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REDIRECT_URI,
/// GOOGLE_REFRESH_TOKEN, MICROSOFT_TENANT_ID, MICROSOFT_CLIENT_ID, MICROSOFT_CLIENT_SECRET,
/// MICROSOFT_REDIRECT_URI, MICROSOFT_TEAMS_ORGANIZER, and the MEETSCHEDIFY_*_BASE endpoint
/// overrides) or from --env-file.
/// Try `meetschedify demo`: it needs no credentials.
#[derive(Debug, Parser)]
#[command(
    name = "meetschedify",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Read settings from this .env file (variables already set take precedence).
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,

    /// The SQLite file holding per-user tokens (else MEETSCHEDIFY_TOKEN_DB, else meetschedify-tokens.db).
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,

    /// Print results as JSON on stdout and errors as JSON on stderr.
    #[arg(long, global = true)]
    pub json: bool,

    /// Log what the library does (error, warn, info, debug, trace); secrets are never logged.
    #[arg(long, global = true, value_name = "LEVEL", env = "MEETSCHEDIFY_LOG")]
    pub log: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Schedule a meeting.
    #[command(visible_alias = "create")]
    Schedule(ScheduleArgs),
    /// Show a meeting.
    Get(MeetingRef),
    /// Change or reschedule a meeting.
    Update(UpdateArgs),
    /// Cancel a meeting (cancelling one already gone succeeds).
    Cancel(CancelArgs),
    /// Show whether a tenant can schedule meetings with a provider.
    Status(StatusArgs),
    /// Connect a tenant's Google or Microsoft account (per-user OAuth) from the terminal.
    Connect(ConnectArgs),
    /// Forget a tenant's connection, revoking the grant where the provider allows it.
    Disconnect(TenantArgs),
    /// Obtain a refresh token for google-meet-static (one-time setup).
    GoogleToken(GoogleTokenArgs),
    /// Check each configured provider: credentials, token, Zoom scopes and host pool, Teams
    /// mailbox access.
    Doctor(DoctorArgs),
    /// Run every provider type end to end against the embedded emulator (no credentials needed).
    Demo,
    /// Run the local Google and Zoom emulator and print the exports that point the library at it.
    Emulator(EmulatorArgs),
    /// Receive and check meeting notifications (webhooks), or send a signed sample.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

/// `meetschedify webhooks ...`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Serve POST /webhooks/zoom, POST /webhooks/google and POST /webhooks/microsoft: answer
    /// the vendors' endpoint checks, refuse anything unverified with 401 and print each verified
    /// event as one JSON line on stdout. Zoom needs ZOOM_WEBHOOK_SECRET_TOKEN (several
    /// comma-separated during a rotation); Google needs the per-user credentials
    /// (GOOGLE_CLIENT_ID, ...) and the token store, and watches the calendars of the
    /// --google-tenant tenants while it runs; Microsoft needs the app-only Teams variables and
    /// subscribes to the organizer's calendar events until stopped, and with --microsoft-tenant
    /// (per-user Teams variables and the token store) also to those tenants' calendar events,
    /// served on POST /webhooks/microsoft/users.
    Listen(ListenArgs),
    /// Send a sample Zoom notification signed with the first ZOOM_WEBHOOK_SECRET_TOKEN to a
    /// listener, and print its answer.
    SendTest(SendTestArgs),
}

/// `meetschedify webhooks listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port to listen on (0 picks a free one; the address is printed on stderr).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Address to listen on; put a TLS-terminating proxy in front for Zoom to reach it.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// A connected google-meet tenant whose calendar to watch while listening (repeatable):
    /// a push channel is opened at start, renewed before it expires, and stopped on Ctrl-C.
    #[arg(long = "google-tenant", value_name = "TENANT")]
    pub google_tenants: Vec<String>,
    /// The calendar to watch for each --google-tenant.
    #[arg(long, default_value = "primary")]
    pub google_calendar: String,
    /// A microsoft-teams tenant connected with `meetschedify connect` whose calendar events to
    /// subscribe to while listening (repeatable; needs MICROSOFT_REDIRECT_URI): a Graph
    /// subscription is made at start, renewed, and deleted on Ctrl-C.
    #[arg(long = "microsoft-tenant", value_name = "TENANT")]
    pub microsoft_tenants: Vec<String>,
    /// The HTTPS URL Google and Microsoft Graph reach this listener at (your proxy), without
    /// the path; by default the listening address itself, which only the emulator can use.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// `meetschedify webhooks send-test`.
#[derive(Debug, Args)]
pub struct SendTestArgs {
    /// The listener's URL, e.g. http://127.0.0.1:8787/webhooks/zoom.
    #[arg(long)]
    pub url: String,
    /// The Zoom event to send: meeting.started, meeting.ended, meeting.participant_joined,
    /// meeting.participant_left, endpoint.url_validation, or any other name.
    #[arg(long, default_value = "meeting.started")]
    pub event: String,
    /// The meeting id in the sample.
    #[arg(long, default_value = "85746065432")]
    pub meeting_id: String,
}

/// `meetschedify emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Skip the Google and Microsoft consent pages: authorization redirects at once.
    #[arg(long)]
    pub auto_consent: bool,
}

/// `meetschedify schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Provider id: zoom, google-meet, google-meet-static, microsoft-teams,
    /// microsoft-teams-app, or a custom id.
    #[arg(long)]
    pub provider: String,
    /// Tenant whose connection to use.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Title of the meeting.
    #[arg(long)]
    pub title: String,
    /// Start, as YYYY-MM-DDTHH:MM:SS local to --timezone (seconds optional), or RFC 3339 with an offset.
    #[arg(long)]
    pub start: String,
    /// End, in the same formats as --start.
    #[arg(long)]
    pub end: String,
    /// IANA time zone, e.g. America/New_York.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// Longer description (Zoom agenda, Google description).
    #[arg(long)]
    pub description: Option<String>,
    /// A participant as EMAIL or EMAIL:NAME; repeat for more (the first is the primary one).
    #[arg(long = "participant", value_name = "EMAIL[:NAME]")]
    pub participants: Vec<String>,
    /// Do not attach a video conference link.
    #[arg(long)]
    pub no_conference: bool,
    /// Metadata returned unchanged with the meeting, as KEY=VALUE; repeatable.
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Makes the command safe to repeat: the same key never creates a second meeting.
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

/// A meeting to address.
#[derive(Debug, Args)]
pub struct MeetingRef {
    /// Provider id.
    #[arg(long)]
    pub provider: String,
    /// The provider's meeting id (printed by schedule).
    #[arg(long)]
    pub id: String,
    /// Tenant whose connection to use.
    #[arg(long, default_value = "default")]
    pub tenant: String,
}

/// `meetschedify update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The meeting.
    #[command(flatten)]
    pub meeting: MeetingRef,
    /// New title.
    #[arg(long)]
    pub title: Option<String>,
    /// New description.
    #[arg(long)]
    pub description: Option<String>,
    /// New start (with --end).
    #[arg(long, requires = "end")]
    pub start: Option<String>,
    /// New end (with --start).
    #[arg(long, requires = "start")]
    pub end: Option<String>,
    /// Time zone of the new start and end.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// The complete new participant list, as EMAIL or EMAIL:NAME; repeatable.
    #[arg(long = "participant", value_name = "EMAIL[:NAME]")]
    pub participants: Vec<String>,
    /// With a Zoom host pool (`ZOOM_HOST_POOL`): when the meeting's host is busy at the new
    /// time, move it to a free host. The moved meeting is a new meeting with a new id and join
    /// link; the old one is cancelled.
    #[arg(long)]
    pub allow_host_change: bool,
}

/// `meetschedify cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The meeting.
    #[command(flatten)]
    pub meeting: MeetingRef,
    /// Do not email participants about the cancellation.
    #[arg(long)]
    pub no_notify: bool,
}

/// `meetschedify status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Tenant to check.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Provider to check (all configured ones when omitted).
    #[arg(long)]
    pub provider: Option<String>,
}

/// `meetschedify connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Tenant to connect.
    #[arg(long)]
    pub tenant: String,
    /// Provider to connect: google-meet or microsoft-teams (listens on the port of
    /// GOOGLE_REDIRECT_URI or MICROSOFT_REDIRECT_URI).
    #[arg(long, default_value = "google-meet")]
    pub provider: String,
    /// Email to pre-fill on the consent screen.
    #[arg(long)]
    pub login_hint: Option<String>,
    /// Print the URL without trying to open a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Seconds to wait for the redirect.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

/// A tenant and a provider.
#[derive(Debug, Args)]
pub struct TenantArgs {
    /// Tenant.
    #[arg(long)]
    pub tenant: String,
    /// Provider: google-meet or microsoft-teams.
    #[arg(long, default_value = "google-meet")]
    pub provider: String,
}

/// `meetschedify google-token`.
#[derive(Debug, Args)]
pub struct GoogleTokenArgs {
    /// Email to pre-fill on the consent screen.
    #[arg(long)]
    pub login_hint: Option<String>,
    /// Print the URL without trying to open a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Seconds to wait for the redirect.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

/// `meetschedify doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also check this tenant's per-user connection.
    #[arg(long)]
    pub tenant: Option<String>,
}
