#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// Handlers short-circuit with `Result<_, Response>`: the error *is* the HTTP answer, built once per
// request and returned at once, so boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod clock;
mod control;
mod control_api;
mod demo;
mod error;
mod faults;
mod google;
mod handle;
mod http;
mod ids;
mod layers;
mod microsoft;
mod outbox;
mod record;
mod server;
mod settings;
mod snapshot;
mod state;
mod zoom;

pub use demo::DemoCredentials;
pub use error::EmulatorError;
pub use faults::{FaultAction, FaultRule, FaultTrigger};
pub use google::push::{GooglePushDelivery, GooglePushFault};
pub use google::store::{GoogleClient, SendUpdatesRecord};
pub use handle::{Emulator, EmulatorBuilder, EmulatorHandle, DEFAULT_SEED};
pub use microsoft::store::{MicrosoftApp, MicrosoftCancellation, MicrosoftUser};
pub use microsoft::subscriptions::{GraphWebhookDelivery, GraphWebhookFault};
pub use record::RecordedRequest;
pub use settings::{ConsentMode, QuotaStatus, Settings};
pub use snapshot::{GoogleSnapshot, MicrosoftSnapshot, StateSnapshot, ZoomSnapshot};
pub use zoom::scopes::DEFAULT_ZOOM_SCOPES;
pub use zoom::seed::ZoomMeetingSeed;
pub use zoom::store::{
    DeletedMeeting, ZoomAccount, ZoomLicence, ZoomMeetingEvent, ZoomMeetingEventKind, ZoomUser,
};
pub use zoom::webhooks::{
    ZoomParticipant, ZoomWebhookDelivery, ZoomWebhookFault, ZOOM_WEBHOOK_EVENTS,
};
