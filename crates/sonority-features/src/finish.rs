//! The features that need the whole track before any frame can be finished: MFCC and onset
//! strength (dB clipped 80 dB below the track's loudest mel value), spectral contrast (peaks
//! and valleys each clipped below their own track maximum) and the chroma with the track's
//! tuning. [`Finisher`] takes the per-frame linear values in frame order, once the track-wide
//! values are known.

use crate::accumulate::{CovAccumulator, RowAccumulator};
use crate::chroma::{ChromaFilters, N_CHROMA};
use crate::decibels::{power_to_db_floored, power_to_db_unclipped, TOP_DB};
use crate::mfcc::Dct;
use crate::per_frame::CONTRAST_ROWS;
use crate::rhythm::{onset_padding, onset_value};
use crate::summary::TIMBRE_DIMS;

/// What the whole first pass found out about the track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackWide {
    /// Number of frames.
    pub n_frames: usize,
    /// The largest mel power of the track.
    pub mel_max: f32,
    /// The largest contrast peak (linear magnitude).
    pub peak_max: f64,
    /// The largest contrast valley (linear magnitude).
    pub valley_max: f64,
    /// The estimated tuning in fractions of a chroma bin.
    pub tuning: f64,
}

impl TrackWide {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Self {
            n_frames: 0,
            mel_max: f32::NEG_INFINITY,
            peak_max: f64::NEG_INFINITY,
            valley_max: f64::NEG_INFINITY,
            tuning: 0.0,
        }
    }

    /// Takes the maxima of one frame into account.
    pub fn see(&mut self, mel: &[f32], peak: &[f64], valley: &[f64]) {
        self.mel_max = mel.iter().fold(self.mel_max, |m, &v| m.max(v));
        self.peak_max = peak.iter().fold(self.peak_max, |m, &v| m.max(v));
        self.valley_max = valley.iter().fold(self.valley_max, |m, &v| m.max(v));
    }
}

impl Default for TrackWide {
    fn default() -> Self {
        Self::new()
    }
}

/// Column-major values of the finished features, kept when the caller wants frames.
#[derive(Debug, Clone, Default)]
pub struct FinishedFrames {
    /// `n_frames x n_mfcc`.
    pub mfcc: Vec<f32>,
    /// `n_frames x 7`.
    pub contrast: Vec<f32>,
    /// `n_frames x 12`; empty when the tuning is 0 (the chroma is the tuning-0 chroma).
    pub chroma: Vec<f32>,
}

/// Finishes MFCC, onset, contrast and tuned chroma frame by frame; see the module doc.
pub struct Finisher {
    dct: Dct,
    /// The tuned chroma filters; `None` when the tuning is 0.
    chroma: Option<ChromaFilters>,
    mel_floor: f64,
    peak_floor: f64,
    valley_floor: f64,
    pad: usize,
    n_frames: usize,
    t: usize,
    db: Vec<f64>,
    previous: Vec<f64>,
    coeffs: Vec<f64>,
    mfcc_f32: Vec<f32>,
    /// The onset envelope (1 value per frame).
    pub onset: Vec<f32>,
    /// Row statistics of the MFCC.
    pub mfcc_stats: RowAccumulator,
    /// The timbre covariance.
    pub timbre: CovAccumulator,
    /// Row statistics of the contrast.
    pub contrast_stats: RowAccumulator,
    /// Row statistics of the tuned chroma (unused when the tuning is 0).
    pub chroma_stats: RowAccumulator,
    /// The finished frames, when kept.
    pub frames: Option<FinishedFrames>,
}

impl Finisher {
    /// A finisher for a track with the given track-wide values.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        wide: &TrackWide,
        sample_rate: u32,
        n_fft: usize,
        hop: usize,
        n_mels: usize,
        n_mfcc: usize,
        keep_frames: bool,
    ) -> Self {
        let floor = |max_db: f64| max_db - TOP_DB;
        let chroma = (wide.tuning != 0.0)
            .then(|| ChromaFilters::new(f64::from(sample_rate), n_fft, wide.tuning));
        let n = wide.n_frames;
        Self {
            dct: Dct::new(n_mfcc, n_mels),
            chroma,
            mel_floor: floor(power_to_db_unclipped(f64::from(wide.mel_max))),
            peak_floor: floor(power_to_db_unclipped(wide.peak_max)),
            valley_floor: floor(power_to_db_unclipped(wide.valley_max)),
            pad: onset_padding(n_fft, hop),
            n_frames: n,
            t: 0,
            db: vec![0.0; n_mels],
            previous: vec![0.0; n_mels],
            coeffs: vec![0.0; n_mfcc],
            mfcc_f32: vec![0.0; n_mfcc],
            onset: vec![0.0; n],
            mfcc_stats: RowAccumulator::new(n_mfcc),
            timbre: CovAccumulator::default(),
            contrast_stats: RowAccumulator::new(CONTRAST_ROWS),
            chroma_stats: RowAccumulator::new(N_CHROMA),
            frames: keep_frames.then(|| FinishedFrames {
                mfcc: Vec::with_capacity(n * n_mfcc),
                contrast: Vec::with_capacity(n * CONTRAST_ROWS),
                chroma: Vec::with_capacity(if wide.tuning != 0.0 { n * N_CHROMA } else { 0 }),
            }),
        }
    }

    /// True when the tuned chroma needs the power spectra (the tuning is not 0).
    pub fn needs_power(&self) -> bool {
        self.chroma.is_some()
    }

    /// Frames finished so far.
    pub fn frames_done(&self) -> usize {
        self.t
    }

    /// Finishes the next frame from its mel column, contrast peaks and valleys, and (when
    /// [`Finisher::needs_power`]) its power spectrum.
    pub fn frame(&mut self, mel: &[f32], peak: &[f64], valley: &[f64], power: Option<&[f32]>) {
        let t = self.t;
        self.t += 1;
        power_to_db_floored(mel, self.mel_floor, &mut self.db);
        self.dct.apply(&self.db, &mut self.coeffs);
        for (o, &c) in self.mfcc_f32.iter_mut().zip(&self.coeffs) {
            *o = c as f32;
        }
        self.mfcc_stats.push(&self.mfcc_f32);
        let timbre_end = (1 + TIMBRE_DIMS).min(self.mfcc_f32.len());
        self.timbre
            .push(&self.mfcc_f32[1.min(timbre_end)..timbre_end]);
        // The difference between frames t-1 and t lands at t - 1 + pad (librosa pads the
        // envelope on the left and cuts it to the frame count).
        if t > 0 && t - 1 + self.pad < self.n_frames {
            self.onset[t - 1 + self.pad] = onset_value(&self.previous, &self.db) as f32;
        }
        std::mem::swap(&mut self.previous, &mut self.db);

        let mut contrast = [0.0f32; CONTRAST_ROWS];
        for (k, c) in contrast.iter_mut().enumerate() {
            let p = power_to_db_unclipped(peak[k]).max(self.peak_floor);
            let v = power_to_db_unclipped(valley[k]).max(self.valley_floor);
            *c = (p - v) as f32;
        }
        self.contrast_stats.push(&contrast);

        let mut chroma = [0.0f32; N_CHROMA];
        if let (Some(filters), Some(power)) = (&self.chroma, power) {
            let mut col = [0.0f64; N_CHROMA];
            filters.apply(power, &mut col);
            for (o, &c) in chroma.iter_mut().zip(&col) {
                *o = c as f32;
            }
            self.chroma_stats.push(&chroma);
        }
        if let Some(f) = &mut self.frames {
            f.mfcc.extend_from_slice(&self.mfcc_f32);
            f.contrast.extend_from_slice(&contrast);
            if self.chroma.is_some() {
                f.chroma.extend_from_slice(&chroma);
            }
        }
    }
}
