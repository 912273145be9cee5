//! Delegated scopes as the identity platform reads them: Graph permissions written in full
//! (`https://graph.microsoft.com/Calendars.ReadWrite`) or short (`Calendars.ReadWrite`), plus the
//! OpenID Connect scopes (reference §1.3).

/// The Graph resource (app-ID URI).
pub(crate) const GRAPH: &str = "https://graph.microsoft.com";

/// OpenID Connect scopes, which belong to no resource.
pub(crate) const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

/// Delegated Graph permissions the emulator knows (the ones the provider uses, §2.1 and §3.1,
/// plus `User.Read`, which every app registration starts with; the list is the emulator's choice).
pub(crate) const DELEGATED: &[&str] = &[
    "Calendars.Read",
    "Calendars.ReadWrite",
    "OnlineMeetings.Read",
    "OnlineMeetings.ReadWrite",
    "User.Read",
];

/// A requested scope, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// An OIDC scope (`openid`, `offline_access`, ...).
    Oidc(String),
    /// A Graph permission, short name (`Calendars.ReadWrite`).
    Graph(String),
    /// `https://graph.microsoft.com/.default`: everything consented.
    Default,
}

/// Parses one scope item; `None` when it names no known scope (→ AADSTS70011).
pub(crate) fn parse(item: &str) -> Option<Scope> {
    if let Some(oidc) = OIDC.iter().find(|s| s.eq_ignore_ascii_case(item)) {
        return Some(Scope::Oidc((*oidc).to_owned()));
    }
    let short = item
        .strip_prefix(GRAPH)
        .map(|rest| rest.trim_start_matches('/'))
        .unwrap_or(item);
    if short == ".default" && item != short {
        return Some(Scope::Default);
    }
    DELEGATED
        .iter()
        .find(|s| s.eq_ignore_ascii_case(short))
        .map(|s| Scope::Graph((*s).to_owned()))
}

/// Parses a space-separated list; `Err(item)` names the first unknown item.
pub(crate) fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
    text.split_whitespace()
        .map(|item| parse(item).ok_or_else(|| item.to_owned()))
        .collect()
}

/// The Graph permissions of a parsed list (`.default` left out).
pub(crate) fn graph_of(scopes: &[Scope]) -> Vec<String> {
    scopes
        .iter()
        .filter_map(|s| match s {
            Scope::Graph(g) => Some(g.clone()),
            _ => None,
        })
        .collect()
}

/// Whether a parsed list has this OIDC scope.
pub(crate) fn has_oidc(scopes: &[Scope], name: &str) -> bool {
    scopes
        .iter()
        .any(|s| matches!(s, Scope::Oidc(o) if o == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_short_names_are_the_same_scope() {
        assert_eq!(
            parse("https://graph.microsoft.com/Calendars.ReadWrite"),
            Some(Scope::Graph("Calendars.ReadWrite".into()))
        );
        assert_eq!(
            parse("calendars.readwrite"),
            Some(Scope::Graph("Calendars.ReadWrite".into()))
        );
        assert_eq!(
            parse("https://graph.microsoft.com/.default"),
            Some(Scope::Default)
        );
        assert_eq!(parse(".default"), None);
        assert_eq!(parse("Mail.Send"), None);
        assert_eq!(parse_list("openid Nope"), Err("Nope".into()));
    }
}
