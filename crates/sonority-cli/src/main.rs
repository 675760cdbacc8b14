//! The `sonority` binary: a thin command-line layer over the sonority library crates. Only this
//! crate prints; the libraries return typed errors and report progress through callbacks.

mod args;
mod commands;
mod db;
mod interrupt;
mod print;
mod progress;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Turn a folder of music into groups of tracks that sound alike.
///
/// `sonority organize ~/Music` analyses every audio file (incrementally: a rerun only looks at
/// new and changed files), clusters the tracks and writes one playlist per cluster. The other
/// commands do one step each. Everything is kept in one SQLite database (see --db).
///
/// Exit codes: 0 when the command completed, even if some files could not be analysed (see
/// `sonority errors`); 1 when `sonority features` could not analyse a file; 2 when the command
/// could not run (bad arguments, unreadable folder or database).
#[derive(Debug, Parser)]
#[command(
    name = "sonority",
    version,
    about,
    long_about,
    propagate_version = true
)]
struct Cli {
    /// The library database [default: $SONORITY_DB, else ~/.local/share/sonority/library.db
    /// or the platform's data directory].
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode audio files and print their librosa-compatible features (no database).
    ///
    /// Every file is decoded (WAV, FLAC, MP3, Ogg Vorbis, Opus, AAC/ALAC in MP4, AIFF),
    /// averaged to mono, resampled to 22050 Hz with libsoxr HQ and analysed as librosa 0.11 does
    /// with its defaults. A file that fails is reported on stderr and the others go on; the exit
    /// code is 1 if any file failed.
    Features(commands::features::FeaturesArgs),
    /// The main job: analyse a music folder (incrementally), organise it into playlists of
    /// about --playlist-size tracks grouped into families of sound, write one folder of
    /// playlists per family and print them.
    ///
    /// Writes the database (see --db) and the playlists (default: DIR/sonority-playlists,
    /// one subfolder per family); never modifies audio files. A rerun places new tracks into
    /// the existing playlists.
    Organize(commands::organize::OrganizeCommand),
    /// Scan a music folder and analyse new and changed files into the database.
    Analyze(commands::analyze::AnalyzeCommand),
    /// What the database holds.
    Status(commands::status::StatusCommand),
    /// Files whose analysis failed, and why.
    Errors(commands::status::ErrorsCommand),
    /// Group the analysed tracks into clusters (new tracks join the existing clusters).
    Cluster(commands::cluster::ClusterCommand),
    /// Write one M3U8 playlist per cluster of the latest clustering.
    Playlists(commands::playlists::PlaylistsCommand),
    /// Write each track's cluster name into a tag field (opt-in, atomic), or --undo it.
    Tag(commands::tag::TagCommand),
    /// The tracks most like a given one (the seed itself left out).
    Similar(commands::similar::SimilarCommand),
    /// Homogeneity, completeness, V-measure and the cluster x genre table against the files'
    /// genre tags or a CSV of path,label.
    Evaluate(commands::evaluate::EvaluateCommand),
    /// Per track its path, tags, cluster and every named feature, as CSV, JSON or Parquet.
    Export(commands::export::ExportCommand),
    /// One self-contained HTML page to see and hear the clusters (and SVG pictures).
    Report(commands::report::ReportCommand),
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    let db = cli.db.as_deref();
    let result = match &cli.command {
        Command::Features(args) => commands::features::run(args),
        Command::Organize(cmd) => commands::organize::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Playlists(cmd) => commands::playlists::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Analyze(cmd) => commands::analyze::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Status(cmd) => commands::status::status(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Errors(cmd) => commands::status::errors(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Cluster(cmd) => commands::cluster::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Tag(cmd) => commands::tag::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Similar(cmd) => commands::similar::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Evaluate(cmd) => commands::evaluate::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Export(cmd) => commands::export::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Report(cmd) => commands::report::run(cmd, db).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        // The reader of our output went away (`sonority export | head`): stop quietly, as
        // Unix tools do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "sonority: error: {}",
                sonority_library::shown_text(&error_chain(&e))
            );
            ExitCode::from(2)
        }
    }
}

/// Lets the process end quietly when the reader of its output goes away (`sonority export |
/// head`), as Unix tools do: Rust ignores SIGPIPE, which turns every later `println!` into a
/// panic. Writes into the database and into music files are transactions and atomic
/// renames, so ending at any write leaves nothing half done.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's action to the default at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// True when the error comes from writing into a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, `: `-separated, leaving out a cause that the message above it
/// already quotes (the library errors include their source in their message).
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_already_quoted_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let inner = anyhow::Error::new(io).context("cannot access x.db: no such file");
        let outer = inner.context("opening the library");
        assert_eq!(
            error_chain(&outer),
            "opening the library: cannot access x.db: no such file"
        );
        assert!(!is_broken_pipe(&outer));
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing the export");
        assert!(is_broken_pipe(&pipe));
    }
}
