//! Analyses a raw little-endian f32 mono file at a given rate and prints the afx-features/1
//! JSON with frames. Used by scripts that compare against librosa on arbitrary signals.
//!
//! `cargo run --example analyze_raw -- SIGNAL.f32 SAMPLE_RATE`

use sonority_features::{analysis_to_json, analyze_signal, FeatureConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, sr) = match args.as_slice() {
        [_, p, sr] => (p, sr.parse::<u32>()?),
        _ => return Err("usage: analyze_raw SIGNAL.f32 SAMPLE_RATE".into()),
    };
    let bytes = std::fs::read(path)?;
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let analysis = analyze_signal(&samples, sr, &FeatureConfig::default())?;
    println!("{}", analysis_to_json(&analysis, true));
    Ok(())
}
