//! [`EnvVars`]: how every builder's `from_env` / `from_lookup` reads a variable.

use std::fmt;

/// Environment variables as provider builders read them: trimmed (a secret mounted from a file
/// often ends in a newline), and unset when empty.
///
/// ```
/// use meetschedify_core::EnvVars;
///
/// let lookup = |name: &str| match name {
///     "ZOOM_CLIENT_ID" => Some(" abc\n".to_owned()),
///     "ZOOM_ACCOUNT_ID" => Some("   ".to_owned()),
///     _ => None,
/// };
/// let env = EnvVars::new(&lookup);
/// assert_eq!(env.get("ZOOM_CLIENT_ID").as_deref(), Some("abc"));
/// assert_eq!(env.get("ZOOM_ACCOUNT_ID"), None);
/// assert_eq!(env.get("ZOOM_CLIENT_SECRET"), None);
/// ```
#[derive(Clone, Copy)]
pub struct EnvVars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl fmt::Debug for EnvVars<'_> {
    // The values may be secrets: show none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvVars")
    }
}

impl<'a> EnvVars<'a> {
    /// Variables from any source (the process environment, a `.env` map, a test's map).
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    /// The trimmed value of `name`, if set and not empty.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}
