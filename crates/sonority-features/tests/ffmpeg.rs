//! The files of `fixtures/ffmpeg/` (built by `scripts/make_ffmpeg_fixtures.py`): real music in
//! the formats only ffmpeg decodes here (WMA, WavPack, TTA, AC-3, E-AC-3, DTS, Speex,
//! RealAudio, 5.1 AAC, MP3 inside WAV, AC-3 in Matroska), and the multichannel lossy files that
//! were decoded wrongly (5.1 Vorbis, 5.1 Opus at 8 kHz).
//!
//! Each must be read by the decoder `expected.json` names, with ffmpeg's rate, channels, codec
//! name and length; its mono signal must equal ffmpeg's decode downmixed as numpy does (sample
//! for sample when ffmpeg decoded it); and its features must equal librosa's on ffmpeg's float
//! decode of the same file.
//!
//! These tests need an `ffmpeg` executable. Without one they are skipped with a message, except
//! under `CI=true`, where a missing ffmpeg fails them (CI installs it: `scripts/setup.sh
//! --test`).

mod common;

use common::have_ffmpeg;
use serde_json::Value;
use sonority_features::{
    analyze_file, decode_file, decode_file_with, Decoder, FeatureConfig, FeatureError,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Natively decoded multichannel files against ffmpeg's decoders, per sample of the downmix.
/// Measured: 5.1 Vorbis 6.0e-8 (symphonia's and ffmpeg's inverse MDCTs round differently;
/// 1.8e-7 per channel before the downmix), 5.1 Opus at 8 kHz 0 (libopus on both sides: the
/// reference is `ffmpeg -c:a libopus`; ffmpeg's own Opus decoder upsamples SILK's 8 kHz
/// output with another filter and differs by up to 0.11, see make_ffmpeg_fixtures.py).
const NATIVE_SAMPLE_TOL: f64 = 1e-6;

/// Summary tolerance, relative to each feature's largest magnitude, when the samples are
/// ffmpeg's own: what is left is float32 rounding inside librosa (float32 STFT products, BLAS
/// sgemm for mel and chroma) against our f64, as on lossless files in `tests/reference.rs`
/// (README: at most 2.9e-7 there; flatness, a float32 mean of 1025 logs, 2.3e-6). Measured
/// here at most 8.3e-7 (flatness of the 5.1 AC-3 file), rolloff apart.
const SUMMARY_TOL: f64 = 3e-6;
/// Spectral rolloff: the first bin where librosa's float32 cumulative energy passes 85%; a
/// frame whose sum lands within rounding of the threshold moves by one bin (10.8 Hz). Measured
/// up to 1.9e-4 of the largest rolloff (5.1 AC-3; WMA 6.8e-5), a few such frames.
const ROLLOFF_TOL: f64 = 1e-3;
/// A file decoded by another decoder than the reference's (5.1 Vorbis: symphonia against
/// ffmpeg's Vorbis decoder, samples within 6e-8): zero crossings flip on samples within
/// rounding of 0 and flatness and contrast follow the quietest bins, as for the lossy formats
/// of `tests/reference.rs` (README: zero-crossing summary 1.3e-3, flatness 5e-3, contrast
/// 6e-4). Measured here: 1.1e-3 (contrast).
const OTHER_DECODER_SUMMARY_TOL: f64 = 5e-3;
/// Per-frame RMS, relative to the largest: float32 sums of squares in librosa against our f64
/// (README: 1.3e-7), plus the decoders' rounding for Vorbis. Measured: 1.5e-7 (5.1 Vorbis;
/// the others 7e-8 to 1e-7). With the released symphonia Vorbis decoder: 0.44.
const FRAME_RMS_TOL: f64 = 1e-6;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ffmpeg")
}

fn entries() -> Vec<Value> {
    let text = std::fs::read_to_string(dir().join("expected.json")).expect("expected.json");
    let doc: Value = serde_json::from_str(&text).expect("json");
    doc["files"].as_array().expect("files").clone()
}

/// ffmpeg's decode of `path` to float (with the decoder `input_decoder`, when given),
/// downmixed as numpy's `mean(axis=0)` does below 8 channels: left to right from 0 in f32,
/// divided by the count in f32.
fn ffmpeg_mono(path: &Path, channels: usize, input_decoder: Option<&str>) -> Vec<f32> {
    let decoder: Vec<&str> = input_decoder.map_or(vec![], |d| vec!["-c:a", d]);
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error"])
        .args(decoder)
        .arg("-i")
        .arg(path)
        .args(["-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "ffmpeg failed on {}", path.display());
    let samples: Vec<f32> = out
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert!(
        channels < 8,
        "numpy's pairwise order is not reproduced here"
    );
    samples
        .chunks_exact(channels)
        .map(|frame| {
            if channels == 1 {
                frame[0]
            } else {
                frame.iter().fold(0.0f32, |a, &x| a + x) / channels as f32
            }
        })
        .collect()
}

#[test]
fn files_are_decoded_by_the_expected_decoder_as_ffmpeg_decodes_them() {
    if !have_ffmpeg("decode") {
        return;
    }
    let files = entries();
    assert!(files.len() >= 13, "fixtures missing");
    for e in &files {
        let name = e["file"].as_str().expect("name");
        let path = dir().join(name);
        let audio = decode_file(&path).unwrap_or_else(|err| panic!("{name}: {err}"));
        let decoder = e["decoder"].as_str().expect("decoder");
        assert_eq!(audio.decoder.as_str(), decoder, "{name}: decoder");
        assert_eq!(audio.codec, e["codec"].as_str().expect("codec"), "{name}");
        let channels = e["channels"].as_u64().expect("channels") as usize;
        assert_eq!(audio.channels, channels, "{name}: channels");
        assert_eq!(
            u64::from(audio.sample_rate),
            e["sample_rate"].as_u64().unwrap()
        );
        assert_eq!(
            audio.samples.len() as u64,
            e["frames"].as_u64().unwrap(),
            "{name}: length"
        );
        assert!(audio.warnings.is_empty(), "{name}: {:?}", audio.warnings);
        let theirs = ffmpeg_mono(&path, channels, e["ffmpeg_decoder"].as_str());
        assert_eq!(theirs.len(), audio.samples.len(), "{name}");
        let worst = theirs
            .iter()
            .zip(&audio.samples)
            .map(|(&a, &b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max);
        if decoder == "ffmpeg" {
            // The same samples, downmixed in the same order: identical.
            assert!(theirs == audio.samples, "{name}: differs by {worst:e}");
        } else {
            assert!(worst <= NATIVE_SAMPLE_TOL, "{name}: differs by {worst:e}");
        }
        println!("{name:22} {decoder:6} largest sample difference from ffmpeg {worst:.2e}");
    }
}

#[test]
fn features_equal_librosa_on_ffmpegs_decode() {
    if !have_ffmpeg("features") {
        return;
    }
    let config = FeatureConfig::default();
    let mut failures = Vec::new();
    for e in entries() {
        let name = e["file"].as_str().expect("name");
        let ours = analyze_file(&dir().join(name), &config).unwrap_or_else(|e| panic!("{e}"));
        // The same samples as the reference unless another decoder made them (Vorbis).
        let other_decoder = e["decoder"] == "native" && e["ffmpeg_decoder"].is_null();
        assert_eq!(ours.source.decoder.as_str(), e["decoder"].as_str().unwrap());
        let summary = &ours.analysis.summary;
        assert_eq!(
            ours.analysis.n_samples as u64,
            e["n_samples"].as_u64().unwrap(),
            "{name}: resampled length"
        );
        let mut worst: (f64, &str) = (0.0, "");
        let mut worst_but_rolloff: (f64, &str) = (0.0, "");
        for (key, stats) in &summary.stats {
            let want = &e["summary"][key.as_str()];
            if e["librosa_errors"].get(key.as_str()).is_some() {
                continue; // librosa refuses contrast at 8 kHz; README explains ours
            }
            let tol = match key.as_str() {
                _ if other_decoder => OTHER_DECODER_SUMMARY_TOL,
                "spectral_rolloff" => ROLLOFF_TOL,
                _ => SUMMARY_TOL,
            };
            for (part, got) in [("mean", &stats.mean), ("std", &stats.std)] {
                let want: Vec<f64> = want[part]
                    .as_array()
                    .unwrap_or_else(|| panic!("{name} {key}"))
                    .iter()
                    .map(|v| v.as_f64().expect("number"))
                    .collect();
                assert_eq!(want.len(), got.len(), "{name} {key}");
                let scale = want.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
                let diff = want
                    .iter()
                    .zip(got.iter())
                    .map(|(w, g)| (w - g).abs() / scale)
                    .fold(0.0, f64::max);
                if diff > worst.0 {
                    worst = (diff, key);
                }
                if diff > worst_but_rolloff.0 && key != "spectral_rolloff" {
                    worst_but_rolloff = (diff, key);
                }
                if diff > tol {
                    failures.push(format!("{name} {key} {part}: {diff:.2e} > {tol:.0e}"));
                }
            }
        }
        let rms = ours.analysis.frames.get("rms").expect("rms frames").row(0);
        let want: Vec<f64> = e["frames_subset"]["rms"][0]
            .as_array()
            .expect("rms frames")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        assert_eq!(want.len(), rms.len(), "{name}: frame count");
        let scale = want.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
        let rms_diff = want
            .iter()
            .zip(rms)
            .map(|(w, &g)| (w - f64::from(g)).abs() / scale)
            .fold(0.0, f64::max);
        if rms_diff > FRAME_RMS_TOL {
            failures.push(format!(
                "{name} rms frames: {rms_diff:.2e} > {FRAME_RMS_TOL:.0e}"
            ));
        }
        let tempo = e["summary"]["tempo"]["bpm"].as_f64().unwrap();
        let tuning = e["summary"]["tuning"].as_f64().unwrap();
        if (summary.tempo_bpm - tempo).abs() > 1e-6 || (summary.tuning - tuning).abs() > 1e-6 {
            failures.push(format!(
                "{name}: tempo {} tuning {} vs librosa {tempo} {tuning}",
                summary.tempo_bpm, summary.tuning
            ));
        }
        println!(
            "{name:22} largest summary difference from librosa on ffmpeg's decode {:.2e} ({}); \
             rolloff apart {:.2e} ({}); frame rms {rms_diff:.2e}",
            worst.0, worst.1, worst_but_rolloff.0, worst_but_rolloff.1
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn native_only_refuses_what_needs_ffmpeg_and_ffmpeg_reads_everything() {
    if !have_ffmpeg("choice") {
        return;
    }
    for e in entries() {
        let name = e["file"].as_str().expect("name");
        let path = dir().join(name);
        let native = decode_file_with(&path, Decoder::Native);
        if e["decoder"] == "native" {
            assert!(native.is_ok(), "{name}");
        } else {
            let err = native.expect_err(name);
            assert!(
                matches!(err, FeatureError::Unsupported { .. }),
                "{name}: {err}"
            );
        }
        let forced = decode_file_with(&path, Decoder::Ffmpeg).expect(name);
        assert_eq!(forced.decoder, Decoder::Ffmpeg, "{name}");
        assert_eq!(forced.samples.len() as u64, e["frames"].as_u64().unwrap());
    }
}

/// Implicitly signalled HE-AAC (SBR data only inside the bitstream, fixtures/decode/
/// aac_implicit_sbr.aac, made by hand): the native decoder would have decoded its 22.05 kHz
/// core as the track; it is refused natively and goes to ffmpeg, which decodes SBR (44.1 kHz,
/// twice the frames).
#[test]
fn implicit_he_aac_goes_to_ffmpeg() {
    if !have_ffmpeg("he-aac") {
        return;
    }
    let path = dir().join("../decode/aac_implicit_sbr.aac");
    let err = decode_file_with(&path, Decoder::Native).expect_err("refused natively");
    assert!(err.to_string().contains("HE-AAC"), "{err}");
    let audio = decode_file(&path).expect("ffmpeg decodes it");
    assert_eq!(audio.decoder, Decoder::Ffmpeg);
    assert_eq!(audio.sample_rate, 44100);
    assert_eq!(audio.samples.len(), 24576);
}

#[test]
fn ffmpeg_errors_name_the_file_and_say_what_ffmpeg_said() {
    if !have_ffmpeg("errors") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = tmp.path().join("notes.wma");
    std::fs::write(&text, "not audio at all\n".repeat(50)).expect("write");
    let err = decode_file(&text).expect_err("text is not audio");
    let message = err.to_string();
    assert!(matches!(err, FeatureError::Unsupported { .. }), "{message}");
    assert!(
        message.contains("notes.wma") && message.contains("ffmpeg:"),
        "{message}"
    );
    let err = decode_file_with(&text, Decoder::Ffmpeg).expect_err("text is not audio");
    assert!(matches!(err, FeatureError::Ffmpeg { .. }), "{err}");
    // A file with no audio stream at all (a still image).
    let image = tmp.path().join("cover.wma");
    let made = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=16x16:d=0.1",
        ])
        .args(["-frames:v", "1", "-f", "image2", "-c:v", "png"])
        .arg(&image)
        .status()
        .expect("ffmpeg runs");
    assert!(made.success());
    let err = decode_file_with(&image, Decoder::Ffmpeg).expect_err("no audio");
    assert!(matches!(err, FeatureError::NoAudio { .. }), "{err}");
}
