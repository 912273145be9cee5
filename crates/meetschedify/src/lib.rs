#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub use meetschedify_core::*;

/// The in-process token store (feature `store-memory`).
#[cfg(feature = "store-memory")]
pub mod store_memory {
    pub use meetschedify_store_memory::*;
}

/// The local Google and Zoom emulator, for integration tests (feature `emulator`).
#[cfg(feature = "emulator")]
pub mod emulator {
    pub use meetschedify_emulator::*;
}
