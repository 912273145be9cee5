//! The emulator's integration tests, in one binary: each module was its own test binary, and
//! linking eleven of them cost more CI time on two cores than running them.

mod common;

mod binary;
mod control;
mod faults;
mod google_calendar;
mod google_oauth;
mod google_push;
mod graph_events;
mod graph_faults;
mod graph_online_meetings;
mod graph_subscriptions;
mod microsoft_control;
mod microsoft_identity;
mod schemas;
mod zoom_capacity;
mod zoom_list;
mod zoom_meetings;
mod zoom_oauth;
mod zoom_scopes;
mod zoom_validation;
mod zoom_webhook_changes;
mod zoom_webhooks;
