//! `doctor`: is every configured provider ready? A report, and a non-zero exit on a problem.

use meetschedify::{Error, MeetSchedifyClient, ProviderId, TenantId};
use serde_json::json;

use crate::args::DoctorArgs;
use crate::output::{self, Format};

/// One line of the report.
struct Finding {
    provider: String,
    check: &'static str,
    ok: bool,
    detail: String,
}

/// Runs the checks; `Ok(true)` when everything passed.
pub async fn run(
    client: Result<MeetSchedifyClient, Error>,
    args: &DoctorArgs,
    format: Format,
) -> Result<bool, Error> {
    let mut findings = Vec::new();
    let client = match client {
        Ok(client) => client,
        Err(err) => {
            findings.push(Finding {
                provider: "-".into(),
                check: "configuration",
                ok: false,
                detail: err.to_string(),
            });
            report(&findings, format);
            return Ok(false);
        }
    };
    for provider in client.list_providers() {
        findings.push(Finding {
            provider: provider.to_string(),
            check: "configuration",
            ok: true,
            detail: "credentials present".into(),
        });
        let per_user = provider == ProviderId::GOOGLE_MEET;
        let tenant = match (&args.tenant, per_user) {
            (Some(t), _) => TenantId::new(t.as_str()),
            (None, true) => {
                findings.push(Finding {
                    provider: provider.to_string(),
                    check: "connection",
                    ok: true,
                    detail: "per-user: pass --tenant to check one tenant's tokens".into(),
                });
                continue;
            }
            (None, false) => TenantId::new("default"),
        };
        match client.connection_status(&tenant, &provider).await {
            Ok(status) => {
                let mut detail = status
                    .reason
                    .clone()
                    .unwrap_or_else(|| "token obtained".into());
                if let Some(exp) = status.expires_at {
                    detail.push_str(&format!("; token valid until {exp}"));
                }
                if !status.scopes.is_empty() {
                    detail.push_str(&format!("; scopes: {}", status.scopes.join(" ")));
                }
                findings.push(Finding {
                    provider: provider.to_string(),
                    check: "token",
                    ok: status.connected,
                    detail,
                });
            }
            Err(err) => findings.push(Finding {
                provider: provider.to_string(),
                check: "token",
                ok: false,
                detail: err.to_string(),
            }),
        }
    }
    report(&findings, format);
    Ok(findings.iter().all(|f| f.ok))
}

fn report(findings: &[Finding], format: Format) {
    match format {
        Format::Json => {
            let checks: Vec<_> = findings
                .iter()
                .map(|f| json!({"provider": f.provider, "check": f.check, "ok": f.ok, "detail": f.detail}))
                .collect();
            let ok = findings.iter().all(|f| f.ok);
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"ok": ok, "checks": checks}))
                    .unwrap_or_default()
            );
        }
        Format::Human => {
            let mut table = output::table(&["provider", "check", "result", "detail"]);
            for f in findings {
                table.add_row(vec![
                    f.provider.clone(),
                    f.check.to_owned(),
                    if f.ok {
                        "ok".to_owned()
                    } else {
                        "PROBLEM".to_owned()
                    },
                    f.detail.clone(),
                ]);
            }
            println!("{table}");
        }
    }
}
