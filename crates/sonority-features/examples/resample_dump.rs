//! Decodes a file, resamples it, and writes the mono signal as raw little-endian f32, for
//! `scripts/compare_resamplers.py`.
//!
//! `cargo run -p sonority-features --example resample_dump -- FILE OUT.f32 [soxr|rubato|native] [RATE]`
//!
//! `native` writes the decoded signal at the file's own rate; RATE defaults to 22050.

use sonority_features::decode_file_resampled;
use sonority_features::{decode_file, ResamplerKind};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (input, output) = match args {
        [input, output, ..] => (Path::new(input), Path::new(output)),
        _ => return Err("usage: resample_dump FILE OUT.f32 [soxr|rubato|native] [RATE]".into()),
    };
    let mode = args.get(2).map_or("soxr", String::as_str);
    let rate: u32 = args.get(3).map_or(Ok(22050), |r| r.parse())?;
    let started = std::time::Instant::now();
    let (samples, sr) = match mode {
        "native" => {
            let audio = decode_file(input)?;
            (audio.samples, audio.sample_rate)
        }
        "soxr" | "rubato" => {
            let kind = if mode == "soxr" {
                ResamplerKind::SoxrHq
            } else {
                ResamplerKind::Rubato
            };
            let audio = decode_file_resampled(input, rate, kind)?;
            (audio.samples, audio.sample_rate)
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    let elapsed = started.elapsed();
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    for x in &samples {
        out.write_all(&x.to_le_bytes())?;
    }
    out.flush()?;
    eprintln!(
        "{} samples at {sr} Hz ({mode}) in {:.3} s",
        samples.len(),
        elapsed.as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
