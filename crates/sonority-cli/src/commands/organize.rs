//! `sonority organize DIR`: the main job. Analyse (incrementally), organise into playlists
//! grouped in families, write one folder of playlists per family, print them.

use crate::commands::analyze::{analyze_into, print_summary, AnalyzeArgs};
use crate::commands::cluster::{cluster_store, clusters_json, print_table, ClusterArgs};
use crate::commands::playlists::{print_report, PlaylistArgs};
use crate::db;
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::write_cluster_playlists;
use std::path::Path;

/// `sonority organize`.
#[derive(Debug, Args)]
pub struct OrganizeCommand {
    #[command(flatten)]
    pub analyze: AnalyzeArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub playlists: PlaylistArgs,
    /// Print the clusters as JSON on stdout (progress and summary stay on stderr).
    #[arg(long)]
    pub json: bool,
}

/// Runs it.
pub fn run(cmd: &OrganizeCommand, db_arg: Option<&Path>) -> Result<()> {
    let path = db::db_path(db_arg)?;
    let mut store = db::open(db_arg)?;
    let _lock = db::lock_for_writing(&store)?;
    eprintln!("library database: {}", sonority_library::shown(&path));
    let report = analyze_into(&mut store, &cmd.analyze)?;
    print_summary(&report);
    if report.cancelled {
        eprintln!("not clustering an interrupted run: run the same command again to finish");
        return Ok(());
    }
    let outcome = cluster_store(&mut store, &cmd.cluster)?;
    let out_dir = cmd
        .playlists
        .out
        .clone()
        .unwrap_or_else(|| cmd.analyze.dir.join("sonority-playlists"));
    let written = write_cluster_playlists(&store, &out_dir, &cmd.playlists.options())
        .with_context(|| {
            format!(
                "writing playlists into {}",
                sonority_library::shown(&out_dir)
            )
        })?;
    print_report(&written, &out_dir);
    if cmd.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&clusters_json(&store, &outcome)?)?
        );
    } else {
        print_table(&store, &outcome)?;
    }
    Ok(())
}
