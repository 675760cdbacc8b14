//! Analysing a file: decode, downmix, resample to the analysis rate, analyse.

use crate::analyze::{analyze_signal, SignalAnalysis};
use crate::config::FeatureConfig;
use crate::decode::{decode_file, decode_file_resampled, DecodeWarning};
use crate::error::{FeatureError, Result};
use crate::track::TrackFeatures;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the file itself holds, before resampling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The file's sample rate in Hz.
    pub sample_rate: u32,
    /// The file's channel count.
    pub channels: usize,
    /// Short codec name ("flac", "mp3", "aac", ...).
    pub codec: String,
    /// Mono frames decoded at the native rate.
    pub n_frames: u64,
    /// Duration in seconds.
    pub duration_s: f64,
}

/// The analysis of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileAnalysis {
    /// The file.
    pub path: PathBuf,
    /// What the file holds.
    pub source: SourceInfo,
    /// Problems that did not stop the analysis (e.g. a truncated end).
    pub warnings: Vec<DecodeWarning>,
    /// Frame features and summary of the analysed signal.
    pub analysis: SignalAnalysis,
}

impl FileAnalysis {
    /// The named per-track vector of this analysis.
    pub fn track_features(&self, config: &FeatureConfig) -> TrackFeatures {
        TrackFeatures::from_summary(&self.analysis.summary, config)
    }
}

/// Decodes `path`, resamples it as `config` says and computes every feature.
///
/// Signal-level errors (such as a file whose audio is all NaN) come back as
/// [`FeatureError::NonFinite`] naming the file.
pub fn analyze_file(path: &Path, config: &FeatureConfig) -> Result<FileAnalysis> {
    config.check()?;
    let (samples, sample_rate, source, warnings) = match config.sample_rate {
        Some(to_hz) => {
            let audio = decode_file_resampled(path, to_hz, config.resampler)?;
            let source = SourceInfo {
                sample_rate: audio.native_sample_rate,
                channels: audio.channels,
                codec: audio.codec,
                n_frames: audio.native_frames,
                duration_s: audio.native_frames as f64 / f64::from(audio.native_sample_rate),
            };
            (audio.samples, to_hz, source, audio.warnings)
        }
        None => {
            let audio = decode_file(path)?;
            let source = SourceInfo {
                sample_rate: audio.sample_rate,
                channels: audio.channels,
                codec: audio.codec,
                n_frames: audio.samples.len() as u64,
                duration_s: audio.samples.len() as f64 / f64::from(audio.sample_rate),
            };
            (audio.samples, audio.sample_rate, source, audio.warnings)
        }
    };
    if samples.is_empty() {
        return Err(FeatureError::NoAudio {
            path: path.to_path_buf(),
        });
    }
    if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
        return Err(FeatureError::NonFinite {
            path: path.to_path_buf(),
            position_s: i as f64 / f64::from(sample_rate),
        });
    }
    let analysis = analyze_signal(&samples, sample_rate, config)?;
    Ok(FileAnalysis {
        path: path.to_path_buf(),
        source,
        warnings,
        analysis,
    })
}
