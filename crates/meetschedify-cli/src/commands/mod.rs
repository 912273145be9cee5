//! One module per subcommand.

pub mod emulator;
