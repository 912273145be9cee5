//! `bench`: `create_meeting` on Zoom, Google and app-only Teams, through meetschedify, through a
//! hand-written reqwest floor and (Google) through google-calendar3 directly, against the emulator in a
//! separate process. Each way runs in its own child process, so its CPU time and peak memory
//! are its own.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use meetschedify_bench::emulator::{Control, EmulatorProcess, HarnessError};
use meetschedify_bench::report::{self, BenchReport, WayReport};
use meetschedify_bench::runner::{self, Measurement};
use meetschedify_bench::ways::{self, Way};
use serde::{Deserialize, Serialize};

#[derive(Debug, Parser)]
#[command(name = "bench", about = "create_meeting against the floor")]
struct Args {
    /// Creates per way and concurrency.
    #[arg(long, default_value_t = 4000)]
    count: usize,
    /// Concurrencies, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64,256")]
    concurrency: Vec<usize>,
    /// Ways to run (default: all), comma-separated, e.g. `zoom/meetschedify,zoom/floor`.
    #[arg(long, value_delimiter = ',')]
    ways: Vec<String>,
    /// Where to write the JSON report.
    #[arg(long, default_value = "target/bench/create_meeting.json")]
    json: PathBuf,
    /// Where to write the SVG chart.
    #[arg(long, default_value = "target/bench/create_meeting.svg")]
    svg: PathBuf,
    /// Rounds: every way runs this many times, interleaved with the others, and each cell
    /// reports the round with the median throughput (a shared machine is noisy).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Google's insert answers with the conference ready (no `events.get` poll in any way).
    #[arg(long)]
    conference_ready: bool,
    /// The emulator binary (default: `meetschedify-emulator` next to this one, else this
    /// binary in `--serve-emulator` mode: the same server in another process).
    #[arg(long)]
    emulator: Option<PathBuf>,
    /// Internal: serve the emulator in this process and print its environment.
    #[arg(long, hide = true)]
    serve_emulator: bool,
    /// Internal: run one way against the emulator at `--base` and print JSON.
    #[arg(long, hide = true)]
    worker: Option<String>,
    /// Internal: the emulator's base URL, for `--worker`.
    #[arg(long, hide = true)]
    base: Option<String>,
}

/// What a worker prints.
#[derive(Debug, Serialize, Deserialize)]
struct WorkerOutput {
    measurements: Vec<Measurement>,
    peak_rss_kib: Option<u64>,
}

fn main() -> Result<(), HarnessError> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.serve_emulator {
        return runtime.block_on(serve_emulator());
    }
    if let Some(way) = &args.worker {
        let way = Way::parse(way).ok_or("unknown way")?;
        let base = args.base.clone().ok_or("--worker needs --base")?;
        return runtime.block_on(worker(way, &base, &args));
    }
    runtime.block_on(orchestrate(&args))
}

async fn serve_emulator() -> Result<(), HarnessError> {
    let emu = meetschedify_emulator::Emulator::builder()
        .with_port(0)
        .start()
        .await?;
    print!("{}", emu.env_script());
    // Runs until the parent kills it.
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

async fn worker(way: Way, base: &str, args: &Args) -> Result<(), HarnessError> {
    let creator = ways::build(way, base).await?;
    // Warm-up: the first token, connection pools, allocator arenas.
    let warm = runner::run(creator.clone(), 16, 200, 0).await;
    if warm.failed > 0 {
        return Err(format!("warm-up failed: {:?}", warm.first_error).into());
    }
    let mut measurements = Vec::new();
    let mut first = 1_000;
    for &c in &args.concurrency {
        measurements.push(runner::run(creator.clone(), c, args.count, first).await);
        first += args.count;
    }
    let out = WorkerOutput {
        measurements,
        peak_rss_kib: meetschedify_bench::procstat::peak_rss_kib(),
    };
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}

fn emulator_command(args: &Args) -> Result<(PathBuf, Vec<&'static str>), HarnessError> {
    let me = std::env::current_exe()?;
    if let Some(path) = &args.emulator {
        return Ok((path.clone(), vec!["--port", "0"]));
    }
    let sibling = me.with_file_name("meetschedify-emulator");
    if sibling.exists() {
        Ok((sibling, vec!["--port", "0"]))
    } else {
        Ok((me, vec!["--serve-emulator"]))
    }
}

async fn orchestrate(args: &Args) -> Result<(), HarnessError> {
    let (program, emu_args) = emulator_command(args)?;
    eprintln!("emulator: {} {}", program.display(), emu_args.join(" "));
    let emu = EmulatorProcess::spawn(program, &emu_args).await?;
    let control = Control::new(emu.base_url());
    let selected: Vec<Way> = if args.ways.is_empty() {
        Way::ALL.to_vec()
    } else {
        args.ways
            .iter()
            .map(|w| Way::parse(w).ok_or_else(|| format!("unknown way {w}")))
            .collect::<Result<_, _>>()?
    };
    let rounds = args.rounds.max(1);
    let mut runs: Vec<(Way, Vec<WorkerOutput>, u64)> =
        selected.iter().map(|w| (*w, Vec::new(), 0)).collect();
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        for (way, outputs, tokens) in &mut runs {
            let (out, token_requests) = run_way(*way, args, emu.base_url(), &control).await?;
            outputs.push(out);
            *tokens = (*tokens).max(token_requests);
        }
    }
    emu.stop().await;
    let mut report = BenchReport {
        count: args.count,
        machine: report::machine(),
        ways: Vec::new(),
    };
    for (way, outputs, token_requests) in runs {
        let measurements = (0..args.concurrency.len())
            .map(|i| median_cell(outputs.iter().map(|o| o.measurements[i].clone()).collect()))
            .collect();
        report.ways.push(WayReport {
            way: way.name().to_owned(),
            floor: way.floor().name().to_owned(),
            measurements,
            peak_rss_kib: outputs.iter().filter_map(|o| o.peak_rss_kib).max(),
            token_requests,
            token_keys: way.vendor().token_keys(),
        });
    }
    println!(
        "machine: {}; {} creates per cell, median of {rounds} round(s){}\n",
        report.machine,
        report.count,
        if args.conference_ready {
            "; Google conference ready on insert"
        } else {
            ""
        }
    );
    println!("{}", report.table());
    for path in [&args.json, &args.svg] {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)?)?;
    std::fs::write(&args.svg, report.svg())?;
    eprintln!("wrote {} and {}", args.json.display(), args.svg.display());
    Ok(())
}

/// The round with the median throughput; its CPU figure is replaced by the median CPU of all
/// rounds (measured in the same runs, but noise moves the two independently).
fn median_cell(mut rounds: Vec<Measurement>) -> Measurement {
    let mut cpu: Vec<f64> = rounds.iter().map(|m| m.cpu_ms_per_1000).collect();
    cpu.sort_by(f64::total_cmp);
    rounds.sort_by(|a, b| a.throughput.total_cmp(&b.throughput));
    let mut m = rounds.swap_remove(rounds.len() / 2);
    m.cpu_ms_per_1000 = cpu[cpu.len() / 2];
    m
}

/// Runs one way in a child process on a freshly reset emulator; its output and the token
/// requests it made.
async fn run_way(
    way: Way,
    args: &Args,
    base: &str,
    control: &Control,
) -> Result<(WorkerOutput, u64), HarnessError> {
    control.reset().await?;
    control.bench_settings(args.conference_ready).await?;
    let before = control.token_requests().await?;
    let concurrency = args
        .concurrency
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let output = tokio::process::Command::new(std::env::current_exe()?)
        .args(["--worker", way.name(), "--base", base])
        .args(["--count", &args.count.to_string()])
        .args(["--concurrency", &concurrency])
        .output()
        .await?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            way.name(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let out: WorkerOutput = serde_json::from_slice(&output.stdout)?;
    let after = control.token_requests().await?;
    let token_requests = after.of(way.vendor()) - before.of(way.vendor());
    for m in &out.measurements {
        eprintln!(
            "  {} c={:>3}: {:>7.0}/s p50 {:.2} ms p99 {:.2} ms cpu {:.0} ms/1000 failed {}",
            way.name(),
            m.concurrency,
            m.throughput,
            m.p50_ms,
            m.p99_ms,
            m.cpu_ms_per_1000,
            m.failed
        );
        if let Some(e) = &m.first_error {
            eprintln!("    first failure: {e}");
        }
    }
    Ok((out, token_requests))
}
