//! `soak`: creates on Zoom and per-user Google under injected faults; prints the counts and
//! exits non-zero if a promise broke. `--short` is the CI run (400 creates); the default is
//! the long one (2,000).

use clap::Parser;
use meetschedify_bench::soak::{self, SoakConfig};

#[derive(Debug, Parser)]
#[command(name = "soak", about = "creates under injected faults")]
struct Args {
    /// The short CI run.
    #[arg(long)]
    short: bool,
    /// Creates (overrides the run's default).
    #[arg(long)]
    creates: Option<usize>,
    /// The emulator's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Spare Zoom's create the latency fault (the duplicate guard's documented blind spot).
    #[arg(long)]
    no_zoom_create_latency: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut config = if args.short {
        SoakConfig::short()
    } else {
        SoakConfig::long()
    };
    if let Some(n) = args.creates {
        config.creates = n;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    config.zoom_create_latency = !args.no_zoom_create_latency;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let report = match runtime.block_on(soak::run(&config)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("soak: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&soak::summary(&report)).unwrap_or_default()
    );
    let problems = report.problems();
    if problems.is_empty() {
        println!("soak passed");
        std::process::ExitCode::SUCCESS
    } else {
        for p in problems {
            println!("FAILED: {p}");
        }
        std::process::ExitCode::FAILURE
    }
}
