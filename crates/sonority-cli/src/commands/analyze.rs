//! `sonority analyze DIR`: scan and analyse, nothing else.

use crate::args::AnalyzeArgs;
use crate::print::print_summary;
use crate::{db, interrupt, progress::AnalysisProgress};
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::{analyze_library, AnalyzeReport, Store};
use std::path::Path;

/// `sonority analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeCommand {
    #[command(flatten)]
    pub analyze: AnalyzeArgs,
    /// Print the run's report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs the analysis into `store` with a progress display and Ctrl-C handling.
pub fn analyze_into(store: &mut Store, args: &AnalyzeArgs) -> Result<AnalyzeReport> {
    if !args.dir.is_dir() {
        anyhow::bail!(
            "{} is not a folder: give the folder that holds your music",
            sonority_library::shown(&args.dir)
        );
    }
    let cancel = interrupt::cancel_flag(store.path().to_path_buf());
    let mut display = AnalysisProgress::new(args.quiet);
    let report = analyze_library(
        store,
        &args.dir,
        &args.options(),
        &mut |e| display.event(e),
        &cancel,
    );
    display.finish();
    report.with_context(|| format!("analysing {}", sonority_library::shown(&args.dir)))
}

/// `sonority analyze`.
pub fn run(cmd: &AnalyzeCommand, db_arg: Option<&Path>) -> Result<()> {
    let mut store = db::open(db_arg)?;
    let _lock = db::lock_for_writing(&store)?;
    let report = analyze_into(&mut store, &cmd.analyze)?;
    print_summary(&report);
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
