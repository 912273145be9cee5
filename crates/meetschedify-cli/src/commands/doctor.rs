//! `doctor`: is every configured provider ready? A report, and a non-zero exit on a problem.
//!
//! Checks per provider: configuration, a token, and for Zoom the app's scopes (a token alone
//! does not show that the calls will be allowed: Zoom refuses them later with code 4711) and,
//! with a host pool, each host's creates and updates today and its next free instant; for the
//! app-only Teams provider, a read of the organizer's calendar (a token alone does not show
//! that Graph lets the app into the mailbox: the permission and its admin consent are checked
//! only there).

use meetschedify::{Error, ProviderId, TenantId};
use meetschedify_zoom::ZoomProvider;
use serde_json::json;

use crate::args::DoctorArgs;
use crate::commands::doctor_teams;
use crate::output::{self, Format};
use crate::registry::Configured;

/// Providers whose tokens belong to each tenant (an end user connected through OAuth), so
/// `doctor` checks them only for the tenant named by `--tenant`.
const PER_USER: &[ProviderId] = &[ProviderId::GOOGLE_MEET, ProviderId::MICROSOFT_TEAMS];

/// Whether `provider` keeps one token per tenant (see [`PER_USER`]).
fn is_per_user(provider: &ProviderId) -> bool {
    PER_USER.contains(provider)
}

/// One line of the report.
pub(super) struct Finding {
    pub(super) provider: String,
    pub(super) check: &'static str,
    pub(super) ok: bool,
    pub(super) detail: String,
    /// Figures for `--json` readers, beside the sentence.
    pub(super) data: Option<serde_json::Value>,
}

/// Runs the checks; `Ok(true)` when everything passed.
pub async fn run(
    configured: Result<Configured, Error>,
    args: &DoctorArgs,
    format: Format,
) -> Result<bool, Error> {
    let mut findings = Vec::new();
    let Configured {
        client,
        zoom,
        teams_app,
    } = match configured {
        Ok(configured) => configured,
        Err(err) => {
            findings.push(Finding {
                provider: "-".into(),
                check: "configuration",
                ok: false,
                detail: err.to_string(),
                data: None,
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
            data: None,
        });
        let per_user = is_per_user(&provider);
        let tenant = match (&args.tenant, per_user) {
            (Some(t), _) => TenantId::new(t.as_str()),
            (None, true) => {
                findings.push(Finding {
                    provider: provider.to_string(),
                    check: "connection",
                    ok: true,
                    detail: "per-user: pass --tenant to check one tenant's tokens".into(),
                    data: None,
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
                    data: None,
                });
                connected
            }
            Err(err) => {
                findings.push(Finding {
                    provider: provider.to_string(),
                    check: "token",
                    ok: false,
                    detail: err.to_string(),
                    data: None,
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
                findings.extend(host_pool(&provider, zoom).await);
            }
        }
        if let Some(teams) = teams_app
            .iter()
            .find(|t| *meetschedify::MeetingProvider::id(*t) == provider)
        {
            if token_ok {
                findings.push(doctor_teams::mailbox(&provider, teams).await);
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
        data: None,
    }
}

/// One finding per host of the provider's pool (none without a pool): creates and updates
/// today against the daily limit, meetings running and upcoming, and the next free instant.
/// The bookings are first rebuilt from each host's upcoming meetings at Zoom, so the figures
/// include meetings made outside the library.
async fn host_pool(provider: &ProviderId, zoom: &ZoomProvider) -> Vec<Finding> {
    let Some(pool) = zoom.host_pool() else {
        return Vec::new();
    };
    let finding = |ok, detail: String, data| Finding {
        provider: provider.to_string(),
        check: "host pool",
        ok,
        detail,
        data,
    };
    if let Err(err) = zoom.rebuild_host_bookings().await {
        return vec![finding(false, err.to_string(), None)];
    }
    match pool.status().await {
        Err(err) => vec![finding(false, err.to_string(), None)],
        Ok(hosts) => hosts
            .into_iter()
            .map(|h| {
                let detail = format!(
                    "{}: {} of {} creates and updates today (UTC), {} running, {} upcoming, \
                     free from {}",
                    h.host, h.used_today, h.daily_limit, h.running_now, h.upcoming, h.next_free
                );
                let data = json!({
                    "host": h.host.id(),
                    "max_concurrent": h.host.max_concurrent(),
                    "creates_and_updates_today": h.used_today,
                    "daily_limit": h.daily_limit,
                    "running": h.running_now,
                    "upcoming": h.upcoming,
                    "next_free": h.next_free.to_string(),
                });
                // A host out of quota is a warning for operators, not a broken setup.
                finding(true, detail, Some(data))
            })
            .collect(),
    }
}

fn report(findings: &[Finding], format: Format) {
    match format {
        Format::Json => {
            let checks: Vec<_> = findings
                .iter()
                .map(|f| {
                    let mut check = json!({"provider": f.provider, "check": f.check, "ok": f.ok, "detail": f.detail});
                    if let (Some(data), Some(map)) = (&f.data, check.as_object_mut()) {
                        map.insert("data".into(), data.clone());
                    }
                    check
                })
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
