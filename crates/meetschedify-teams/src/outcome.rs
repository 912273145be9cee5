//! Whether a failed create may still have made its event or meeting: the `outcome_unknown`
//! flag on the error the caller gets.

use meetschedify_core::{Error, Operation};

/// `err`, the last failure of a create whose attempts may have lost an answer
/// (`lost_answer`), flagged `outcome_unknown` when the question stays open.
///
/// After a lost answer, a later attempt that Graph answered settles it: the same
/// `transactionId` (or idempotency key) would have returned what the lost attempt made, so a
/// refusal means nothing was made. Two failures leave it open: a retryable one (Graph did not
/// answer that attempt either), and a failure to get an access token (the attempt never
/// reached Graph, e.g. a refresh token refused after the first attempt took effect).
pub(crate) fn after_attempts(err: Error, lost_answer: bool) -> Error {
    let unsettled = err.is_retryable() || err.operation() == Some(Operation::AccessToken);
    err.with_outcome_unknown(lost_answer && unsettled)
}

#[cfg(test)]
mod tests {
    use meetschedify_core::{Error, ErrorCode, Operation};

    use super::after_attempts;

    fn refused_token() -> Error {
        Error::new(ErrorCode::AuthRevoked, "refresh token refused")
            .with_retryable(false)
            .with_operation(Operation::AccessToken)
    }

    #[test]
    fn a_token_failure_after_a_lost_answer_leaves_the_outcome_open() {
        assert!(after_attempts(refused_token(), true).outcome_unknown());
        assert!(!after_attempts(refused_token(), false).outcome_unknown());
    }

    #[test]
    fn a_refusal_from_graph_after_a_lost_answer_settles_it() {
        let refused = Error::invalid_request("title", "too long");
        assert!(!after_attempts(refused, true).outcome_unknown());
        let busy = Error::new(ErrorCode::ProviderUnavailable, "503").with_retryable(true);
        assert!(after_attempts(busy, true).outcome_unknown());
    }
}
