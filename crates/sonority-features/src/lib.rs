//! # sonority-features
//!
//! Decodes audio files in pure Rust (symphonia; libopus through an adapter for Opus), downmixes
//! to mono, resamples to 22050 Hz as librosa does (libsoxr HQ), and computes librosa-exact frame
//! features and per-track summaries. The specification is `docs/features.md`; the
//! defaults of [`FeatureConfig`] are librosa's.

pub mod config;
pub mod decode;
pub mod error;
pub mod resample;
mod simd;
mod spare;

pub use config::{Decoder, FeatureConfig, ResamplerKind};
pub use decode::{decode_file, decode_file_with, ffmpeg_available, DecodeWarning, DecodedAudio};
pub use error::{FeatureError, Result};
pub use resample::resample;

pub mod accumulate;
pub mod analyze;
pub mod chroma;
pub mod db;
pub mod finish;
pub mod frame;
pub mod frames;
pub mod framing;
mod log10;
pub mod matrix;
pub mod mel;
pub mod mfcc;
pub mod rhythm;
pub mod spectral;
pub mod stft;
pub mod summary;

pub use analyze::{
    analyze_signal, analyze_signal_with, Detail, Finished, Replay, SignalAnalysis, StreamAnalyzer,
};
pub use frames::FrameFeatures;
pub use matrix::Matrix;
pub use summary::{RowStats, Timbre, TrackSummary};
pub mod file;
pub mod json;
pub mod track;

pub use file::{analyze_file, analyze_file_with, FileAnalysis, SourceInfo};
pub use track::{FeatureDim, FeatureLayout, TrackFeatures, ANALYSIS_VERSION, GROUPS};
