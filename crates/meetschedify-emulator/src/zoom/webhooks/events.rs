//! The event types an endpoint's event subscription can list: the ones the emulator sends.

use crate::error::EmulatorError;

/// Every event the emulator sends, in the names Zoom's event subscriptions use (reference
/// §1.6). An endpoint registered without a list subscribes to all of them.
pub const ZOOM_WEBHOOK_EVENTS: [&str; 7] = [
    "meeting.started",
    "meeting.ended",
    "meeting.participant_joined",
    "meeting.participant_left",
    "meeting.updated",
    "meeting.deleted",
    "recording.completed",
];

/// The subscription's event list, checked: Zoom's app settings offer only events from its
/// catalogue and save no subscription without one (reference §1.1), so an empty list or a name
/// the emulator does not send is refused rather than silently never matched.
pub(crate) fn subscription<S: AsRef<str>>(events: &[S]) -> Result<Vec<String>, EmulatorError> {
    if events.is_empty() {
        return Err(EmulatorError::UnknownZoomWebhookEvent(
            "an event subscription lists at least one event".to_owned(),
        ));
    }
    let mut listed: Vec<String> = Vec::new();
    for event in events {
        let event = event.as_ref();
        if !ZOOM_WEBHOOK_EVENTS.contains(&event) {
            return Err(EmulatorError::UnknownZoomWebhookEvent(event.to_owned()));
        }
        if !listed.iter().any(|e| e == event) {
            listed.push(event.to_owned());
        }
    }
    Ok(listed)
}

/// The list of an endpoint registered without one: everything.
pub(crate) fn all() -> Vec<String> {
    ZOOM_WEBHOOK_EVENTS
        .iter()
        .map(|e| (*e).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_needs_known_events_and_drops_repeats() {
        assert_eq!(
            subscription(&["meeting.deleted", "meeting.deleted"]).unwrap(),
            ["meeting.deleted"]
        );
        assert!(subscription::<&str>(&[]).is_err());
        assert!(subscription(&["meeting.sharing_started"]).is_err());
        assert_eq!(all().len(), ZOOM_WEBHOOK_EVENTS.len());
    }
}
