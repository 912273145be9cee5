//! `soak`: creates on Zoom, per-user Google, per-user Teams and app-only Teams under injected
//! faults; prints
//! the counts and exits non-zero if a promise broke. `--short` is the CI run (400 creates); the
//! default is the long one (2,000).

use clap::Parser;
use meetschedify_bench::soak::{self, SoakConfig, SoakProvider};

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
    /// Also lose per-user Teams' refresh answers after the emulator rotated (single-use refresh
    /// tokens make that unsurvivable: the run then reports the tenants it lost).
    #[arg(long)]
    teams_lost_refresh_answers: bool,
    /// Providers, comma-separated (default: all): zoom, google-meet, microsoft-teams,
    /// microsoft-teams-app.
    #[arg(long, value_delimiter = ',', value_parser = parse_provider)]
    providers: Vec<SoakProvider>,
}

fn parse_provider(name: &str) -> Result<SoakProvider, String> {
    SoakProvider::parse(name).ok_or_else(|| {
        let known: Vec<String> = SoakProvider::ALL
            .iter()
            .map(|p| p.id().to_string())
            .collect();
        format!("unknown provider {name}: one of {}", known.join(", "))
    })
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
    config.teams_lost_refresh_answers = args.teams_lost_refresh_answers;
    if !args.providers.is_empty() {
        config.providers = args.providers;
    }
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
