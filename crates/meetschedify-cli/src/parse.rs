//! Turning command-line text into request values, with errors that name the flag.

use meetschedify::{Error, MeetingParticipant, Metadata};

/// `EMAIL` or `EMAIL:NAME`. The email is checked later, by the library's validation.
pub fn participant(text: &str) -> MeetingParticipant {
    match text.split_once(':') {
        Some((email, name)) if !name.trim().is_empty() => {
            MeetingParticipant::new(email.trim()).with_display_name(name.trim())
        }
        Some((email, _)) => MeetingParticipant::new(email.trim()),
        None => MeetingParticipant::new(text.trim()),
    }
}

/// `KEY=VALUE` pairs into metadata; values stay strings.
pub fn metadata(pairs: &[String]) -> Result<Metadata, Error> {
    let mut map = Metadata::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Error::invalid_request(
                "metadata",
                format!("`{pair}` is not KEY=VALUE"),
            ));
        };
        if key.trim().is_empty() {
            return Err(Error::invalid_request(
                "metadata",
                format!("`{pair}` has an empty key"),
            ));
        }
        map.insert(key.trim().to_owned(), value.into());
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participants_take_an_optional_name() {
        let p = participant("ada@example.com:Ada Lovelace");
        assert_eq!(p.email, "ada@example.com");
        assert_eq!(p.display_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(participant("bob@example.com").display_name, None);
        assert_eq!(participant("bob@example.com:").display_name, None);
    }

    #[test]
    fn metadata_needs_key_equals_value() {
        let m = metadata(&["a=1".into(), "b=x=y".into()]).unwrap();
        assert_eq!(m["a"], "1");
        assert_eq!(m["b"], "x=y");
        assert_eq!(
            metadata(&["novalue".into()]).unwrap_err().field(),
            Some("metadata")
        );
        assert_eq!(
            metadata(&["=v".into()]).unwrap_err().field(),
            Some("metadata")
        );
    }
}
