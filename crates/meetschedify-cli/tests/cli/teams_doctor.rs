//! `doctor` on the app-only Teams provider, configured by nothing but the emulator's printed
//! Microsoft exports: healthy, then with each way an app registration goes wrong.

use std::process::Output;

use meetschedify::emulator::{Emulator, EmulatorHandle};
use serde_json::Value;

use super::{command, run, stdout_json};

const PROVIDER: &str = "microsoft-teams-app";

/// `doctor --json` with the Microsoft exports, `MICROSOFT_CLIENT_SECRET` replaced by `secret`
/// when given.
async fn doctor(emulator: &EmulatorHandle, secret: Option<&str>) -> Output {
    let mut cmd = command();
    for (name, value) in emulator.env_exports() {
        if name.contains("MICROSOFT") || name.contains("GRAPH") {
            cmd.env(name, value);
        }
    }
    if let Some(secret) = secret {
        cmd.env("MICROSOFT_CLIENT_SECRET", secret);
    }
    cmd.args(["doctor", "--json"]);
    run(cmd).await
}

/// The report's `check` finding for the Teams provider, if there is one.
fn finding(report: &Value, check: &str) -> Option<Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["provider"] == PROVIDER && c["check"] == check)
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_finds_a_healthy_teams_app_and_its_mailbox() {
    let emulator = Emulator::start().await.unwrap();
    let out = doctor(&emulator, None).await;
    let report = stdout_json(&out);
    assert!(out.status.success(), "{report}");
    assert_eq!(report["ok"], true);
    assert_eq!(finding(&report, "token").unwrap()["ok"], true, "{report}");
    let mailbox = finding(&report, "mailbox").expect("a mailbox finding");
    assert_eq!(mailbox["ok"], true, "{report}");
    let detail = mailbox["detail"].as_str().unwrap();
    assert!(
        detail.contains(&emulator.demo().microsoft_organizer_id)
            && detail.contains("Calendars.ReadWrite"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_the_fix_for_a_wrong_or_expired_secret() {
    let emulator = Emulator::start().await.unwrap();
    let out = doctor(&emulator, Some("not-the-secret")).await;
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out);
    assert_eq!(report["ok"], false);
    let token = finding(&report, "token").unwrap();
    assert_eq!(token["ok"], false);
    let detail = token["detail"].as_str().unwrap();
    assert!(
        detail.contains("AADSTS7000215") && detail.contains("MICROSOFT_CLIENT_SECRET"),
        "{detail}"
    );
    // Without a token there is no mailbox to read: the token finding says why.
    assert!(finding(&report, "mailbox").is_none(), "{report}");

    let client_id = emulator.demo().microsoft_client_id.clone();
    emulator
        .set_microsoft_secret_expired(&client_id, true)
        .unwrap();
    let out = doctor(&emulator, None).await;
    assert_eq!(out.status.code(), Some(1));
    let token = finding(&stdout_json(&out), "token").unwrap();
    let detail = token["detail"].as_str().unwrap();
    assert!(
        detail.contains("expired") && detail.contains("create a new one"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_the_permission_an_unconsented_teams_app_lacks() {
    let emulator = Emulator::start().await.unwrap();
    // No admin consent: the token endpoint still answers, with a token that carries no roles.
    let client_id = emulator.demo().microsoft_client_id.clone();
    emulator.set_microsoft_app_roles(&client_id, &[]).unwrap();
    let out = doctor(&emulator, None).await;
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out);
    assert_eq!(finding(&report, "token").unwrap()["ok"], true, "{report}");
    let mailbox = finding(&report, "mailbox").unwrap();
    assert_eq!(mailbox["ok"], false);
    let detail = mailbox["detail"].as_str().unwrap();
    assert!(
        detail.contains("PERMISSION_DENIED")
            && detail.contains("application permission Calendars.ReadWrite")
            && detail.contains("admin consent"),
        "{detail}"
    );

    // Granted and consented again: healthy, and the human report says so too.
    emulator
        .set_microsoft_app_roles(&client_id, &["Calendars.ReadWrite"])
        .unwrap();
    let mut cmd = command();
    for (name, value) in emulator.env_exports() {
        if name.contains("MICROSOFT") || name.contains("GRAPH") {
            cmd.env(name, value);
        }
    }
    cmd.arg("doctor");
    let out = run(cmd).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("mailbox") && text.contains(PROVIDER),
        "{text}"
    );
}
