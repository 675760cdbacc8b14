//! `sonority similar FILE`: the tracks most like this one; `sonority similar --artist NAME`:
//! the artists that sound most alike.

use crate::db;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use sonority_library::{display_name, one_line};
use sonority_library::{similar_artists, similar_tracks};
use std::path::{Path, PathBuf};

/// `sonority similar`.
#[derive(Debug, Args)]
pub struct SimilarCommand {
    /// A file of the library.
    #[arg(value_name = "FILE", required_unless_present = "artist")]
    pub file: Option<PathBuf>,
    /// Instead of tracks like a file: the artists whose tracks sound most like this artist's
    /// (mean distance between their tracks; artist tags compared ignoring case).
    #[arg(long, value_name = "NAME", conflicts_with = "file")]
    pub artist: Option<String>,
    /// How many tracks (or artists).
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
    if let Some(artist) = &cmd.artist {
        let (seed, artists) = similar_artists(&store, artist, cmd.n)?;
        if cmd.json {
            for a in &artists {
                println!("{}", serde_json::to_string(a)?);
            }
            return Ok(());
        }
        println!(
            "artists like {} ({} track{}):",
            one_line(&seed.artist),
            seed.tracks,
            if seed.tracks == 1 { "" } else { "s" }
        );
        for (i, a) in artists.iter().enumerate() {
            println!(
                "{:>3}. {:<40} {:>7.3}  {} track{}",
                i + 1,
                one_line(&a.artist),
                a.distance,
                a.tracks,
                if a.tracks == 1 { "" } else { "s" }
            );
        }
        return Ok(());
    }
    let Some(file) = &cmd.file else {
        anyhow::bail!("give a FILE of the library or --artist NAME");
    };
    let (seed, tracks) = similar_tracks(&store, file, cmd.n, cmd.no_same_artist)?;
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
