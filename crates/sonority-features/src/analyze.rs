//! The analysis of one mono signal: every frame feature of FEATURES.md and the track summary.
//!
//! One pass over the STFT frames computes everything but the tuned chroma; the tuning comes from
//! the peaks of all frames, so the tuned chroma needs a second pass over the spectrum unless
//! the tuning is 0. Only per-frame features are kept, never the spectrogram.

use crate::chroma::{ChromaFilters, TuningEstimator, N_CHROMA};
use crate::config::FeatureConfig;
use crate::db::{power_to_db_unclipped, TOP_DB};
use crate::error::{FeatureError, Result};
use crate::frames::FrameFeatures;
use crate::matrix::Matrix;
use crate::mel::MelFilters;
use crate::mfcc::Dct;
use crate::rhythm::{onset_padding, onset_value, tempo};
use crate::spectral::{centroid_bandwidth, flatness, rolloff, ContrastBands};
use crate::stft::{centered_frame, fft_frequencies, frame_count, Padding, Stft};
use crate::summary::TrackSummary;

/// librosa's zero-crossing threshold: samples with `|x| <= 1e-10` count as 0.
const ZC_THRESHOLD: f32 = 1e-10;

/// The frame features and summary of one signal.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignalAnalysis {
    /// Sample rate of the analysed signal in Hz.
    pub sample_rate: u32,
    /// Number of samples analysed.
    pub n_samples: usize,
    /// Every frame feature.
    pub frames: FrameFeatures,
    /// The per-track summary.
    pub summary: TrackSummary,
}

/// Analyses a mono signal sampled at `sample_rate` Hz (no resampling happens here).
pub fn analyze_signal(
    samples: &[f32],
    sample_rate: u32,
    config: &FeatureConfig,
) -> Result<SignalAnalysis> {
    config.check()?;
    if samples.is_empty() {
        return Err(FeatureError::Signal("the signal has no samples".into()));
    }
    if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
        return Err(FeatureError::Signal(format!(
            "sample {i} is not finite (NaN or infinity)"
        )));
    }
    if sample_rate == 0 {
        return Err(FeatureError::Signal("sample rate 0".into()));
    }
    let sr = f64::from(sample_rate);
    let (n_fft, hop) = (config.n_fft, config.hop_length);
    let n_frames = frame_count(samples.len(), hop);
    let freqs = fft_frequencies(sr, n_fft);
    let n_bins = freqs.len();

    let mut stft = Stft::new(n_fft, hop);
    let mel = MelFilters::new(sample_rate, n_fft, config.n_mels);
    let chroma0 = ChromaFilters::new(sr, n_fft, 0.0);
    let mut contrast_bands = ContrastBands::new(&freqs);
    let mut tuning_estimator = TuningEstimator::new(sr, n_fft);

    let one = || Matrix::zeros(1, n_frames);
    let mut rms = one();
    let mut zcr = one();
    let mut centroid = one();
    let mut bandwidth = one();
    let mut roll = one();
    let mut flat = one();
    let mut chroma_t0 = Matrix::zeros(N_CHROMA, n_frames);
    let mut melspec = Matrix::zeros(config.n_mels, n_frames);
    let mut peaks = vec![0.0f64; ContrastBands::ROWS * n_frames];
    let mut valleys = vec![0.0f64; ContrastBands::ROWS * n_frames];

    let mut magnitude = vec![0.0f32; n_bins];
    let mut power = vec![0.0f32; n_bins];
    let mut edge_frame = vec![0.0f32; n_fft];
    let mut mel_col = vec![0.0f64; config.n_mels];
    let mut chroma_col = [0.0f64; N_CHROMA];
    let mut peak_col = [0.0f64; ContrastBands::ROWS];
    let mut valley_col = [0.0f64; ContrastBands::ROWS];

    for t in 0..n_frames {
        stft.magnitude(samples, t, &mut magnitude);
        let frame = stft.last_frame();
        let energy: f64 = frame.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        rms.set(0, t, (energy / n_fft as f64).sqrt() as f32);

        centered_frame(samples, t, hop, Padding::Edge, &mut edge_frame);
        zcr.set(0, t, zero_crossings(&edge_frame) as f32 / n_fft as f32);

        for (p, &m) in power.iter_mut().zip(&magnitude) {
            *p = m * m; // float32, as librosa's S**2
        }
        let (c, b) = centroid_bandwidth(&magnitude, &freqs);
        centroid.set(0, t, c as f32);
        bandwidth.set(0, t, b as f32);
        roll.set(0, t, rolloff(&magnitude, &freqs) as f32);
        flat.set(0, t, flatness(&magnitude) as f32);

        contrast_bands.peak_valley(&magnitude, &mut peak_col, &mut valley_col);
        for k in 0..ContrastBands::ROWS {
            peaks[k * n_frames + t] = peak_col[k];
            valleys[k * n_frames + t] = valley_col[k];
        }

        mel.apply(&power, &mut mel_col);
        for (m, &v) in mel_col.iter().enumerate() {
            melspec.set(m, t, v as f32);
        }
        chroma0.apply(&power, &mut chroma_col);
        for (c, &v) in chroma_col.iter().enumerate() {
            chroma_t0.set(c, t, v as f32);
        }
        tuning_estimator.push_frame(&power);
    }

    let tuning = tuning_estimator.estimate();
    let chroma = if tuning == 0.0 {
        chroma_t0.clone()
    } else {
        tuned_chroma(samples, sr, n_fft, hop, tuning, n_frames)
    };
    let contrast = contrast_db(&peaks, &valleys, n_frames);
    let (mfcc, onset) = mfcc_and_onset(&melspec, config.n_mfcc, n_fft, hop);
    let tempo_bpm = tempo(onset.row(0), sr, hop);

    let frames = FrameFeatures {
        rms,
        zero_crossing_rate: zcr,
        spectral_centroid: centroid,
        spectral_bandwidth: bandwidth,
        spectral_rolloff: roll,
        spectral_flatness: flat,
        spectral_contrast: contrast,
        chroma_stft: chroma,
        chroma_stft_tuning0: chroma_t0,
        melspectrogram: melspec,
        mfcc,
        onset_strength: onset,
    };
    let summary = TrackSummary::of(&frames, tempo_bpm, tuning);
    Ok(SignalAnalysis {
        sample_rate,
        n_samples: samples.len(),
        frames,
        summary,
    })
}

/// Sign changes between consecutive samples, librosa's way: `|x| <= 1e-10` is 0 and 0 is
/// positive.
fn zero_crossings(frame: &[f32]) -> usize {
    let negative = |x: f32| x < -ZC_THRESHOLD;
    frame
        .windows(2)
        .filter(|w| negative(w[0]) != negative(w[1]))
        .count()
}

/// The second pass: chroma with the estimated tuning.
fn tuned_chroma(
    samples: &[f32],
    sr: f64,
    n_fft: usize,
    hop: usize,
    tuning: f64,
    n_frames: usize,
) -> Matrix {
    let mut stft = Stft::new(n_fft, hop);
    let filters = ChromaFilters::new(sr, n_fft, tuning);
    let mut magnitude = vec![0.0f32; stft.n_bins()];
    let mut col = [0.0f64; N_CHROMA];
    let mut out = Matrix::zeros(N_CHROMA, n_frames);
    for t in 0..n_frames {
        stft.magnitude(samples, t, &mut magnitude);
        for m in magnitude.iter_mut() {
            *m *= *m;
        }
        filters.apply(&magnitude, &mut col);
        for (c, &v) in col.iter().enumerate() {
            out.set(c, t, v as f32);
        }
    }
    out
}

/// Spectral contrast: peak and valley each converted to dB over the whole track (top_db 80
/// relative to that array's own maximum), then subtracted.
fn contrast_db(peaks: &[f64], valleys: &[f64], n_frames: usize) -> Matrix {
    let to_db = |values: &[f64]| -> Vec<f64> {
        let mut db: Vec<f64> = values.iter().map(|&v| power_to_db_unclipped(v)).collect();
        let floor = db.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v)) - TOP_DB;
        db.iter_mut().for_each(|v| *v = v.max(floor));
        db
    };
    let (p, v) = (to_db(peaks), to_db(valleys));
    let data = p.iter().zip(&v).map(|(a, b)| (a - b) as f32).collect();
    Matrix::from_vec(ContrastBands::ROWS, n_frames, data)
        .unwrap_or_else(|| Matrix::zeros(ContrastBands::ROWS, n_frames))
}

/// MFCC and onset strength from the mel power spectrogram, both over its dB values clipped
/// 80 dB below the track's maximum. Works one column at a time: no dB copy of the whole
/// spectrogram is kept.
fn mfcc_and_onset(melspec: &Matrix, n_mfcc: usize, n_fft: usize, hop: usize) -> (Matrix, Matrix) {
    let (n_mels, n_frames) = (melspec.rows(), melspec.cols());
    let max = melspec.as_slice().iter().fold(f64::NEG_INFINITY, |m, &v| {
        m.max(power_to_db_unclipped(f64::from(v)))
    });
    let floor = max - TOP_DB;
    let dct = Dct::new(n_mfcc, n_mels);
    let mut mfcc = Matrix::zeros(n_mfcc, n_frames);
    let mut onset = Matrix::zeros(1, n_frames);
    let pad = onset_padding(n_fft, hop);
    let mut db = vec![0.0f64; n_mels];
    let mut previous = vec![0.0f64; n_mels];
    let mut coeffs = vec![0.0f64; n_mfcc];
    for t in 0..n_frames {
        for (m, d) in db.iter_mut().enumerate() {
            *d = power_to_db_unclipped(f64::from(melspec.get(m, t))).max(floor);
        }
        dct.apply(&db, &mut coeffs);
        for (k, &c) in coeffs.iter().enumerate() {
            mfcc.set(k, t, c as f32);
        }
        // The difference between frames t-1 and t lands at t - 1 + pad (librosa pads the
        // envelope on the left and cuts it to the frame count).
        if t > 0 && t - 1 + pad < n_frames {
            onset.set(0, t - 1 + pad, onset_value(&previous, &db) as f32);
        }
        std::mem::swap(&mut previous, &mut db);
    }
    (mfcc, onset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_matches_librosa_documented_values() {
        let a = analyze_signal(&vec![0.0; 22050], 22050, &FeatureConfig::default())
            .expect("silence analyses");
        let s = &a.summary;
        for key in [
            "rms",
            "zero_crossing_rate",
            "spectral_centroid",
            "onset_strength",
        ] {
            assert_eq!(s.get(key).expect(key).mean, vec![0.0], "{key}");
        }
        assert_eq!(
            s.get("spectral_flatness").expect("flatness").mean,
            vec![1.0]
        );
        let mfcc = s.get("mfcc").expect("mfcc");
        assert!((mfcc.mean[0] + 1131.370849898476).abs() < 1e-3);
        assert!(mfcc.mean[1..].iter().all(|v| v.abs() < 1e-3));
        assert_eq!(s.tuning, 0.0);
        assert!((s.tempo_bpm - 117.45383522727273).abs() < 1e-9);
        assert!(s
            .get("spectral_contrast")
            .expect("contrast")
            .mean
            .iter()
            .all(|&v| v == 0.0));
    }

    #[test]
    fn zero_crossings_follow_librosa_sign_rule() {
        assert_eq!(zero_crossings(&[1.0, -1.0, 0.0, 1e-11, -1e-11, -1.0]), 3);
    }

    #[test]
    fn empty_and_non_finite_signals_are_errors() {
        let c = FeatureConfig::default();
        assert!(analyze_signal(&[], 22050, &c).is_err());
        assert!(analyze_signal(&[0.0, f32::NAN], 22050, &c).is_err());
    }
}
