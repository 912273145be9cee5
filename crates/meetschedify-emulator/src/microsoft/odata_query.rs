//! The few OData query options the emulator reads on events: `$select`, `$top`, `$skip`,
//! `$expand=singleValueExtendedProperties($filter=id eq '...')` and
//! `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`
//! (reference §3.2, §3.6). Other `$filter` expressions are refused with 400 (the emulator's choice:
//! it would rather fail than pretend to filter).

use crate::http::parse_form;

/// The parsed options.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pub(crate) select: Vec<String>,
    pub(crate) top: Option<usize>,
    pub(crate) skip: usize,
    /// `Some(None)`: expand all extended properties; `Some(Some(id))`: only that one.
    pub(crate) expand_extended: Option<Option<String>>,
    /// (property id, value) an extended property must have.
    pub(crate) filter_extended: Option<(String, String)>,
}

/// Parses the query string; `Err` is the message of a 400.
pub(crate) fn parse(raw: Option<&str>) -> Result<Query, String> {
    let q = parse_form(raw.unwrap_or_default().as_bytes());
    let mut query = Query::default();
    if let Some(select) = q.get("$select") {
        query.select = select.split(',').map(|s| s.trim().to_owned()).collect();
    }
    if let Some(top) = q.get("$top") {
        query.top = Some(
            top.parse()
                .map_err(|_| format!("Invalid $top value '{top}'."))?,
        );
    }
    if let Some(skip) = q.get("$skip") {
        query.skip = skip
            .parse()
            .map_err(|_| format!("Invalid $skip value '{skip}'."))?;
    }
    if let Some(expand) = q.get("$expand") {
        let expand = expand.trim();
        let rest = expand
            .strip_prefix("singleValueExtendedProperties")
            .ok_or_else(|| format!("Parsing OData Select and Expand failed: Could not find a property named '{expand}'."))?;
        query.expand_extended = Some(if rest.is_empty() {
            None
        } else {
            let inner = rest
                .strip_prefix("($filter=")
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("Unsupported $expand option '{expand}'."))?;
            Some(
                quoted_after(inner, "id eq ")
                    .ok_or_else(|| format!("Unsupported $expand filter '{inner}'."))?,
            )
        });
    }
    if let Some(filter) = q.get("$filter") {
        let f = filter.trim();
        let any = f
            .strip_prefix("singleValueExtendedProperties/Any(")
            .or_else(|| f.strip_prefix("singleValueExtendedProperties/any("))
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| format!("Invalid filter clause: the emulator supports only singleValueExtendedProperties/Any(...), not '{f}'."))?;
        let id = quoted_after(any, "ep/id eq ");
        let value = quoted_after(any, "ep/value eq ");
        match (id, value) {
            (Some(id), Some(value)) => query.filter_extended = Some((id, value)),
            _ => return Err(format!("Invalid filter clause '{f}'.")),
        }
    }
    Ok(query)
}

/// The single-quoted literal after `marker` (`''` is an escaped quote).
fn quoted_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let rest = text[start..].trim_start().strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                out.push('\'');
                chars.next();
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_property_filters_and_expands_are_read() {
        let id = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name Fun";
        let raw = format!(
            "$filter={}&$expand={}&$top=5",
            url::form_urlencoded::byte_serialize(format!("singleValueExtendedProperties/Any(ep: ep/id eq '{id}' and ep/value eq 'O''Brien')").as_bytes()).collect::<String>(),
            url::form_urlencoded::byte_serialize(format!("singleValueExtendedProperties($filter=id eq '{id}')").as_bytes()).collect::<String>(),
        );
        let q = parse(Some(&raw)).unwrap();
        assert_eq!(
            q.filter_extended,
            Some((id.to_owned(), "O'Brien".to_owned()))
        );
        assert_eq!(q.expand_extended, Some(Some(id.to_owned())));
        assert_eq!(q.top, Some(5));
        assert!(parse(Some("$filter=subject%20eq%20'x'")).is_err());
    }
}
