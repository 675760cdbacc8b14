//! `sonority features FILE... [--json] [--frames]`.

use crate::args::DecoderArg;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use sonority_features::{
    analyze_file_with, file_analysis_to_json, Detail, FeatureConfig, FileAnalysis,
};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `sonority features`.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// Audio files to analyse.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON object per file (schema "afx-features/1"), one per line.
    #[arg(long)]
    json: bool,
    /// With --json, add the per-frame arrays ("frames", rows x frames).
    #[arg(long, requires = "json")]
    frames: bool,
    /// Analyse at the file's own sample rate instead of resampling to 22050 Hz.
    #[arg(long)]
    native_rate: bool,
    /// Which decoder reads the files: native, and ffmpeg for what it cannot read (auto); or
    /// only one of them. The decoder used is reported per file.
    #[arg(long, value_enum, default_value = "auto")]
    decoder: DecoderArg,
}

/// Runs the command; the exit code is 1 when any file failed.
pub fn run(args: &FeaturesArgs) -> Result<ExitCode> {
    let config = FeatureConfig {
        sample_rate: if args.native_rate { None } else { Some(22050) },
        decoder: args.decoder.into(),
        ..FeatureConfig::default()
    };
    // Frames are kept only when printed: without them memory stays bounded for any length.
    let detail = if args.frames {
        Detail::Frames
    } else {
        Detail::Summary
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0usize;
    for path in &args.files {
        match analyze_file_with(path, &config, detail) {
            Ok(analysis) => {
                for w in &analysis.warnings {
                    eprintln!(
                        "sonority: warning: {}: {}",
                        sonority_library::shown(path),
                        w.message
                    );
                }
                if args.json {
                    writeln!(out, "{}", file_analysis_to_json(&analysis, args.frames))?;
                } else {
                    write_human(&mut out, &analysis)?;
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("sonority: {e}");
                if args.json {
                    let line = json!({"file": sonority_library::shown(path).to_string(), "error": e.to_string()});
                    writeln!(out, "{line}")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_human(out: &mut impl Write, a: &FileAnalysis) -> io::Result<()> {
    let s = &a.analysis.summary;
    let src = &a.source;
    writeln!(out, "{}", sonority_library::shown(&a.path))?;
    writeln!(
        out,
        "  source     {} · {} Hz · {} ch · {:.2} s · decoded by {}",
        src.codec,
        src.sample_rate,
        src.channels,
        src.duration_s,
        src.decoder.as_str()
    )?;
    writeln!(
        out,
        "  analysed   {} Hz · {} samples · {} frames",
        a.analysis.sample_rate, a.analysis.n_samples, a.analysis.n_frames
    )?;
    writeln!(out, "  tempo      {:.2} bpm", s.tempo_bpm)?;
    writeln!(out, "  tuning     {:+.2} chroma bins", s.tuning)?;
    let scalar = |key: &str| s.get(key).map(|r| (r.mean[0], r.std[0]));
    for (label, key, unit) in [
        ("rms", "rms", ""),
        ("zcr", "zero_crossing_rate", ""),
        ("centroid", "spectral_centroid", " Hz"),
        ("bandwidth", "spectral_bandwidth", " Hz"),
        ("rolloff", "spectral_rolloff", " Hz"),
        ("flatness", "spectral_flatness", ""),
        ("onset", "onset_strength", ""),
    ] {
        if let Some((m, sd)) = scalar(key) {
            writeln!(out, "  {label:<10} {m:.4}{unit} ± {sd:.4}")?;
        }
    }
    if let Some(c) = s.get("spectral_contrast") {
        writeln!(out, "  contrast   {} dB", fmt_list(&c.mean, 1))?;
    }
    if let Some(c) = s.get("chroma_stft") {
        writeln!(out, "  chroma     {} (C..B)", fmt_list(&c.mean, 2))?;
    }
    if let Some(c) = s.get("mfcc") {
        writeln!(
            out,
            "  mfcc       {}",
            fmt_list(&c.mean[..c.mean.len().min(13)], 1)
        )?;
    }
    for w in &a.warnings {
        writeln!(out, "  warning    {}", w.message)?;
    }
    writeln!(out)
}

fn fmt_list(values: &[f64], decimals: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.decimals$}"))
        .collect::<Vec<_>>()
        .join(" ")
}
