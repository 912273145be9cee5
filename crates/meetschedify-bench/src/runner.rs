//! Runs one way at one concurrency and measures it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::procstat;
use crate::stats::Latencies;
use crate::ways::Creator;

/// What one (way, concurrency) run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// Callers issuing creates at once.
    pub concurrency: usize,
    /// Creates that succeeded.
    pub ok: usize,
    /// Creates that failed (any failure makes the run suspect; the harness reports them).
    pub failed: usize,
    /// The first failure's text, if any.
    pub first_error: Option<String>,
    /// Wall-clock time of the run.
    pub wall_secs: f64,
    /// Successful creates per second.
    pub throughput: f64,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 99th-percentile latency in milliseconds.
    pub p99_ms: f64,
    /// Client CPU time (user + system) per 1,000 creates, in milliseconds.
    pub cpu_ms_per_1000: f64,
}

/// Runs `count` creates (numbered from `first`) with `concurrency` callers.
pub async fn run(
    creator: Arc<dyn Creator>,
    concurrency: usize,
    count: usize,
    first: usize,
) -> Measurement {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = procstat::cpu_time();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (creator, next) = (Arc::clone(&creator), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut failures = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let t = Instant::now();
                match creator.create(first + i).await {
                    Ok(()) => samples.push(t.elapsed()),
                    Err(e) => failures.push(e),
                }
            }
            (samples, failures)
        }));
    }
    let mut samples = Vec::with_capacity(count);
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok((s, f)) => {
                samples.extend(s);
                failures.extend(f);
            }
            Err(e) => failures.push(format!("a caller panicked: {e}")),
        }
    }
    let wall = started.elapsed();
    let cpu = match (cpu_before, procstat::cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    let latencies = Latencies::new(samples);
    let ok = latencies.len();
    Measurement {
        concurrency,
        ok,
        failed: failures.len(),
        first_error: failures.into_iter().next(),
        wall_secs: wall.as_secs_f64(),
        throughput: ok as f64 / wall.as_secs_f64(),
        p50_ms: latencies.percentile(50.0).as_secs_f64() * 1e3,
        p99_ms: latencies.percentile(99.0).as_secs_f64() * 1e3,
        cpu_ms_per_1000: if ok == 0 {
            0.0
        } else {
            cpu.as_secs_f64() * 1e3 * 1000.0 / ok as f64
        },
    }
}
