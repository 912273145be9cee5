//! One module per subcommand.

pub mod connect;
pub mod demo;
mod demo_setup;
mod demo_webhooks;
pub mod doctor;
mod doctor_teams;
pub mod emulator;
pub mod google_token;
pub mod meeting;
pub mod webhooks;
