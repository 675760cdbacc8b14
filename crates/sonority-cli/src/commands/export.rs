//! `sonority export`: every track with its tags, cluster and features, as CSV or JSON.

use crate::db;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use sonority_library::{export, ExportFormat, ExportOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated, one header row (pandas.read_csv).
    Csv,
    /// An array of flat objects (pandas.read_json).
    Json,
}

/// `sonority export`.
#[derive(Debug, Args)]
pub struct ExportCommand {
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// CSV: write text cells exactly as stored. By default a cell that a spreadsheet would
    /// run as a formula (starting with =, +, -, @, a tab or a carriage return) gets a
    /// leading ' so it shows as text.
    #[arg(long)]
    pub raw_csv: bool,
}

/// Runs it.
pub fn run(cmd: &ExportCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let format = match cmd.format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Json => ExportFormat::Json,
    };
    let options = ExportOptions {
        format,
        raw_csv: cmd.raw_csv,
    };
    let rows = match &cmd.out {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", sonority_library::shown(path)))?,
            );
            let rows = export(&store, &options, &mut file)?;
            file.flush()
                .with_context(|| format!("writing {}", sonority_library::shown(path)))?;
            rows
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            export(&store, &options, &mut lock)?
        }
    };
    eprintln!("exported {rows} tracks");
    Ok(())
}
