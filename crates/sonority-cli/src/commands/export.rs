//! `sonority export`: every track with its tags, cluster and features, as CSV, JSON or
//! Parquet.

use crate::db;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use sonority_library::{export, export_parquet, ExportFormat, ExportOptions, LatestClustering};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated, one header row (pandas.read_csv).
    Csv,
    /// An array of flat objects (pandas.read_json).
    Json,
    /// Apache Parquet with typed columns (pandas, polars, DuckDB, Spark). Binary: give --out,
    /// or pipe stdout.
    Parquet,
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
        FormatArg::Parquet => ExportFormat::Parquet,
    };
    if let (ExportFormat::Parquet, None) = (format, &cmd.out) {
        if std::io::stdout().is_terminal() {
            bail!(
                "Parquet is binary and stdout is a terminal: give --out FILE (or pipe stdout \
                 to a file or program)"
            );
        }
    }
    let options = ExportOptions {
        format,
        raw_csv: cmd.raw_csv,
    };
    let latest = LatestClustering::load(&store)?;
    let rows = match &cmd.out {
        // Streamed to a temporary file next to it, renamed over it when complete.
        Some(path) if format == ExportFormat::Parquet => export_parquet(&latest, path)
            .with_context(|| format!("exporting Parquet to {}", path.display()))?,
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", sonority_library::shown(path)))?,
            );
            let rows = export(&latest, &options, &mut file)?;
            file.flush()
                .with_context(|| format!("writing {}", sonority_library::shown(path)))?;
            rows
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            export(&latest, &options, &mut lock)?
        }
    };
    eprintln!("exported {rows} tracks");
    Ok(())
}
