//! Fault injection: rules that make matching requests fail the way real networks and vendors do.
//!
//! A rule names a method (optional) and a path pattern, and either fires with a probability (drawn from the
//! emulator's seeded RNG, so a run repeats) or follows an exact sequence, one entry per matching request.

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// What happens to a request a rule picked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this status, body and headers instead of processing the request.
    Status {
        /// HTTP status code, e.g. 503.
        status: u16,
        /// Response body, sent as is.
        #[serde(default)]
        body: String,
        /// Extra response headers, e.g. `("Retry-After", "2")`.
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// Wait this long, then process the request normally. If the client gives up during the
    /// wait, the request is dropped unprocessed (see [`FaultAction::SlowAnswer`] and
    /// [`FaultAction::SlowProcessing`] for the timeouts that leave a change behind).
    Latency {
        /// Added delay in milliseconds.
        ms: u64,
    },
    /// Process the request at once, then wait this long before answering. A client that gives
    /// up first has made a change it was never told about: the usual shape of a real timeout,
    /// where the vendor was only slow to answer.
    SlowAnswer {
        /// Delay between processing and answering, in milliseconds.
        ms: u64,
    },
    /// Wait this long, then process the request even if the client has given up and gone (the
    /// answer, if anyone still listens, comes after). The change lands *after* the client's
    /// timeout: a retry that checked in between saw nothing, which is why no duplicate guard
    /// over an API without idempotency keys can be airtight.
    SlowProcessing {
        /// Delay before processing, in milliseconds.
        ms: u64,
    },
    /// Drop the connection (TCP reset) before the request is processed: nothing happened.
    ResetBefore,
    /// Process the request, then drop the connection instead of answering: it took effect, but the client
    /// cannot know (the ambiguous failure that makes retries create duplicates).
    ResetAfter,
    /// Answer with an HTML body that is not JSON, as a proxy in front of the API would.
    NonJson {
        /// HTTP status code, e.g. 502.
        status: u16,
    },
}

impl FaultAction {
    /// `503 Service Unavailable` with a small JSON body.
    pub fn unavailable() -> Self {
        Self::Status {
            status: 503,
            body: r#"{"error":"service unavailable"}"#.to_owned(),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        }
    }

    /// `429 Too Many Requests` with `Retry-After` in seconds.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::Status {
            status: 429,
            body: r#"{"code":429,"message":"Too many requests."}"#.to_owned(),
            headers: vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("retry-after".to_owned(), retry_after_secs.to_string()),
            ],
        }
    }

    /// Graph's `429 Too Many Requests` with `Retry-After` as given: whole seconds (`"10"`) or the
    /// decimal form an older version of the throttling page showed (`"2.128"`), and the body of
    /// the documented sample (Teams reference §4.2).
    pub fn graph_too_many_requests(retry_after: &str) -> Self {
        Self::Status {
            status: 429,
            body: r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}"#.to_owned(),
            headers: vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("retry-after".to_owned(), retry_after.to_owned()),
            ],
        }
    }

    /// Graph's `503 Service Unavailable`, with or without `Retry-After` (§4.1–§4.2); the code
    /// `serviceNotAvailable` is one of the documented generic codes.
    pub fn graph_unavailable(retry_after: Option<&str>) -> Self {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(value) = retry_after {
            headers.push(("retry-after".to_owned(), value.to_owned()));
        }
        Self::Status {
            status: 503,
            body: r#"{"error":{"code":"serviceNotAvailable","message":"The service is temporarily unavailable. Please retry after a delay.","innerError":{"date":"2020-08-18T12:51:51","request-id":"00000000-0000-0000-0000-000000000503","client-request-id":"00000000-0000-0000-0000-000000000503"}}}"#.to_owned(),
            headers,
        }
    }

    /// Graph's `504 Gateway Timeout` (§4.1): the request may or may not have been processed.
    pub fn graph_gateway_timeout() -> Self {
        Self::Status {
            status: 504,
            body: r#"{"error":{"code":"UnknownError","message":"","innerError":{"date":"2020-08-18T12:51:51","request-id":"00000000-0000-0000-0000-000000000504","client-request-id":"00000000-0000-0000-0000-000000000504"}}}"#.to_owned(),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        }
    }

    /// The identity platform failing: `503` with `error: temporarily_unavailable` (a
    /// token-endpoint error value of the Teams reference §1.3) in the §1.7 body shape. The status
    /// and AADSTS number (AADSTS90033) are the emulator's choice.
    pub fn microsoft_identity_unavailable() -> Self {
        Self::Status {
            status: 503,
            body: r#"{"error":"temporarily_unavailable","error_description":"AADSTS90033: A transient error has occurred. Please try again.\r\nTrace ID: 00000000-0000-0000-0000-000000090033\r\nCorrelation ID: 00000000-0000-0000-0000-000000090033\r\nTimestamp: 2020-08-18 12:51:51Z","error_codes":[90033],"timestamp":"2020-08-18 12:51:51Z","trace_id":"00000000-0000-0000-0000-000000090033","correlation_id":"00000000-0000-0000-0000-000000090033","error_uri":"https://login.microsoftonline.com/error?code=90033"}"#.to_owned(),
            headers: vec![("content-type".to_owned(), "application/json; charset=utf-8".to_owned())],
        }
    }

    /// Added latency.
    pub fn latency(delay: Duration) -> Self {
        Self::Latency { ms: millis(delay) }
    }

    /// Processed at once, answered after `delay`.
    pub fn slow_answer(delay: Duration) -> Self {
        Self::SlowAnswer { ms: millis(delay) }
    }

    /// Processed after `delay`, whether or not the client is still there.
    pub fn slow_processing(delay: Duration) -> Self {
        Self::SlowProcessing { ms: millis(delay) }
    }
}

fn millis(delay: Duration) -> u64 {
    u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)
}

/// When a rule fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum FaultTrigger {
    /// Each matching request fires with this probability (0.0 to 1.0), at most `limit` times if set.
    Probability {
        /// Chance per matching request.
        probability: f64,
        /// Fire at most this many times.
        #[serde(default)]
        limit: Option<u64>,
        /// The fault to apply.
        action: FaultAction,
    },
    /// The n-th matching request gets the n-th entry (`None` lets it through); after the last entry the
    /// rule no longer fires.
    Sequence {
        /// One entry per matching request.
        steps: Vec<Option<FaultAction>>,
    },
}

/// A fault rule: which requests, and what happens to them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// HTTP method to match (case-insensitive); `None` matches any.
    #[serde(default)]
    pub method: Option<String>,
    /// Path pattern; `*` matches any run of characters (including `/`), e.g. `/v2/users/*/meetings`.
    pub path: String,
    /// When and how the rule fires.
    #[serde(flatten)]
    pub trigger: FaultTrigger,
}

impl FaultRule {
    /// A rule that applies `steps` to successive requests matching `method` and `path`.
    pub fn sequence(method: &str, path: &str, steps: Vec<Option<FaultAction>>) -> Self {
        Self {
            method: Some(method.to_owned()),
            path: path.to_owned(),
            trigger: FaultTrigger::Sequence { steps },
        }
    }

    /// A rule that applies `action` once, to the next request matching `method` and `path`.
    pub fn once(method: &str, path: &str, action: FaultAction) -> Self {
        Self::sequence(method, path, vec![Some(action)])
    }

    /// A rule that applies `action` to each matching request with `probability`.
    pub fn probability(
        method: Option<&str>,
        path: &str,
        probability: f64,
        action: FaultAction,
    ) -> Self {
        Self {
            method: method.map(str::to_owned),
            path: path.to_owned(),
            trigger: FaultTrigger::Probability {
                probability,
                limit: None,
                action,
            },
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && glob_match(&self.path, path)
    }
}

/// A rule with its counters.
#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    /// Matching requests seen so far.
    seen: u64,
    /// Times the rule fired.
    fired: u64,
}

/// The installed rules.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<ActiveRule>,
}

impl Faults {
    pub(crate) fn add(&mut self, rule: FaultRule) {
        self.rules.push(ActiveRule {
            rule,
            seen: 0,
            fired: 0,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|r| r.rule.clone()).collect()
    }

    /// Picks the fault for a request, if any; the first matching rule that fires wins.
    pub(crate) fn pick(
        &mut self,
        method: &str,
        path: &str,
        rng: &mut impl Rng,
    ) -> Option<FaultAction> {
        for active in &mut self.rules {
            if !active.rule.matches(method, path) {
                continue;
            }
            let index = active.seen;
            active.seen += 1;
            let chosen = match &active.rule.trigger {
                FaultTrigger::Sequence { steps } => usize::try_from(index)
                    .ok()
                    .and_then(|i| steps.get(i))
                    .cloned()
                    .flatten(),
                FaultTrigger::Probability {
                    probability,
                    limit,
                    action,
                } => {
                    let under_limit = limit.is_none_or(|l| active.fired < l);
                    // Always draw, so the RNG stream does not depend on the limit being reached.
                    let hit = rng.gen_bool(probability.clamp(0.0, 1.0));
                    (under_limit && hit).then(|| action.clone())
                }
            };
            if let Some(action) = chosen {
                active.fired += 1;
                return Some(action);
            }
        }
        None
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn glob_matches_segments_and_tails() {
        assert!(glob_match("/v2/users/*/meetings", "/v2/users/me/meetings"));
        assert!(!glob_match(
            "/v2/users/*/meetings",
            "/v2/users/me/meetings/x"
        ));
        assert!(glob_match(
            "/calendar/v3/*",
            "/calendar/v3/calendars/primary/events"
        ));
        assert!(glob_match("/token", "/token"));
        assert!(!glob_match("/token", "/oauth/token"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn sequence_applies_steps_in_order_then_stops() {
        let mut faults = Faults::default();
        faults.add(FaultRule::sequence(
            "POST",
            "/token",
            vec![None, Some(FaultAction::ResetBefore)],
        ));
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(faults.pick("POST", "/token", &mut rng), None);
        assert_eq!(faults.pick("GET", "/token", &mut rng), None);
        assert_eq!(
            faults.pick("post", "/token", &mut rng),
            Some(FaultAction::ResetBefore)
        );
        assert_eq!(faults.pick("POST", "/token", &mut rng), None);
    }

    #[test]
    fn probability_is_repeatable_for_a_seed() {
        let draw = |seed| {
            let mut faults = Faults::default();
            faults.add(FaultRule::probability(
                None,
                "*",
                0.5,
                FaultAction::ResetAfter,
            ));
            let mut rng = StdRng::seed_from_u64(seed);
            (0..64)
                .map(|_| faults.pick("GET", "/x", &mut rng).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        let hits = draw(7).iter().filter(|h| **h).count();
        assert!((10..54).contains(&hits), "hits = {hits}");
    }
}
