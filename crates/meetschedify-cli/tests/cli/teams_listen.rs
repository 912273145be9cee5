//! `webhooks listen --microsoft-tenant`: a per-user Teams tenant connected with `connect`
//! against the emulator's printed exports is subscribed beside the app-only organizer, and a
//! change to that tenant's meeting is printed as a JSON line naming the provider and tenant.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use meetschedify::emulator::{DemoCredentials, Emulator};
use serde_json::Value;

use super::{act_as_browser, command, run, stdout_json};

/// A running listener; killed on drop.
struct Listening {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Listening {
    /// The next printed event of `provider`, within 10 seconds (the app-only organizer's
    /// subscription may print the same change first).
    fn next_of(&self, provider: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {provider} event line on stdout"));
            let event: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if event["provider"] == provider {
                return event;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_subscribes_a_per_user_teams_tenant_and_prints_its_meetings_changes() {
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
    let db = std::env::temp_dir().join(format!(
        "meetschedify-listen-teams-{}.db",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&db);
    let cli = |args: &[&str]| {
        let mut cmd = command();
        for (name, value) in emulator.env_exports() {
            cmd.env(name, value);
        }
        cmd.env("MEETSCHEDIFY_TOKEN_DB", &db)
            .env_remove("ZOOM_WEBHOOK_SECRET_TOKEN");
        cmd.args(args);
        cmd
    };
    let tenant = ["--tenant", "org-ms", "--provider", "microsoft-teams"];

    let mut args = vec!["connect", "--json", "--no-open", "--timeout", "30"];
    args.extend(tenant);
    let mut cmd = cli(&args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let (out, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let stderr = act_as_browser(&mut child);
        (child.wait_with_output().unwrap(), stderr)
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{stderr}");

    let mut cmd = cli(&[
        "webhooks",
        "listen",
        "--port",
        "0",
        "--microsoft-tenant",
        "org-ms",
    ]);
    cmd.env_remove("MEETSCHEDIFY_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (err_tx, err_lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = err_tx.send(line);
        }
    });
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let listening = Listening { child, lines };
    // Subscribed once it serves: the app-only organizer's subscription and the tenant's.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut said: Vec<String> = Vec::new();
    while emulator.graph_subscription_ids().len() < 2 {
        said.extend(err_lines.try_iter());
        assert!(Instant::now() < deadline, "not subscribed: {said:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    said.extend(err_lines.try_iter());
    assert!(
        said.iter().any(|l| l.contains("/webhooks/microsoft/users")),
        "{said:?}"
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
    let out = run(cli(&args)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout_json(&out)["provider_event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Graph's `created` is not reported (the create returned the meeting); the cancel is.
    let out = run(cli(&[
        "cancel",
        "--json",
        "--provider",
        "microsoft-teams",
        "--tenant",
        "org-ms",
        "--id",
        &id,
    ]))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let event = tokio::task::spawn_blocking(move || listening.next_of("microsoft-teams"))
        .await
        .unwrap();
    assert_eq!(event["kind"], "cancelled", "{event}");
    assert_eq!(event["tenant"], "org-ms", "{event}");
    assert_eq!(event["meeting_id"], id.as_str(), "{event}");
    let _ = std::fs::remove_file(&db);
}
