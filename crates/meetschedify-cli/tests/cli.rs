//! End-to-end tests of the `meetschedify` binary against the in-process emulator.
//!
//! Each test starts its own emulator, runs the real binary with an environment that points at
//! it (and nothing else: provider variables from the outer environment are removed), and checks
//! stdout, stderr, the exit code and what reached the emulator.

use std::process::{Command, Output, Stdio};

use meetschedify::emulator::{Emulator, EmulatorHandle, GoogleClient};
use serde_json::Value;

// In a directory of its own, so cargo does not build it as a test binary of its own.
#[path = "cli/teams_doctor.rs"]
mod teams_doctor;
#[path = "cli/teams_listen.rs"]
mod teams_listen;

const PROVIDER_VARS: &[&str] = &[
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "GOOGLE_REDIRECT_URI",
    "GOOGLE_REFRESH_TOKEN",
    "MEETSCHEDIFY_OAUTH_STATE_KEY",
    "MEETSCHEDIFY_TOKEN_DB",
    "MEETSCHEDIFY_LOG",
    "MEETSCHEDIFY_ZOOM_API_BASE",
    "MEETSCHEDIFY_ZOOM_OAUTH_BASE",
    "MEETSCHEDIFY_GOOGLE_API_BASE",
    "MEETSCHEDIFY_GOOGLE_OAUTH_BASE",
    "MEETSCHEDIFY_GOOGLE_AUTH_BASE",
    "MEETSCHEDIFY_MICROSOFT_LOGIN_BASE",
    "MEETSCHEDIFY_GRAPH_API_BASE",
    "MICROSOFT_TENANT_ID",
    "MICROSOFT_CLIENT_ID",
    "MICROSOFT_CLIENT_SECRET",
    "MICROSOFT_REDIRECT_URI",
    "MICROSOFT_TEAMS_ORGANIZER",
];

fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meetschedify"));
    for var in PROVIDER_VARS {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// The binary with Zoom credentials and every endpoint pointed at `emulator`; with `only_zoom`,
/// without the Google and Microsoft credentials the emulator also prints.
fn against(emulator: &EmulatorHandle, only_zoom: bool) -> Command {
    let mut cmd = command();
    for (name, value) in emulator.env_exports() {
        let other = name.starts_with("GOOGLE_") || name.starts_with("MICROSOFT_");
        if !(only_zoom && other) {
            cmd.env(name, value);
        }
    }
    cmd
}

/// Runs the binary with `args`, configured for Zoom against `emulator`.
async fn zoom_cli(emulator: &EmulatorHandle, args: &[&str]) -> Output {
    let mut cmd = against(emulator, true);
    cmd.args(args);
    run(cmd).await
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .unwrap()
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stderr).unwrap_or_else(|e| {
        panic!(
            "stderr is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn help_text_is_pinned() {
    let out = command().arg("--help").output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
    let out = command().args(["schedule", "--help"]).output().unwrap();
    insta::assert_snapshot!("schedule_help", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn usage_errors_exit_2() {
    let out = command().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = command()
        .args(["schedule", "--provider", "zoom"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "missing --title/--start/--end");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_every_provider_without_credentials() {
    let mut cmd = command();
    cmd.args(["demo", "--json"]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stdout_json(&out);
    let meetings = json["meetings"].as_array().unwrap();
    let providers: Vec<_> = meetings
        .iter()
        .map(|m| m["provider_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        [
            "zoom",
            "google-meet-static",
            "google-meet",
            "microsoft-teams",
            "microsoft-teams-app"
        ],
        "one row per provider, the per-user Teams row included"
    );
    for m in meetings {
        assert!(
            m["conference_link"]
                .as_str()
                .unwrap()
                .starts_with("https://"),
            "{m}"
        );
        assert!(!m["provider_event_id"].as_str().unwrap().is_empty());
    }
    // A Zoom meeting's reschedule, start, end and cancellation arrive as verified webhook
    // events, for that meeting.
    let kinds: Vec<_> = json["webhook_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["updated", "started", "ended", "cancelled"],
        "{json}"
    );
    let ids: Vec<_> = json["webhook_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["meeting_id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{json}");
}

#[tokio::test(flavor = "multi_thread")]
async fn schedule_get_update_cancel_on_zoom() {
    let emulator = Emulator::start().await.unwrap();
    let out = zoom_cli(
        &emulator,
        &[
            "schedule",
            "--json",
            "--provider",
            "zoom",
            "--title",
            "Consultation",
            "--start",
            "2026-08-01T09:00:00",
            "--end",
            "2026-08-01T09:30:00",
            "--timezone",
            "America/Chicago",
            "--participant",
            "patient@example.com:Pat",
            "--metadata",
            "visit=42",
            "--idempotency-key",
            "visit-42",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meeting = stdout_json(&out);
    assert_eq!(meeting["provider_id"], "zoom");
    assert_eq!(meeting["metadata"]["visit"], "42");
    assert_eq!(meeting["time"]["start"], "2026-08-01T09:00:00-05:00");
    let id = meeting["provider_event_id"].as_str().unwrap().to_owned();
    // The host's start link (a token that starts the meeting as the host) stays out of printed
    // JSON; the rest of Zoom's answer is there.
    let redacted = "[redacted: starts the meeting as the host]";
    assert_eq!(meeting["raw"]["start_url"], redacted);
    assert_eq!(meeting["raw"]["id"].to_string(), id);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("zak="));
    let shape: Vec<_> = meeting.as_object().unwrap().keys().cloned().collect();
    insta::assert_json_snapshot!("created_meeting_keys", shape);

    let out = zoom_cli(
        &emulator,
        &["get", "--json", "--provider", "zoom", "--id", &id],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["provider_event_id"], id.as_str());
    assert_eq!(stdout_json(&out)["raw"]["start_url"], redacted);

    let out = zoom_cli(
        &emulator,
        &[
            "update",
            "--json",
            "--provider",
            "zoom",
            "--id",
            &id,
            "--start",
            "2026-08-02T09:00:00",
            "--end",
            "2026-08-02T10:00:00",
            "--timezone",
            "America/Chicago",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let updated = stdout_json(&out);
    assert_eq!(
        updated["meeting"]["time"]["start"],
        "2026-08-02T09:00:00-05:00"
    );
    assert_eq!(updated["conference_link_changed"], false);
    assert_eq!(updated["meeting"]["raw"]["start_url"], redacted);

    for expected in ["cancelled", "already_cancelled"] {
        let out = zoom_cli(
            &emulator,
            &["cancel", "--json", "--provider", "zoom", "--id", &id],
        )
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout_json(&out)["outcome"], expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_time_zone_is_an_invalid_request_and_nothing_is_sent() {
    let emulator = Emulator::start().await.unwrap();
    emulator.clear_requests();
    let out = zoom_cli(
        &emulator,
        &[
            "schedule",
            "--json",
            "--provider",
            "zoom",
            "--title",
            "x",
            "--start",
            "2026-08-01T09:00:00",
            "--end",
            "2026-08-01T09:30:00",
            "--timezone",
            "Mars/Olympus",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = stderr_json(&out);
    assert_eq!(err["error"]["code"], "INVALID_REQUEST");
    assert_eq!(err["error"]["field"], "time.timezone");
    assert!(
        emulator.requests().is_empty(),
        "no request may reach a provider"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_map_to_documented_exit_codes() {
    // Nothing configured: a config error.
    let mut cmd = command();
    cmd.args(["get", "--json", "--provider", "zoom", "--id", "1"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(stderr_json(&out)["error"]["code"], "INVALID_CONFIG");

    let emulator = Emulator::start().await.unwrap();
    // A provider that is not configured.
    let out = zoom_cli(
        &emulator,
        &["get", "--json", "--provider", "webex", "--id", "1"],
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(stderr_json(&out)["error"]["code"], "PROVIDER_NOT_FOUND");

    // A meeting that does not exist.
    let out = zoom_cli(
        &emulator,
        &["get", "--json", "--provider", "zoom", "--id", "99999999999"],
    )
    .await;
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(stderr_json(&out)["error"]["code"], "MEETING_NOT_FOUND");

    // Wrong client credentials.
    let mut cmd = against(&emulator, true);
    cmd.env("ZOOM_CLIENT_SECRET", "wrong");
    cmd.args(["status", "--json", "--provider", "zoom"]);
    let out = run(cmd).await;
    let status = stdout_json(&out);
    assert_eq!(status["connected"], false, "{status}");
    // Server-to-Server OAuth has no user to send through consent: an operator must fix it.
    assert_eq!(status["state"], "unavailable", "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_reports_and_fails_on_a_problem() {
    let emulator = Emulator::start().await.unwrap();
    let out = zoom_cli(&emulator, &["doctor", "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(stdout_json(&out)["ok"], true);

    let mut cmd = against(&emulator, true);
    cmd.env("ZOOM_CLIENT_SECRET", "wrong");
    cmd.args(["doctor", "--json"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out);
    assert_eq!(report["ok"], false);
    assert!(
        report["checks"].to_string().contains("ZOOM_INVALID_CLIENT")
            || report["checks"].to_string().contains("invalid"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_the_scopes_a_zoom_app_lacks() {
    let emulator = Emulator::start().await.unwrap();
    let scopes_check = |report: &Value| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "scopes")
            .cloned()
            .unwrap_or_else(|| panic!("no scopes check in {report}"))
    };
    let out = zoom_cli(&emulator, &["doctor", "--json"]).await;
    let report = stdout_json(&out);
    assert_eq!(scopes_check(&report)["ok"], true, "{report}");
    assert!(out.status.success());

    let account = emulator.demo().zoom_account_id.clone();
    emulator
        .set_zoom_scopes(&account, &["meeting:read:admin", "user:read:admin"])
        .unwrap();
    let out = zoom_cli(&emulator, &["doctor", "--json"]).await;
    assert_eq!(out.status.code(), Some(1), "a missing scope fails the run");
    let report = stdout_json(&out);
    assert_eq!(report["ok"], false);
    let check = scopes_check(&report);
    assert_eq!(check["provider"], "zoom");
    assert_eq!(check["ok"], false);
    assert_eq!(
        check["detail"],
        "the Zoom app lacks the scopes meeting:write:admin: add them in the Zoom App \
         Marketplace; tokens issued afterwards carry them"
    );
    // The token check itself passes: only the scopes are wrong.
    let token = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "token")
        .unwrap()
        .clone();
    assert_eq!(token["ok"], true, "{report}");

    let out = zoom_cli(&emulator, &["doctor"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("scopes") && text.contains("meeting:write:admin"),
        "{text}"
    );
}

/// Registers a Google client whose redirect URI is a free localhost port, as a user would.
async fn google_client_on_free_port(emulator: &EmulatorHandle) -> (String, String, String) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let redirect = format!("http://127.0.0.1:{port}/oauth2callback");
    let (id, secret) = (
        "cli-test.apps.googleusercontent.com".to_owned(),
        "GOCSPX-cli-test".to_owned(),
    );
    emulator.register_google_client(GoogleClient {
        client_id: id.clone(),
        client_secret: secret.clone(),
        redirect_uris: vec![redirect.clone()],
    });
    (id, secret, redirect)
}

/// Plays the browser: waits for the URL on the child's stderr and follows it to the redirect.
fn act_as_browser(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    let url = lines
        .find_map(|line| {
            line.trim()
                .starts_with("http")
                .then(|| line.trim().to_owned())
        })
        .expect("the command printed a consent URL");
    let http = reqwest::blocking::Client::new();
    let page = http.get(&url).send().expect("consent and redirect");
    assert!(page.status().is_success(), "{}", page.status());
    // The rest of stderr, to explain a failure.
    lines.collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn google_token_obtains_a_refresh_token_end_to_end() {
    let emulator = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let (id, secret, redirect) = google_client_on_free_port(&emulator).await;
    let mut cmd = against(&emulator, false);
    cmd.env("GOOGLE_CLIENT_ID", id)
        .env("GOOGLE_CLIENT_SECRET", secret)
        .env("GOOGLE_REDIRECT_URI", redirect);
    cmd.env_remove("GOOGLE_REFRESH_TOKEN");
    cmd.args(["google-token", "--no-open", "--timeout", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let stderr = act_as_browser(&mut child);
        (child.wait_with_output().unwrap(), stderr)
    })
    .await
    .unwrap();
    let (out, stderr) = out;
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout
        .trim()
        .strip_prefix("GOOGLE_REFRESH_TOKEN=")
        .expect("prints the token");
    assert!(!token.is_empty());
    // Least privilege: events only, not the whole calendar.
    let consent = emulator
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/o/oauth2/v2/auth"))
        .expect("the consent page was asked for");
    let scope: Vec<String> = url::form_urlencoded::parse(consent.query.as_bytes())
        .filter(|(name, _)| name == "scope")
        .map(|(_, value)| value.into_owned())
        .collect();
    assert_eq!(scope, ["https://www.googleapis.com/auth/calendar.events"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_status_disconnect_with_the_sqlite_store() {
    let emulator = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let (id, secret, redirect) = google_client_on_free_port(&emulator).await;
    let db = std::env::temp_dir().join(format!("meetschedify-cli-test-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    // The CLI against the emulator's per-user Google, with the SQLite token store.
    let google = |args: &[&str]| {
        let mut cmd = against(&emulator, false);
        cmd.env("GOOGLE_CLIENT_ID", &id)
            .env("GOOGLE_CLIENT_SECRET", &secret)
            .env("GOOGLE_REDIRECT_URI", &redirect)
            .env("MEETSCHEDIFY_TOKEN_DB", &db)
            .env_remove("GOOGLE_REFRESH_TOKEN")
            .env_remove("ZOOM_ACCOUNT_ID");
        cmd.args(args);
        cmd
    };
    let status = [
        "status",
        "--json",
        "--tenant",
        "org-7",
        "--provider",
        "google-meet",
    ];

    let mut cmd = google(&[
        "connect",
        "--json",
        "--tenant",
        "org-7",
        "--no-open",
        "--timeout",
        "30",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let stderr = act_as_browser(&mut child);
        (child.wait_with_output().unwrap(), stderr)
    })
    .await
    .unwrap();
    let (out, stderr) = out;
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout_json(&out)["tenant_id"], "org-7");

    let out = run(google(&status)).await;
    assert_eq!(
        stdout_json(&out)["connected"],
        true,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(google(&["disconnect", "--json", "--tenant", "org-7"])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["outcome"], "revoked");

    let out = run(google(&status)).await;
    assert_eq!(stdout_json(&out)["connected"], false);
    assert_eq!(stdout_json(&out)["state"], "not_connected");
    let _ = std::fs::remove_file(&db);
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_come_from_an_env_file_without_overriding_the_environment() {
    let emulator = Emulator::start().await.unwrap();
    let file = std::env::temp_dir().join(format!("meetschedify-cli-{}.env", std::process::id()));
    let mut text = String::from("# written by the test\n");
    for (name, value) in emulator.env_exports() {
        if !name.starts_with("GOOGLE_") {
            text.push_str(&format!("{name}={value}\n"));
        }
    }
    std::fs::write(&file, text).unwrap();

    let mut cmd = command();
    cmd.args(["status", "--json", "--provider", "zoom", "--env-file"])
        .arg(&file);
    let out = run(cmd).await;
    assert_eq!(
        stdout_json(&out)["connected"],
        true,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A variable already set wins over the file.
    let mut cmd = command();
    cmd.env("ZOOM_CLIENT_SECRET", "wrong");
    cmd.args(["status", "--json", "--provider", "zoom", "--env-file"])
        .arg(&file);
    let out = run(cmd).await;
    assert_eq!(stdout_json(&out)["connected"], false);

    let mut cmd = command();
    cmd.args(["status", "--env-file", "/nonexistent/meetschedify.env"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4));
    let _ = std::fs::remove_file(&file);
}

/// The attack surface: a `.env` holds secrets, and a parse error that quoted the malformed line
/// would print one to a terminal or a CI log.
#[tokio::test(flavor = "multi_thread")]
async fn an_env_file_error_names_the_line_but_never_echoes_it() {
    let file =
        std::env::temp_dir().join(format!("meetschedify-cli-bad-{}.env", std::process::id()));
    std::fs::write(
        &file,
        "ZOOM_ACCOUNT_ID=acct\nZOOM_CLIENT_ID=cid\nZOOM_CLIENT_SECRET=s3cr3t-value and more\n",
    )
    .unwrap();
    let mut cmd = command();
    cmd.args(["status", "--provider", "zoom", "--env-file"])
        .arg(&file);
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cr3t"));
    let _ = std::fs::remove_file(&file);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_command_prints_working_exports() {
    use std::io::{BufRead, BufReader};
    let mut cmd = command();
    cmd.args(["emulator", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let exports: Vec<(String, String)> = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|l| l.starts_with("export "))
            .take(19)
            .filter_map(|l| {
                let (name, value) = l.strip_prefix("export ")?.split_once('=')?;
                Some((name.to_owned(), value.trim_matches(['\'', '"']).to_owned()))
            })
            .collect()
    })
    .await
    .unwrap();
    let names: Vec<_> = exports.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "MEETSCHEDIFY_ZOOM_API_BASE",
        "ZOOM_ACCOUNT_ID",
        "GOOGLE_REFRESH_TOKEN",
        "MEETSCHEDIFY_MICROSOFT_LOGIN_BASE",
        "MEETSCHEDIFY_GRAPH_API_BASE",
        "MICROSOFT_TENANT_ID",
        "MICROSOFT_CLIENT_ID",
        "MICROSOFT_CLIENT_SECRET",
        "MICROSOFT_TEAMS_ORGANIZER",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }

    // The exports are enough to schedule a meeting.
    let mut cmd = command();
    for (name, value) in exports.iter().filter(|(n, _)| !n.starts_with("GOOGLE_")) {
        cmd.env(name, value);
    }
    cmd.args([
        "schedule",
        "--json",
        "--provider",
        "zoom",
        "--title",
        "From exports",
        "--start",
        "2026-09-01T10:00:00",
        "--end",
        "2026-09-01T10:30:00",
    ]);
    let out = run(cmd).await;
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["title"], "From exports");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_error_json_is_pinned() {
    let mut cmd = command();
    cmd.env("ZOOM_ACCOUNT_ID", "acct")
        .env("ZOOM_CLIENT_ID", "id")
        .env("ZOOM_CLIENT_SECRET", "secret");
    cmd.args([
        "schedule",
        "--json",
        "--provider",
        "zoom",
        "--title",
        "x",
        "--start",
        "2026-03-08T02:30:00",
        "--end",
        "2026-03-08T03:30:00",
        "--timezone",
        "America/New_York",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    insta::assert_json_snapshot!("dst_gap_error", stderr_json(&out));
}

/// `schedule` with `ZOOM_HOST_POOL`, one process per meeting: Alice (one at a time) and Bob
/// (two) take three overlapping meetings and the fourth is refused with the capacity exit
/// naming when a host frees up. The JSON names each meeting's host. With a token database the
/// bookings and daily counts live in it; without one, a command rebuilds the bookings from
/// Zoom's lists of upcoming meetings, and refuses the same way.
#[tokio::test]
async fn a_host_pool_spreads_overlapping_meetings_across_commands() {
    let emulator = Emulator::start().await.unwrap();
    let db = std::env::temp_dir().join(format!("meetschedify-cli-pool-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let pool = "alice@clinic.example,bob@clinic.example:2";
    // Tomorrow (UTC): doctor reports the meetings of the coming weeks.
    let day = (meetschedify::jiff::Timestamp::now()
        + meetschedify::jiff::SignedDuration::from_hours(24))
    .strftime("%Y-%m-%d")
    .to_string();
    let at = |hm: &str| format!("{day}T{hm}:00");
    let started_on = meetschedify::jiff::Timestamp::now()
        .strftime("%Y-%m-%d")
        .to_string();
    let zoom = |with_db: bool, args: &[&str]| {
        let mut cmd = against(&emulator, true);
        cmd.env("ZOOM_HOST_POOL", pool).args(args);
        if with_db {
            cmd.env("MEETSCHEDIFY_TOKEN_DB", &db);
        }
        run(cmd)
    };
    let schedule = |with_db: bool, start: &str, end: &str| {
        let (start, end) = (at(start), at(end));
        zoom(
            with_db,
            &[
                "schedule",
                "--json",
                "--provider",
                "zoom",
                "--title",
                "Visit",
                "--start",
                &start,
                "--end",
                &end,
            ],
        )
    };
    let mut hosts = Vec::new();
    for _ in 0..3 {
        let out = schedule(true, "10:00", "10:30").await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        hosts.push(stdout_json(&out)["host"].as_str().unwrap().to_owned());
    }
    hosts.sort();
    assert_eq!(
        hosts,
        [
            "alice@clinic.example",
            "bob@clinic.example",
            "bob@clinic.example"
        ]
    );
    for with_db in [true, false] {
        let out = schedule(with_db, "10:15", "10:45").await;
        assert_eq!(
            out.status.code(),
            Some(9),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = &stderr_json(&out)["error"];
        assert_eq!(err["code"], "NO_HOST_AVAILABLE");
        assert_eq!(err["kind"], "capacity");
        assert_eq!(err["capacity"]["hosts"].as_array().unwrap().len(), 2);
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{}Z", at("10:30"))),
            "{err}"
        );
    }
    // Back to back with the first three is free again.
    let out = schedule(true, "10:30", "11:00").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // `doctor` shows each host's creates today and its next free instant.
    let out = zoom(true, &["doctor", "--json"]).await;
    let report = stdout_json(&out);
    let hosts: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "host pool")
        .collect();
    assert_eq!(hosts.len(), 2, "{report}");
    let bob = hosts
        .iter()
        .find(|c| c["data"]["host"] == "bob@clinic.example")
        .unwrap();
    assert_eq!(bob["data"]["max_concurrent"], 2);
    assert!(bob["data"]["next_free"].is_string());
    let upcoming: u64 = hosts
        .iter()
        .map(|c| c["data"]["upcoming"].as_u64().unwrap())
        .sum();
    assert_eq!(upcoming, 4, "{report}");
    let today: u64 = hosts
        .iter()
        .map(|c| c["data"]["creates_and_updates_today"].as_u64().unwrap())
        .sum();
    // Counts are per UTC day: a run that crossed midnight has nothing to compare.
    let same_day = meetschedify::jiff::Timestamp::now()
        .strftime("%Y-%m-%d")
        .to_string()
        == started_on;
    if same_day {
        assert_eq!(today, 4, "four creates reached Zoom today: {report}");
    }
    let _ = std::fs::remove_file(&db);
}

/// Teams through the app's own credentials, configured by nothing but the emulator's printed
/// Microsoft exports: schedule, get, reschedule and cancel a meeting on the organizer's calendar.
#[tokio::test]
async fn schedule_get_update_cancel_on_teams_with_the_printed_exports() {
    let emulator = Emulator::start().await.unwrap();
    let teams = |args: &[&str]| {
        let mut cmd = command();
        for (name, value) in emulator.env_exports() {
            if name.contains("MICROSOFT") || name.contains("GRAPH") {
                cmd.env(name, value);
            }
        }
        cmd.args(args);
        run(cmd)
    };
    let ok = |out: &Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let provider = "microsoft-teams-app";
    let out = teams(&[
        "schedule",
        "--json",
        "--provider",
        provider,
        "--title",
        "Consultation",
        "--start",
        "2031-03-04T09:00:00",
        "--end",
        "2031-03-04T09:30:00",
        "--timezone",
        "Europe/Berlin",
        "--participant",
        "patient@example.com:Pat",
        "--metadata",
        "visit=42",
    ])
    .await;
    ok(&out);
    let meeting = stdout_json(&out);
    assert_eq!(meeting["provider_id"], provider);
    assert_eq!(meeting["metadata"]["visit"], "42");
    assert_eq!(meeting["time"]["start"], "2031-03-04T09:00:00+01:00");
    assert!(meeting["conference_link"]
        .as_str()
        .unwrap()
        .contains("teams"));
    let id = meeting["provider_event_id"].as_str().unwrap().to_owned();

    let out = teams(&["get", "--json", "--provider", provider, "--id", &id]).await;
    ok(&out);
    assert_eq!(stdout_json(&out)["metadata"]["visit"], "42");

    let out = teams(&[
        "update",
        "--json",
        "--provider",
        provider,
        "--id",
        &id,
        "--start",
        "2031-03-05T10:00:00",
        "--end",
        "2031-03-05T11:00:00",
        "--timezone",
        "Europe/Berlin",
    ])
    .await;
    ok(&out);
    let updated = stdout_json(&out);
    assert_eq!(
        updated["meeting"]["time"]["start"],
        "2031-03-05T10:00:00+01:00"
    );
    assert_eq!(updated["meeting"]["provider_event_id"], id.as_str());

    let out = teams(&["cancel", "--json", "--provider", provider, "--id", &id]).await;
    ok(&out);
    assert_eq!(stdout_json(&out)["outcome"], "cancelled");
}

/// Per-user Teams, configured by nothing but the emulator's printed exports (and a token file of
/// its own): `connect` through the consent page, `status`, `schedule`, then `disconnect`, which
/// can only forget the tokens and says so, and `status` again.
#[tokio::test(flavor = "multi_thread")]
async fn connect_schedule_disconnect_on_per_user_teams_with_the_printed_exports() {
    use meetschedify::emulator::DemoCredentials;
    // The exported MICROSOFT_REDIRECT_URI names the port `connect` listens on: a free one, so
    // that tests running at once never share it.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let demo = DemoCredentials {
        microsoft_redirect_uri: format!("http://127.0.0.1:{port}/oauth/microsoft/callback"),
        ..DemoCredentials::default()
    };
    let emulator = Emulator::builder()
        .with_demo_credentials(demo)
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let db = std::env::temp_dir().join(format!("meetschedify-cli-teams-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let teams = |args: &[&str]| {
        let mut cmd = command();
        for (name, value) in emulator.env_exports() {
            cmd.env(name, value);
        }
        // The exports configure app-only Teams too; naming the token file adds per-user Teams.
        cmd.env("MEETSCHEDIFY_TOKEN_DB", &db);
        cmd.args(args);
        cmd
    };
    let tenant = ["--tenant", "org-ms", "--provider", "microsoft-teams"];
    let status = || {
        let mut args = vec!["status", "--json"];
        args.extend(tenant);
        run(teams(&args))
    };

    let mut args = vec!["connect", "--json", "--no-open", "--timeout", "30"];
    args.extend(tenant);
    let mut cmd = teams(&args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let (out, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let stderr = act_as_browser(&mut child);
        (child.wait_with_output().unwrap(), stderr)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{stderr}");
    let connected = stdout_json(&out);
    assert_eq!(connected["tenant_id"], "org-ms");
    assert_eq!(connected["provider_id"], "microsoft-teams");

    let out = status().await;
    assert_eq!(
        stdout_json(&out)["connected"],
        true,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // doctor checks a per-user provider for the tenant it is given, and only then.
    let out = run(teams(&["doctor", "--json", "--tenant", "org-ms"])).await;
    let report = stdout_json(&out);
    let teams_checks: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"))
        .iter()
        .filter(|c| c["provider"] == "microsoft-teams")
        .collect();
    assert!(
        teams_checks
            .iter()
            .any(|c| c["check"] == "token" && c["ok"] == true),
        "{report}"
    );
    let out = run(teams(&["doctor", "--json"])).await;
    let report = stdout_json(&out);
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["provider"] == "microsoft-teams"
                && c["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("pass --tenant"))),
        "{report}"
    );

    let mut args = vec![
        "schedule",
        "--json",
        "--title",
        "Per-user Teams",
        "--start",
        "2031-04-01T09:00:00",
        "--end",
        "2031-04-01T09:30:00",
        "--timezone",
        "Europe/Berlin",
    ];
    args.extend(tenant);
    let out = run(teams(&args)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meeting = stdout_json(&out);
    assert_eq!(meeting["provider_id"], "microsoft-teams");
    assert!(
        meeting["conference_link"]
            .as_str()
            .unwrap()
            .starts_with("https://teams.microsoft.com/"),
        "{meeting}"
    );

    let mut args = vec!["disconnect"];
    args.extend(tenant);
    let out = run(teams(&args)).await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("the tokens were forgotten"), "{said}");
    assert!(said.contains("https://myapps.microsoft.com"), "{said}");

    let out = status().await;
    assert_eq!(stdout_json(&out)["connected"], false);
    assert_eq!(stdout_json(&out)["state"], "not_connected");
    let _ = std::fs::remove_file(&db);
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_refuses_a_provider_without_a_per_user_flow() {
    let emulator = Emulator::start().await.unwrap();
    let mut cmd = against(&emulator, true);
    cmd.args([
        "connect",
        "--json",
        "--tenant",
        "t",
        "--provider",
        "zoom",
        "--no-open",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4), "a configuration error");
    let err = stderr_json(&out);
    assert_eq!(err["error"]["code"], "INVALID_CONFIG");
    assert_eq!(err["error"]["field"], "provider", "{err}");
}
