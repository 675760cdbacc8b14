//! The frame features of one track: one [`Matrix`] (rows x frames) per key of docs/features.md.

use crate::matrix::Matrix;
use serde::{Deserialize, Serialize};

/// Every frame feature of a track, each `rows x frames`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameFeatures {
    /// Root-mean-square energy of rectangular frames (1 row).
    pub rms: Matrix,
    /// Zero-crossing rate (1 row).
    pub zero_crossing_rate: Matrix,
    /// Spectral centroid in Hz (1 row).
    pub spectral_centroid: Matrix,
    /// Spectral bandwidth in Hz (1 row).
    pub spectral_bandwidth: Matrix,
    /// 85% spectral rolloff in Hz (1 row).
    pub spectral_rolloff: Matrix,
    /// Spectral flatness (1 row).
    pub spectral_flatness: Matrix,
    /// Spectral contrast in dB (7 rows).
    pub spectral_contrast: Matrix,
    /// Chroma with the track's estimated tuning (12 rows, C first).
    pub chroma_stft: Matrix,
    /// Chroma with tuning 0 (12 rows).
    pub chroma_stft_tuning0: Matrix,
    /// Mel power spectrogram (n_mels rows).
    pub melspectrogram: Matrix,
    /// MFCC (n_mfcc rows).
    pub mfcc: Matrix,
    /// Onset strength (1 row).
    pub onset_strength: Matrix,
}

impl FrameFeatures {
    /// The keys of docs/features.md, in the order they are reported.
    pub const KEYS: [&'static str; 12] = [
        "rms",
        "zero_crossing_rate",
        "spectral_centroid",
        "spectral_bandwidth",
        "spectral_rolloff",
        "spectral_flatness",
        "spectral_contrast",
        "chroma_stft",
        "chroma_stft_tuning0",
        "melspectrogram",
        "mfcc",
        "onset_strength",
    ];

    /// The matrix of one key.
    pub fn get(&self, key: &str) -> Option<&Matrix> {
        Some(match key {
            "rms" => &self.rms,
            "zero_crossing_rate" => &self.zero_crossing_rate,
            "spectral_centroid" => &self.spectral_centroid,
            "spectral_bandwidth" => &self.spectral_bandwidth,
            "spectral_rolloff" => &self.spectral_rolloff,
            "spectral_flatness" => &self.spectral_flatness,
            "spectral_contrast" => &self.spectral_contrast,
            "chroma_stft" => &self.chroma_stft,
            "chroma_stft_tuning0" => &self.chroma_stft_tuning0,
            "melspectrogram" => &self.melspectrogram,
            "mfcc" => &self.mfcc,
            "onset_strength" => &self.onset_strength,
            _ => return None,
        })
    }

    /// `(key, matrix)` pairs in [`FrameFeatures::KEYS`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Matrix)> {
        Self::KEYS
            .iter()
            .filter_map(move |&k| self.get(k).map(|m| (k, m)))
    }

    /// Number of frames (0 when [`FrameFeatures::is_empty`]).
    pub fn n_frames(&self) -> usize {
        self.rms.cols()
    }

    /// Frame features of no frame (every matrix has its rows and 0 columns): what an analysis
    /// with [`crate::Detail::Summary`] holds.
    pub fn empty(n_mels: usize, n_mfcc: usize) -> Self {
        let m = |rows: usize| Matrix::zeros(rows, 0);
        Self {
            rms: m(1),
            zero_crossing_rate: m(1),
            spectral_centroid: m(1),
            spectral_bandwidth: m(1),
            spectral_rolloff: m(1),
            spectral_flatness: m(1),
            spectral_contrast: m(7),
            chroma_stft: m(12),
            chroma_stft_tuning0: m(12),
            melspectrogram: m(n_mels),
            mfcc: m(n_mfcc),
            onset_strength: m(1),
        }
    }

    /// True when no frame is held (the analysis was asked for its summary only).
    pub fn is_empty(&self) -> bool {
        self.n_frames() == 0
    }
}
