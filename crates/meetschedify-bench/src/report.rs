//! The benchmark's results: a table for the terminal, JSON for tools, an SVG chart for the docs.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::runner::Measurement;

/// Throughput must be at least this share of the floor's.
pub const THROUGHPUT_TARGET: f64 = 0.9;
/// Client CPU per meeting must be at most this multiple of the floor's.
pub const CPU_TARGET: f64 = 1.25;

/// One way's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WayReport {
    /// `zoom/meetschedify`, `google/floor`, ...
    pub way: String,
    /// The floor it is compared with.
    pub floor: String,
    /// One per concurrency.
    pub measurements: Vec<Measurement>,
    /// Peak resident memory of the client process over the whole way, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// Token-endpoint calls during the way (warm-up included).
    pub token_requests: u64,
    /// Token keys the way uses (Zoom: the account; Google: one per tenant).
    pub token_keys: u64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    /// Creates per (way, concurrency).
    pub count: usize,
    /// CPU model and core count, from `/proc/cpuinfo`.
    pub machine: String,
    /// Every way.
    pub ways: Vec<WayReport>,
}

/// How a way compares with its floor at one concurrency.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// Throughput divided by the floor's.
    pub throughput: f64,
    /// CPU per meeting divided by the floor's.
    pub cpu: f64,
}

impl BenchReport {
    fn way(&self, name: &str) -> Option<&WayReport> {
        self.ways.iter().find(|w| w.way == name)
    }

    /// `way` against its floor at `concurrency`.
    pub fn ratio(&self, way: &WayReport, concurrency: usize) -> Option<Ratio> {
        let floor = self.way(&way.floor)?;
        let at = |w: &WayReport| {
            w.measurements
                .iter()
                .find(|m| m.concurrency == concurrency)
                .cloned()
        };
        let (m, f) = (at(way)?, at(floor)?);
        Some(Ratio {
            throughput: m.throughput / f.throughput,
            cpu: m.cpu_ms_per_1000 / f.cpu_ms_per_1000,
        })
    }

    /// The Markdown table printed and pasted into `docs/performance.md`.
    pub fn table(&self) -> String {
        let mut out = String::new();
        out.push_str("| way | conc. | creates/s | p50 ms | p99 ms | CPU ms / 1000 | vs floor: throughput | vs floor: CPU | failed |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for way in &self.ways {
            for m in &way.measurements {
                let (t, c) = match self.ratio(way, m.concurrency) {
                    Some(r) if way.way != way.floor => {
                        let mark = |ok: bool| if ok { "" } else { " **missed**" };
                        (
                            format!(
                                "{:.2}×{}",
                                r.throughput,
                                mark(r.throughput >= THROUGHPUT_TARGET)
                            ),
                            format!("{:.2}×{}", r.cpu, mark(r.cpu <= CPU_TARGET)),
                        )
                    }
                    _ => ("—".into(), "—".into()),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.0} | {:.2} | {:.2} | {:.0} | {t} | {c} | {} |",
                    way.way,
                    m.concurrency,
                    m.throughput,
                    m.p50_ms,
                    m.p99_ms,
                    m.cpu_ms_per_1000,
                    m.failed
                );
            }
        }
        out.push('\n');
        out.push_str(
            "| way | peak RSS MiB | token requests | token keys |\n|---|---:|---:|---:|\n",
        );
        for way in &self.ways {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                way.way,
                way.peak_rss_kib
                    .map_or("—".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
                way.token_requests,
                way.token_keys
            );
        }
        out
    }

    /// A chart, hand-written SVG (no plotting crate): creates per second (top) and client CPU
    /// milliseconds per 1,000 creates (bottom) against concurrency, one column per provider
    /// measured (Zoom, Google, Teams, left to right). Floors are dashed.
    pub fn svg(&self) -> String {
        const COLUMN: f64 = 480.0;
        const ROW: f64 = 330.0;
        let columns: Vec<(&str, &str)> = [
            ("Zoom", "zoom/"),
            ("Google", "google/"),
            ("Teams", "teams/"),
        ]
        .into_iter()
        .filter(|(_, prefix)| self.ways.iter().any(|w| w.way.starts_with(prefix)))
        .collect();
        let width = COLUMN * columns.len().max(1) as f64;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{}" viewBox="0 0 {width} {}" font-family="sans-serif" font-size="12">"#,
            2.0 * ROW,
            2.0 * ROW
        );
        out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        let metrics: [(&str, Metric); 2] = [
            ("creates/s", |m| m.throughput),
            ("client CPU ms per 1,000 creates", |m| m.cpu_ms_per_1000),
        ];
        for (row, (metric, value)) in metrics.iter().enumerate() {
            for (col, (provider, prefix)) in columns.iter().enumerate() {
                let panel = Panel {
                    x0: 70.0 + col as f64 * COLUMN,
                    y0: 40.0 + row as f64 * ROW,
                    width: COLUMN - 100.0,
                    height: ROW - 130.0,
                };
                let title = format!("{provider} create_meeting: {metric}");
                self.panel(&mut out, &panel, &title, prefix, *value);
            }
        }
        out.push_str("</svg>\n");
        out
    }

    fn panel(&self, out: &mut String, p: &Panel, title: &str, prefix: &str, value: Metric) {
        const COLORS: [&str; 6] = [
            "#1f77b4", "#9467bd", "#555555", "#d62728", "#555555", "#2ca02c",
        ];
        let ways: Vec<(usize, &WayReport)> = self
            .ways
            .iter()
            .enumerate()
            .filter(|(_, w)| w.way.starts_with(prefix))
            .collect();
        let concs: Vec<usize> = ways
            .first()
            .map(|(_, w)| w.measurements.iter().map(|m| m.concurrency).collect())
            .unwrap_or_default();
        let max = ways
            .iter()
            .flat_map(|(_, w)| w.measurements.iter().map(value))
            .fold(1.0_f64, f64::max)
            * 1.1;
        let (x0, y0, pw, ph) = (p.x0, p.y0, p.width, p.height);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{title}</text>"#,
            x0 + pw / 2.0,
            y0 - 16.0
        );
        for k in 0..=4 {
            let v = max * f64::from(k) / 4.0;
            let y = y0 + ph - ph * f64::from(k) / 4.0;
            let _ = writeln!(
                out,
                r##"<line x1="{x0:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v:.0}</text>"##,
                x0 + pw,
                x0 - 4.0,
                y + 4.0
            );
        }
        let _ = writeln!(
            out,
            r##"<line x1="{x0:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/><line x1="{x0:.1}" y1="{y0:.1}" x2="{x0:.1}" y2="{:.1}" stroke="#333"/>"##,
            y0 + ph,
            x0 + pw,
            y0 + ph,
            y0 + ph
        );
        let xs = |i: usize| x0 + pw * (i as f64 + 0.5) / concs.len().max(1) as f64;
        for (i, c) in concs.iter().enumerate() {
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{c}</text>"#,
                xs(i),
                y0 + ph + 16.0
            );
        }
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">concurrency</text>"##,
            x0 + pw / 2.0,
            y0 + ph + 30.0
        );
        for (row, (idx, way)) in ways.iter().enumerate() {
            let color = COLORS[idx % COLORS.len()];
            let dash = if way.way == way.floor {
                r#" stroke-dasharray="6 4""#
            } else if way.way.ends_with("no-guard") {
                r#" stroke-dasharray="2 3""#
            } else {
                ""
            };
            let points: Vec<String> = way
                .measurements
                .iter()
                .enumerate()
                .map(|(i, m)| format!("{:.1},{:.1}", xs(i), y0 + ph - ph * value(m) / max))
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"#,
                points.join(" ")
            );
            let ly = y0 + ph + 48.0 + row as f64 * 15.0;
            let _ = writeln!(
                out,
                r#"<line x1="{x0:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="2"{dash}/><text x="{:.1}" y="{ly:.1}">{}</text>"#,
                ly - 4.0,
                x0 + 24.0,
                ly - 4.0,
                x0 + 30.0,
                way.way
            );
        }
    }
}

/// Reads one figure of a measurement.
type Metric = fn(&Measurement) -> f64;

/// Where a chart panel sits.
struct Panel {
    x0: f64,
    y0: f64,
    width: f64,
    height: f64,
}

/// The CPU model and the number of cores, for the report.
pub fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{model}, {cores} cores")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn way(name: &str, floor: &str, throughput: f64, cpu: f64) -> WayReport {
        WayReport {
            way: name.into(),
            floor: floor.into(),
            measurements: vec![Measurement {
                concurrency: 16,
                ok: 100,
                failed: 0,
                first_error: None,
                wall_secs: 1.0,
                throughput,
                p50_ms: 1.0,
                p99_ms: 2.0,
                cpu_ms_per_1000: cpu,
            }],
            peak_rss_kib: Some(2048),
            token_requests: 1,
            token_keys: 1,
        }
    }

    #[test]
    fn ratios_and_missed_targets_are_reported() {
        let report = BenchReport {
            count: 100,
            machine: "test".into(),
            ways: vec![
                way("zoom/meetschedify", "zoom/floor", 850.0, 30.0),
                way("zoom/floor", "zoom/floor", 1000.0, 20.0),
            ],
        };
        let r = report.ratio(&report.ways[0], 16).unwrap();
        assert!((r.throughput - 0.85).abs() < 1e-9);
        assert!((r.cpu - 1.5).abs() < 1e-9);
        let table = report.table();
        assert!(
            table.contains("| zoom/meetschedify | 16 | 850 |"),
            "{table}"
        );
        assert_eq!(table.matches("**missed**").count(), 2, "{table}");
        let svg = report.svg();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("zoom/floor") && svg.contains("stroke-dasharray"));
    }
}
