//! What a check returns and what a whole run reports.

use std::fmt;

/// Why a check failed, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckFailure {
    /// The check that failed (filled in by [`crate::run_all`]; empty when a check is called
    /// directly).
    pub check: &'static str,
    /// What went wrong.
    pub message: String,
}

impl CheckFailure {
    /// A failure with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            check: "",
            message: message.into(),
        }
    }

    fn named(mut self, check: &'static str) -> Self {
        self.check = check;
        self
    }
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.check.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.check, self.message)
        }
    }
}

impl std::error::Error for CheckFailure {}

/// How a check ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Everything held.
    Passed,
    /// The check does not apply (leases on a store without them, update on a provider without it).
    Skipped(String),
}

/// The result of one check.
pub type CheckResult = Result<Outcome, CheckFailure>;

/// What a suite ([`crate::run_all`], [`crate::run_idempotency`],
/// [`crate::run_provider_conformance`]) saw, check by check.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Report {
    /// The suite's checks, in order ([`crate::CHECKS`] when empty).
    pub suite: &'static [&'static str],
    /// Checks that passed.
    pub passed: Vec<&'static str>,
    /// Checks that did not apply, with the reason.
    pub skipped: Vec<(&'static str, String)>,
    /// Checks that failed.
    pub failed: Vec<CheckFailure>,
}

impl Report {
    pub(crate) fn record(&mut self, check: &'static str, result: CheckResult) {
        match result {
            Ok(Outcome::Passed) => self.passed.push(check),
            Ok(Outcome::Skipped(why)) => self.skipped.push((check, why)),
            Err(failure) => self.failed.push(failure.named(check)),
        }
    }

    fn expected(&self) -> &'static [&'static str] {
        if self.suite.is_empty() {
            crate::CHECKS
        } else {
            self.suite
        }
    }

    /// Whether no check failed.
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// Panics with every failure if any check failed; for use at the end of a test.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "conformance failed:\n{self}");
    }

    /// Panics unless every check in [`crate::CHECKS`] passed: none failed and none was
    /// skipped. For a store that supports everything the suite checks, leases included, so a
    /// check that starts to skip (a `leases()` that broke, say) does not go unnoticed.
    #[track_caller]
    pub fn assert_all_passed(&self) {
        self.assert_ok();
        assert!(
            self.skipped.is_empty() && self.passed == self.expected(),
            "not every conformance check passed:\n{self}"
        );
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} skipped, {} failed",
            self.passed.len(),
            self.skipped.len(),
            self.failed.len()
        )?;
        for (check, why) in &self.skipped {
            write!(f, "\n  skipped {check}: {why}")?;
        }
        for failure in &self.failed {
            write!(f, "\n  FAILED {failure}")?;
        }
        Ok(())
    }
}
