//! The one HTML page.

use meetschedify::{ConnectionState, ConnectionStatus, CreatedMeeting, Error};

/// What the page shows besides the status and the form.
#[derive(Debug, Default)]
pub(crate) struct Notice {
    pub(crate) meeting: Option<CreatedMeeting>,
    pub(crate) error: Option<(String, String)>,
}

impl Notice {
    pub(crate) fn error(err: &Error) -> Self {
        Self {
            meeting: None,
            error: Some((err.code().as_str().to_owned(), err.message().to_owned())),
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

/// The page for a tenant. `csrf_token` goes into every form as a hidden field (see `csrf.rs`).
pub(crate) fn render(
    status: &ConnectionStatus,
    notice: &Notice,
    form_key: &str,
    csrf_token: &str,
) -> String {
    let csrf = format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        crate::csrf::FIELD,
        escape(csrf_token)
    );
    let reason = escape(status.reason.as_deref().unwrap_or_default());
    let connect = |label: &str| {
        format!(
            "<p><a id=\"connect\" class=\"button\" href=\"/auth/google/connect\">{label}</a></p>"
        )
    };
    // One branch per state: each needs a different action from the person looking.
    let connection = match status.state {
        ConnectionState::Connected => format!(
            "<strong id=\"connection\">connected</strong> {account}\
             <form method=\"post\" action=\"/auth/google/disconnect\">{csrf}\
             <button id=\"disconnect\" type=\"submit\">Disconnect Google</button></form>",
            account = status
                .account
                .as_deref()
                .map(|a| format!("as <span id=\"account\">{}</span>", escape(a)))
                .unwrap_or_default(),
        ),
        ConnectionState::NeedsReconnect => format!(
            "<strong id=\"connection\">reconnect needed</strong> <small>{reason}</small>{}",
            connect("Reconnect Google Calendar")
        ),
        ConnectionState::Unavailable => format!(
            "<strong id=\"connection\">unavailable</strong> <small>{reason}</small>\
             <p>Please try again later or contact support.</p>"
        ),
        // `NotConnected`, and any state a later core version adds.
        _ => format!(
            "<strong id=\"connection\">not connected</strong> <small>{reason}</small>{}",
            connect("Connect Google Calendar")
        ),
    };
    let result = match (&notice.meeting, &notice.error) {
        (Some(m), _) => {
            let link = m.conference_link.as_deref().unwrap_or_default();
            format!(
                "<p id=\"result\">Scheduled. Meet link: <a id=\"meeting-link\" href=\"{l}\">{l}</a>{cal}</p>",
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
        (None, None) => String::new(),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>meetschedify web app</title>
<style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto}}label{{display:block;margin:.4rem 0}}
.button{{background:#1a73e8;color:#fff;padding:.5rem 1rem;text-decoration:none;border-radius:4px}}</style>
</head><body>
<h1>Book a Google Meet</h1>
<div id="status">Signed in as <code id="tenant">{tenant}</code>. Google Calendar: {connection}</div>
<form id="schedule" method="post" action="/meetings">
<input type="hidden" name="idempotency_key" value="{form_key}">
{csrf}
<label>Title <input id="title" name="title" value="Consultation"></label>
<label>Start <input id="start" name="start" value="2030-06-20T10:00:00"></label>
<label>End <input id="end" name="end" value="2030-06-20T10:30:00"></label>
<label>Time zone <input id="timezone" name="timezone" value="Europe/Berlin"></label>
<button id="schedule-button" type="submit">Schedule</button>
</form>
{result}
</body></html>
"#,
        tenant = escape(status.tenant_id.as_str()),
        form_key = escape(form_key),
    )
}

#[cfg(test)]
mod tests {
    use meetschedify::ProviderId;

    use super::*;

    #[test]
    fn everything_written_into_the_page_is_escaped() {
        let status = ConnectionStatus::disconnected(
            ProviderId::GOOGLE_MEET,
            "t".into(),
            "<script>alert(1)</script>",
        );
        let notice = Notice {
            meeting: None,
            error: Some(("X".into(), "\"><img src=x onerror=alert(1)>".into())),
        };
        let html = render(&status, &notice, "k", "c");
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn each_state_offers_the_action_that_fixes_it() {
        let page = |status: ConnectionStatus| render(&status, &Notice::default(), "k", "tok");
        let (p, t) = (ProviderId::GOOGLE_MEET, meetschedify::TenantId::new("t"));

        let html = page(ConnectionStatus::disconnected(
            p.clone(),
            t.clone(),
            "never",
        ));
        assert!(html.contains(">not connected<") && html.contains(">Connect Google Calendar<"));

        let html = page(ConnectionStatus::needs_reconnect(
            p.clone(),
            t.clone(),
            "revoked",
        ));
        assert!(html.contains(">reconnect needed<"), "{html}");
        assert!(html.contains(">Reconnect Google Calendar<"), "{html}");

        let html = page(ConnectionStatus::unavailable(p.clone(), t.clone(), "down"));
        assert!(html.contains(">unavailable<"), "{html}");
        assert!(
            !html.contains("id=\"connect\""),
            "consent would not help: {html}"
        );

        let html = page(ConnectionStatus::connected(p, t));
        assert!(html.contains(">connected<") && html.contains("id=\"disconnect\""));
    }

    #[test]
    fn every_post_form_carries_the_csrf_token() {
        let (p, t) = (ProviderId::GOOGLE_MEET, meetschedify::TenantId::new("t"));
        let html = render(
            &ConnectionStatus::connected(p, t),
            &Notice::default(),
            "k",
            "tok\"en",
        );
        let forms = html.matches("method=\"post\"").count();
        assert_eq!(forms, 2, "{html}");
        let field = "<input type=\"hidden\" name=\"csrf_token\" value=\"tok&quot;en\">";
        assert_eq!(html.matches(field).count(), forms, "{html}");
    }
}
