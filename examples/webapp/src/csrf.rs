//! CSRF protection for the POST forms: a synchronizer token.
//!
//! Each server-side session has a random token (`Session::csrf_token`), written into every form
//! the page renders as the hidden field [`FIELD`]. A POST counts only if it comes with a known
//! session and that session's token. Another site can make the browser POST with its cookies
//! (`SameSite=Lax` stops that in current browsers, not in every browser or every case), but it
//! cannot read the page, so it cannot know the token.

use crate::session::Session;

/// The form field that carries the token.
pub(crate) const FIELD: &str = "csrf_token";

/// Whether `submitted` is the session's token. The comparison takes the same time wherever the
/// first difference is, so response timing does not reveal the token byte by byte.
pub(crate) fn token_matches(session: &Session, submitted: Option<&str>) -> bool {
    let Some(submitted) = submitted else {
        return false;
    };
    constant_time_eq(session.csrf_token.as_bytes(), submitted.as_bytes())
}

/// Byte-wise equality that reads every byte (the length, which is public, may short-cut).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold back into an early exit.
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use meetschedify::TenantId;

    use super::*;

    #[test]
    fn only_the_sessions_own_token_matches() {
        let session = Session {
            id: "id".into(),
            tenant: TenantId::new("t"),
            csrf_token: "0123456789abcdef".into(),
        };
        assert!(token_matches(&session, Some("0123456789abcdef")));
        assert!(!token_matches(&session, None));
        assert!(!token_matches(&session, Some("")));
        assert!(!token_matches(&session, Some("0123456789abcdeF")));
        assert!(!token_matches(&session, Some("0123456789abcdef0")));
    }
}
