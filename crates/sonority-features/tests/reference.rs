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
//! - rolloff: the 85% threshold could fall between two cumulative sums that float32 and f64
//!   round differently, moving the rolloff by one bin; on no frame of the fixtures does it.
//!
//! Every matrix is judged row by row (each mel band, MFCC coefficient, chroma bin against its
//! own largest magnitude), summaries likewise (each row's mean and std against that row's
//! frame scale). The bounds are 5x the worst case measured over all fixtures (the `MEASURED`
//! table at the end, printed by `report_worst_relative_errors`).
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
/// rounding distance of 0 (common in quiet passages) can add or remove a crossing. On lossy
/// files their frames are compared only through their summaries.
fn noise_floor_sensitive(key: &str) -> bool {
    matches!(
        key,
        "spectral_flatness" | "spectral_contrast" | "zero_crossing_rate"
    )
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
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

/// The largest difference of a reference matrix (or vector) and ours, each row judged against
/// its own largest magnitude: a quiet mel band against itself, not against the loudest band.
#[derive(Debug, Clone, Copy, Default)]
struct RowDiff {
    /// |ours - librosa| / the row's scale.
    rel: f64,
    abs: f64,
    row: usize,
    col: usize,
    /// The row's scale: its largest magnitude, at least [`ZERO_ROW`] of the whole feature's.
    row_scale: f64,
}

/// A row whose largest magnitude is below this fraction of the whole feature's is numerically
/// zero and is judged against this fraction instead: MFCC 1..19 of digital silence are exactly
/// 0 in librosa and 1.6e-13 here (f64 rounding of the DCT of a constant -100 dB column), i.e.
/// 1.4e-16 of MFCC 0. The floor is far below float32 resolution (6e-8), so it loosens nothing
/// that float32 could represent.
const ZERO_ROW: f64 = 1e-9;

/// Row scales: each row's largest magnitude, floored at [`ZERO_ROW`] of the largest overall.
fn scales_of(rows: &[Vec<f64>]) -> Vec<f64> {
    let peaks: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().fold(0.0f64, |m, v| m.max(v.abs())))
        .collect();
    let floor = peaks.iter().fold(0.0f64, |m, &v| m.max(v)) * ZERO_ROW;
    peaks.iter().map(|&p| p.max(floor)).collect()
}

/// The worst element of `got` against `want`, element `(r, c)` judged against `scale(r, c)`.
fn worst_of(
    want: &[Vec<f64>],
    got: impl Fn(usize, usize) -> f64,
    scale: impl Fn(usize, usize) -> f64,
) -> RowDiff {
    let mut worst = RowDiff::default();
    for (r, row) in want.iter().enumerate() {
        for (c, &w) in row.iter().enumerate() {
            let abs = (got(r, c) - w).abs();
            let row_scale = scale(r, c);
            // A NaN on either side, or any difference where the scale is 0, is infinite.
            let rel = match abs {
                a if a.is_nan() => f64::INFINITY,
                0.0 => 0.0,
                a => a / row_scale,
            };
            if rel > worst.rel {
                worst = RowDiff {
                    rel,
                    abs,
                    row: r,
                    col: c,
                    row_scale,
                };
            }
        }
    }
    worst
}

fn matrix_of(reference: &Value) -> Vec<Vec<f64>> {
    reference
        .as_array()
        .map(|a| a.iter().map(floats).collect())
        .unwrap_or_default()
}

fn frames_row_diff(reference: &Value, ours: &Matrix) -> Result<RowDiff, String> {
    let rows = matrix_of(reference);
    if rows.len() != ours.rows() || rows.iter().any(|r| r.len() != ours.cols()) {
        return Err(format!(
            "shape {}x{} vs ours {}x{}",
            rows.len(),
            rows.first().map_or(0, Vec::len),
            ours.rows(),
            ours.cols()
        ));
    }
    let scales = scales_of(&rows);
    Ok(worst_of(
        &rows,
        |r, c| f64::from(ours.get(r, c)),
        |r, _| scales[r],
    ))
}

/// The scale of each row of our frame values of `key` (for its summary).
fn row_scales(ours: &FileAnalysis, key: &str) -> Vec<f64> {
    let rows: Vec<Vec<f64>> = ours.analysis.frames.get(key).map_or_else(Vec::new, |m| {
        (0..m.rows())
            .map(|r| m.row(r).iter().map(|&v| f64::from(v)).collect())
            .collect()
    });
    scales_of(&rows)
}

/// Which side of the decoder split a file is on (see the top of this file), and whether it is
/// analysed at its native rate (summaries only) or at 22050 Hz: each has its own bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Lossless,
    Lossy,
    LosslessNative,
    LossyNative,
}

impl Class {
    fn of(doc: &Value, native: bool) -> Self {
        match (is_lossy(doc), native) {
            (false, false) => Class::Lossless,
            (true, false) => Class::Lossy,
            (false, true) => Class::LosslessNative,
            (true, true) => Class::LossyNative,
        }
    }
}

/// One measured comparison: a feature's frames, summary mean or std, or the timbre summary.
struct Measured {
    key: String,
    part: &'static str,
    d: RowDiff,
}

/// Measures every frame feature of one analysis against the reference (rolloff apart: see
/// [`check_rolloff`]).
fn measure_frames(doc: &Value, ours: &FileAnalysis) -> (Vec<Measured>, Vec<String>) {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for key in sonority_features::FrameFeatures::KEYS {
        if key == "spectral_rolloff" {
            continue;
        }
        let m = ours.analysis.frames.get(key).expect("key");
        match frames_row_diff(&doc["frames"][key], m) {
            Ok(d) => out.push(Measured {
                key: key.to_string(),
                part: "frames",
                d,
            }),
            Err(e) => errors.push(format!("{key}: {e}")),
        }
    }
    (out, errors)
}

/// Rolloff is a bin frequency: equal to librosa's, or off by whole bins. README: no one-bin
/// move on any frame (measured: 0 of 1302 lossless and 0 of 864 lossy frames).
fn check_rolloff(name: &str, doc: &Value, ours: &FileAnalysis) -> Option<String> {
    let m = ours.analysis.frames.get("spectral_rolloff").expect("key");
    let (one_bin, worst) = rolloff_diff(&doc["frames"]["spectral_rolloff"], m, 22050.0 / 2048.0);
    (one_bin > 0 || worst > 0.0).then(|| {
        format!(
            "{name} spectral_rolloff: {one_bin} one-bin frames of {}, other diff {worst}",
            m.cols()
        )
    })
}

/// Compares a summary vector with `want`, element `i` against `scales[i]`.
fn compare_vector(
    key: &str,
    part: &'static str,
    want: Vec<f64>,
    got: &[f64],
    scales: &[f64],
) -> Result<Measured, String> {
    if want.len() != got.len() || want.len() > scales.len() {
        return Err(format!(
            "{key}.{part}: length {} vs {}",
            want.len(),
            got.len()
        ));
    }
    let d = worst_of(&[want], |_, c| got[c], |_, c| scales[c]);
    Ok(Measured {
        key: key.to_string(),
        part,
        d,
    })
}

/// Measures the summary (means and stds per row, timbre) against `want`. Features librosa
/// refuses here (`errors`) must be finite on our side.
fn measure_summary(
    want: &Value,
    librosa_errors: &Value,
    ours: &FileAnalysis,
) -> (Vec<Measured>, Vec<String>) {
    let s = &ours.analysis.summary;
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let mut refused_non_finite = Vec::new();
    let mut vector =
        |key: &str, part: &'static str, want: Vec<f64>, got: &[f64], scales: &[f64]| {
            match compare_vector(key, part, want, got, scales) {
                Ok(m) => out.push(m),
                Err(e) => errors.push(e),
            }
        };
    for (key, stats) in &s.stats {
        if let Some(err) = librosa_errors.get(key.as_str()) {
            // librosa refuses this feature here (spectral contrast at rates of 12.8 kHz or
            // less: bands above Nyquist). We return 0 dB for the empty bands: finite values.
            println!("{key}: librosa raised {err}");
            if !stats.mean.iter().chain(&stats.std).all(|v| v.is_finite()) {
                refused_non_finite.push(format!("{key}: non-finite where librosa raised"));
            }
            continue;
        }
        let scales = row_scales(ours, key);
        vector(
            key,
            "mean",
            floats(&want[key]["mean"]),
            &stats.mean,
            &scales,
        );
        vector(key, "std", floats(&want[key]["std"]), &stats.std, &scales);
    }
    // Timbre: MFCC rows 1..=12; a mean against its row's scale, a covariance (i, j) against
    // the product of rows i and j's scales (which bounds it).
    let mfcc = row_scales(ours, "mfcc");
    let timbre_scales: Vec<f64> = mfcc.iter().skip(1).take(12).copied().collect();
    vector(
        "timbre",
        "mean",
        floats(&want["timbre"]["mean"]),
        &s.timbre.mean,
        &timbre_scales,
    );
    match (&want["timbre"]["cov_upper"], &s.timbre.cov_upper) {
        (Value::Null, None) => {}
        (w, Some(c)) if !w.is_null() => {
            let products: Vec<f64> = sonority_features::upper_triangle(12)
                .map(|(i, j)| timbre_scales[i] * timbre_scales[j])
                .collect();
            vector("timbre", "cov", floats(w), c, &products);
        }
        _ => errors.push("timbre.cov: null on one side only".into()),
    }
    errors.extend(refused_non_finite);
    let want_bpm = want["tempo"]["bpm"].as_f64().unwrap_or(f64::NAN);
    let want_tuning = want["tuning"].as_f64().unwrap_or(f64::NAN);
    // Tempo and tuning are argmaxes over discrete grids: the same bin, or a bug. (With
    // different decoded samples a histogram count could tie differently; it did not on any
    // fixture, so this stays exact for every format.)
    if s.tempo_bpm != want_bpm {
        errors.push(format!("tempo {} vs {want_bpm}", s.tempo_bpm));
    }
    if (s.tuning - want_tuning).abs() > 1e-12 {
        errors.push(format!("tuning {} vs {want_tuning}", s.tuning));
    }
    (out, errors)
}

/// How far above the measured worst case each bound sits.
const MARGIN: f64 = 5.0;

/// The bound of each comparison: [`MARGIN`] times the worst per-row relative difference
/// measured over every fixture ([`MEASURED`], from `report_worst_relative_errors`). `None`:
/// not compared (frames that follow the lossy decoders' rounding noise; see the top).
fn bound(key: &str, part: &str, class: Class) -> Option<f64> {
    let lossy = matches!(class, Class::Lossy | Class::LossyNative);
    if part == "frames" && lossy && noise_floor_sensitive(key) {
        return None;
    }
    let measured = measured_figure(key, part, class)
        .unwrap_or_else(|| panic!("no measured figure for {key} {part} {class:?}"));
    Some(measured * MARGIN)
}

/// The figure of [`MEASURED`] for one comparison.
fn measured_figure(key: &str, part: &str, class: Class) -> Option<f64> {
    let column = match part {
        "frames" => 0,
        "mean" => 1,
        _ => 2, // "std", and the timbre covariance
    };
    MEASURED
        .iter()
        .find(|(k, c, _)| *k == key && *c == class)
        .map(|(_, _, m)| m[column])
}

/// Checks measured comparisons against their bounds; prints each with its bound.
fn judge(name: &str, measured: &[Measured], class: Class) -> Vec<String> {
    let mut failures = Vec::new();
    for m in measured {
        let Some(tol) = bound(&m.key, m.part, class) else {
            continue;
        };
        println!(
            "{name:48} {:22} {:6} rel {:.3e} at {:?} (tol {tol:.1e})",
            m.key,
            m.part,
            m.d.rel,
            (m.d.row, m.d.col)
        );
        if m.d.rel > tol {
            failures.push(format!(
                "{name} {} {}: rel diff {:.3e} > {tol:.1e} at row {} col {} (|d| {:.3e}, row scale {:.3e})",
                m.key, m.part, m.d.rel, m.d.row, m.d.col, m.d.abs, m.d.row_scale
            ));
        }
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

/// Analyses `doc`'s file with `config` and compares the length with `signal`; on a mismatch
/// returns the failure.
fn analyse_checked(
    name: &str,
    doc: &Value,
    signal: &Value,
    config: &FeatureConfig,
) -> Result<FileAnalysis, String> {
    let ours = analyse(doc, config);
    let n = signal["n_samples"].as_u64().unwrap_or(0) as usize;
    if ours.analysis.n_samples != n {
        return Err(format!(
            "{name}: {} samples vs librosa {n}",
            ours.analysis.n_samples
        ));
    }
    Ok(ours)
}

fn named(name: &str, errors: Vec<String>) -> impl Iterator<Item = String> + '_ {
    errors.into_iter().map(move |e| format!("{name} {e}"))
}

#[test]
fn synthetic_and_real_frames_match_librosa() {
    let config = FeatureConfig::default();
    let mut failures = Vec::new();
    for (name, doc) in references()
        .iter()
        .filter(|(_, d)| d.get("frames").is_some())
    {
        let ours = match analyse_checked(name, doc, &doc["signal"], &config) {
            Ok(a) => a,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let (measured, errors) = measure_frames(doc, &ours);
        failures.extend(named(name, errors));
        failures.extend(check_rolloff(name, doc, &ours));
        failures.extend(judge(name, &measured, Class::of(doc, false)));
    }
    assert_none(failures);
}

/// Every summary (default configuration) of every fixture, frames or not.
#[test]
fn every_format_summary_matches_librosa() {
    let config = FeatureConfig::default();
    let mut failures = Vec::new();
    for (name, doc) in &references() {
        let ours = match analyse_checked(name, doc, &doc["signal"], &config) {
            Ok(a) => a,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let (measured, errors) = measure_summary(&doc["summary"], &doc["errors"], &ours);
        failures.extend(named(name, errors));
        failures.extend(judge(name, &measured, Class::of(doc, false)));
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
        let ours = match analyse_checked(name, doc, &native["signal"], &config) {
            Ok(a) => a,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let (measured, errors) = measure_summary(&native["summary"], &native["errors"], &ours);
        failures.extend(named(name, errors));
        failures.extend(judge(name, &measured, Class::of(doc, true)));
    }
    assert_none(failures);
}

/// Prints the worst per-row relative difference of every comparison over every fixture, for
/// lossless and lossy files apart (and the native-rate summaries), with the file and place.
/// The bounds in [`bound`] are set from these figures. Run with
/// `cargo test -p sonority-features --test reference report -- --nocapture`.
#[test]
fn report_worst_relative_errors() {
    use std::collections::BTreeMap;
    let mut table: BTreeMap<(String, &str, Class), (RowDiff, String)> = BTreeMap::new();
    let mut note = |measured: Vec<Measured>, class: Class, file: &str| {
        for m in measured {
            let e = table
                .entry((m.key, m.part, class))
                .or_insert((RowDiff::default(), String::new()));
            if m.d.rel > e.0.rel || e.1.is_empty() {
                *e = (m.d, file.to_string());
            }
        }
    };
    let default = FeatureConfig::default();
    let native_config = FeatureConfig {
        sample_rate: None,
        ..FeatureConfig::default()
    };
    for (name, doc) in &references() {
        let file = doc["file"].as_str().unwrap_or(name).to_string();
        let ours = analyse(doc, &default);
        let class = Class::of(doc, false);
        if doc.get("frames").is_some() {
            note(measure_frames(doc, &ours).0, class, &file);
        }
        note(
            measure_summary(&doc["summary"], &doc["errors"], &ours).0,
            class,
            &file,
        );
        if let Some(native) = doc.get("native") {
            let ours = analyse(doc, &native_config);
            let class = Class::of(doc, true);
            note(
                measure_summary(&native["summary"], &native["errors"], &ours).0,
                class,
                &file,
            );
        }
    }
    println!("worst relative difference per row (|d| / the row's largest |value|)");
    for ((key, part, class), (d, file)) in &table {
        let compared = !(*part == "frames"
            && matches!(class, Class::Lossy | Class::LossyNative)
            && noise_floor_sensitive(key));
        let tol = if compared {
            measured_figure(key, part, *class)
                .map_or("no figure".into(), |m| format!("{:.1e}", m * MARGIN))
        } else {
            "not compared".into()
        };
        println!(
            "{key:20} {part:6} {:14} {:9.3e} (bound {tol:>12}) |d| {:.3e} row {:3} col {:5} scale {:.3e} {file}",
            format!("{class:?}"),
            d.rel, d.abs, d.row, d.col, d.row_scale
        );
    }
}

/// The worst per-row relative difference measured over every fixture, per feature and class
/// (`report_worst_relative_errors`, rounded up to two digits): [frames, summary mean, summary
/// std]; timbre: [-, mean, covariance]; native-rate classes have summaries only (frames 0.0:
/// not compared). Each bound is [`MARGIN`] times its figure. Causes:
/// - rms, centroid, bandwidth, onset strength, chroma: librosa's float32 sums over 1025 bins
///   (BLAS sgemm for chroma) against our f64 sums of the same float32 spectrum: ~1e-7, a few
///   float32 ulps. Lossy files add the decoders' rounding (samples differ by up to 1.8e-7 for
///   Vorbis and Opus, 8.6e-7 for MP3), e.g. bandwidth 1.2e-6 on the quiet ambient Vorbis.
/// - melspectrogram: float32 sgemm, each band against itself. Lossy: 1.2e-5 in band 103 of
///   the ambient Vorbis, a band at 0.4% of the loudest one's level, where the decoder's
///   rounding noise is relatively larger.
/// - mfcc and timbre: a 128-term float32 DCT of float32 dB values (~-100..0 dB): its rounding
///   is absolute, set by the dB inputs, so a small coefficient carries a large relative part
///   of it: 6.9e-6 on coefficient 16 of the C-major chord (|d| 2.2e-5 against a row of 3.2).
///   MFCC 1..19 of digital silence are 0 in librosa, 1.6e-13 here: see [`ZERO_ROW`].
/// - spectral_flatness: a float32 mean of 1025 natural logs of powers down to 1e-10, then exp:
///   2.4e-6. Lossy: the logs of the quietest bins follow the decoder's rounding: frames up to
///   1.7e-4 (not compared), summaries up to 4.5e-5 (std, orchestral Vorbis at 44.1 kHz).
/// - spectral_contrast: dB of float32 means of a few bins: 8.9e-8. Lossy: the valleys (the
///   quietest 2% of each band) follow the decoder's rounding: frames up to 4.8e-2 of the top
///   band's scale (not compared), summaries 1.4e-3.
/// - spectral_rolloff: frames are bin frequencies, equal to librosa's on every frame
///   ([`check_rolloff`]); their summaries differ by f64 rounding of equal sums (~5e-16), except
///   lossy at the native rate: 1.9e-5 on the orchestral M4A at 44.1 kHz, about 0.5% of its
///   frames one bin (21.5 Hz) off, where the decoders' rounding moves a cumulative sum across
///   the 85% threshold (no frame reference there to count them).
/// - zero_crossing_rate: counts, exact on the same samples (f64 summary rounding 3.5e-16).
///   Lossy: a sample within rounding of 0 flips its sign: summaries up to 6.2e-4 (ambient M4A);
///   frames not compared.
const MEASURED: &[(&str, Class, [f64; 3])] = &[
    ("chroma_stft", Class::Lossless, [1.5e-6, 1.7e-7, 1.2e-7]),
    ("chroma_stft", Class::Lossy, [1.2e-6, 6.1e-8, 4.6e-8]),
    ("chroma_stft", Class::LosslessNative, [0.0, 1.9e-7, 4.8e-8]),
    ("chroma_stft", Class::LossyNative, [0.0, 9.6e-8, 5.5e-8]),
    (
        "chroma_stft_tuning0",
        Class::Lossless,
        [9.7e-7, 3.6e-7, 7.0e-8],
    ),
    (
        "chroma_stft_tuning0",
        Class::Lossy,
        [1.3e-6, 7.6e-8, 7.8e-8],
    ),
    (
        "chroma_stft_tuning0",
        Class::LosslessNative,
        [0.0, 2.3e-7, 4.8e-8],
    ),
    (
        "chroma_stft_tuning0",
        Class::LossyNative,
        [0.0, 8.2e-8, 5.3e-8],
    ),
    ("melspectrogram", Class::Lossless, [5.4e-7, 1.9e-7, 1.2e-7]),
    ("melspectrogram", Class::Lossy, [1.2e-5, 5.1e-7, 2.6e-6]),
    (
        "melspectrogram",
        Class::LosslessNative,
        [0.0, 9.9e-8, 2.6e-8],
    ),
    ("melspectrogram", Class::LossyNative, [0.0, 4.5e-7, 2.1e-6]),
    ("mfcc", Class::Lossless, [6.9e-6, 7.0e-7, 1.9e-6]),
    ("mfcc", Class::Lossy, [1.6e-5, 3.4e-7, 4.7e-7]),
    ("mfcc", Class::LosslessNative, [0.0, 4.3e-7, 1.3e-7]),
    ("mfcc", Class::LossyNative, [0.0, 2.1e-7, 2.8e-7]),
    ("onset_strength", Class::Lossless, [7.8e-7, 1.3e-7, 1.1e-7]),
    ("onset_strength", Class::Lossy, [5.9e-7, 1.1e-8, 3.2e-8]),
    (
        "onset_strength",
        Class::LosslessNative,
        [0.0, 4.7e-8, 5.5e-8],
    ),
    ("onset_strength", Class::LossyNative, [0.0, 5.9e-8, 8.4e-8]),
    ("rms", Class::Lossless, [1.4e-7, 8.5e-9, 5.5e-9]),
    ("rms", Class::Lossy, [1.2e-7, 1.3e-7, 4.2e-8]),
    ("rms", Class::LosslessNative, [0.0, 1.1e-8, 1.8e-9]),
    ("rms", Class::LossyNative, [0.0, 1.1e-7, 3.5e-8]),
    (
        "spectral_bandwidth",
        Class::Lossless,
        [7.5e-8, 1.1e-8, 1.8e-8],
    ),
    ("spectral_bandwidth", Class::Lossy, [1.2e-6, 7.2e-8, 3.9e-8]),
    (
        "spectral_bandwidth",
        Class::LosslessNative,
        [0.0, 6.0e-9, 3.2e-9],
    ),
    (
        "spectral_bandwidth",
        Class::LossyNative,
        [0.0, 4.4e-7, 2.0e-7],
    ),
    (
        "spectral_centroid",
        Class::Lossless,
        [9.3e-8, 6.9e-9, 2.0e-8],
    ),
    ("spectral_centroid", Class::Lossy, [2.3e-7, 3.4e-8, 3.6e-8]),
    (
        "spectral_centroid",
        Class::LosslessNative,
        [0.0, 3.1e-9, 9.8e-10],
    ),
    (
        "spectral_centroid",
        Class::LossyNative,
        [0.0, 5.3e-8, 1.8e-8],
    ),
    (
        "spectral_contrast",
        Class::Lossless,
        [8.9e-8, 3.2e-8, 3.5e-8],
    ),
    ("spectral_contrast", Class::Lossy, [4.8e-2, 1.4e-3, 8.6e-4]),
    (
        "spectral_contrast",
        Class::LosslessNative,
        [0.0, 1.1e-8, 6.8e-9],
    ),
    (
        "spectral_contrast",
        Class::LossyNative,
        [0.0, 9.4e-4, 4.8e-4],
    ),
    (
        "spectral_flatness",
        Class::Lossless,
        [2.4e-6, 7.2e-7, 3.0e-7],
    ),
    ("spectral_flatness", Class::Lossy, [1.7e-4, 3.6e-6, 5.3e-6]),
    (
        "spectral_flatness",
        Class::LosslessNative,
        [0.0, 1.6e-8, 7.4e-8],
    ),
    (
        "spectral_flatness",
        Class::LossyNative,
        [0.0, 3.4e-6, 4.5e-5],
    ),
    ("spectral_rolloff", Class::Lossless, [0.0, 5.7e-16, 1.3e-16]),
    ("spectral_rolloff", Class::Lossy, [0.0, 5.4e-16, 7.7e-17]),
    (
        "spectral_rolloff",
        Class::LosslessNative,
        [0.0, 9.0e-16, 1.2e-16],
    ),
    (
        "spectral_rolloff",
        Class::LossyNative,
        [0.0, 1.4e-5, 1.9e-5],
    ),
    ("timbre", Class::Lossless, [0.0, 5.6e-7, 2.9e-7]),
    ("timbre", Class::Lossy, [0.0, 3.0e-7, 3.0e-7]),
    ("timbre", Class::LosslessNative, [0.0, 4.3e-7, 7.1e-8]),
    ("timbre", Class::LossyNative, [0.0, 2.1e-7, 1.1e-7]),
    (
        "zero_crossing_rate",
        Class::Lossless,
        [0.0, 3.5e-16, 1.4e-16],
    ),
    ("zero_crossing_rate", Class::Lossy, [0.0, 1.9e-4, 6.2e-4]),
    (
        "zero_crossing_rate",
        Class::LosslessNative,
        [0.0, 3.8e-16, 8.1e-17],
    ),
    (
        "zero_crossing_rate",
        Class::LossyNative,
        [0.0, 6.9e-16, 8.9e-17],
    ),
];
