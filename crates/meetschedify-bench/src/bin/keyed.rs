//! `keyed`: what a Zoom create with an idempotency key costs, in API calls and time, on a host
//! holding 0, 1,000 and 10,000 meetings (see `meetschedify_bench::keyed`). Prints a table and
//! writes JSON.

use std::path::PathBuf;

use clap::Parser;
use meetschedify_bench::emulator::HarnessError;
use meetschedify_bench::keyed;

#[derive(Debug, Parser)]
#[command(name = "keyed", about = "keyed Zoom creates on busy hosts")]
struct Args {
    /// Meetings the host holds before the creates, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,1000,10000")]
    host_sizes: Vec<usize>,
    /// Keyed creates measured per host size (each also repeated twice).
    #[arg(long, default_value_t = 200)]
    creates: usize,
    /// Where to write the JSON report.
    #[arg(long, default_value = "target/bench/keyed_creates.json")]
    json: PathBuf,
}

fn main() -> Result<(), HarnessError> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut reports = Vec::new();
    println!(
        "| host meetings | calls: new key (mean/max) | repeat | repeat elsewhere | new key p50/p95 ms | repeat p50 ms | elsewhere p50 ms | meetings made |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for size in &args.host_sizes {
        let r = runtime.block_on(keyed::run(*size, args.creates))?;
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "| {} | {:.2} / {} | {:.2} / {} | {:.2} / {} | {:.2} / {:.2} | {:.2} | {:.2} | {} of {} |",
            r.host_meetings,
            r.new_key_calls.0,
            r.new_key_calls.1,
            r.repeat_calls.0,
            r.repeat_calls.1,
            r.repeat_elsewhere_calls.0,
            r.repeat_elsewhere_calls.1,
            ms(r.new_key_latency_us.p50),
            ms(r.new_key_latency_us.p95),
            ms(r.repeat_latency_us.p50),
            ms(r.repeat_elsewhere_latency_us.p50),
            r.meetings_made,
            r.creates,
        );
        reports.push(r);
    }
    if let Some(dir) = args.json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&reports)?)?;
    Ok(())
}
