//! [`PoolHost`]: one host of a pool and how many of its meetings may run at once.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The most meetings one host may be given at once. Zoom allows 1 (Basic, Pro) or 2 (Business,
/// Education, Enterprise); the bound only catches a typo such as `:20` for `:2`.
pub const MAX_CONCURRENT_LIMIT: u32 = 16;

/// A host of a [`HostPool`](super::HostPool): its id at the vendor (a Zoom user id or email)
/// and how many of its meetings may overlap (1 unless set).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PoolHost {
    id: String,
    max_concurrent: u32,
}

impl PoolHost {
    /// A host that runs one meeting at a time.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            max_concurrent: 1,
        }
    }

    /// Sets how many of the host's meetings may overlap (Zoom: 2 on Business, Education and
    /// Enterprise licences).
    pub fn with_max_concurrent(mut self, limit: u32) -> Self {
        self.max_concurrent = limit;
        self
    }

    /// The host's id at the vendor, as configured.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many of its meetings may overlap.
    pub fn max_concurrent(&self) -> u32 {
        self.max_concurrent
    }

    /// Parses a comma-separated list of hosts, each `id` or `id:N` with `N` its concurrent
    /// limit: the syntax of `ZOOM_HOST_POOL` (`alice@clinic.example,bob@clinic.example:2`).
    /// Spaces around entries are ignored. A bad entry is `INVALID_CONFIG` naming `field`.
    ///
    /// ```
    /// use meetschedify_core::hosts::PoolHost;
    ///
    /// let hosts = PoolHost::parse_list("ZOOM_HOST_POOL", "alice@x.example, bob@x.example:2")?;
    /// assert_eq!(hosts[0], PoolHost::new("alice@x.example"));
    /// assert_eq!(hosts[1].max_concurrent(), 2);
    /// assert!(PoolHost::parse_list("ZOOM_HOST_POOL", "a@x.example:0").is_err());
    /// # Ok::<(), meetschedify_core::Error>(())
    /// ```
    pub fn parse_list(field: &str, text: &str) -> Result<Vec<PoolHost>> {
        let mut hosts = Vec::new();
        for entry in text.split(',').map(str::trim) {
            if entry.is_empty() {
                return Err(Error::invalid_config(
                    field,
                    format!("{field} has an empty entry (two commas, or one at an end)"),
                ));
            }
            let host = match entry.rsplit_once(':') {
                Some((id, limit)) => {
                    let limit = limit.trim().parse::<u32>().map_err(|_| {
                        Error::invalid_config(
                            field,
                            format!(
                                "{field}: `{entry}`: the part after `:` must be a host's \
                                 concurrent-meeting limit, a whole number"
                            ),
                        )
                    })?;
                    PoolHost::new(id.trim()).with_max_concurrent(limit)
                }
                None => PoolHost::new(entry),
            };
            host.validate(field)?;
            hosts.push(host);
        }
        Ok(hosts)
    }

    /// Checks the id (non-empty, no spaces or control characters, at most 254 characters) and
    /// the limit (1 to [`MAX_CONCURRENT_LIMIT`]).
    pub fn validate(&self, field: &str) -> Result<()> {
        let id = &self.id;
        if id.is_empty()
            || id.len() > 254
            || id.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::invalid_config(
                field,
                format!("{field}: host `{id}` must be a user id or an email address"),
            ));
        }
        if !(1..=MAX_CONCURRENT_LIMIT).contains(&self.max_concurrent) {
            return Err(Error::invalid_config(
                field,
                format!(
                    "{field}: host `{id}`: the concurrent-meeting limit must be 1 to \
                     {MAX_CONCURRENT_LIMIT}, not {}",
                    self.max_concurrent
                ),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for PoolHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.max_concurrent == 1 {
            f.write_str(&self.id)
        } else {
            write!(f, "{}:{}", self.id, self.max_concurrent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn parses_and_prints_the_env_syntax() {
        let hosts = PoolHost::parse_list("P", "a@x.example,b@x.example:2 , c").unwrap();
        let printed: Vec<String> = hosts.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["a@x.example", "b@x.example:2", "c"]);
    }

    #[test]
    fn bad_entries_name_the_field() {
        for bad in ["", "a,,b", "a:", "a:x", "a:0", "a:17", "a b", ":2"] {
            let err = PoolHost::parse_list("ZOOM_HOST_POOL", bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad}");
            assert_eq!(err.field(), Some("ZOOM_HOST_POOL"), "{bad}");
        }
    }
}
