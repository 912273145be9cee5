#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod args;
pub mod commands;
pub mod env_file;
pub mod exit;
pub mod output;

use args::{Cli, Command};
use exit::Exit;
use output::Format;

/// Runs a parsed command line to completion and says how it ended.
///
/// Call [`env_file::load`] before this, while the process has one thread.
pub async fn run(cli: Cli) -> Exit {
    let format = if cli.json { Format::Json } else { Format::Human };
    let result = match &cli.command {
        Command::Emulator(args) => commands::emulator::run(args).await,
    };
    match result {
        Ok(()) => Exit::Success,
        Err(err) => {
            output::error(format, &err);
            Exit::for_error(err.code())
        }
    }
}
