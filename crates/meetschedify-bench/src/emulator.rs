//! The emulator as a separate process, and a small client for its `/_emulator` control API.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Errors of the harness itself (not of the code under test): plain text is enough.
pub type HarnessError = Box<dyn std::error::Error + Send + Sync>;

/// An emulator running in a child process; killed when dropped.
#[derive(Debug)]
pub struct EmulatorProcess {
    child: Child,
    base_url: String,
}

impl EmulatorProcess {
    /// Starts `program args...` and waits for the `export MEETSCHEDIFY_ZOOM_OAUTH_BASE=...` line
    /// that `meetschedify-emulator` (and `bench --serve-emulator`) print once listening.
    pub async fn spawn(program: PathBuf, args: &[&str]) -> Result<Self, HarnessError> {
        let mut child = Command::new(&program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let read = async {
            while let Some(line) = lines.next_line().await? {
                if let Some(value) = line.strip_prefix("export MEETSCHEDIFY_ZOOM_OAUTH_BASE=") {
                    return Ok::<_, std::io::Error>(Some(value.trim_matches('\'').to_owned()));
                }
            }
            Ok(None)
        };
        let base_url = tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .map_err(|_| "the emulator printed no base URL within 30 s")??
            .ok_or("the emulator exited before printing its base URL")?;
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, base_url })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The child's process id.
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the child.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The emulator's control API over HTTP (the same operations as the in-process handle).
#[derive(Debug, Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    /// A client for the emulator at `base_url`.
    pub fn new(base_url: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{}/_emulator", base_url.trim_end_matches('/')),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, HarnessError> {
        let reply = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        let text = reply.text().await?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Back to the start: demo data only, no faults, settings at their defaults.
    pub async fn reset(&self) -> Result<(), HarnessError> {
        self.post("/reset", json!({})).await.map(drop)
    }

    /// Merges `patch` into the settings.
    pub async fn update_settings(&self, patch: Value) -> Result<(), HarnessError> {
        self.post("/settings", patch).await.map(drop)
    }

    /// The settings a benchmark needs: no Zoom daily limit, no Google quota, no request log
    /// (the log is the emulator's cost, but it also holds memory for every request).
    ///
    /// `conference_ready` makes Google's insert answer with the Meet conference already
    /// created (Google usually answers `pending` first, which costs every way one
    /// `events.get`).
    pub async fn bench_settings(&self, conference_ready: bool) -> Result<(), HarnessError> {
        self.update_settings(json!({
            "zoom_daily_limit": null,
            "google_quota_per_minute": null,
            "record_requests": false,
            "conference_pending_on_insert": !conference_ready
        }))
        .await
    }

    /// Registers a Google test user.
    pub async fn add_google_user(&self, email: &str) -> Result<(), HarnessError> {
        self.post("/google/users", json!({ "email": email }))
            .await
            .map(drop)
    }

    /// A refresh token for `email` and the demo client, as if the user had consented.
    pub async fn issue_google_refresh_token(
        &self,
        email: &str,
        scopes: &[&str],
    ) -> Result<String, HarnessError> {
        let answer = self
            .post(
                "/google/refresh-tokens",
                json!({ "email": email, "scopes": scopes }),
            )
            .await?;
        answer["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "no refresh_token in the answer".into())
    }

    /// Token-endpoint calls so far, per vendor.
    pub async fn token_requests(&self) -> Result<TokenRequests, HarnessError> {
        let v: Value = self
            .http
            .get(format!("{}/counters", self.base))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let count = |name: &str| v[name].as_u64().unwrap_or_default();
        Ok(TokenRequests {
            zoom: count("zoom_token_requests"),
            google: count("google_token_requests"),
            microsoft: count("microsoft_token_requests"),
        })
    }
}

/// Token-endpoint calls counted by the emulator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenRequests {
    /// Zoom's `POST /oauth/token`.
    pub zoom: u64,
    /// Google's `POST /token`.
    pub google: u64,
    /// The identity platform's `POST /{tenant}/oauth2/v2.0/token`.
    pub microsoft: u64,
}

impl TokenRequests {
    /// The count of `vendor`.
    pub fn of(&self, vendor: crate::ways::Vendor) -> u64 {
        match vendor {
            crate::ways::Vendor::Zoom => self.zoom,
            crate::ways::Vendor::Google => self.google,
            crate::ways::Vendor::Microsoft => self.microsoft,
        }
    }
}
