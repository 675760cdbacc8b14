//! [`DIM_WORDS`]: the dims→words table that names clusters ("bright · noisy · fast").
//!
//! Why here: sonority-cluster knows nothing of audio, so it only applies a table its caller
//! passes in ([`sonority_cluster::DescribeParams::words`]). sonority-features defines the dim
//! names but knows nothing of clustering (it does not depend on sonority-cluster, whose
//! [`WordRule`] the table is made of). The library joins the two, adds a dim of its own
//! ([`crate::clustering::DURATION_DIM`]) and owns how clusters read to people (the overview,
//! the report's explained words), so the table lives with it; a test checks that every rule
//! still covers a dim of the current layout.

use sonority_cluster::WordRule;

/// The words of the dims of a library's feature table (sonority-features' layout plus
/// `duration_log_s`): dims named `prefix…` (within the index range for ranged rules) read as
/// the first word above the library's mean and the second below. First matching rule wins.
pub const DIM_WORDS: &[WordRule] = &[
    WordRule::new("tempo", "fast", "slow"),
    WordRule::new("duration", "long", "short"),
    WordRule::new("rms_mean", "loud", "quiet"),
    WordRule::new("rms_std", "dynamic", "steady"),
    WordRule::new("spectral_centroid_mean", "bright", "dark"),
    WordRule::new("spectral_rolloff_mean", "bright", "dark"),
    WordRule::new("spectral_bandwidth_mean", "full-range", "narrow"),
    WordRule::new("spectral_flatness_mean", "noisy", "tonal"),
    WordRule::new("zero_crossing_rate_mean", "noisy", "smooth"),
    WordRule::new("spectral_contrast_mean", "crisp", "dense"),
    WordRule::new("spectral_centroid_std", "shifting", "stable"),
    WordRule::new("onset_strength_mean", "energetic", "calm"),
    WordRule::new("onset_strength_std", "rhythmic", "flowing"),
    WordRule::new("chroma_stft_std", "melodic", "droning"),
    WordRule::new("chroma_stft_mean", "harmonic", "sparse"),
    WordRule::ranged("melspectrogram_mean", 0, 15, "bass-heavy", "thin"),
    WordRule::ranged("melspectrogram_mean", 96, 127, "airy", "muffled"),
    WordRule::ranged("mfcc_mean", 0, 0, "loud", "quiet"),
    WordRule::ranged("mfcc_mean", 1, 1, "warm", "bright"),
    WordRule::ranged("timbre_mean", 0, 0, "warm", "bright"),
    WordRule::ranged("mfcc_std", 0, 0, "dynamic", "steady"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clustering::analysis_dims;
    use sonority_cluster::describe::word_for;
    use sonority_features::FeatureConfig;

    #[test]
    fn every_rule_covers_a_dim_of_the_analysis() {
        let dims = analysis_dims(&FeatureConfig::default());
        for rule in DIM_WORDS {
            assert!(
                dims.iter().any(|d| rule.covers(&d.name)),
                "{rule:?} covers no dim"
            );
        }
        assert_eq!(
            word_for(DIM_WORDS, "melspectrogram_mean_100", 1.0),
            Some("airy")
        );
        assert_eq!(word_for(DIM_WORDS, "duration_log_s", -1.0), Some("short"));
        assert_eq!(word_for(DIM_WORDS, "mfcc_mean_7", 1.0), None);
    }
}
