//! Every frame feature and summary value against librosa 0.11, on every fixture.
//!
//! `fixtures/reference/*.json` were written by `scripts/gen_reference.py` (librosa.load at
//! 22050 Hz, then librosa's feature functions with their defaults). No Python runs here.
//!
//! How close we must be depends on where the two computations part ways, and each tolerance
//! below names that cause:
//! - float32 vs f64: librosa computes in float32 (BLAS sgemm for mel and chroma, float32 sums
//!   and logs); we compute in f64 from the same float32 spectrum. That leaves relative
//!   differences of a few 1e-7 of each feature's scale, more after a logarithm of a small
//!   value (dB features) and in MFCC (a 128-term sum of dB values).
//! - rolloff: the 85% threshold falls between two cumulative sums that float32 and f64 round
//!   differently in rare frames, moving the rolloff by exactly one bin.
//! - resampler: none. We build the libsoxr that python-soxr vendors with the same SIMD engine
//!   (crates/sonority-soxr-sys), and its output equals librosa's sample for sample.
//! - lossy decoders: librosa decodes Ogg Vorbis with libsndfile's libvorbis, MP3 with
//!   libsndfile's mpg123, Opus with libsndfile's libopus, AAC with the ffmpeg binary; we decode
//!   with symphonia and the bundled libopus. The decoded samples differ in float rounding
//!   (measured: at most 1.8e-7 for Vorbis and Opus, 8.6e-7 for MP3, against signals of RMS
//!   ~0.15). Most features move by the same relative amount, but two take the logarithm or the
//!   minimum of the quietest bins, where such rounding is a large part of the value: spectral
//!   flatness (a geometric mean) and spectral contrast (its valleys, above all in the top band).
//!   These two, and the zero-crossing rate (a sample within rounding of 0 can flip its sign),
//!   get their own bound for lossy files; every other feature keeps a tight one.
//! - M4A: librosa.load reads MP4 through audioread, which asks ffmpeg for 16-bit samples. The
//!   reference for M4A is therefore librosa's analysis of ffmpeg's float32 decode
//!   (`gen_reference.py`, loader "ffmpeg-f32le"); against the 16-bit path the quietest bins
//!   differ by the quantisation noise, not by anything we compute.

use serde_json::Value;
use sonority_features::{analyze_file, FeatureConfig, FileAnalysis, Matrix};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every reference document, with its path for messages.
fn references() -> Vec<(String, Value)> {
    let dir = fixtures().join("reference");
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let p = entry.path();
        let is_ref = p.extension().is_some_and(|e| e == "json")
            && p.file_name().is_some_and(|n| n != "timing.json");
        if !is_ref {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if doc["schema"] == "sonority-reference/1" {
            out.push((p.display().to_string(), doc));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no reference files in {}", dir.display());
    out
}

fn audio_path(doc: &Value) -> PathBuf {
    fixtures().join(doc["file"].as_str().expect("file"))
}

fn analyse(doc: &Value, config: &FeatureConfig) -> FileAnalysis {
    let path = audio_path(doc);
    analyze_file(&path, config).unwrap_or_else(|e| panic!("{e}"))
}

fn extension(doc: &Value) -> String {
    audio_path(doc)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// True when our decoder and librosa's differ in the last bits of each sample (lossy codecs);
/// false for PCM and FLAC, which both sides decode to the same samples.
fn is_lossy(doc: &Value) -> bool {
    matches!(
        extension(doc).as_str(),
        "mp3" | "m4a" | "opus" | "ogg" | "oga"
    )
}

/// Features that decoder rounding of ~1e-7 per sample moves far more than its own size: those
/// that take the logarithm or the minimum of the quietest bins (flatness, contrast; see the
/// top of this file), and the zero-crossing rate, which counts sign changes, so a sample within
/// rounding distance of 0 (common in quiet passages) can add or remove a crossing.
fn noise_floor_sensitive(key: &str) -> bool {
    matches!(
        key,
        "spectral_flatness" | "spectral_contrast" | "zero_crossing_rate"
    )
}

/// Extra relative tolerance for a lossy file, per feature (cause: decoder rounding, see top).
fn lossy_extra(key: &str) -> f64 {
    if noise_floor_sensitive(key) {
        // Measured on the lossy excerpts: frame-level up to 5e-2 of the contrast scale (single
        // top-band frames), summary means up to 6e-4 (contrast) and 1.3e-3 (zero-crossing rate
        // of the quiet ambient excerpt). Frames are compared only through the summary.
        5e-3
    } else {
        // Sample rounding of ~1e-6 relative, accumulated over a frame.
        5e-5
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
}

/// The largest difference between a reference matrix and ours, relative to the reference's
/// largest magnitude (its scale), and where it is.
struct Diff {
    abs: f64,
    rel: f64,
    at: (usize, usize),
}

fn diff_matrix(reference: &Value, ours: &Matrix) -> Result<Diff, String> {
    let rows: Vec<Vec<f64>> = reference
        .as_array()
        .ok_or("not an array")?
        .iter()
        .map(floats)
        .collect();
    if rows.len() != ours.rows() || rows.iter().any(|r| r.len() != ours.cols()) {
        return Err(format!(
            "shape {}x{} vs ours {}x{}",
            rows.len(),
            rows.first().map_or(0, Vec::len),
            ours.rows(),
            ours.cols()
        ));
    }
    let scale = rows
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let mut d = Diff {
        abs: 0.0,
        rel: 0.0,
        at: (0, 0),
    };
    for (r, row) in rows.iter().enumerate() {
        for (c, &want) in row.iter().enumerate() {
            let got = f64::from(ours.get(r, c));
            // A NaN on either side counts as an infinite difference.
            let abs = (got - want).abs();
            let abs = if abs.is_nan() { f64::INFINITY } else { abs };
            if abs > d.abs {
                d = Diff {
                    abs,
                    rel: abs / scale,
                    at: (r, c),
                };
            }
        }
    }
    Ok(d)
}

/// Frames whose rolloff differs from librosa's by exactly one FFT bin, and the largest
/// difference of the others.
fn rolloff_diff(reference: &Value, ours: &Matrix, bin_hz: f64) -> (usize, f64) {
    let want = floats(&reference[0]);
    let mut one_bin = 0;
    let mut worst_other = 0.0f64;
    for (c, &w) in want.iter().enumerate() {
        let d = (f64::from(ours.get(0, c)) - w).abs();
        if (d - bin_hz).abs() < 1e-3 {
            one_bin += 1;
        } else {
            worst_other = worst_other.max(d);
        }
    }
    (one_bin, worst_other)
}

/// Relative tolerance of each frame feature, against the feature's largest magnitude, for a
/// signal both sides hold bit for bit (cause: float32 vs f64 arithmetic).
fn frame_tolerance(key: &str) -> f64 {
    match key {
        // float32 sums over 1025 bins, float32 sqrt/log: a few float32 ulps of the scale.
        "rms" | "spectral_centroid" | "spectral_bandwidth" => 2e-6,
        // A float32 mean of 1025 natural logs of powers down to 1e-10 (|ln| up to 23), then
        // exp: the geometric mean carries a relative error of a few 1e-6.
        "spectral_flatness" => 1e-5,
        // float32 sgemm over 1025 bins, then a per-frame division by the frame maximum.
        "chroma_stft" | "chroma_stft_tuning0" | "melspectrogram" => 5e-6,
        // dB of float32 means of a few bins: ulps of the dB value, relative to ~60-80 dB.
        "spectral_contrast" => 5e-6,
        // 128-term float32 DCT of float32 dB values (FEATURES.md: MFCC up to ~7e-5 relative).
        "mfcc" => 7e-5,
        // float32 mean over 128 dB differences of float32 dB values.
        "onset_strength" => 2e-5,
        // Counts over 2048 samples: exact.
        "zero_crossing_rate" => 0.0,
        _ => 2e-6,
    }
}

/// Compares every frame feature of one analysis with the reference; returns failures.
fn check_frames(name: &str, doc: &Value, ours: &FileAnalysis, lossy: bool) -> Vec<String> {
    let mut failures = Vec::new();
    let frames = &doc["frames"];
    let bin_hz = 22050.0 / 2048.0;
    for key in sonority_features::FrameFeatures::KEYS {
        let m = ours.analysis.frames.get(key).expect("key");
        if key == "spectral_rolloff" {
            let (one_bin, worst) = rolloff_diff(&frames[key], m, bin_hz);
            // One-bin moves where float32 and f64 cumulative sums straddle the threshold:
            // rare, never more than 2% of frames here; any other difference is a bug.
            let limit = (m.cols() as f64 * 0.02).ceil() as usize;
            println!(
                "{name:48} {key:22} one-bin frames {one_bin}/{} other max {worst:.3e}",
                m.cols()
            );
            if one_bin > limit || worst > 1e-3 {
                failures.push(format!(
                    "{name} {key}: {one_bin} one-bin frames, other diff {worst}"
                ));
            }
            continue;
        }
        if lossy && noise_floor_sensitive(key) {
            // Frame by frame these follow the decoder's rounding noise (see top); their
            // summaries are compared below.
            continue;
        }
        match diff_matrix(&frames[key], m) {
            Err(e) => failures.push(format!("{name} {key}: {e}")),
            Ok(d) => {
                let tol = frame_tolerance(key) + if lossy { lossy_extra(key) } else { 0.0 };
                println!(
                    "{name:48} {key:22} max|d| {:.3e} rel {:.3e} at {:?} (tol {tol:.1e})",
                    d.abs, d.rel, d.at
                );
                if d.rel > tol {
                    failures.push(format!(
                        "{name} {key}: rel diff {:.3e} > {tol:.1e} at {:?}",
                        d.rel, d.at
                    ));
                }
            }
        }
    }
    failures
}

/// Compares the summary (means, stds, timbre, tempo, tuning), each vector relative to its
/// largest magnitude.
fn check_summary(
    name: &str,
    want: &Value,
    librosa_errors: &Value,
    ours: &FileAnalysis,
    lossy: bool,
) -> Vec<String> {
    let s = &ours.analysis.summary;
    let mut failures = Vec::new();
    let compare = |label: String, want: Vec<f64>, got: &[f64], scale: f64, tol: f64| {
        if want.len() != got.len() {
            return Some(format!(
                "{name} {label}: length {} vs {}",
                want.len(),
                got.len()
            ));
        }
        let scale = want
            .iter()
            .fold(scale, |m, v| m.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        let worst = want
            .iter()
            .zip(got)
            .map(|(w, g)| (w - g).abs())
            .fold(0.0, f64::max);
        (worst / scale > tol)
            .then(|| format!("{name} {label}: rel diff {:.3e} > {tol:.1e}", worst / scale))
    };
    for (key, stats) in &s.stats {
        if let Some(err) = librosa_errors.get(key.as_str()) {
            // librosa refuses this feature here (spectral contrast at rates of 12.8 kHz or
            // less: bands above Nyquist). We return 0 dB for the empty bands: finite values.
            println!("{name:48} {key}: librosa raised {err}");
            if !stats.mean.iter().chain(&stats.std).all(|v| v.is_finite()) {
                failures.push(format!("{name} {key}: non-finite where librosa raised"));
            }
            continue;
        }
        // Means average the frame values, so the frame bound carries over; a std is a
        // difference of such values and can lose one more digit.
        let extra = if lossy { lossy_extra(key) } else { 0.0 };
        let tol = frame_tolerance(key).max(2e-6) * 10.0 + extra;
        let tol = if key == "spectral_rolloff" {
            tol + 0.02 * 10.77 / 5000.0
        } else {
            tol
        };
        failures.extend(compare(
            format!("{key}.mean"),
            floats(&want[key]["mean"]),
            &stats.mean,
            0.0,
            tol,
        ));
        failures.extend(compare(
            format!("{key}.std"),
            floats(&want[key]["std"]),
            &stats.std,
            0.0,
            tol * 10.0,
        ));
    }
    // Timbre comes from the MFCC: its rounding is relative to the MFCC's own scale (which
    // coefficient 0 dominates), e.g. exact zeros in librosa vs 1e-13 here for silence.
    let mfcc_scale = s
        .get("mfcc")
        .map_or(0.0, |m| m.mean.iter().fold(0.0f64, |a, v| a.max(v.abs())));
    let mfcc_tol = frame_tolerance("mfcc") * 10.0 + if lossy { lossy_extra("mfcc") } else { 0.0 };
    failures.extend(compare(
        "timbre.mean".into(),
        floats(&want["timbre"]["mean"]),
        &s.timbre.mean,
        mfcc_scale,
        mfcc_tol,
    ));
    match (&want["timbre"]["cov_upper"], &s.timbre.cov_upper) {
        (Value::Null, None) => {}
        (w, Some(c)) if !w.is_null() => {
            let var_scale = s
                .get("mfcc")
                .map_or(0.0, |m| m.std.iter().fold(0.0f64, |a, v| a.max(v * v)));
            failures.extend(compare(
                "timbre.cov".into(),
                floats(w),
                c,
                var_scale * 1e-3,
                mfcc_tol * 10.0,
            ));
        }
        _ => failures.push(format!("{name} timbre.cov: null on one side only")),
    }
    let want_bpm = want["tempo"]["bpm"].as_f64().unwrap_or(f64::NAN);
    let want_tuning = want["tuning"].as_f64().unwrap_or(f64::NAN);
    println!(
        "{name:48} tempo {:.4} vs {want_bpm:.4}, tuning {:.2} vs {want_tuning:.2}",
        s.tempo_bpm, s.tuning
    );
    // Tempo and tuning are argmaxes over discrete grids: the same bin, or a bug. (With
    // different decoded samples a histogram count could tie differently; it did not on any
    // fixture, so this stays exact for every format.)
    if s.tempo_bpm != want_bpm {
        failures.push(format!("{name} tempo {} vs {want_bpm}", s.tempo_bpm));
    }
    if (s.tuning - want_tuning).abs() > 1e-12 {
        failures.push(format!("{name} tuning {} vs {want_tuning}", s.tuning));
    }
    failures
}

fn assert_none(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn synthetic_and_real_frames_match_librosa() {
    let config = FeatureConfig::default();
    let mut failures = Vec::new();
    for (name, doc) in references()
        .iter()
        .filter(|(_, d)| d.get("frames").is_some())
    {
        let ours = analyse(doc, &config);
        let n = doc["signal"]["n_samples"].as_u64().unwrap_or(0) as usize;
        if ours.analysis.n_samples != n {
            failures.push(format!(
                "{name}: {} samples vs librosa {n}",
                ours.analysis.n_samples
            ));
            continue;
        }
        let lossy = is_lossy(doc);
        failures.extend(check_frames(name, doc, &ours, lossy));
        failures.extend(check_summary(
            name,
            &doc["summary"],
            &doc["errors"],
            &ours,
            lossy,
        ));
    }
    assert_none(failures);
}

#[test]
fn every_format_summary_matches_librosa() {
    let config = FeatureConfig::default();
    let mut failures = Vec::new();
    for (name, doc) in &references() {
        let ours = analyse(doc, &config);
        let n = doc["signal"]["n_samples"].as_u64().unwrap_or(0) as usize;
        if ours.analysis.n_samples != n {
            failures.push(format!(
                "{name}: {} samples vs librosa {n}",
                ours.analysis.n_samples
            ));
            continue;
        }
        failures.extend(check_summary(
            name,
            &doc["summary"],
            &doc["errors"],
            &ours,
            is_lossy(doc),
        ));
    }
    assert_none(failures);
}

#[test]
fn native_rate_summaries_match_librosa() {
    let config = FeatureConfig {
        sample_rate: None,
        ..FeatureConfig::default()
    };
    let mut failures = Vec::new();
    for (name, doc) in references()
        .iter()
        .filter(|(_, d)| d.get("native").is_some())
    {
        let native = &doc["native"];
        let ours = analyse(doc, &config);
        let n = native["signal"]["n_samples"].as_u64().unwrap_or(0) as usize;
        if ours.analysis.n_samples != n {
            failures.push(format!(
                "{name}: native {} samples vs {n}",
                ours.analysis.n_samples
            ));
            continue;
        }
        failures.extend(check_summary(
            name,
            &native["summary"],
            &native["errors"],
            &ours,
            is_lossy(doc),
        ));
    }
    assert_none(failures);
}
