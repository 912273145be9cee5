//! `scale`: 100,000 tenants with cached tokens: memory per tenant and lookup latency.

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "scale", about = "many tenants with cached tokens")]
struct Args {
    /// Tenants.
    #[arg(long, default_value_t = 100_000)]
    tenants: usize,
    /// Lookups to time.
    #[arg(long, default_value_t = 1_000_000)]
    lookups: usize,
    /// Tasks for the concurrent measurement.
    #[arg(long, default_value_t = 64)]
    tasks: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(meetschedify_bench::scale::run(
        args.tenants,
        args.lookups,
        args.tasks,
    ))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    if report.refreshes != 0 {
        return Err(format!("{} refreshes of fresh tokens", report.refreshes).into());
    }
    Ok(())
}
