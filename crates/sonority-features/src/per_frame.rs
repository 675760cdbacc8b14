//! Everything computed from one frame on its own: the spectrum and every feature that does not
//! depend on the rest of the track, plus the linear values that the track-wide features
//! (MFCC, onset strength, contrast, tuned chroma) are finished from later.

use crate::chroma::{ChromaFilters, TuningEstimator, N_CHROMA};
use crate::framing::Frame;
use crate::mel::MelFilters;
use crate::spectral::{centroid_bandwidth_rolloff, flatness, ContrastBands};
use crate::stft::{fft_frequencies, Stft};

/// librosa's zero-crossing threshold: samples with `|x| <= 1e-10` count as 0.
const ZC_THRESHOLD: f32 = 1e-10;

/// Number of contrast rows.
pub const CONTRAST_ROWS: usize = ContrastBands::ROWS;

/// The values of one frame, rounded to f32 where librosa's features are float32.
#[derive(Debug, Clone)]
pub struct FrameValues {
    /// RMS of the rectangular zero-padded frame.
    pub rms: f32,
    /// Zero-crossing rate of the edge-padded frame.
    pub zcr: f32,
    /// Spectral centroid in Hz.
    pub centroid: f32,
    /// Spectral bandwidth in Hz.
    pub bandwidth: f32,
    /// 85% rolloff in Hz.
    pub rolloff: f32,
    /// Spectral flatness.
    pub flatness: f32,
    /// Per contrast band, the mean of its top quantile (linear magnitude).
    pub peak: [f64; CONTRAST_ROWS],
    /// Per contrast band, the mean of its bottom quantile (linear magnitude).
    pub valley: [f64; CONTRAST_ROWS],
    /// Mel power, `n_mels` values.
    pub mel: Vec<f32>,
    /// Chroma with tuning 0.
    pub chroma0: [f32; N_CHROMA],
}

/// Computes [`FrameValues`] and the power spectrum of frame after frame, reusing its buffers.
pub struct FrameAnalyzer {
    n_fft: usize,
    freqs: Vec<f64>,
    stft: Stft,
    mel: MelFilters,
    chroma0: ChromaFilters,
    contrast: ContrastBands,
    magnitude: Vec<f32>,
    power: Vec<f32>,
    power64: Vec<f64>,
    mel_col: Vec<f64>,
    values: FrameValues,
}

impl FrameAnalyzer {
    /// An analyzer for frames of `n_fft` samples at `sample_rate` Hz with `n_mels` mel bands.
    pub fn new(sample_rate: u32, n_fft: usize, n_mels: usize) -> Self {
        let sr = f64::from(sample_rate);
        let freqs = fft_frequencies(sr, n_fft);
        let n_bins = freqs.len();
        Self {
            n_fft,
            stft: Stft::new(n_fft),
            mel: MelFilters::new(sample_rate, n_fft, n_mels),
            chroma0: ChromaFilters::new(sr, n_fft, 0.0),
            contrast: ContrastBands::new(&freqs),
            freqs,
            magnitude: vec![0.0; n_bins],
            power: vec![0.0; n_bins],
            power64: vec![0.0; n_bins],
            mel_col: vec![0.0; n_mels],
            values: FrameValues {
                rms: 0.0,
                zcr: 0.0,
                centroid: 0.0,
                bandwidth: 0.0,
                rolloff: 0.0,
                flatness: 0.0,
                peak: [0.0; CONTRAST_ROWS],
                valley: [0.0; CONTRAST_ROWS],
                mel: vec![0.0; n_mels],
                chroma0: [0.0; N_CHROMA],
            },
        }
    }

    /// The values of the last frame given to [`FrameAnalyzer::analyze`].
    pub fn values(&self) -> &FrameValues {
        &self.values
    }

    /// The float32 power spectrum `|X|^2` of the last frame (librosa's `S**2`).
    pub fn power(&self) -> &[f32] {
        &self.power
    }

    /// Computes the spectrum of `frame` and every per-frame value; peaks for the tuning
    /// estimate go to `tuning` when given.
    pub fn analyze(&mut self, frame: &Frame<'_>, tuning: Option<&mut TuningEstimator>) {
        self.spectrum(frame);
        let v = &mut self.values;
        let n = self.n_fft as f64;
        v.rms = (energy(frame.samples) / n).sqrt() as f32;
        v.zcr = zero_crossings(frame.edge) as f32 / self.n_fft as f32;
        let (c, b, r) = centroid_bandwidth_rolloff(&self.magnitude, &self.freqs);
        v.centroid = c as f32;
        v.bandwidth = b as f32;
        v.rolloff = r as f32;
        v.flatness = flatness(&self.magnitude) as f32;
        self.contrast
            .peak_valley(&self.magnitude, &mut v.peak, &mut v.valley);
        self.mel.apply_f64(&self.power64, &mut self.mel_col);
        for (m, &x) in v.mel.iter_mut().zip(&self.mel_col) {
            *m = x as f32;
        }
        let mut chroma = [0.0f64; N_CHROMA];
        self.chroma0.apply_f64(&self.power64, &mut chroma);
        for (o, &x) in v.chroma0.iter_mut().zip(&chroma) {
            *o = x as f32;
        }
        if let Some(t) = tuning {
            t.push_frame(&self.power);
        }
    }

    /// Computes only the spectrum (magnitude and power) of `frame`: what the tuned chroma
    /// needs when it is recomputed.
    pub fn spectrum(&mut self, frame: &Frame<'_>) {
        self.stft
            .magnitude_of_frame(frame.samples, &mut self.magnitude);
        squares(&self.magnitude, &mut self.power, &mut self.power64);
    }

    /// Computes the spectrum of `frame`, its mel column and its contrast peaks and valleys
    /// only: what finishing MFCC, onset and contrast needs when they are recomputed.
    pub fn spectrum_mel_contrast(&mut self, frame: &Frame<'_>) {
        self.spectrum(frame);
        let v = &mut self.values;
        self.contrast
            .peak_valley(&self.magnitude, &mut v.peak, &mut v.valley);
        self.mel.apply_f64(&self.power64, &mut self.mel_col);
        for (m, &x) in v.mel.iter_mut().zip(&self.mel_col) {
            *m = x as f32;
        }
    }
}

crate::simd::multiversion! {
    /// `power = m * m` in float32, as librosa's `S**2`, and the same widened to f64.
    fn squares(magnitude: &[f32], power: &mut [f32], power64: &mut [f64]) {
        for ((p, w), &m) in power.iter_mut().zip(power64.iter_mut()).zip(magnitude) {
            *p = m * m;
            *w = f64::from(*p);
        }
    }
}

crate::simd::multiversion! {
    /// `sum x^2` in f64 over a frame, eight lanes.
    fn energy(frame: &[f32]) -> f64 {
        let mut acc = [0.0f64; 8];
        let chunks = frame.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for l in 0..8 {
                let x = f64::from(c[l]);
                acc[l] += x * x;
            }
        }
        for (l, &x) in rest.iter().enumerate() {
            acc[l] += f64::from(x) * f64::from(x);
        }
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
    }
}

crate::simd::multiversion! {
    /// Sign changes between consecutive samples, librosa's way: `|x| <= 1e-10` is 0 and 0 is
    /// positive.
    pub fn zero_crossings(frame: &[f32]) -> usize {
        if frame.len() < 2 {
            return 0;
        }
        let negative = |x: f32| x < -ZC_THRESHOLD;
        frame[..frame.len() - 1]
            .iter()
            .zip(&frame[1..])
            .map(|(&a, &b)| u32::from(negative(a) != negative(b)))
            .sum::<u32>() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_crossings_follow_librosa_sign_rule() {
        assert_eq!(zero_crossings(&[1.0, -1.0, 0.0, 1e-11, -1e-11, -1.0]), 3);
        assert_eq!(zero_crossings(&[1.0]), 0);
    }

    #[test]
    fn energy_of_ones() {
        assert_eq!(energy(&[1.0; 2051]), 2051.0);
    }
}
