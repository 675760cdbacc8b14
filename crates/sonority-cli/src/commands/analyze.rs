//! `sonority analyze DIR`: scan and analyse, nothing else.

use crate::{db, interrupt, progress::AnalysisProgress};
use anyhow::{Context, Result};
use clap::Args;
use sonority_features::Decoder;
use sonority_library::{
    analyze_library, shown, shown_text, AnalyzeOptions, AnalyzeReport, ForgetWithheld, Store,
    WithheldReason,
};
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
    /// Forget the tracks stored under DIR whose files are gone even when none of them was
    /// found (by default such a run forgets nothing: an empty folder is more likely a drive
    /// that is not mounted than a library you deleted).
    #[arg(long)]
    pub force_forget: bool,
    /// Print only failures and the final summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Which decoder reads the files: native, and ffmpeg for what it cannot read (auto); or
    /// only one of them.
    #[arg(long, value_enum, default_value = "auto")]
    pub decoder: DecoderArg,
}

/// `--decoder auto|native|ffmpeg` (sonority_features::Decoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecoderArg {
    /// Native decoders; ffmpeg (if installed) for the formats they cannot read.
    Auto,
    /// Native decoders only (formats such as WMA, APE, AC-3 are not analysed).
    Native,
    /// Every file through ffmpeg.
    Ffmpeg,
}

impl From<DecoderArg> for Decoder {
    fn from(arg: DecoderArg) -> Self {
        match arg {
            DecoderArg::Auto => Decoder::Auto,
            DecoderArg::Native => Decoder::Native,
            DecoderArg::Ffmpeg => Decoder::Ffmpeg,
        }
    }
}

/// What the scan left out: `left out: 2 .ape, 118 .wma file(s) ...` (formats only ffmpeg
/// decodes, without ffmpeg or with `--decoder native`) and `left out: 3 .mid file(s) ...`
/// (MIDI), or nothing when there were none.
fn undecoded_line(undecoded: &std::collections::BTreeMap<String, usize>) -> Option<String> {
    let list = |midi: bool| -> Vec<String> {
        undecoded
            .iter()
            .filter(|(ext, _)| (ext.as_str() == "mid" || ext.as_str() == "midi") == midi)
            .map(|(ext, n)| format!("{n} .{ext}"))
            .collect()
    };
    let (needs_ffmpeg, midi) = (list(false), list(true));
    let mut lines = Vec::new();
    if !needs_ffmpeg.is_empty() {
        lines.push(format!(
            "left out: {} file(s), formats sonority decodes only through ffmpeg (install ffmpeg, \
             e.g. `apt install ffmpeg`, and keep the default --decoder auto to include them)",
            needs_ffmpeg.join(", ")
        ));
    }
    if !midi.is_empty() {
        lines.push(format!(
            "left out: {} file(s): MIDI holds notes, not sound (render it to audio to include it)",
            midi.join(", ")
        ));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The failures that installing ffmpeg would fix (multichannel AAC, MP3 inside WAV, ... in
/// files whose extension looked native), or nothing.
fn needs_ffmpeg_line(report: &AnalyzeReport) -> Option<String> {
    let n = report
        .failed
        .iter()
        .filter(|f| f.reason.contains("is not decoded without ffmpeg"))
        .count();
    (n > 0).then(|| {
        format!("{n} of the failed file(s) need ffmpeg: install it (e.g. `apt install ffmpeg`)")
    })
}

/// The warning for tracks kept although their files were not found.
fn forget_warning(root: &Path, withheld: &ForgetWithheld) -> String {
    let what = match withheld.reason {
        WithheldReason::EmptyRoot => "holds no audio file at all",
        WithheldReason::NoneFound => "holds none of the files sonority knows there",
    };
    format!(
        "warning: {} {what}: kept the {} track(s) stored under it instead of forgetting them \
         (is the drive mounted?). If you really removed them, run again with --force-forget.",
        shown(root),
        withheld.missing
    )
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

impl AnalyzeArgs {
    /// The library options these arguments stand for.
    pub fn options(&self) -> AnalyzeOptions {
        let mut options = AnalyzeOptions {
            jobs: self.jobs,
            retry_failed: self.retry_failed,
            force_forget: self.force_forget,
            file_timeout: (self.file_timeout > 0).then(|| Duration::from_secs(self.file_timeout)),
            ..AnalyzeOptions::default()
        };
        options.scan.include_hidden = self.hidden;
        options.features.decoder = self.decoder.into();
        options
    }
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
        eprintln!("  failed: {}", shown_text(&f.reason));
    }
    if let Some(withheld) = &report.forget_withheld {
        eprintln!("{}", forget_warning(&report.root, withheld));
    }
    for e in &report.scan_errors {
        eprintln!("  not scanned: {}", shown_text(&e.message));
    }
    if let Some(line) = needs_ffmpeg_line(report) {
        eprintln!("{line}");
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
    let _lock = db::lock_for_writing(&store)?;
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
        assert!(line.contains("install ffmpeg"), "{line}");
        let counts = BTreeMap::from([("mid".to_string(), 3), ("wma".to_string(), 1)]);
        let line = undecoded_line(&counts).expect("lines");
        let lines: Vec<&str> = line.lines().collect();
        assert_eq!(lines.len(), 2, "{line}");
        assert!(lines[0].starts_with("left out: 1 .wma file(s)"), "{line}");
        assert!(
            lines[1].starts_with("left out: 3 .mid file(s): MIDI"),
            "{line}"
        );
    }
}
