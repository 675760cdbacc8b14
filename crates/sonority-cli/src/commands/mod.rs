//! One module per subcommand.

pub mod analyze;
pub mod features;
pub mod status;
