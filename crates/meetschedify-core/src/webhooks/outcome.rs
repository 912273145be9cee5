//! [`WebhookOutcome`]: what a verified request asks of the application.

use super::event::MeetingEvent;

/// The answer a vendor's endpoint check expects, to be sent back as is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChallengeResponse {
    /// The HTTP status to answer with.
    pub status: u16,
    /// The `content-type` of the body.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl ChallengeResponse {
    /// A `200 OK` JSON answer.
    pub fn json(body: &serde_json::Value) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
        }
    }

    /// A `200 OK` plain-text answer (`text/plain; charset=utf-8`), such as Microsoft Graph's
    /// `validationToken` echo. Plain text, never HTML: an echoed token cannot become markup.
    pub fn text(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

/// A request that passed verification.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum WebhookOutcome {
    /// The vendor is checking the endpoint (Zoom's `endpoint.url_validation`): send this back
    /// and deliver nothing.
    Challenge(ChallengeResponse),
    /// Notifications to deliver to the application, then answer `200 OK` with an empty body.
    Events(Vec<MeetingEvent>),
}
