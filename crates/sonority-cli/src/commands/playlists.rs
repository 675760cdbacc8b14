//! `sonority playlists --out DIR`: one M3U8 per cluster of the latest clustering.

use crate::db;
use crate::print::print_report;
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::output::playlist::PlaylistOptions;
use sonority_library::{write_cluster_playlists, LatestClustering};
use std::path::{Path, PathBuf};

/// `sonority playlists`.
#[derive(Debug, Args)]
pub struct PlaylistsCommand {
    /// Folder for the playlists.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write absolute paths instead of paths relative to the playlist.
    #[arg(long)]
    pub absolute: bool,
}

/// Runs it.
pub fn run(cmd: &PlaylistsCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let options = PlaylistOptions {
        absolute: cmd.absolute,
    };
    let report = LatestClustering::load(&store)
        .and_then(|latest| write_cluster_playlists(&latest, &cmd.out, &options))
        .with_context(|| {
            format!(
                "writing playlists into {}",
                sonority_library::shown(&cmd.out)
            )
        })?;
    print_report(&report, &cmd.out);
    for p in &report.written {
        println!("{}", sonority_library::shown(p));
    }
    Ok(())
}
