//! `meetschedify webhooks listen` and `send-test`, end to end through the real binary: a Zoom
//! webhook signed as Zoom documents is accepted and printed as one JSON line; tampered, stale
//! and replayed ones are refused with 401 and print nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use meetschedify::emulator::Emulator;
use meetschedify::jiff::{SignedDuration, Timestamp};
use meetschedify_zoom::webhooks::sign_for_test;
use serde_json::{json, Value};

const SECRET: &str = "cli-webhook-secret";

/// A running `webhooks listen` on a free loopback port; killed on drop.
struct Listener {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
}

impl Listener {
    fn start(secrets: &str) -> Self {
        Self::start_with(&[("ZOOM_WEBHOOK_SECRET_TOKEN", secrets)])
    }

    /// A listener with exactly these variables set among the Zoom, Google and Microsoft ones.
    fn start_with(vars: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_meetschedify"));
        cmd.args(["webhooks", "listen", "--port", "0"]);
        for name in [
            "ZOOM_WEBHOOK_SECRET_TOKEN",
            "MICROSOFT_TEAMS_ORGANIZER",
            "GOOGLE_CLIENT_ID",
        ] {
            cmd.env_remove(name);
        }
        for (name, value) in vars {
            cmd.env(name, value);
        }
        Self::spawn(cmd)
    }

    fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .env_remove("MEETSCHEDIFY_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .trim_end_matches(';')
            .to_owned();
        // Keep draining stderr so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in stderr.lines() {});
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Self { child, url, lines }
    }

    /// The next printed event, within 5 seconds.
    fn next_event(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(5))
            .expect("an event line on stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Asserts no further line was printed.
    fn assert_quiet(&self) {
        if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(300)) {
            panic!("unexpected output: {line}");
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn started(id: &str, uuid: &str) -> String {
    json!({"event": "meeting.started", "event_ts": Timestamp::now().as_millisecond(),
           "payload": {"account_id": "A", "object": {"id": id, "uuid": uuid, "host_id": "h", "topic": "Standup", "type": 2, "start_time": "2026-03-01T10:00:00Z", "duration": 30}}})
    .to_string()
}

/// Posts `body` with Zoom's headers: signed with `secret` at `at` over `signed_body`.
async fn post(
    url: &str,
    secret: &str,
    at: Timestamp,
    signed_body: &str,
    body: &str,
) -> (u16, Value) {
    let timestamp = at.as_second().to_string();
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-zm-request-timestamp", &timestamp)
        .header(
            "x-zm-signature",
            sign_for_test(secret, &timestamp, signed_body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_prints_a_signed_event_and_refuses_tampered_stale_and_replayed_with_401() {
    let listener = Listener::start(SECRET);
    let now = Timestamp::now();
    let body = started("85746065432", "inst-1");
    let (status, _) = post(&listener.url, SECRET, now, &body, &body).await;
    assert_eq!(status, 200);
    let event = listener.next_event();
    assert_eq!(event["provider"], "zoom");
    assert_eq!(event["kind"], "started");
    assert_eq!(event["meeting_id"], "85746065432");
    assert!(
        event["occurred_at"].as_str().unwrap().ends_with('Z'),
        "{event}"
    );
    assert_eq!(event["raw"], serde_json::from_str::<Value>(&body).unwrap());

    // Tampered: signed over one body, another sent.
    let other = started("99999999999", "inst-2");
    let (status, answer) = post(
        &listener.url,
        SECRET,
        now,
        &other,
        &other.replace("999", "111"),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("WEBHOOK_BAD_SIGNATURE"))
    );
    // Stale: correctly signed ten minutes ago.
    let old = now - SignedDuration::from_mins(10);
    let (status, answer) = post(&listener.url, SECRET, old, &other, &other).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("WEBHOOK_STALE_TIMESTAMP"))
    );
    // Replayed: the accepted request again.
    let (status, answer) = post(&listener.url, SECRET, now, &body, &body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("WEBHOOK_REPLAYED"))
    );
    // No signature at all.
    let response = reqwest::Client::new()
        .post(&listener.url)
        .body(other.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    listener.assert_quiet();
}

#[tokio::test(flavor = "multi_thread")]
async fn send_test_reaches_listen_and_the_url_validation_is_answered() {
    // Mid-rotation: the listener accepts both, send-test signs with the first.
    let listener = Listener::start("new-secret, old-secret");
    let send = |event: &str, secrets: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_meetschedify"))
            .args([
                "webhooks",
                "send-test",
                "--url",
                &listener.url,
                "--event",
                event,
            ])
            .env("ZOOM_WEBHOOK_SECRET_TOKEN", secrets)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = send("meeting.participant_joined", "new-secret");
    assert_eq!(code, Some(0), "{out}");
    let event = listener.next_event();
    assert_eq!(event["kind"], "participant_joined");
    assert_eq!(event["participant"]["name"], "Send Test");
    let (code, out) = send("endpoint.url_validation", "old-secret");
    assert_eq!(code, Some(0), "the answer used the signing secret: {out}");
    let (code, out) = send("meeting.ended", "unknown-secret");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("401 "), "{out}");
    listener.assert_quiet();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_validates_listen_and_its_start_and_end_arrive_as_events() {
    let listener = Listener::start(SECRET);
    let emu = Emulator::start().await.unwrap();
    emu.register_zoom_webhook(&listener.url, SECRET)
        .await
        .unwrap();
    let ids = emu
        .seed_zoom_meetings(meetschedify::emulator::ZoomMeetingSeed::new(
            1,
            Timestamp::now() + SignedDuration::from_hours(1),
        ))
        .unwrap();
    emu.start_zoom_meeting(ids[0]).unwrap();
    emu.end_zoom_meeting(ids[0]).unwrap();
    let (first, second) = (listener.next_event(), listener.next_event());
    assert_eq!(
        (first["kind"].as_str(), second["kind"].as_str()),
        (Some("started"), Some("ended"))
    );
    assert_eq!(first["meeting_id"], ids[0].to_string());
    listener.assert_quiet();
}

/// The library's reschedule and cancel of a cloud-recorded Zoom meeting, with a start and end
/// in between: `listen` prints `updated`, `started`, `ended`, `recording_ready` (token masked)
/// and `cancelled` for that meeting, one JSON line each.
#[tokio::test(flavor = "multi_thread")]
async fn listen_prints_a_reschedule_a_recording_and_a_cancel_sent_by_the_emulator() {
    use meetschedify::{
        CreateMeetingRequest, MeetSchedifyClient, MeetingContext, MeetingTime, ProviderId,
        UpdateMeetingRequest,
    };
    use meetschedify_zoom::{AutoRecording, MeetingDefaults, ZoomProvider};

    let listener = Listener::start(SECRET);
    let emu = Emulator::start().await.unwrap();
    emu.register_zoom_webhook(&listener.url, SECRET)
        .await
        .unwrap();
    let demo = emu.demo();
    let provider = ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .with_meeting_defaults(MeetingDefaults::new().with_auto_recording(AutoRecording::Cloud))
        .build()
        .unwrap();
    let client = MeetSchedifyClient::builder()
        .with_provider(provider)
        .build()
        .unwrap();
    let (zoom, ctx) = (ProviderId::ZOOM, MeetingContext::new("acme-hr"));
    let time = |day: u8| {
        MeetingTime::new(
            format!("2030-06-{day}T10:00:00"),
            format!("2030-06-{day}T11:00:00"),
        )
        .with_timezone("UTC")
    };
    let created = client
        .create_meeting(CreateMeetingRequest::new(
            "acme-hr",
            zoom.clone(),
            "Recorded review",
            time(15),
        ))
        .await
        .unwrap();
    let id = created.provider_event_id.clone();
    client
        .update_meeting(
            &zoom,
            &ctx,
            &id,
            UpdateMeetingRequest::new().with_time(time(16)),
        )
        .await
        .unwrap();
    let numeric: u64 = id.parse().unwrap();
    emu.start_zoom_meeting(numeric).unwrap();
    emu.end_zoom_meeting(numeric).unwrap();
    client.cancel_meeting(&zoom, &ctx, &id).await.unwrap();
    let events: Vec<Value> = (0..5).map(|_| listener.next_event()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "updated",
            "started",
            "ended",
            "recording_ready",
            "cancelled"
        ]
    );
    assert!(events.iter().all(|e| e["meeting_id"] == id.as_str()));
    assert_eq!(
        events[0]["raw"]["payload"]["object"]["start_time"],
        "2030-06-16T10:00:00Z"
    );
    assert_eq!(
        events[3]["raw"]["download_token"],
        "[redacted: a credential]"
    );
    listener.assert_quiet();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recordings_download_token_and_passwords_are_masked_in_the_printed_line() {
    let listener = Listener::start(SECRET);
    let now = Timestamp::now();
    let body = json!({"event": "recording.completed", "event_ts": now.as_millisecond(),
        "download_token": "DL-TOKEN-abc123",
        "payload": {"account_id": "A", "object": {"id": 85746065432_u64, "uuid": "rec-1",
            "host_id": "h", "password": "REC-PASS-9", "recording_play_passcode": "PLAY-PASS-7",
            "recording_files": [{"download_url": "https://zoom.us/rec/download/x"}]}}})
    .to_string();
    let (status, _) = post(&listener.url, SECRET, now, &body, &body).await;
    assert_eq!(status, 200);
    let event = listener.next_event();
    assert_eq!(event["kind"], "recording_ready");
    assert_eq!(event["meeting_id"], "85746065432");
    let line = event.to_string();
    for secret in ["DL-TOKEN-abc123", "REC-PASS-9", "PLAY-PASS-7"] {
        assert!(!line.contains(secret), "{secret} printed: {line}");
    }
    assert_eq!(event["raw"]["download_token"], "[redacted: a credential]");
}

/// Google: the listener watches a connected tenant's calendar through the emulator; a change to
/// a meeting the library stamped is printed as `updated`, and a notification with a wrong
/// channel token is refused with 401 and prints nothing.
#[tokio::test(flavor = "multi_thread")]
async fn listen_watches_a_google_calendar_and_prints_its_meetings_changes() {
    use meetschedify::{ProviderId, SaveCondition, TokenKey, TokenRecord, TokenStore};
    use meetschedify_store_sqlite::SqliteTokenStore;

    let emu = Emulator::start().await.unwrap();
    let db = std::env::temp_dir().join(format!(
        "meetschedify-listen-google-{}.db",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&db);
    let store = SqliteTokenStore::open(&db).await.unwrap();
    let record = TokenRecord::new("ya29.expired-long-ago")
        .with_refresh_token(&emu.demo().google_refresh_token)
        .with_expires_at(Timestamp::UNIX_EPOCH);
    store
        .save(
            &TokenKey::new("org_g", ProviderId::GOOGLE_MEET),
            &record,
            SaveCondition::Always,
        )
        .await
        .unwrap();
    drop(store);

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meetschedify"));
    cmd.args([
        "webhooks",
        "listen",
        "--port",
        "0",
        "--google-tenant",
        "org_g",
    ]);
    for (name, value) in emu.env_exports() {
        if !(name.starts_with("ZOOM_")
            || name.starts_with("MICROSOFT_")
            || name == "GOOGLE_REFRESH_TOKEN")
        {
            cmd.env(name, value);
        }
    }
    cmd.env_remove("ZOOM_WEBHOOK_SECRET_TOKEN")
        .env_remove("GOOGLE_REFRESH_TOKEN")
        .env("MEETSCHEDIFY_TOKEN_DB", &db);
    let listener = tokio::task::spawn_blocking(move || Listener::spawn(cmd))
        .await
        .unwrap();
    assert!(
        listener.url.ends_with("/webhooks/google"),
        "{}",
        listener.url
    );
    // The channel is open once its sync message was answered.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !emu
        .google_push_deliveries()
        .iter()
        .any(|d| d.state == "sync" && d.status == Some(200))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no channel: {:?}",
            emu.google_push_deliveries()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A meeting the library made for org_g (its tenant stamp), created then moved.
    let user = emu.demo().google_user_email.clone();
    let token = emu
        .issue_google_access_token(&user, &["https://www.googleapis.com/auth/calendar"])
        .unwrap();
    let created: Value = reqwest::Client::new()
        .post(format!(
            "{}/calendar/v3/calendars/primary/events",
            emu.google_api_base()
        ))
        .bearer_auth(&token)
        .json(&json!({
            "summary": "Interview",
            "start": {"dateTime": "2030-01-15T10:00:00Z"},
            "end": {"dateTime": "2030-01-15T11:00:00Z"},
            "extendedProperties": {"private": {"meetschedify.tenant": "org_g"}},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let mut fields = serde_json::Map::new();
    fields.insert("summary".into(), json!("Interview, moved"));
    emu.change_google_event(&user, &id, fields.clone()).unwrap();
    let event = tokio::task::spawn_blocking(move || {
        let event = listener.next_event();
        (listener, event)
    });
    let (listener, event) = event.await.unwrap();
    assert_eq!(event["provider"], "google-meet");
    assert_eq!(event["kind"], "updated");
    assert_eq!(event["meeting_id"], json!(id));
    assert_eq!(event["tenant"], "org_g");
    assert_eq!(event["raw"]["summary"], "Interview, moved");

    // Every message so far answered (sync, create, change): a sync still running would read
    // the next change itself and report it, rightly, before its forged message arrives.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while emu.google_push_deliveries().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            emu.google_push_deliveries()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    emu.inject_google_push_fault(meetschedify::emulator::GooglePushFault::WrongToken);
    emu.change_google_event(&user, &id, fields).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !emu
        .google_push_deliveries()
        .iter()
        .any(|d| d.status == Some(401))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            emu.google_push_deliveries()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::task::spawn_blocking(move || listener.assert_quiet())
        .await
        .unwrap();
    let _ = std::fs::remove_file(&db);
}

/// The app-only Teams variables for the emulator's demo organizer.
fn teams_vars(emu: &meetschedify::emulator::EmulatorHandle) -> Vec<(&'static str, String)> {
    let demo = emu.demo();
    vec![
        ("MICROSOFT_TENANT_ID", demo.microsoft_tenant_id.clone()),
        ("MICROSOFT_CLIENT_ID", demo.microsoft_client_id.clone()),
        (
            "MICROSOFT_CLIENT_SECRET",
            demo.microsoft_client_secret.clone(),
        ),
        (
            "MICROSOFT_TEAMS_ORGANIZER",
            demo.microsoft_organizer_upn.clone(),
        ),
        (
            "MEETSCHEDIFY_MICROSOFT_LOGIN_BASE",
            emu.microsoft_login_base(),
        ),
        ("MEETSCHEDIFY_GRAPH_API_BASE", emu.graph_api_base()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_subscribes_to_graph_prints_an_updated_event_and_refuses_a_wrong_client_state() {
    use meetschedify::emulator::GraphWebhookFault;
    use meetschedify::{CreateMeetingRequest, MeetingContext, MeetingTime, UpdateMeetingRequest};
    use meetschedify_teams::TeamsAppProvider;

    let emu = Emulator::start().await.unwrap();
    let vars = teams_vars(&emu);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let listener = Listener::start_with(&pairs);
    assert!(
        listener.url.ends_with("/webhooks/microsoft"),
        "{}",
        listener.url
    );
    // The listener subscribes once it serves (Graph validates the URL first).
    for _ in 0..100 {
        if !emu.graph_subscription_ids().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(emu.graph_subscription_ids().len(), 1);

    let demo = emu.demo();
    let teams = TeamsAppProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_organizer(&demo.microsoft_organizer_upn)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .build()
        .unwrap();
    let client = meetschedify::MeetSchedifyClient::builder()
        .with_provider(teams)
        .build()
        .unwrap();
    let created = client
        .create_meeting(CreateMeetingRequest::new(
            "acme-hr",
            meetschedify::ProviderId::MICROSOFT_TEAMS_APP,
            "Interview",
            MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00").with_timezone("UTC"),
        ))
        .await
        .unwrap();
    let ctx = MeetingContext::new("acme-hr");
    let update = |title: &'static str| {
        client.update_meeting(
            &created.provider_id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new().with_title(title),
        )
    };
    update("Interview (moved)").await.unwrap();
    let event = listener.next_event();
    assert_eq!(event["kind"], "updated");
    assert_eq!(event["provider"], "microsoft-teams-app");
    assert_eq!(event["meeting_id"], created.provider_event_id.as_str());
    assert!(event["raw"].get("clientState").is_none(), "{event}");

    emu.inject_graph_webhook_fault(GraphWebhookFault::WrongClientState);
    update("Forged").await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses = emu
            .graph_webhook_deliveries()
            .into_iter()
            .map(|d| d.status)
            .collect();
        if statuses.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(statuses, vec![Some(200), Some(200), Some(401)]);
    listener.assert_quiet();
}
