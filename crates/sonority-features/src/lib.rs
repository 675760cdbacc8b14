//! # sonority-features
//!
//! Decodes audio files in pure Rust (symphonia; libopus through an adapter for Opus), downmixes
//! to mono, resamples to 22050 Hz as librosa does (libsoxr HQ), and computes librosa-exact frame
//! features and per-track summaries. The specification is `docs/features.md`; the
//! defaults of [`FeatureConfig`] are librosa's.
//!
//! The modules are private; everything a caller needs is re-exported here:
//! - a file: [`analyze_file`] (decode, downmix, resample, analyse) giving a [`FileAnalysis`]
//!   (its [`SourceInfo`], [`TrackSummary`] and, on request, [`FrameFeatures`]);
//! - a signal already in memory: [`analyze_signal`], or [`StreamAnalyzer`] chunk by chunk;
//! - decoding alone: [`decode_file`], [`AudioStream`]; resampling alone: [`resample`],
//!   [`Resampler`];
//! - the named vector clustering reads: [`TrackFeatures`] with its [`FeatureLayout`];
//! - the JSON document of `sonority features`: [`analysis_to_json`].
//!
//! Source map: `decode/` (containers and codecs), `resample.rs`, `stft.rs` and `framing.rs`
//! (frames), `per_frame.rs` (everything one frame gives on its own: `spectral.rs`,
//! `chroma.rs`, `mel.rs`), `finish.rs` (what needs the whole track: `decibels.rs`, `mfcc.rs`,
//! `rhythm.rs`), `accumulate.rs` and `summary.rs` (per-track values), `analyze.rs` (the
//! pipeline over one signal), `file.rs` (over one file), `track.rs` (the named vector),
//! `json.rs`.

mod accumulate;
mod analyze;
mod chroma;
mod config;
mod decibels;
mod decode;
mod error;
mod file;
mod finish;
mod frame_features;
mod framing;
mod json;
mod log10;
mod matrix;
mod mel;
mod mfcc;
mod per_frame;
mod resample;
mod rhythm;
mod simd;
mod spare;
mod spectral;
mod stft;
mod summary;
mod track;

pub use analyze::{
    analyze_signal, analyze_signal_with, Detail, Finished, Replay, SignalAnalysis, StreamAnalyzer,
};
pub use config::{Decoder, FeatureConfig, ResamplerKind};
pub use decode::{
    decode_file, decode_file_resampled, decode_file_with, ffmpeg_available, AudioStream,
    DecodeWarning, DecodedAudio,
};
pub use error::{FeatureError, Result};
pub use file::{analyze_file, analyze_file_with, FileAnalysis, SourceInfo};
pub use frame_features::FrameFeatures;
pub use json::{analysis_to_json, file_analysis_to_json, SCHEMA as JSON_SCHEMA};
pub use matrix::Matrix;
pub use resample::{output_len as resampled_len, resample, Resampler};
pub use summary::{upper_triangle, RowStats, Timbre, TrackSummary, TIMBRE_DIMS};
pub use track::{group, FeatureDim, FeatureLayout, TrackFeatures, ANALYSIS_VERSION, GROUPS};
