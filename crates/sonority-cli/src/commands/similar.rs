//! `sonority similar FILE`: the tracks most like this one.

use crate::commands::cluster::display_name;
use crate::db;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use sonority_library::similar_tracks;
use std::path::{Path, PathBuf};

/// `sonority similar`.
#[derive(Debug, Args)]
pub struct SimilarCommand {
    /// A file of the library.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// How many tracks.
    #[arg(short = 'n', default_value_t = 20)]
    pub n: usize,
    /// Leave out tracks by the same artist (artist tags compared ignoring case).
    #[arg(long)]
    pub no_same_artist: bool,
    /// Print JSON lines (one object per track).
    #[arg(long)]
    pub json: bool,
}

/// Runs it.
pub fn run(cmd: &SimilarCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let (seed, tracks) = similar_tracks(&store, &cmd.file, cmd.n, cmd.no_same_artist)?;
    if cmd.json {
        for s in &tracks {
            let line = json!({
                "path": s.track.path.to_string_lossy(),
                "artist": s.track.tags.artist,
                "title": s.track.tags.title,
                "distance": s.distance,
                "cluster_id": s.cluster_id,
                "cluster_name": s.cluster_name,
            });
            println!("{line}");
        }
        return Ok(());
    }
    println!("tracks like {}:", display_name(&seed));
    for (i, s) in tracks.iter().enumerate() {
        println!(
            "{:>3}. {:<50} {:>7.3}  {}",
            i + 1,
            display_name(&s.track),
            s.distance,
            s.cluster_name.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
