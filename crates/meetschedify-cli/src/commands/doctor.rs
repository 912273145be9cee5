//! `doctor`: is every configured provider ready? A report, and a non-zero exit on a problem.
//!
//! Checks per provider: configuration, a token, and for Zoom the app's scopes (a token alone
//! does not show that the calls will be allowed: Zoom refuses them later with code 4711).

use meetschedify::{Error, MeetSchedifyClient, ProviderId, TenantId};
use meetschedify_zoom::ZoomProvider;
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
    client: Result<(MeetSchedifyClient, Vec<ZoomProvider>), Error>,
    args: &DoctorArgs,
    format: Format,
) -> Result<bool, Error> {
    let mut findings = Vec::new();
    let (client, zoom) = match client {
        Ok(configured) => configured,
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
        let token_ok = match client.connection_status(&provider, &tenant).await {
            Ok(status) => {
                let connected = status.connected;
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
                connected
            }
            Err(err) => {
                findings.push(Finding {
                    provider: provider.to_string(),
                    check: "token",
                    ok: false,
                    detail: err.to_string(),
                });
                false
            }
        };
        // Without a token there are no scopes to read; the token finding already says why.
        if let Some(zoom) = zoom
            .iter()
            .find(|z| *meetschedify::MeetingProvider::id(*z) == provider)
        {
            if token_ok {
                findings.push(scopes(&provider, zoom).await);
            }
        }
    }
    report(&findings, format);
    Ok(findings.iter().all(|f| f.ok))
}

/// Whether the Zoom app has every scope the provider's calls need, read from a fresh token.
async fn scopes(provider: &ProviderId, zoom: &ZoomProvider) -> Finding {
    let (ok, detail) = match zoom.missing_scopes().await {
        Ok(missing) if missing.is_empty() => (
            true,
            "the app has the scopes to create, read, update and cancel meetings".into(),
        ),
        Ok(missing) => (
            false,
            format!(
                "the Zoom app lacks the scopes {}: add them in the Zoom App Marketplace; \
                 tokens issued afterwards carry them",
                missing.join(" ")
            ),
        ),
        Err(err) => (false, err.to_string()),
    };
    Finding {
        provider: provider.to_string(),
        check: "scopes",
        ok,
        detail,
    }
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
