#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod args;
pub mod callback;
pub mod commands;
pub mod env_file;
pub mod exit;
pub mod output;
pub mod parse;
pub mod registry;

use args::{Cli, Command};
use exit::Exit;
use output::Format;

/// Runs a parsed command line to completion and says how it ended.
///
/// Call [`env_file::load`] before this, while the process has one thread.
pub async fn run(cli: Cli) -> Exit {
    let format = if cli.json {
        Format::Json
    } else {
        Format::Human
    };
    match dispatch(&cli, format).await {
        Ok(exit) => exit,
        Err(err) => {
            output::error(format, &err);
            Exit::for_error(err.code())
        }
    }
}

async fn dispatch(cli: &Cli, format: Format) -> Result<Exit, meetschedify::Error> {
    use commands::{connect, doctor, meeting};
    let store = cli.store.as_deref();
    match &cli.command {
        Command::Emulator(args) => commands::emulator::run(args).await?,
        Command::Webhooks(args::WebhooksCommand::Listen(args)) => {
            commands::webhooks::listen::run(args, store).await?;
        }
        Command::Webhooks(args::WebhooksCommand::SendTest(args)) => {
            return commands::webhooks::send_test::run(args).await;
        }
        Command::Demo => commands::demo::run(format).await?,
        Command::GoogleToken(args) => commands::google_token::run(args).await?,
        Command::Doctor(args) => {
            let healthy =
                doctor::run(registry::configured_from_env(store).await, args, format).await?;
            return Ok(if healthy {
                Exit::Success
            } else {
                Exit::Failure
            });
        }
        Command::Schedule(args) => {
            // Build the request first: bad flags fail before any provider is configured.
            meeting::create_request(args)?;
            meeting::schedule(&registry::client_from_env(store).await?, args, format).await?;
        }
        Command::Get(args) => {
            meeting::get(&registry::client_from_env(store).await?, args, format).await?
        }
        Command::Update(args) => {
            meeting::update(&registry::client_from_env(store).await?, args, format).await?;
        }
        Command::Cancel(args) => {
            meeting::cancel(&registry::client_from_env(store).await?, args, format).await?;
        }
        Command::Status(args) => {
            meeting::status(&registry::client_from_env(store).await?, args, format).await?;
        }
        Command::Connect(args) => {
            connect::connect(&registry::client_from_env(store).await?, args, format).await?;
        }
        Command::Disconnect(args) => {
            connect::disconnect(&registry::client_from_env(store).await?, args, format).await?;
        }
    }
    Ok(Exit::Success)
}
