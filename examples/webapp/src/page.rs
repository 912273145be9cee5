//! The one HTML page.

use meetschedify::{ConnectionState, ConnectionStatus, CreatedMeeting, Error, TenantId};

use crate::providers::Connectable;

/// What the page shows besides the status and the form.
#[derive(Debug, Default)]
pub(crate) struct Notice {
    pub(crate) meeting: Option<CreatedMeeting>,
    pub(crate) error: Option<(String, String)>,
    /// A sentence for the user that is neither a result nor an error.
    pub(crate) info: Option<String>,
}

impl Notice {
    pub(crate) fn error(err: &Error) -> Self {
        Self {
            error: Some((err.code().as_str().to_owned(), err.message().to_owned())),
            ..Self::default()
        }
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One provider's line of the status block: its state and the action that fixes it. Element
/// ids carry the provider's path segment (`connection-google`, `connect-microsoft`, ...).
fn connection(provider: &Connectable, status: &ConnectionStatus, csrf: &str) -> String {
    let seg = provider.segment;
    let reason = escape(status.reason.as_deref().unwrap_or_default());
    let connect = |verb: &str| {
        format!(
            "<p><a id=\"connect-{seg}\" class=\"button\" href=\"/auth/{seg}/connect\">{verb} {}</a></p>",
            provider.calendar
        )
    };
    // One branch per state: each needs a different action from the person looking.
    let line = match status.state {
        ConnectionState::Connected => format!(
            "<strong id=\"connection-{seg}\">connected</strong> {account}\
             <form method=\"post\" action=\"/auth/{seg}/disconnect\">{csrf}\
             <button id=\"disconnect-{seg}\" type=\"submit\">Disconnect {vendor}</button></form>",
            account = status
                .account
                .as_deref()
                .map(|a| format!("as <span id=\"account-{seg}\">{}</span>", escape(a)))
                .unwrap_or_default(),
            vendor = provider.vendor,
        ),
        ConnectionState::NeedsReconnect => format!(
            "<strong id=\"connection-{seg}\">reconnect needed</strong> <small>{reason}</small>{}",
            connect("Reconnect")
        ),
        ConnectionState::Unavailable => format!(
            "<strong id=\"connection-{seg}\">unavailable</strong> <small>{reason}</small>\
             <p>Please try again later or contact support.</p>"
        ),
        // `NotConnected`, and any state a later core version adds.
        _ => format!(
            "<strong id=\"connection-{seg}\">not connected</strong> <small>{reason}</small>{}",
            connect("Connect")
        ),
    };
    format!("<li>{}: {line}</li>", provider.calendar)
}

/// The scheduling form's provider choice: every enabled provider, the first connected one
/// selected (a provider not connected yet answers with its `*_NOT_CONNECTED` error).
fn provider_choice(statuses: &[(&Connectable, ConnectionStatus)]) -> String {
    let chosen = statuses
        .iter()
        .position(|(_, s)| s.state == ConnectionState::Connected)
        .unwrap_or(0);
    let options: String = statuses
        .iter()
        .enumerate()
        .map(|(i, (p, _))| {
            format!(
                "<option value=\"{}\"{}>{}</option>",
                p.segment,
                if i == chosen { " selected" } else { "" },
                p.meeting
            )
        })
        .collect();
    format!("<label>Provider <select id=\"provider\" name=\"provider\">{options}</select></label>")
}

/// The page for a tenant: each provider's status, the scheduling form and the notice.
/// `csrf_token` goes into every form as a hidden field (see `csrf.rs`).
pub(crate) fn render(
    tenant: &TenantId,
    statuses: &[(&Connectable, ConnectionStatus)],
    notice: &Notice,
    form_key: &str,
    csrf_token: &str,
) -> String {
    let csrf = format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        crate::csrf::FIELD,
        escape(csrf_token)
    );
    let connections: String = statuses
        .iter()
        .map(|(provider, status)| connection(provider, status, &csrf))
        .collect();
    let choice = provider_choice(statuses);
    let result = match (&notice.meeting, &notice.error) {
        (Some(m), _) => {
            let link = m.conference_link.as_deref().unwrap_or_default();
            format!(
                "<p id=\"result\">Scheduled. Meeting link: <a id=\"meeting-link\" href=\"{l}\">{l}</a>{cal}</p>",
                l = escape(link),
                cal = m
                    .calendar_url
                    .as_deref()
                    .map(|c| format!(" (<a href=\"{c}\">calendar</a>)", c = escape(c)))
                    .unwrap_or_default(),
            )
        }
        (None, Some((code, message))) => format!(
            "<p id=\"error\" role=\"alert\"><code id=\"error-code\">{}</code> {}</p>",
            escape(code),
            escape(message)
        ),
        (None, None) => notice
            .info
            .as_deref()
            .map(|info| format!("<p id=\"info\">{}</p>", escape(info)))
            .unwrap_or_default(),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>meetschedify web app</title>
<style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto}}label{{display:block;margin:.4rem 0}}
.button{{background:#1a73e8;color:#fff;padding:.5rem 1rem;text-decoration:none;border-radius:4px}}</style>
</head><body>
<h1>Book a meeting on your calendar</h1>
<div id="status">Signed in as <code id="tenant">{tenant}</code>.<ul>{connections}</ul></div>
<form id="schedule" method="post" action="/meetings">
<input type="hidden" name="idempotency_key" value="{form_key}">
{csrf}
{choice}
<label>Title <input id="title" name="title" value="Consultation"></label>
<label>Start <input id="start" name="start" value="2030-06-20T10:00:00"></label>
<label>End <input id="end" name="end" value="2030-06-20T10:30:00"></label>
<label>Time zone <input id="timezone" name="timezone" value="Europe/Berlin"></label>
<button id="schedule-button" type="submit">Schedule</button>
</form>
{result}
</body></html>
"#,
        tenant = escape(tenant.as_str()),
        form_key = escape(form_key),
    )
}

#[cfg(test)]
mod tests {
    use meetschedify::ProviderId;

    use super::*;
    use crate::providers::{GOOGLE, MICROSOFT};

    fn tenant() -> TenantId {
        TenantId::new("t")
    }

    #[test]
    fn everything_written_into_the_page_is_escaped() {
        let status = ConnectionStatus::disconnected(
            ProviderId::GOOGLE_MEET,
            tenant(),
            "<script>alert(1)</script>",
        );
        let notice = Notice {
            error: Some(("X".into(), "\"><img src=x onerror=alert(1)>".into())),
            ..Notice::default()
        };
        let html = render(
            &TenantId::new("<t>"),
            &[(&GOOGLE, status)],
            &notice,
            "k",
            "c",
        );
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<t>"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn each_state_offers_the_action_that_fixes_it() {
        let page = |status: ConnectionStatus| {
            render(
                &tenant(),
                &[(&GOOGLE, status)],
                &Notice::default(),
                "k",
                "tok",
            )
        };
        let p = ProviderId::GOOGLE_MEET;

        let html = page(ConnectionStatus::disconnected(p.clone(), tenant(), "never"));
        assert!(html.contains(">not connected<") && html.contains(">Connect Google Calendar<"));

        let html = page(ConnectionStatus::needs_reconnect(
            p.clone(),
            tenant(),
            "revoked",
        ));
        assert!(html.contains(">reconnect needed<"), "{html}");
        assert!(html.contains(">Reconnect Google Calendar<"), "{html}");

        let html = page(ConnectionStatus::unavailable(p.clone(), tenant(), "down"));
        assert!(html.contains(">unavailable<"), "{html}");
        assert!(
            !html.contains("id=\"connect-google\""),
            "consent would not help: {html}"
        );

        let html = page(ConnectionStatus::connected(p, tenant()));
        assert!(html.contains(">connected<") && html.contains("id=\"disconnect-google\""));
    }

    #[test]
    fn each_provider_has_its_own_line_and_the_form_picks_a_connected_one() {
        let statuses = [
            (
                &GOOGLE,
                ConnectionStatus::disconnected(ProviderId::GOOGLE_MEET, tenant(), "never"),
            ),
            (
                &MICROSOFT,
                ConnectionStatus::connected(ProviderId::MICROSOFT_TEAMS, tenant()),
            ),
        ];
        let html = render(&tenant(), &statuses, &Notice::default(), "k", "tok");
        assert!(html.contains("href=\"/auth/google/connect\""), "{html}");
        assert!(
            html.contains("action=\"/auth/microsoft/disconnect\""),
            "{html}"
        );
        assert!(html.contains("<strong id=\"connection-microsoft\">connected</strong>"));
        assert!(
            html.contains("<option value=\"microsoft\" selected>"),
            "{html}"
        );
        assert!(html.contains("<option value=\"google\">"), "{html}");
    }

    #[test]
    fn every_post_form_carries_the_csrf_token() {
        let statuses = [
            (
                &GOOGLE,
                ConnectionStatus::connected(ProviderId::GOOGLE_MEET, tenant()),
            ),
            (
                &MICROSOFT,
                ConnectionStatus::connected(ProviderId::MICROSOFT_TEAMS, tenant()),
            ),
        ];
        let html = render(&tenant(), &statuses, &Notice::default(), "k", "tok\"en");
        let forms = html.matches("method=\"post\"").count();
        assert_eq!(forms, 3, "{html}");
        let field = "<input type=\"hidden\" name=\"csrf_token\" value=\"tok&quot;en\">";
        assert_eq!(html.matches(field).count(), forms, "{html}");
    }
}
