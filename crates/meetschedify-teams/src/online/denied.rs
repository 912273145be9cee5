//! Graph's 403 on `onlineMeetings`, explained as the configuration it is.
//!
//! App-only calls to `onlineMeetings` need two grants (reference §2.1): the application
//! permission `OnlineMeetings.ReadWrite.All` with admin consent, and a Teams application
//! access policy that covers the organizer. Without the policy Graph answers 403 `General`
//! "No application access policy found for this app." (older answers: `Forbidden` or
//! `Unauthorized`); the reference advises treating any app-only 403 there as the missing
//! policy unless the message says otherwise. The shared mapping (`errors.rs`) names the
//! calendar permission, which is the events mode's; this replaces its message, keeping the
//! code `PERMISSION_DENIED` ("the message names what to grant") and Graph's details.

use meetschedify_core::{Error, ErrorCode};

/// `err` with the online-meetings grants named, when it is a 403; any other error unchanged.
pub(crate) fn explain(err: Error, organizer: &str, client_id: &str) -> Error {
    if err.code() != ErrorCode::PermissionDenied || err.http_status() != Some(403) {
        return err;
    }
    let graph = err.http_details().map(|d| {
        let code = d.vendor_code.as_deref().unwrap_or("no code");
        let message = d
            .message
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('.');
        format!("graph answered 403 ({code}): {message}")
    });
    let message = format!(
        "{}: microsoft teams refuses this app the organizer's online meetings, a configuration \
         to fix: grant the app the Microsoft Graph application permission \
         OnlineMeetings.ReadWrite.All (with admin consent), and a Teams application access \
         policy for the organizer `{organizer}` (Teams PowerShell: New-CsApplicationAccessPolicy \
         -Identity meetschedify -AppIds \"{client_id}\", then Grant-CsApplicationAccessPolicy \
         -PolicyName meetschedify -Identity \"{organizer}\"); a new policy can take up to 30 \
         minutes to apply",
        graph.unwrap_or_else(|| "graph answered 403".to_owned())
    );
    let mut explained = Error::new(ErrorCode::PermissionDenied, message)
        .with_retryable(false)
        .with_http_status(403);
    if let Some(details) = err.details() {
        explained = explained.with_details(details.clone());
    }
    if let Some(provider) = err.provider_id() {
        explained = explained.with_provider(provider.clone());
    }
    explained
}

#[cfg(test)]
mod tests {
    use meetschedify_core::{HttpErrorDetails, ProviderErrorDetails, ProviderId};

    use super::*;

    #[test]
    fn a_403_names_the_permission_and_the_policy() {
        let details = HttpErrorDetails::new(403)
            .with_vendor_code("General")
            .with_message("No application access policy found for this app.");
        let err = Error::new(ErrorCode::PermissionDenied, "graph answered 403")
            .with_details(ProviderErrorDetails::Http(details))
            .with_http_status(403)
            .with_provider(ProviderId::MICROSOFT_TEAMS_APP);
        let oid = "00000000-0000-4000-8000-0000000000a1";
        let explained = explain(err, oid, "app-1");
        assert_eq!(explained.code(), ErrorCode::PermissionDenied);
        assert!(!explained.is_retryable());
        let m = explained.message();
        assert!(
            m.starts_with(
                "graph answered 403 (General): No application access policy found for this app: "
            ),
            "{m}"
        );
        for needed in [
            "OnlineMeetings.ReadWrite.All",
            "New-CsApplicationAccessPolicy",
            "Grant-CsApplicationAccessPolicy",
            "-AppIds \"app-1\"",
            oid,
        ] {
            assert!(m.contains(needed), "{needed} missing from {m}");
        }
        assert_eq!(
            explained.http_details().unwrap().vendor_code.as_deref(),
            Some("General")
        );
        assert_eq!(
            explained.provider_id(),
            Some(&ProviderId::MICROSOFT_TEAMS_APP)
        );
    }

    #[test]
    fn other_errors_pass_unchanged() {
        let err = Error::new(ErrorCode::MeetingNotFound, "gone").with_http_status(404);
        assert_eq!(explain(err, "o", "c").message(), "gone");
    }
}
