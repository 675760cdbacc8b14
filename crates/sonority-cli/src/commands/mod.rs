//! One module per subcommand.

pub mod analyze;
pub mod cluster;
pub mod evaluate;
pub mod export;
pub mod features;
pub mod organize;
pub mod playlists;
pub mod report;
pub mod similar;
pub mod status;
pub mod tag;
