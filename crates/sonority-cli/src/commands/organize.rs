//! `sonority organize DIR`: the main job ([`sonority_library::organize`]): analyse
//! (incrementally), organise into playlists grouped in families, write one folder of
//! playlists per family, print them.

use crate::args::{AnalyzeArgs, ClusterArgs, PlaylistArgs};
use crate::print::{print_mode, print_report, print_summary, print_table};
use crate::{db, interrupt, progress::AnalysisProgress};
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::{organize, OrganizeOptions, Overview};
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
    let options = OrganizeOptions {
        analyze: cmd.analyze.options(),
        cluster: cmd.cluster.options(),
        playlists: cmd.playlists.options(),
        playlists_dir: cmd.playlists.out.clone(),
    };
    let cancel = interrupt::cancel_flag(store.path().to_path_buf());
    let mut display = AnalysisProgress::new(cmd.analyze.quiet);
    let organized = organize(
        &mut store,
        &cmd.analyze.dir,
        &options,
        &mut |e| display.event(e),
        &cancel,
    );
    display.finish();
    let organized = organized
        .with_context(|| format!("organizing {}", sonority_library::shown(&cmd.analyze.dir)))?;
    print_summary(&organized.analysis);
    let (Some(outcome), Some(written)) = (&organized.clustering, &organized.playlists) else {
        eprintln!("not clustering an interrupted run: run the same command again to finish");
        return Ok(());
    };
    print_mode(outcome);
    print_report(written, &organized.playlists_dir);
    let overview = Overview::of(&store, outcome)?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&overview)?);
    } else {
        print_table(&overview);
    }
    Ok(())
}
