//! Decodes each file given on the command line with the streaming [`AudioStream`] and prints
//! one JSON line per file: codec, sample rate, channels, the frame count the container
//! announces, the mono frame count, RMS and warnings, or the error.
//!
//! `cargo run -p sonority-features --example decode_info -- fixtures/decode/*`

use sonority_features::AudioStream;
use sonority_features::Result;
use std::path::Path;

fn describe(path: &Path) -> Result<serde_json::Value> {
    let mut stream = AudioStream::open(path)?;
    let announced = stream.frames_hint();
    let (mut frames, mut energy) = (0u64, 0f64);
    while let Some(chunk) = stream.next_chunk()? {
        frames += chunk.len() as u64;
        energy += chunk
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>();
    }
    let rms = if frames > 0 {
        (energy / frames as f64).sqrt()
    } else {
        0.0
    };
    Ok(serde_json::json!({
        "codec": stream.codec(),
        "sample_rate": stream.sample_rate(),
        "channels": stream.channels(),
        "announced_frames": announced,
        "frames": frames,
        "rms": rms,
        "warnings": stream.warnings(),
    }))
}

fn main() {
    for arg in std::env::args().skip(1) {
        let mut line = match describe(Path::new(&arg)) {
            Ok(value) => value,
            Err(e) => serde_json::json!({ "error": format!("{e:?}") }),
        };
        line["file"] = serde_json::Value::String(arg);
        println!("{line}");
    }
}
