//! Times one stage of the pipeline over a set of files on one thread and prints one line per
//! file and a total: seconds of audio, wall seconds, times realtime.
//!
//! `cargo run --release --example bench_features -- decode|decode-keep|resample|analyze|frames FILE...`
//!
//! - `decode`: decode and downmix to mono at the native rate, streamed chunk by chunk and
//!   dropped (the floor: nothing is faster, and nothing is kept, as the analysis keeps
//!   nothing of the native-rate signal).
//! - `decode-keep`: the same, keeping the whole signal in memory (`decode_file`).
//! - `resample`: decode, downmix and resample to 22050 Hz.
//! - `analyze`: the whole analysis of the summary (`analyze_file_with(.., Detail::Summary)`:
//!   decode, resample, every feature, summary; frames are not kept).
//! - `frames`: the same keeping every frame feature (`analyze_file`).
//!
//! `scripts/bench-features` runs it under `/usr/bin/time -v` for peak memory.

use sonority_features::{
    analyze_file, analyze_file_with, decode_file, Detail, FeatureConfig, ResamplerKind,
};
use sonority_features::{decode_file_resampled, AudioStream};
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, files) = args
        .split_first()
        .ok_or("usage: bench_features decode|decode-keep|resample|analyze|frames FILE...")?;
    let config = FeatureConfig::default();
    let (mut total_audio, mut total_wall) = (0.0, 0.0);
    for f in files {
        let path = Path::new(f);
        let start = Instant::now();
        let audio_s = match mode.as_str() {
            "decode" => {
                let mut stream = AudioStream::open(path)?;
                let mut frames = 0usize;
                let mut checksum = 0.0f32;
                while let Some(chunk) = stream.next_chunk()? {
                    frames += chunk.len();
                    checksum += chunk.first().copied().unwrap_or(0.0);
                }
                std::hint::black_box(checksum);
                frames as f64 / f64::from(stream.sample_rate())
            }
            "decode-keep" => {
                let a = decode_file(path)?;
                a.samples.len() as f64 / f64::from(a.sample_rate)
            }
            "resample" => {
                let a = decode_file_resampled(path, 22050, ResamplerKind::SoxrHq)?;
                a.native_frames as f64 / f64::from(a.native_sample_rate)
            }
            "analyze" => {
                analyze_file_with(path, &config, Detail::Summary)?
                    .source
                    .duration_s
            }
            "frames" => analyze_file(path, &config)?.source.duration_s,
            other => return Err(format!("unknown mode {other}").into()),
        };
        let wall = start.elapsed().as_secs_f64();
        println!(
            "{mode:8} {f}: {audio_s:.1} s audio in {wall:.3} s = {:.0}x realtime",
            audio_s / wall
        );
        total_audio += audio_s;
        total_wall += wall;
    }
    println!(
        "{mode:8} TOTAL: {total_audio:.1} s audio in {total_wall:.3} s = {:.0}x realtime",
        total_audio / total_wall
    );
    Ok(())
}
