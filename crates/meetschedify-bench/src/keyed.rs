//! Keyed creates on a busy Zoom host: what a create with an idempotency key costs in Zoom API
//! calls and in time when the host already holds 0, 1,000 or 10,000 meetings.
//!
//! The host's meetings are seeded straight into the in-process emulator, one an hour around
//! the creates' start (so a busy clinic host: 24 a day), and every create then runs three ways:
//!
//! * **new key**: the first create with its key (the idempotency record is claimed, Zoom's
//!   guard looks once around the start, then the `POST`);
//! * **repeat**: the same call again on the same client (answered from the idempotency record
//!   with one `GET`);
//! * **repeat elsewhere**: the same call from a client with an empty record store (another
//!   instance, or after a restart), answered by Zoom's guard alone (its lookup).
//!
//! Calls are counted at the emulator (token requests left out); times are wall-clock per call.

use std::time::{Duration, Instant};

use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingParticipant, MeetingTime, ProviderId,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, ZoomMeetingSeed};
use meetschedify_zoom::ZoomProvider;
use serde::Serialize;

use crate::emulator::HarnessError;
use crate::stats::Latencies;
use crate::workload;

/// Latency percentiles of one kind of call, in microseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Micros {
    /// Median.
    pub p50: u64,
    /// 95th percentile.
    pub p95: u64,
    /// Slowest.
    pub max: u64,
}

impl Micros {
    fn of(samples: &[Duration]) -> Self {
        let l = Latencies::new(samples.to_vec());
        let us = |p: f64| u64::try_from(l.percentile(p).as_micros()).unwrap_or(u64::MAX);
        Self {
            p50: us(50.0),
            p95: us(95.0),
            max: us(100.0),
        }
    }
}

/// One host size's figures.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct HostSizeReport {
    /// Meetings the host held before the creates.
    pub host_meetings: usize,
    /// Creates measured.
    pub creates: usize,
    /// Zoom API calls per create with a new key (mean, max).
    pub new_key_calls: (f64, usize),
    /// Per repeat on the same client.
    pub repeat_calls: (f64, usize),
    /// Per repeat from a client with no records.
    pub repeat_elsewhere_calls: (f64, usize),
    /// Latency of a create with a new key, in microseconds.
    pub new_key_latency_us: Micros,
    /// Latency of a repeat on the same client.
    pub repeat_latency_us: Micros,
    /// Latency of a repeat from a client with no records.
    pub repeat_elsewhere_latency_us: Micros,
    /// Meetings at the emulator after the run less the seeded ones: must equal `creates`.
    pub meetings_made: usize,
}

fn client(emu: &EmulatorHandle) -> Result<MeetSchedifyClient, HarnessError> {
    let demo = emu.demo();
    let zoom = ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .build()?;
    Ok(MeetSchedifyClient::builder().with_provider(zoom).build()?)
}

fn request(n: usize) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        workload::ZOOM_TENANT,
        ProviderId::ZOOM,
        format!("Keyed appointment {n}"),
        MeetingTime::new(workload::START_LOCAL, workload::END_LOCAL)
            .with_timezone(workload::TIMEZONE),
    )
    .with_description("Follow-up consultation; bring your last results.")
    .with_primary_participant(MeetingParticipant::new(workload::invitee(n)))
    .with_idempotency_key(format!("appointment-{n}"))
}

/// Zoom API calls recorded since the last clear, token requests left out.
fn api_calls(emu: &EmulatorHandle) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .count()
}

fn meetings(emu: &EmulatorHandle) -> usize {
    emu.state()
        .zoom
        .meetings_by_host
        .get(&emu.demo().zoom_host_id)
        .map_or(0, Vec::len)
}

/// Measures `creates` keyed creates (and their repeats) on a host holding `host_meetings`.
pub async fn run(host_meetings: usize, creates: usize) -> Result<HostSizeReport, HarnessError> {
    let emu = Emulator::builder()
        .with_zoom_daily_limit(None)
        .start()
        .await?;
    if host_meetings > 0 {
        // One an hour, centred on the creates' start.
        let start: Timestamp = workload::START_UTC.parse().map_err(|_| "bad start")?;
        let half = i64::try_from(host_meetings / 2).unwrap_or(i64::MAX / 4);
        let first = start - SignedDuration::from_hours(half);
        let mut seed = ZoomMeetingSeed::new(host_meetings, first);
        seed.spacing_secs = 3600;
        seed.agenda = Some("Seeded appointment".into());
        emu.seed_zoom_meetings(seed)?;
    }
    let (here, elsewhere) = (client(&emu)?, client(&emu)?);
    // Warm both clients' tokens so token requests never land inside a measured call.
    let _ = here
        .connection_status(&ProviderId::ZOOM, &workload::ZOOM_TENANT.into())
        .await;
    let _ = elsewhere
        .connection_status(&ProviderId::ZOOM, &workload::ZOOM_TENANT.into())
        .await;
    let mut calls = [Vec::new(), Vec::new(), Vec::new()];
    let mut times: [Vec<Duration>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for n in 0..creates {
        for (way, c) in [&here, &here, &elsewhere].into_iter().enumerate() {
            emu.clear_requests();
            let started = Instant::now();
            let meeting = c.create_meeting(request(n)).await?;
            times[way].push(started.elapsed());
            calls[way].push(api_calls(&emu));
            if meeting.provider_event_id.is_empty() {
                return Err("a create returned no meeting id".into());
            }
        }
    }
    let made = meetings(&emu) - host_meetings;
    emu.shutdown().await;
    let calls_of = |v: &Vec<usize>| {
        let mean = v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
        (mean, v.iter().copied().max().unwrap_or(0))
    };
    let micros = |v: &Vec<Duration>| Micros::of(v);
    Ok(HostSizeReport {
        host_meetings,
        creates,
        new_key_calls: calls_of(&calls[0]),
        repeat_calls: calls_of(&calls[1]),
        repeat_elsewhere_calls: calls_of(&calls[2]),
        new_key_latency_us: micros(&times[0]),
        repeat_latency_us: micros(&times[1]),
        repeat_elsewhere_latency_us: micros(&times[2]),
        meetings_made: made,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small run keeps the bench honest: its counts are deterministic (calls, not times).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keyed_creates_cost_the_same_calls_on_an_empty_and_a_busy_host() {
        for size in [0, 1_000] {
            let r = run(size, 5).await.unwrap();
            assert_eq!(r.meetings_made, 5, "one meeting per key at {size}");
            assert_eq!(r.new_key_calls.1, 2, "list page and POST at {size}: {r:?}");
            assert_eq!(r.repeat_calls.1, 1, "one GET at {size}: {r:?}");
            assert!(
                r.repeat_elsewhere_calls.1 <= 3,
                "guard lookup at {size}: {r:?}"
            );
        }
    }
}
