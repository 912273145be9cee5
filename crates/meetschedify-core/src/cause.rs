//! One line for an error and everything that caused it.
//!
//! Transport errors say little at the top ("error sending request"); the reason a person can act
//! on ("connection refused", "connection reset by peer") is in the source chain. Providers put
//! the whole chain into their [`Error`](crate::Error) messages with [`cause_chain`].

use std::error::Error as StdError;

/// The error's message followed by each of its sources, joined with `": "`.
///
/// A source whose text the line already holds is skipped, since many errors repeat their
/// source's message in their own (`"timed out: timed out"` says nothing twice). Only `Display`
/// texts are used, never `Debug`, so nothing beyond what each error chose to print appears.
///
/// ```
/// use std::{error::Error, fmt, io};
///
/// #[derive(Debug)]
/// struct SendFailed(io::Error);
/// impl fmt::Display for SendFailed {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.write_str("error sending request")
///     }
/// }
/// impl Error for SendFailed {
///     fn source(&self) -> Option<&(dyn Error + 'static)> {
///         Some(&self.0)
///     }
/// }
///
/// let reset = io::Error::new(io::ErrorKind::ConnectionReset, "connection reset by peer");
/// assert_eq!(
///     meetschedify_core::cause_chain(&SendFailed(reset)),
///     "error sending request: connection reset by peer"
/// );
/// ```
pub fn cause_chain(err: &(dyn StdError + 'static)) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::cause_chain;
    use std::fmt;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn an_error_without_sources_is_its_own_message() {
        assert_eq!(cause_chain(&Layer("refused", None)), "refused");
    }

    #[test]
    fn every_cause_is_appended_in_order() {
        let err = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "client error (Connect)",
                Some(Box::new(Layer("Connection refused (os error 111)", None))),
            ))),
        );
        assert_eq!(
            cause_chain(&err),
            "error sending request: client error (Connect): Connection refused (os error 111)"
        );
    }

    #[test]
    fn a_cause_already_in_the_line_or_empty_is_not_repeated() {
        let err = Layer(
            "operation timed out",
            Some(Box::new(Layer(
                "timed out",
                Some(Box::new(Layer("", Some(Box::new(Layer("deadline", None)))))),
            ))),
        );
        assert_eq!(cause_chain(&err), "operation timed out: deadline");
    }
}
