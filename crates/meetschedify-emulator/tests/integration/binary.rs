//! The `meetschedify-emulator` binary prints `export` lines and serves on the port it names.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{basic, Http};

/// Kills the child even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_exports_and_serves() {
    let child = Command::new(env!("CARGO_BIN_EXE_meetschedify-emulator"))
        .args(["--port", "0", "--seed", "7"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let stdout = child.0.stdout.take().unwrap();
    let mut env = HashMap::new();
    for line in BufReader::new(stdout).lines().take(19) {
        let line = line.unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split_once('='))
            .unwrap_or_else(|| panic!("not an export line: {line}"));
        env.insert(name.to_owned(), value.to_owned());
    }
    assert_eq!(env.len(), 19);
    let oauth_base = &env["MEETSCHEDIFY_ZOOM_OAUTH_BASE"];
    assert!(oauth_base.starts_with("http://127.0.0.1:"));
    assert_eq!(
        env["MEETSCHEDIFY_ZOOM_API_BASE"],
        format!("{oauth_base}/v2")
    );
    // The printed demo credentials work against the printed base.
    let http = Http::default();
    let reply = http
        .form(
            &format!("{oauth_base}/oauth/token"),
            &[(
                "authorization",
                &basic(&env["ZOOM_CLIENT_ID"], &env["ZOOM_CLIENT_SECRET"]),
            )],
            &[
                ("grant_type", "account_credentials"),
                ("account_id", &env["ZOOM_ACCOUNT_ID"]),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = http
        .form(
            &format!("{}/token", env["MEETSCHEDIFY_GOOGLE_OAUTH_BASE"]),
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &env["GOOGLE_REFRESH_TOKEN"]),
                ("client_id", &env["GOOGLE_CLIENT_ID"]),
                ("client_secret", &env["GOOGLE_CLIENT_SECRET"]),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = http
        .form(
            &format!(
                "{}/{}/oauth2/v2.0/token",
                env["MEETSCHEDIFY_MICROSOFT_LOGIN_BASE"], env["MICROSOFT_TENANT_ID"]
            ),
            &[],
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &env["MICROSOFT_CLIENT_ID"]),
                ("client_secret", &env["MICROSOFT_CLIENT_SECRET"]),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}
