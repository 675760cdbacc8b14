//! `sonority analyze DIR`: scan and analyse, nothing else.

use crate::{db, interrupt, progress::AnalysisProgress};
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::{analyze_library, AnalyzeOptions, AnalyzeReport, Store};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments shared by `analyze` and `organize`.
#[derive(Debug, Args, Clone)]
pub struct AnalyzeArgs {
    /// The music folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Worker threads for the analysis (default: one per core).
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub jobs: usize,
    /// Also scan hidden files and folders (names starting with a dot).
    #[arg(long)]
    pub hidden: bool,
    /// Analyse again files that failed before even if they did not change.
    #[arg(long)]
    pub retry_failed: bool,
    /// Give up a file still not analysed after this many seconds plus 10 s per megabyte of
    /// it (a decoder stuck on damaged data, a network share that stopped answering): it is
    /// recorded as failed and the run goes on. 0 waits forever.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub file_timeout: u64,
    /// Print only failures and the final summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// What the scan left out because sonority does not decode it: `left out: 118 .wma and 2 .ape
/// files ...`, or nothing when there were none.
fn undecoded_line(undecoded: &std::collections::BTreeMap<String, usize>) -> Option<String> {
    if undecoded.is_empty() {
        return None;
    }
    let parts: Vec<String> = undecoded
        .iter()
        .map(|(ext, n)| format!("{n} .{ext}"))
        .collect();
    Some(format!(
        "left out: {} file(s), a format sonority does not decode (convert them, e.g. to FLAC \
         with ffmpeg, to include them)",
        parts.join(", ")
    ))
}

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
            args.dir.display()
        );
    }
    let mut options = AnalyzeOptions {
        jobs: args.jobs,
        retry_failed: args.retry_failed,
        file_timeout: (args.file_timeout > 0).then(|| Duration::from_secs(args.file_timeout)),
        ..AnalyzeOptions::default()
    };
    options.scan.include_hidden = args.hidden;
    let cancel = interrupt::cancel_flag();
    let mut display = AnalysisProgress::new(args.quiet);
    let report = analyze_library(
        store,
        &args.dir,
        &options,
        &mut |e| display.event(e),
        &cancel,
    );
    display.finish();
    report.with_context(|| format!("analysing {}", args.dir.display()))
}

/// Prints the human summary of a run to stderr.
pub fn print_summary(report: &AnalyzeReport) {
    eprintln!(
        "analysed {} · unchanged {} · failed {} (+{} known) · removed {} · {} of audio in {:.1} s",
        report.analysed,
        report.unchanged,
        report.failed.len(),
        report.known_failures,
        report.removed,
        crate::progress::audio_duration(report.audio_hours() * 3600.0),
        report.wall_s
    );
    for f in &report.failed {
        eprintln!("  failed: {}", f.reason);
    }
    for e in &report.scan_errors {
        eprintln!("  not scanned: {}", e.message);
    }
    if let Some(line) = undecoded_line(&report.undecoded) {
        eprintln!("{line}");
    }
    if report.cancelled {
        eprintln!(
            "stopped early: {} files left for the next run (everything finished is saved)",
            report.not_started
        );
    }
}

/// `sonority analyze`.
pub fn run(cmd: &AnalyzeCommand, db_arg: Option<&Path>) -> Result<()> {
    let mut store = db::open(db_arg)?;
    let report = analyze_into(&mut store, &cmd.analyze)?;
    print_summary(&report);
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::undecoded_line;
    use std::collections::BTreeMap;

    #[test]
    fn left_out_formats_are_counted_per_extension() {
        assert_eq!(undecoded_line(&BTreeMap::new()), None);
        let counts = BTreeMap::from([("ape".to_string(), 2), ("wma".to_string(), 118)]);
        let line = undecoded_line(&counts).expect("a line");
        assert!(
            line.starts_with("left out: 2 .ape, 118 .wma file(s)"),
            "{line}"
        );
    }
}
