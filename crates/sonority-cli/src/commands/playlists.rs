//! `sonority playlists --out DIR`: one M3U8 per cluster of the latest clustering.

use crate::db;
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::playlist::{PlaylistOptions, PlaylistReport};
use sonority_library::write_cluster_playlists;
use std::path::{Path, PathBuf};

/// Playlist options shared by `playlists` and `organize`.
#[derive(Debug, Args, Clone)]
pub struct PlaylistArgs {
    /// Folder for the playlists [organize's default: DIR/sonority-playlists]. Only playlists
    /// sonority wrote there before are ever replaced or removed.
    #[arg(long = "playlists", value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Write absolute paths instead of paths relative to the playlist.
    #[arg(long)]
    pub absolute: bool,
}

impl PlaylistArgs {
    /// The library options.
    pub fn options(&self) -> PlaylistOptions {
        PlaylistOptions {
            absolute: self.absolute,
        }
    }
}

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

/// Tells what was written.
pub fn print_report(report: &PlaylistReport, out_dir: &Path) {
    eprintln!(
        "wrote {} playlist(s) into {}{}",
        report.written.len(),
        sonority_library::shown(out_dir),
        if report.removed.is_empty() {
            String::new()
        } else {
            format!(
                " (removed {} old one(s) sonority wrote)",
                report.removed.len()
            )
        }
    );
    for w in &report.warnings {
        eprintln!(
            "  warning: {}",
            sonority_library::shown_text(&w.to_string())
        );
    }
}

/// Runs it.
pub fn run(cmd: &PlaylistsCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let options = PlaylistOptions {
        absolute: cmd.absolute,
    };
    let report = write_cluster_playlists(&store, &cmd.out, &options).with_context(|| {
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
