//! The `sonority` binary: a thin command-line layer over the sonority library crates. Only this
//! crate prints; the libraries return typed errors and report progress through callbacks.

mod commands;
mod db;
mod interrupt;
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
    /// Scan a music folder and analyse new and changed files into the database.
    Analyze(commands::analyze::AnalyzeCommand),
    /// What the database holds.
    Status(commands::status::StatusCommand),
    /// Files whose analysis failed, and why.
    Errors(commands::status::ErrorsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let db = cli.db.as_deref();
    let result = match &cli.command {
        Command::Features(args) => commands::features::run(args),
        Command::Analyze(cmd) => commands::analyze::run(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Status(cmd) => commands::status::status(cmd, db).map(|()| ExitCode::SUCCESS),
        Command::Errors(cmd) => commands::status::errors(cmd, db).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sonority: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
