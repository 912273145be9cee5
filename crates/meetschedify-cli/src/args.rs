//! The command line, as clap types. `meetschedify --help` is pinned by a snapshot test.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Schedule Google Meet and Zoom meetings from the command line.
///
/// Configuration comes from the environment (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID,
/// ZOOM_CLIENT_SECRET, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REDIRECT_URI,
/// GOOGLE_REFRESH_TOKEN, and the MEETSCHEDIFY_*_BASE endpoint overrides) or from --env-file.
/// Try `meetschedify demo`: it needs no credentials.
#[derive(Debug, Parser)]
#[command(name = "meetschedify", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Read settings from this .env file (variables already set take precedence).
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,

    /// Print results as JSON on stdout and errors as JSON on stderr.
    #[arg(long, global = true)]
    pub json: bool,

    /// Log what the library does (error, warn, info, debug, trace); secrets are never logged.
    #[arg(long, global = true, value_name = "LEVEL", env = "MEETSCHEDIFY_LOG")]
    pub log: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local Google and Zoom emulator and print the exports that point the library at it.
    Emulator(EmulatorArgs),
}

/// `meetschedify emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Skip the Google consent page: authorization redirects at once.
    #[arg(long)]
    pub auto_consent: bool,
}
