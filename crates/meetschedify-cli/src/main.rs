//! The `meetschedify` binary: parse, load the env file, run, exit with a documented code.

use std::process::ExitCode;

use clap::Parser;
use meetschedify_cli::args::Cli;
use meetschedify_cli::exit::Exit;
use meetschedify_cli::{env_file, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The env file changes the process environment, which is only sound before threads start.
    if let Some(path) = &cli.env_file {
        if let Err(message) = env_file::load(path) {
            eprintln!("error: INVALID_CONFIG: env_file: {message}");
            return Exit::Config.into();
        }
    }
    init_logging(cli.log.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Failure.into();
        }
    };
    runtime.block_on(run(cli)).into()
}

fn init_logging(level: Option<&str>) {
    let Some(level) = level else { return };
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
