//! Graph's endpoint check: `POST {notificationUrl}?validationToken=...`, answered with the
//! URL-decoded token as `text/plain` (reference `webhooks.md` §3.2).

/// The query parameter carrying the token.
const PARAMETER: &str = "validationToken";

/// Why a validation request cannot be answered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

/// The decoded `validationToken` of a raw query string, if the parameter is there.
pub(crate) fn validation_token(query: &str) -> Option<Result<String, TokenError>> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (name == PARAMETER).then(|| decode(value))
    })
}

/// Form-URL decoding (`+` is a space, `%XX` a byte): Graph requires the decoded token back,
/// byte for byte; an answer still encoded fails the check.
fn decode(value: &str) -> Result<String, TokenError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(TokenError::BadEscape)?;
                let hex = std::str::from_utf8(hex).map_err(|_| TokenError::BadEscape)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| TokenError::BadEscape)?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| TokenError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_and_decoded_exactly() {
        assert_eq!(
            validation_token("a=1&validationToken=Validation%3A+Testing%20client%3Cb%3E"),
            Some(Ok("Validation: Testing client<b>".to_owned()))
        );
        assert_eq!(validation_token("tenant=t1"), None);
        assert_eq!(
            validation_token("validationToken="),
            Some(Ok(String::new()))
        );
        assert_eq!(
            validation_token("validationToken=%zz"),
            Some(Err(TokenError::BadEscape))
        );
        assert_eq!(
            validation_token("validationToken=%ff"),
            Some(Err(TokenError::NotUtf8))
        );
        assert_eq!(
            validation_token("validationToken=%4"),
            Some(Err(TokenError::BadEscape))
        );
    }
}
