//! `meetschedify demo`: every provider type, end to end, against the embedded emulator.
//!
//! No credentials and no network: the emulator plays Zoom, Google and Microsoft (the identity
//! platform and Graph) on a loopback port. Each per-user provider's tenant connects through the
//! real OAuth redirect flow (the emulator consents at once), then each provider creates, reads,
//! reschedules and cancels a meeting.

use std::time::Instant;

use meetschedify::emulator::Emulator;
use meetschedify::jiff::{civil, ToSpan, ZonedDateTime};
use meetschedify::{
    AuthorizationRequest, CreateMeetingRequest, CreatedMeeting, Error, ErrorCode,
    MeetSchedifyClient, MeetingContext, MeetingParticipant, MeetingTime, OAuthCallback, ProviderId,
    UpdateMeetingRequest,
};
use serde_json::json;

use crate::callback;
use crate::commands::{demo_setup, demo_webhooks};
use crate::output::{self, Format};

/// The tenant whose Google and Microsoft accounts connect through OAuth in the demo.
pub const DEMO_TENANT: &str = "demo-clinic";
/// The tenant of the providers with one account for every tenant (Zoom, the shared Google
/// token, Teams through the app's own credentials).
const SHARED_TENANT: &str = "demo-hr";

/// The order of the summary's rows: one per registered provider.
const ORDER: [ProviderId; 5] = [
    ProviderId::ZOOM,
    ProviderId::GOOGLE_MEET_STATIC,
    ProviderId::GOOGLE_MEET,
    ProviderId::MICROSOFT_TEAMS,
    ProviderId::MICROSOFT_TEAMS_APP,
];
const ZONE: &str = "America/New_York";

/// One provider's run through the demo.
#[derive(Debug, Clone)]
pub struct DemoRow {
    /// The provider.
    pub provider: ProviderId,
    /// The meeting id it gave.
    pub meeting_id: String,
    /// The join link.
    pub join_link: String,
    /// The calendar page, when the provider has one.
    pub calendar_url: Option<String>,
    /// Whether the link survived the reschedule.
    pub link_changed: bool,
    /// How the meeting ended up.
    pub status: String,
}

/// Runs the demo and prints progress and the summary.
pub async fn run(format: Format) -> Result<(), Error> {
    let started = Instant::now();
    let progress = Progress { format };
    progress.say("starting the embedded Zoom, Google and Microsoft emulator");
    let emulator = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("cannot start the emulator: {e}"),
            )
        })?;
    progress.say(&format!("emulator listening on {}", emulator.base_url()));

    let client = demo_setup::client(&emulator)?;
    progress.say(&format!(
        "providers: {}",
        client
            .list_providers()
            .iter()
            .map(ProviderId::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    // The Microsoft user who signs in is the demo organizer: the emulator's one Microsoft user.
    let per_user = [
        (
            ProviderId::GOOGLE_MEET,
            emulator.demo().google_user_email.clone(),
        ),
        (
            ProviderId::MICROSOFT_TEAMS,
            emulator.demo().microsoft_organizer_upn.clone(),
        ),
    ];
    connect_per_user(&client, &per_user, &progress).await?;

    let mut rows = Vec::new();
    let registered = client.list_providers();
    for provider in ORDER.iter().filter(|p| registered.contains(p)) {
        // Per-user providers act for the tenant that connected; the others for any tenant.
        let tenant = if per_user.iter().any(|(p, _)| p == provider) {
            DEMO_TENANT
        } else {
            SHARED_TENANT
        };
        rows.push(lifecycle(&client, provider, tenant, &progress).await?);
    }
    let events = demo_webhooks::zoom_lifecycle_events(&client, &emulator, &progress).await?;

    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "meetings": rows.iter().map(|r| json!({
                    "provider_id": r.provider.as_str(),
                    "provider_event_id": r.meeting_id,
                    "conference_link": r.join_link,
                    "calendar_url": r.calendar_url,
                    "conference_link_changed": r.link_changed,
                    "status": r.status,
                })).collect::<Vec<_>>(),
                "webhook_events": events.iter().map(|e| json!({
                    "provider": e.provider.as_str(),
                    "kind": e.kind.as_str(),
                    "meeting_id": e.meeting_id,
                    "occurred_at": e.occurred_at.to_string(),
                })).collect::<Vec<_>>(),
            }))
            .unwrap_or_default()
        ),
        Format::Human => {
            let mut table = output::table(&[
                "provider",
                "meeting id",
                "join link",
                "calendar URL",
                "status",
            ]);
            for r in &rows {
                table.add_row(vec![
                    r.provider.to_string(),
                    r.meeting_id.clone(),
                    r.join_link.clone(),
                    r.calendar_url.clone().unwrap_or_else(|| "-".into()),
                    r.status.clone(),
                ]);
            }
            println!("{table}");
            println!(
                "{} providers, {} operations in {} ms, no credentials used. Next: `meetschedify emulator` \
                 prints the exports to point your own code at the same emulator.",
                rows.len(),
                rows.len() * 4,
                started.elapsed().as_millis()
            );
        }
    }
    emulator.shutdown().await;
    Ok(())
}

/// Connects the demo tenant's account on each per-user provider, given with the emulator user
/// who consents (the login hint): authorization URL, consent, callback.
async fn connect_per_user(
    client: &MeetSchedifyClient,
    providers: &[(ProviderId, String)],
    progress: &Progress,
) -> Result<(), Error> {
    for (provider, login_hint) in providers {
        connect_tenant(client, provider, login_hint, progress).await?;
    }
    Ok(())
}

/// Connects the demo tenant's account on `provider`: authorization URL, consent, callback.
async fn connect_tenant(
    client: &MeetSchedifyClient,
    provider: &ProviderId,
    login_hint: &str,
    progress: &Progress,
) -> Result<(), Error> {
    progress.step(
        provider.as_str(),
        "connect",
        &format!("opening the consent page for tenant {DEMO_TENANT}"),
    );
    let request = AuthorizationRequest::new(DEMO_TENANT, provider.clone())
        .with_return_url("/settings/integrations")
        .with_login_hint(login_hint);
    let url = client.authorization_url(&request).await?;
    let redirect = follow_consent(&url.url).await?;
    let connected = client
        .handle_oauth_callback(
            provider,
            &OAuthCallback::new(redirect.code, redirect.state)
                .with_session_binding(url.session_binding.clone()),
        )
        .await?;
    progress.step(
        provider.as_str(),
        "connect",
        &format!(
            "tenant {} connected; back to {}",
            connected.tenant_id,
            connected.return_url.unwrap_or_default()
        ),
    );
    Ok(())
}

/// Asks the consent page for the redirect (the emulator consents at once) and reads its query.
async fn follow_consent(url: &str) -> Result<callback::Redirect, Error> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            Error::new(
                ErrorCode::NetworkError,
                format!("cannot build an http client: {e}"),
            )
        })?;
    let response = http.get(url).send().await.map_err(|e| {
        Error::new(
            ErrorCode::NetworkError,
            format!("consent page unreachable: {e}"),
        )
    })?;
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::ProviderError,
                format!(
                    "the consent page did not redirect (HTTP {})",
                    response.status()
                ),
            )
        })?;
    let query = location.split_once('?').map_or("", |(_, q)| q);
    callback::parse_query(query)
}

/// Create, read, reschedule and cancel one meeting.
async fn lifecycle(
    client: &MeetSchedifyClient,
    provider: &ProviderId,
    tenant: &str,
    progress: &Progress,
) -> Result<DemoRow, Error> {
    let (start, end) = next_week_slot(10)?;
    let request = CreateMeetingRequest::new(
        tenant,
        provider.clone(),
        format!("Demo consultation via {provider}"),
        MeetingTime::new(start, end).with_timezone(ZONE),
    )
    .with_description("Created by `meetschedify demo` against the local emulator.")
    .with_primary_participant(
        MeetingParticipant::new("patient@example.com").with_display_name("Pat Patient"),
    )
    .with_participant(MeetingParticipant::new("doctor@example.com").with_display_name("Dr. Rao"))
    .with_metadata_entry("appointment_id", format!("appt-{provider}"))
    .with_idempotency_key(format!("demo-{provider}"));

    let created = client.create_meeting(request).await?;
    let link = created.conference_link.clone().unwrap_or_default();
    progress.step(
        provider.as_str(),
        "create",
        &format!("{} {link}", created.provider_event_id),
    );

    let ctx = MeetingContext::new(tenant);
    let read = client
        .get_meeting(provider, &ctx, &created.provider_event_id)
        .await?;
    progress.step(
        provider.as_str(),
        "get",
        &format!(
            "{} at {}",
            read.title.clone().unwrap_or_default(),
            read.time.start
        ),
    );

    let (new_start, new_end) = next_week_slot(14)?;
    let update = UpdateMeetingRequest::new()
        .with_time(MeetingTime::new(new_start, new_end).with_timezone(ZONE));
    let updated = client
        .update_meeting(provider, &ctx, &created.provider_event_id, update)
        .await?;
    progress.step(
        provider.as_str(),
        "reschedule",
        &format!(
            "now {}{}",
            updated.meeting.time.start,
            if updated.conference_link_changed {
                " (new join link)"
            } else {
                " (same join link)"
            }
        ),
    );

    let outcome = client
        .cancel_meeting(provider, &ctx, &created.provider_event_id)
        .await?;
    progress.step(
        provider.as_str(),
        "cancel",
        &format!("{outcome:?}").to_lowercase(),
    );

    Ok(DemoRow {
        provider: provider.clone(),
        meeting_id: created.provider_event_id.clone(),
        join_link: link_of(&updated.meeting).unwrap_or(link),
        calendar_url: created.calendar_url.clone(),
        link_changed: updated.conference_link_changed,
        status: "created, read, rescheduled, cancelled".into(),
    })
}

fn link_of(meeting: &CreatedMeeting) -> Option<String> {
    meeting.conference_link.clone()
}

/// A local `YYYY-MM-DDTHH:00:00` slot one week from today in the demo zone, 45 minutes long.
pub(super) fn next_week_slot(hour: i8) -> Result<(String, String), Error> {
    let today = ZonedDateTime::now()
        .in_tz(ZONE)
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("time zone data: {e}")))?
        .date();
    let day = today.checked_add(7.days()).unwrap_or(today);
    let start = civil::DateTime::from_parts(day, civil::time(hour, 0, 0, 0));
    let end = start.checked_add(45.minutes()).unwrap_or(start);
    let fmt = |dt: civil::DateTime| dt.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    Ok((fmt(start), fmt(end)))
}

/// Progress lines go to stderr, so `--json` output on stdout stays one clean document.
pub(super) struct Progress {
    format: Format,
}

impl Progress {
    fn say(&self, text: &str) {
        if self.format == Format::Human {
            eprintln!("• {text}");
        }
    }

    pub(super) fn step(&self, provider: &str, step: &str, text: &str) {
        if self.format == Format::Human {
            eprintln!("  {provider:<20} {step:<11} ✓ {text}");
        }
    }
}
