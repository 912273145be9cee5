//! Loopback throughput of the emulator (placeholder until the benchmark lands).

fn main() {}
