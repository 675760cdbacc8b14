//! Analysing a file: decode, downmix, resample to the analysis rate and analyse, chunk by
//! chunk.

use crate::analyze::{Detail, Finished, Replay, SignalAnalysis, StreamAnalyzer};
use crate::config::{Decoder, FeatureConfig};
use crate::decode::{AudioStream, DecodeWarning};
use crate::error::{FeatureError, Result};
use crate::resample::{output_len, Resampler};
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
    /// Short codec name ("flac", "mp3", "aac", "wmav2", ...).
    pub codec: String,
    /// The decoder that read the file: [`Decoder::Native`] or [`Decoder::Ffmpeg`] (absent in
    /// analyses saved before it was recorded: native).
    #[serde(default = "native")]
    pub decoder: Decoder,
    /// Mono frames decoded at the native rate.
    pub n_frames: u64,
    /// Duration in seconds.
    pub duration_s: f64,
}

fn native() -> Decoder {
    Decoder::Native
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

/// Decodes `path`, resamples it as `config` says and computes every feature, keeping the
/// frame features ([`Detail::Frames`]). For the summary only, [`analyze_file_with`] with
/// [`Detail::Summary`] gives the same summary to the last bit in bounded memory.
///
/// Signal-level errors (such as a file whose audio is all NaN) come back as
/// [`FeatureError::NonFinite`] naming the file.
pub fn analyze_file(path: &Path, config: &FeatureConfig) -> Result<FileAnalysis> {
    analyze_file_with(path, config, Detail::Frames)
}

/// Decodes `path` and analyses it as it is decoded: the signal is never held whole (a long
/// track is decoded twice instead, see [`crate::analyze`]). With [`Detail::Summary`] memory
/// stays bounded whatever the length; [`Detail::Frames`] adds 744 bytes a frame.
///
/// Errors: those of [`AudioStream::open`] and [`AudioStream::next_chunk`], the resampler's,
/// [`FeatureError::NoAudio`] when the file yields no sample, [`FeatureError::NonFinite`] for a
/// NaN or infinite sample, and [`FeatureError::Corrupt`] when a second pass does not decode
/// the same number of samples as the first (the file changed).
pub fn analyze_file_with(
    path: &Path,
    config: &FeatureConfig,
    detail: Detail,
) -> Result<FileAnalysis> {
    config.check()?;
    let mut stream = AudioStream::open_with(path, config.decoder)?;
    let native = stream.sample_rate();
    let rate = config.sample_rate.unwrap_or(native);
    let expected = stream
        .frames_hint()
        .map(|n| output_len(usize::try_from(n).unwrap_or(usize::MAX), native, rate));
    let mut analyzer = StreamAnalyzer::new(rate, config, detail, expected)?;
    let mut resampler = Resampler::new(native, rate, config.resampler)?;
    let non_finite = |e: FeatureError, at: usize| match e {
        FeatureError::Signal(_) => FeatureError::NonFinite {
            path: path.to_path_buf(),
            position_s: at as f64 / f64::from(rate),
        },
        other => other,
    };
    while let Some(chunk) = stream.next_chunk()? {
        let out = resampler.push(chunk)?;
        let at = analyzer.samples_received();
        analyzer.push(out).map_err(|e| non_finite(e, at))?;
    }
    let out = resampler.finish()?;
    let at = analyzer.samples_received();
    analyzer.push(out).map_err(|e| non_finite(e, at))?;
    if analyzer.samples_received() == 0 {
        return Err(FeatureError::NoAudio {
            path: path.to_path_buf(),
        });
    }
    let source = SourceInfo {
        sample_rate: native,
        channels: stream.channels(),
        codec: stream.codec().to_string(),
        decoder: stream.decoder(),
        n_frames: stream.frames_decoded(),
        duration_s: stream.frames_decoded() as f64 / f64::from(native),
    };
    let warnings = stream.into_warnings();
    let analysis = match analyzer.finish()? {
        Finished::Done(a) => a,
        // The second pass decodes with the decoder the first one ended up with.
        Finished::Replay(replay) => second_pass(path, config, source.decoder, rate, *replay)?,
    };
    Ok(FileAnalysis {
        path: path.to_path_buf(),
        source,
        warnings,
        analysis,
    })
}

/// Decodes `path` again into `replay`.
fn second_pass(
    path: &Path,
    config: &FeatureConfig,
    decoder: Decoder,
    rate: u32,
    mut replay: Replay,
) -> Result<SignalAnalysis> {
    let mut stream = AudioStream::open_with(path, decoder)?;
    let mut resampler = Resampler::new(stream.sample_rate(), rate, config.resampler)?;
    while let Some(chunk) = stream.next_chunk()? {
        replay.push(resampler.push(chunk)?)?;
    }
    replay.push(resampler.finish()?)?;
    replay.finish().map_err(|e| FeatureError::Corrupt {
        path: path.to_path_buf(),
        position_s: None,
        reason: format!("the file changed while it was analysed ({e})"),
    })
}
