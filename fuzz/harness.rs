//! What each fuzz target does with its input, shared by the targets (`fuzz_targets/`) and the
//! regression test that replays `fixtures/fuzz-regressions/` through the same code
//! (`crates/sonority-library/tests/fuzz_regressions.rs`). Errors are fine; a panic, an abort,
//! a hang or a runaway allocation is a finding.

use sonority_features::{
    analyze_file_with, analyze_signal_with, resample, Decoder, Detail, FeatureConfig,
};
use sonority_tags::{read_tags, sniff_bytes, sniff_file};
use std::io::Write;

/// `data` written to a temporary file, or `None` when that fails (not a finding).
fn temp_file(data: &[u8]) -> Option<tempfile::NamedTempFile> {
    let mut file = tempfile::NamedTempFile::new().ok()?;
    file.write_all(data).and_then(|()| file.flush()).ok()?;
    Some(file)
}

/// Lets panics that sonority itself contains pass: libfuzzer-sys's panic hook aborts on every
/// panic, even one caught by the `catch_unwind` that sonority puts around symphonia's probe and
/// decoders (which reports it as damage, see `decode/stream.rs`). With the default hook back,
/// only a panic that escapes sonority (one that would reach a caller) aborts, through
/// libfuzzer-sys's own `catch_unwind` around the target. Called once per process.
fn contain_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = std::panic::take_hook();
    });
}

/// Arbitrary bytes as an audio file, through the path every file of a library takes: written
/// to a file, then decoded, resampled and analysed by `analyze_file_with` (the native
/// decoders only: ffmpeg is another process, not this code).
pub fn decode(data: &[u8]) {
    contain_caught_panics();
    let Some(file) = temp_file(data) else {
        return;
    };
    let config = FeatureConfig {
        decoder: Decoder::Native,
        ..FeatureConfig::default()
    };
    let _ = analyze_file_with(file.path(), &config, Detail::Summary);
}

/// The sample rates the first byte of a `features` input picks from.
const RATES: [u32; 8] = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000];

/// Feature computation on an arbitrary sample buffer (NaN, infinities, denormals, silence,
/// lengths from one sample up). The first byte picks the rate (bits 0-2), frames or summary
/// only (bit 3), and resampling to the analysis rate first (bit 4, as a file's signal is);
/// the rest is little-endian f32 samples.
pub fn features(data: &[u8]) {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let rate = RATES[usize::from(head & 7)];
    let detail = if head & 8 == 0 {
        Detail::Summary
    } else {
        Detail::Frames
    };
    let samples: Vec<f32> = body
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let config = FeatureConfig::default();
    let target = config.sample_rate.unwrap_or(rate);
    if head & 16 == 0 || rate == target {
        let _ = analyze_signal_with(&samples, rate, &config, detail);
    } else if let Ok(signal) = resample(&samples, rate, target, config.resampler) {
        let _ = analyze_signal_with(&signal, target, &config, detail);
    }
}

/// Arbitrary bytes as a file whose tags are read (lofty, as `scan` and `analyze` read them)
/// and whose content is recognised (`sniff_file`, `sniff_bytes`).
pub fn tags(data: &[u8]) {
    let _ = sniff_bytes(data, true);
    let Some(file) = temp_file(data) else {
        return;
    };
    let _ = sniff_file(file.path());
    let _ = read_tags(file.path());
}
