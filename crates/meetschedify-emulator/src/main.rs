//! `meetschedify-emulator`: serve the emulator and print the environment that points the library at it.

use std::net::IpAddr;

use clap::Parser;
use meetschedify_emulator::{ConsentMode, Emulator, DEFAULT_SEED};

/// A local Zoom, Google and Microsoft (Entra ID + Graph) for meetschedify: prints `export` lines, then serves until Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "meetschedify-emulator", version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Seed of the RNG behind ids, tokens and probabilistic faults.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Skip the Google and Microsoft consent pages: authorization redirects at once.
    #[arg(long)]
    auto_consent: bool,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let consent = if args.auto_consent {
        ConsentMode::Auto
    } else {
        ConsentMode::Page
    };
    let handle = match Emulator::builder()
        .with_host(args.host)
        .with_port(args.port)
        .with_seed(args.seed)
        .with_consent(consent)
        .with_microsoft_consent(consent)
        .start()
        .await
    {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!("meetschedify-emulator: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // stdout carries only the export lines, so `eval "$(meetschedify-emulator ...)"`-style use works;
    // the human-oriented note goes to stderr.
    print!("{}", handle.env_script());
    eprintln!(
        "# meetschedify-emulator listening on {} (control API: {}); Ctrl-C to stop",
        handle.base_url(),
        handle.control_base()
    );
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("meetschedify-emulator: cannot listen for Ctrl-C");
    }
    handle.shutdown().await;
    std::process::ExitCode::SUCCESS
}
