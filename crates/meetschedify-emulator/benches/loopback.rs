//! Loopback throughput: Zoom meeting creates and Google event inserts per second.
//!
//! Not a test: run it with `cargo bench -p meetschedify-emulator`. Client and server share the
//! machine, so the numbers are a floor for the emulator alone. Daily limits and quotas are switched
//! off (they would stop a benchmark after 100 creates), recording stays on as in tests.
//! `EMU_BENCH_REQUESTS` sets the requests per scenario (default 20,000).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use meetschedify_emulator::{Emulator, EmulatorHandle};
use serde_json::json;

/// Requests in flight at once (a connection pool of this size).
const CONCURRENCY: usize = 32;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

struct Scenario {
    name: &'static str,
    url: String,
    bearer: String,
    body: Bytes,
    expected: u16,
}

async fn run(client: &HttpClient, scenario: &Scenario, total: usize) -> Duration {
    let started = Instant::now();
    let per_task = total / CONCURRENCY;
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let client = client.clone();
        let url = scenario.url.clone();
        let auth = format!("Bearer {}", scenario.bearer);
        let body = scenario.body.clone();
        let expected = scenario.expected;
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let request = Request::post(url.as_str())
                    .header("authorization", auth.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .expect("valid request");
                let response = client.request(request).await.expect("request");
                let status = response.status().as_u16();
                let _ = response.into_body().collect().await.expect("body");
                assert_eq!(status, expected);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    started.elapsed()
}

async fn scenarios(emu: &EmulatorHandle) -> Vec<Scenario> {
    let zoom = emu
        .issue_zoom_access_token(&emu.demo().zoom_account_id)
        .expect("zoom token");
    let google = emu
        .issue_google_access_token(
            &emu.demo().google_user_email,
            &["https://www.googleapis.com/auth/calendar.events"],
        )
        .expect("google token");
    vec![
        Scenario {
            name: "zoom create (POST /v2/users/me/meetings)",
            url: format!("{}/users/me/meetings", emu.zoom_api_base()),
            bearer: zoom,
            body: Bytes::from(
                json!({ "topic": "bench", "type": 2, "start_time": "2030-01-01T10:00:00Z",
                        "duration": 30, "timezone": "UTC" })
                .to_string(),
            ),
            expected: 201,
        },
        Scenario {
            name: "google insert (POST /calendar/v3/calendars/primary/events)",
            url: format!(
                "{}/calendar/v3/calendars/primary/events?conferenceDataVersion=1",
                emu.google_api_base()
            ),
            bearer: google,
            body: Bytes::from(
                json!({
                    "summary": "bench",
                    "start": { "dateTime": "2030-01-01T10:00:00Z" },
                    "end": { "dateTime": "2030-01-01T10:30:00Z" },
                    "conferenceData": { "createRequest": { "requestId": "bench",
                        "conferenceSolutionKey": { "type": "hangoutsMeet" } } }
                })
                .to_string(),
            ),
            expected: 200,
        },
    ]
}

fn main() {
    let total: usize = std::env::var("EMU_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let emu = Emulator::builder()
            .with_zoom_daily_limit(None)
            .with_google_quota_per_minute(None)
            .start()
            .await
            .expect("emulator");
        let client: HttpClient = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(CONCURRENCY)
            .build_http();
        for scenario in scenarios(&emu).await {
            // Warm up connections and allocations, then measure.
            run(&client, &scenario, CONCURRENCY * 20).await;
            let elapsed = run(&client, &scenario, total).await;
            let done = (total / CONCURRENCY) * CONCURRENCY;
            println!(
                "{:<62} {:>8} requests in {:>6.2} s = {:>8.0} req/s",
                scenario.name,
                done,
                elapsed.as_secs_f64(),
                done as f64 / elapsed.as_secs_f64()
            );
        }
    });
}
