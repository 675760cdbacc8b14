//! `sonority report`: one self-contained HTML page to see and hear the clusters.

use crate::db;
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::output::report::{build_report, write_svgs, MapProjection, ReportOptions};
use std::path::{Path, PathBuf};

/// `sonority report`.
///
/// The page needs no network: CSS, script and pictures are inline, and the audio is linked by
/// paths relative to the report (keep the report beside or inside the music folder, or use
/// --absolute). It shows the 2-D map of the tracks (click to play), the centroid heatmap with
/// the cluster names, the k sweep, a card per cluster with its tracks, and the cluster x genre
/// table.
#[derive(Debug, Args)]
pub struct ReportCommand {
    /// The HTML file to write.
    #[arg(long, short = 'o', default_value = "report.html", value_name = "FILE")]
    pub out: PathBuf,
    /// Link the audio by absolute file:// URLs instead of paths relative to the report.
    #[arg(long)]
    pub absolute: bool,
    /// Draw the map with t-SNE instead of the stored PCA (up to 5,000 tracks).
    #[arg(long)]
    pub tsne: bool,
    /// Also write map.svg, heatmap.svg and k_sweep.svg into this folder.
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
    /// Title of the page.
    #[arg(long)]
    pub title: Option<String>,
}

/// Runs it.
pub fn run(cmd: &ReportCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let options = ReportOptions {
        absolute_paths: cmd.absolute,
        title: cmd.title.clone(),
        projection: if cmd.tsne {
            MapProjection::Tsne
        } else {
            MapProjection::Stored
        },
        ..ReportOptions::default()
    };
    let summary = build_report(&store, &cmd.out, &options)
        .with_context(|| format!("writing the report {}", sonority_library::shown(&cmd.out)))?;
    eprintln!(
        "wrote {} ({} tracks in {} clusters, map: {}, {:.1} MB)",
        sonority_library::shown(&summary.path),
        summary.tracks,
        summary.clusters,
        summary.map_method,
        summary.bytes as f64 / 1e6
    );
    for note in &summary.notes {
        eprintln!("  note: {note}");
    }
    if let Some(dir) = &cmd.svg {
        let svgs = write_svgs(&store, dir, &options)
            .with_context(|| format!("writing pictures into {}", sonority_library::shown(dir)))?;
        for f in &svgs.files {
            eprintln!("wrote {}", sonority_library::shown(f));
        }
        for s in &svgs.skipped {
            eprintln!("  not written: {s}");
        }
    }
    Ok(())
}
