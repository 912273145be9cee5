//! `meetschedify emulator`: the emulator as a server.

use meetschedify::emulator::{ConsentMode, Emulator};
use meetschedify::{Error, ErrorCode};

use crate::args::EmulatorArgs;

/// Serves until Ctrl-C. Stdout carries only `export` lines, so `eval "$(meetschedify emulator &)"`
/// style use works; the human note goes to stderr.
pub async fn run(args: &EmulatorArgs) -> Result<(), Error> {
    let consent = if args.auto_consent {
        ConsentMode::Auto
    } else {
        ConsentMode::Page
    };
    let handle = Emulator::builder()
        .with_port(args.port)
        .with_consent(consent)
        .with_microsoft_consent(consent)
        .start()
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("cannot start the emulator: {e}"),
            )
            .with_field("port")
        })?;
    print!("{}", handle.env_script());
    eprintln!(
        "# meetschedify emulator listening on {} (control API: {}); Ctrl-C to stop",
        handle.base_url(),
        handle.control_base()
    );
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("cannot listen for Ctrl-C; stopping");
    }
    handle.shutdown().await;
    Ok(())
}
