//! This process's CPU time and memory, read from `/proc` (Linux).
//!
//! `/proc/self/stat` gives user and system time in clock ticks; `/proc/self/status` gives the
//! resident set (`VmRSS`) and its peak (`VmHWM`). Reading them needs no `unsafe` (the workspace
//! forbids it) and no extra crate. Elsewhere than Linux every figure is `None`.

use std::time::Duration;

/// Clock ticks per second of `/proc/self/stat`'s `utime` and `stime`: `USER_HZ`, which Linux
/// fixes at 100 on every architecture it reports to user space (`sysconf(_SC_CLK_TCK)`).
const TICKS_PER_SECOND: u64 = 100;

/// User plus system CPU time this process has used so far (10 ms resolution).
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the whole line are 12 and 13 here (0-based, after pid and comm).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime) * 1000 / TICKS_PER_SECOND,
    ))
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The resident set size now, in KiB.
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// The largest resident set size this process has had, in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_on_linux() {
        if cfg!(target_os = "linux") {
            let rss = rss_kib().unwrap();
            assert!(rss > 0);
            assert!(peak_rss_kib().unwrap() >= rss);
            // Burn a little CPU so the counter is past zero.
            let mut x = 0u64;
            for i in 0..50_000_000u64 {
                x = x.wrapping_mul(31).wrapping_add(i);
            }
            assert!(x != 1);
            assert!(cpu_time().unwrap() > Duration::ZERO);
        }
    }
}
