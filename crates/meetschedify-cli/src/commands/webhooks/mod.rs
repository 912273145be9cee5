//! `meetschedify webhooks`: a listener that verifies and prints notifications, and a sender of
//! signed samples to try it.

pub mod google;
mod graph;
pub mod listen;
pub mod send_test;
