//! [`TrackFeatures`]: the named per-track vector that clustering works on.
//!
//! Every dimension has a stable name (`mfcc_mean_3`, `timbre_cov_2_5`, `tempo_bpm`) and belongs
//! to a named group, so a caller can select and weight groups without knowing the layout.
//!
//! Specification: `docs/features.md#the-named-vector-clustering-reads`.

use crate::config::FeatureConfig;
use crate::frame_features::FrameFeatures;
use crate::summary::{upper_triangle, TrackSummary, TIMBRE_DIMS};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Bumped whenever a change in this crate changes any computed value; part of
/// [`FeatureConfig::analysis_version`], which stores use to decide what to analyse again.
/// Version 2: streaming summaries (Welford) and reordered f64 sums; values moved by f64
/// rounding only. Version 3: decibels through our own `log10` (musl's, within 1 ulp, the same
/// bits on every machine, where libm's picks an FMA or a plain variant by CPU), moving the dB
/// mel and contrast values by at most 2 ulp of f64; chroma products leave out weights below
/// 1e-10 of their bin's largest (values move by at most 1.2e-9 of the frame's largest).
/// Version 4: multichannel Vorbis decoded right (every 5.1 file from libvorbis, and quad, 5.0,
/// 6.1 and 7.1 ones, were wrong by up to 31% in RMS); files that failed before (multichannel
/// AAC, formats only ffmpeg reads) are tried again.
pub const ANALYSIS_VERSION: u32 = 4;

impl FeatureConfig {
    /// A string that changes whenever the values of an analysis would change: this crate's
    /// [`ANALYSIS_VERSION`] and every parameter.
    ///
    /// The decoder choice appears only as `;decoder=ffmpeg`, when every file is to go through
    /// ffmpeg: `auto` and `native` decode every natively readable file the same way, so they
    /// share a version (and stores made before the choice existed stay valid); a file `auto`
    /// hands to ffmpeg records that in [`crate::SourceInfo::decoder`].
    pub fn analysis_version(&self) -> String {
        let sr = self
            .sample_rate
            .map_or_else(|| "native".to_string(), |s| s.to_string());
        let resampler = match self.resampler {
            crate::ResamplerKind::SoxrHq => "soxr_hq",
            crate::ResamplerKind::Rubato => "rubato",
        };
        let decoder = match self.decoder {
            crate::Decoder::Ffmpeg => ";decoder=ffmpeg",
            crate::Decoder::Auto | crate::Decoder::Native => "",
        };
        format!(
            "sonority-features/{ANALYSIS_VERSION};sr={sr};n_fft={};hop={};n_mels={};n_mfcc={};resampler={resampler}{decoder}",
            self.n_fft, self.hop_length, self.n_mels, self.n_mfcc
        )
    }
}

/// The names of the feature groups, the one place they are spelled (clustering selects groups
/// by these names; front ends list them).
pub mod group {
    /// Loudness: RMS mean and deviation.
    pub const RMS: &str = "rms";
    /// Zero-crossing rate.
    pub const ZCR: &str = "zcr";
    /// Spectral centroid, bandwidth, roll-off and flatness.
    pub const SPECTRAL: &str = "spectral";
    /// Spectral contrast (7 bands).
    pub const CONTRAST: &str = "contrast";
    /// Chroma (12 pitch classes) and the tuning estimate.
    pub const CHROMA: &str = "chroma";
    /// Chroma computed without tuning estimation.
    pub const CHROMA_TUNING0: &str = "chroma_tuning0";
    /// Mel-band means and deviations.
    pub const MEL: &str = "mel";
    /// MFCC means and deviations.
    pub const MFCC: &str = "mfcc";
    /// Timbre: MFCC mean vector and covariance.
    pub const TIMBRE: &str = "timbre";
    /// Onset strength and tempo.
    pub const RHYTHM: &str = "rhythm";
}

/// The feature groups, in layout order.
pub const GROUPS: [&str; 10] = [
    group::RMS,
    group::ZCR,
    group::SPECTRAL,
    group::CONTRAST,
    group::CHROMA,
    group::CHROMA_TUNING0,
    group::MEL,
    group::MFCC,
    group::TIMBRE,
    group::RHYTHM,
];

/// The group a frame-feature key belongs to.
fn group_of(key: &str) -> &'static str {
    match key {
        "rms" => group::RMS,
        "zero_crossing_rate" => group::ZCR,
        "spectral_contrast" => group::CONTRAST,
        "chroma_stft" => group::CHROMA,
        "chroma_stft_tuning0" => group::CHROMA_TUNING0,
        "melspectrogram" => group::MEL,
        "mfcc" => group::MFCC,
        "onset_strength" => group::RHYTHM,
        _ => group::SPECTRAL,
    }
}

/// One named dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureDim {
    /// Stable name, e.g. `spectral_centroid_mean_0`.
    pub name: String,
    /// Group name, one of [`GROUPS`].
    pub group: String,
}

/// The names and groups of every dimension, in order. One layout serves every track analysed
/// with the same configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureLayout {
    /// The dimensions.
    pub dims: Vec<FeatureDim>,
}

impl FeatureLayout {
    /// The layout of tracks analysed with `config`.
    pub fn for_config(config: &FeatureConfig) -> Self {
        let rows = |key: &str| match key {
            "spectral_contrast" => 7,
            "chroma_stft" | "chroma_stft_tuning0" => 12,
            "melspectrogram" => config.n_mels,
            "mfcc" => config.n_mfcc,
            _ => 1,
        };
        let mut dims = Vec::new();
        let mut push = |name: String, group: &str| {
            dims.push(FeatureDim {
                name,
                group: group.to_string(),
            })
        };
        for key in FrameFeatures::KEYS {
            let group = group_of(key);
            for stat in ["mean", "std"] {
                for r in 0..rows(key) {
                    push(format!("{key}_{stat}_{r}"), group);
                }
            }
            if key == "chroma_stft" {
                push("tuning".into(), group::CHROMA);
            }
        }
        for i in 0..TIMBRE_DIMS {
            push(format!("timbre_mean_{i}"), group::TIMBRE);
        }
        for (i, j) in upper_triangle(TIMBRE_DIMS) {
            push(format!("timbre_cov_{i}_{j}"), group::TIMBRE);
        }
        push("tempo_bpm".into(), group::RHYTHM);
        Self { dims }
    }

    /// Number of dimensions.
    pub fn len(&self) -> usize {
        self.dims.len()
    }

    /// True when there are no dimensions.
    pub fn is_empty(&self) -> bool {
        self.dims.is_empty()
    }

    /// Index of the dimension called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.dims.iter().position(|d| d.name == name)
    }
}

/// The per-track feature vector with its layout and the analysis version that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackFeatures {
    /// [`FeatureConfig::analysis_version`] of the analysis.
    pub analysis_version: String,
    /// Names and groups of `values`.
    pub layout: Arc<FeatureLayout>,
    /// One finite value per dimension.
    pub values: Vec<f64>,
}

impl TrackFeatures {
    /// Flattens a summary into the layout of `config`. Values that are undefined (the timbre
    /// covariance of a clip shorter than two frames) are 0, so the vector is always finite.
    pub fn from_summary(summary: &TrackSummary, config: &FeatureConfig) -> Self {
        let layout = FeatureLayout::for_config(config);
        let mut values = Vec::with_capacity(layout.len());
        for (key, stats) in &summary.stats {
            values.extend_from_slice(&stats.mean);
            values.extend_from_slice(&stats.std);
            if key == "chroma_stft" {
                values.push(summary.tuning);
            }
        }
        values.extend_from_slice(&summary.timbre.mean);
        match &summary.timbre.cov_upper {
            Some(cov) => values.extend_from_slice(cov),
            None => values.extend(std::iter::repeat_n(
                0.0,
                TIMBRE_DIMS * (TIMBRE_DIMS + 1) / 2,
            )),
        }
        values.push(summary.tempo_bpm);
        values.resize(layout.len(), 0.0);
        for v in values.iter_mut() {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
        Self {
            analysis_version: config.analysis_version(),
            layout: Arc::new(layout),
            values,
        }
    }

    /// The value of the dimension called `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.layout.index_of(name).map(|i| self.values[i])
    }

    /// `(name, group, value)` for every dimension.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, f64)> {
        self.layout
            .dims
            .iter()
            .zip(&self.values)
            .map(|(d, &v)| (d.name.as_str(), d.group.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze_signal;

    #[test]
    fn layout_names_are_unique_and_grouped() {
        let layout = FeatureLayout::for_config(&FeatureConfig::default());
        let mut names: Vec<&str> = layout.dims.iter().map(|d| d.name.as_str()).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(layout
            .dims
            .iter()
            .all(|d| GROUPS.contains(&d.group.as_str())));
        assert_eq!(
            layout
                .index_of("timbre_cov_2_5")
                .map(|i| &layout.dims[i].group),
            Some(&"timbre".to_string())
        );
        // 2 x (1+1+4+7+12+12+128+20+1) + tuning + 12 + 78 + tempo
        assert_eq!(n, 2 * 186 + 1 + 12 + 78 + 1);
    }

    #[test]
    fn vector_matches_summary_and_round_trips() {
        let signal: Vec<f32> = (0..22050)
            .map(|i| ((i as f32) * 0.05).sin() * 0.5)
            .collect();
        let config = FeatureConfig::default();
        let a = analyze_signal(&signal, 22050, &config).expect("analysis");
        let tf = TrackFeatures::from_summary(&a.summary, &config);
        assert_eq!(tf.values.len(), tf.layout.len());
        assert_eq!(
            tf.get("mfcc_mean_3"),
            Some(a.summary.get("mfcc").expect("mfcc").mean[3])
        );
        assert_eq!(tf.get("tempo_bpm"), Some(a.summary.tempo_bpm));
        let cov = a.summary.timbre.cov_upper.as_ref().expect("cov");
        assert_eq!(tf.get("timbre_cov_0_1"), Some(cov[1]));
        let json = serde_json::to_string(&tf).expect("serialise");
        let back: TrackFeatures = serde_json::from_str(&json).expect("parse");
        // Compare without Debug-printing 500 dims on failure.
        assert!(back.values == tf.values, "values changed in the round trip");
        assert!(back.layout == tf.layout && back.analysis_version == tf.analysis_version);
    }

    #[test]
    fn version_changes_with_config() {
        let a = FeatureConfig::default();
        let b = FeatureConfig {
            n_mels: 64,
            ..FeatureConfig::default()
        };
        assert_ne!(a.analysis_version(), b.analysis_version());
    }

    #[test]
    fn only_forced_ffmpeg_changes_the_version() {
        use crate::Decoder;
        let with = |decoder| FeatureConfig {
            decoder,
            ..FeatureConfig::default()
        };
        let auto = with(Decoder::Auto).analysis_version();
        assert_eq!(auto, with(Decoder::Native).analysis_version());
        assert!(!auto.contains("decoder"), "{auto}");
        let ffmpeg = with(Decoder::Ffmpeg).analysis_version();
        assert_eq!(ffmpeg, format!("{auto};decoder=ffmpeg"));
        // A configuration saved before the decoder existed reads as auto.
        let mut saved = serde_json::to_value(with(Decoder::Auto)).expect("serialise");
        saved.as_object_mut().expect("object").remove("decoder");
        let back: FeatureConfig = serde_json::from_value(saved).expect("parse");
        assert_eq!(back.decoder, Decoder::Auto);
    }
}
