//! The fuzz targets' inputs replayed through the public API, in CI: every file under
//! `fixtures/fuzz-regressions/<target>/` (inputs that once crashed or hung a target, each
//! fixed since) and the seed inputs (`fixtures/decode/`), through the same harness as the
//! targets (`fuzz/harness.rs`). Each input must return, with a result or an error, within a
//! minute: a panic, an abort or a hang fails the test. `scripts/fuzz` runs the fuzzers.

#[allow(dead_code)]
#[path = "../../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The files of `dir`, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Runs `target` on every file, each on a thread of its own with a time limit.
fn replay(target: fn(&[u8]), inputs: &[PathBuf]) {
    for path in inputs {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (done, finished) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            target(&data);
            let _ = done.send(());
        });
        match finished.recv_timeout(Duration::from_secs(60)) {
            Ok(()) => worker.join().expect("joined"),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{}: still running after 60 s", path.display())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("{}: the target panicked (see above)", path.display())
            }
        }
    }
}

fn regressions(target: &str) -> Vec<PathBuf> {
    files(&fixtures().join("fuzz-regressions").join(target))
}

#[test]
fn decode_inputs_do_not_crash() {
    let mut inputs = regressions("decode");
    inputs.extend(files(&fixtures().join("decode")));
    replay(harness::decode, &inputs);
}

#[test]
fn tag_inputs_do_not_crash() {
    let mut inputs = regressions("tags");
    inputs.extend(files(&fixtures().join("decode")));
    replay(harness::tags, &inputs);
}

#[test]
fn feature_inputs_do_not_crash() {
    let inputs = regressions("features");
    replay(harness::features, &inputs);
    // Edge signals: one sample, NaN, infinity, silence, denormals, at every rate choice.
    let edge: [&[f32]; 5] = [
        &[0.5],
        &[f32::NAN; 3000],
        &[f32::INFINITY],
        &[0.0; 5000],
        &[1e-40; 4096],
    ];
    for head in 0..32u8 {
        for samples in edge {
            let mut data = vec![head];
            data.extend(samples.iter().flat_map(|v| v.to_le_bytes()));
            harness::features(&data);
        }
    }
}

/// The `decode` finding (fixtures/fuzz-regressions/README.md): text, then a 32-channel
/// WAVE_FORMAT_EXTENSIBLE WAV with an empty channel mask, on which symphonia's probe overflows
/// a shift. The panic stays inside sonority: the analysis fails with an error naming the file.
#[test]
fn wav_behind_text_with_an_empty_32_channel_mask_is_an_error() {
    use sonority_features::{analyze_file_with, Decoder, Detail, FeatureConfig};
    let path = fixtures().join("fuzz-regressions/decode/riff-channel-mask-shift-overflow.bin");
    let config = FeatureConfig {
        decoder: Decoder::Native,
        ..FeatureConfig::default()
    };
    match analyze_file_with(&path, &config, Detail::Summary) {
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("riff-channel-mask-shift-overflow.bin"),
                "{message}"
            );
            eprintln!("{message}");
        }
        // A build without overflow checks wraps the shift and may decode something: fine too,
        // as long as nothing escapes.
        Ok(a) => eprintln!("decoded {} frames", a.source.n_frames),
    }
}
