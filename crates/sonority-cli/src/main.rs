//! The `sonority` binary: a thin command-line layer over the sonority library crates.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Turn a folder of music into groups of tracks that sound alike.
#[derive(Debug, Parser)]
#[command(name = "sonority", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode audio files and print their librosa-compatible features.
    ///
    /// Every file is decoded (WAV, FLAC, MP3, Ogg Vorbis, Opus, AAC/ALAC in MP4, AIFF),
    /// averaged to mono, resampled to 22050 Hz with libsoxr HQ and analysed as librosa 0.11 does
    /// with its defaults. A file that fails is reported on stderr and the others go on; the exit
    /// code is 1 if any file failed.
    Features(commands::features::FeaturesArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Features(args) => commands::features::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sonority: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
