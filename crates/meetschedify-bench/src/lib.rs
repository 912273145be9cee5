#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod emulator;
pub mod keyed;
pub mod procstat;
pub mod report;
pub mod runner;
pub mod scale;
pub mod soak;
pub mod stats;
mod teams_floor;
pub mod ways;
pub mod workload;
