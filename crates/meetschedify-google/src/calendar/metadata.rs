//! Metadata kept in the event's private extended properties, so `get` returns it too.
//!
//! Google's limits (<https://developers.google.com/calendar/api/guides/extended-properties>):
//! a key holds at most 44 characters, a value at most 1024 characters, an event at most 300
//! properties and 32 kB of them in total. The metadata is stored as its compact JSON cut into
//! chunks of at most [`CHUNK_CHARS`] characters under `meetschedify.metadata.0`, `.1`, ...,
//! with the number of chunks under `meetschedify.metadata.parts`. Core's default limit of
//! 8 KiB of metadata needs at most 9 chunks, far inside those bounds.
//!
//! Private properties are visible only on the organizer's copy of the event, never to
//! attendees.

use std::collections::HashMap;

use meetschedify_core::Metadata;

/// The property holding how many chunks follow.
pub(crate) const PARTS_KEY: &str = "meetschedify.metadata.parts";
/// The prefix of each chunk's property (`meetschedify.metadata.{n}`).
pub(crate) const CHUNK_PREFIX: &str = "meetschedify.metadata.";
/// Characters per chunk, below Google's 1024-character value limit.
pub(crate) const CHUNK_CHARS: usize = 1000;
/// The largest metadata (compact JSON bytes) that fits in Google's 32 kB of properties with
/// room for the keys: 24 KiB. Core's default request limit (8 KiB) is well below it, so only
/// the tests check against it.
#[cfg(test)]
pub(crate) const MAX_METADATA_BYTES: usize = 24 * 1024;

/// The private properties that store `metadata`. `stale_parts` is how many chunks the event
/// held before (an update): those beyond the new count are blanked, because a patch merges
/// properties key by key and would otherwise keep them.
pub(crate) fn encode(metadata: &Metadata, stale_parts: usize) -> HashMap<String, String> {
    let mut props = HashMap::new();
    let json = if metadata.is_empty() {
        String::new()
    } else {
        serde_json::Value::Object(metadata.clone()).to_string()
    };
    let chars: Vec<char> = json.chars().collect();
    let chunks: Vec<String> = chars
        .chunks(CHUNK_CHARS)
        .map(|c| c.iter().collect())
        .collect();
    props.insert(PARTS_KEY.to_owned(), chunks.len().to_string());
    let count = chunks.len();
    for (i, chunk) in chunks.into_iter().enumerate() {
        props.insert(format!("{CHUNK_PREFIX}{i}"), chunk);
    }
    for i in count..stale_parts {
        props.insert(format!("{CHUNK_PREFIX}{i}"), String::new());
    }
    props
}

/// How many chunks the properties say they hold (0 when there is no metadata).
pub(crate) fn parts(props: Option<&HashMap<String, String>>) -> usize {
    props
        .and_then(|p| p.get(PARTS_KEY))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The metadata stored in `props`, or empty when there is none. Properties written by someone
/// else that do not decode give empty metadata and a warning, never an error: the meeting
/// itself is fine.
pub(crate) fn decode(props: Option<&HashMap<String, String>>) -> Metadata {
    let Some(props) = props else {
        return Metadata::new();
    };
    let count = parts(Some(props));
    if count == 0 {
        return Metadata::new();
    }
    let mut json = String::new();
    for i in 0..count {
        match props.get(&format!("{CHUNK_PREFIX}{i}")) {
            Some(chunk) => json.push_str(chunk),
            None => {
                tracing::warn!(missing = i, "metadata chunk missing from the event");
                return Metadata::new();
            }
        }
    }
    match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            tracing::warn!("metadata stored on the event is not a json object");
            Metadata::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(v: serde_json::Value) -> Metadata {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn small_metadata_is_one_chunk_and_round_trips() {
        let m = meta(json!({"application_id": "app_42", "n": 3, "nested": {"ok": true}}));
        let props = encode(&m, 0);
        assert_eq!(props[PARTS_KEY], "1");
        assert_eq!(decode(Some(&props)), m);
    }

    #[test]
    fn large_multibyte_metadata_splits_on_characters_within_limits() {
        let m = meta(json!({"text": "ü✓".repeat(4000)}));
        let props = encode(&m, 0);
        assert!(props.len() > 3);
        for (k, v) in &props {
            assert!(k.chars().count() <= 44, "{k}");
            assert!(v.chars().count() <= 1024, "{k}");
        }
        assert_eq!(decode(Some(&props)), m);
    }

    #[test]
    fn shrinking_blanks_stale_chunks_and_empty_clears() {
        let props = encode(&meta(json!({"a": 1})), 3);
        assert_eq!(props[PARTS_KEY], "1");
        assert_eq!(props["meetschedify.metadata.1"], "");
        assert_eq!(props["meetschedify.metadata.2"], "");
        let cleared = encode(&Metadata::new(), 1);
        assert_eq!(cleared[PARTS_KEY], "0");
        assert_eq!(decode(Some(&cleared)), Metadata::new());
    }

    #[test]
    fn foreign_or_broken_properties_give_empty_metadata() {
        assert!(decode(None).is_empty());
        let mut p = HashMap::new();
        p.insert("other".to_owned(), "x".to_owned());
        assert!(decode(Some(&p)).is_empty());
        p.insert(PARTS_KEY.to_owned(), "2".to_owned());
        p.insert("meetschedify.metadata.0".to_owned(), "{".to_owned());
        assert!(decode(Some(&p)).is_empty(), "missing chunk");
        p.insert("meetschedify.metadata.1".to_owned(), "1".to_owned());
        assert!(decode(Some(&p)).is_empty(), "not json");
    }

    #[test]
    fn the_largest_allowed_metadata_fits_googles_total() {
        let m = meta(json!({"x": "a".repeat(MAX_METADATA_BYTES - 10)}));
        let props = encode(&m, 0);
        let total: usize = props.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total < 32 * 1000, "{total}");
        assert!(props.len() <= 300);
    }
}
