//! `cargo run -p example-webapp -- [--emulator] [--port N] [--db PATH] [--public-url URL]`

use example_webapp::{AppConfig, Backend, RunningApp};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = AppConfig::from_args_and_env(&args)?;
    let app = RunningApp::start(config.clone()).await?;
    if config.backend == Backend::Emulator {
        if let Some(emu) = app.emulator() {
            println!(
                "Google and Microsoft emulator at {} (its consent pages have an Allow or Accept button)",
                emu.base_url()
            );
        }
    }
    println!("open {}", app.url());
    tokio::select! {
        () = app.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
