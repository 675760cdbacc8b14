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
pub const DIM_WORDS: &[WordRule] = include!("dim_words_table.rs");

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
