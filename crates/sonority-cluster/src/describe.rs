//! Describing clusters: the dims where a cluster's mean stands furthest from the overall mean
//! (z-scores), and a short human name built from them ("bright · noisy · fast").
//!
//! The mapping from feature dims to words is a table of [`WordRule`]s that the caller passes in
//! [`DescribeParams::words`]: this crate knows nothing of audio, so the table lives where the
//! dim names are known (sonority-library's `DIM_WORDS`, written against sonority-features' dim
//! names). Dims not in the table never name a cluster (a listener does not know
//! "mfcc_mean_7"); a cluster that stands out on none of the table's dims is "average" (with
//! an empty table, every cluster is). Names are distinct across clusters (a numeric suffix
//! when the words run out).

use serde::{Deserialize, Serialize};

use crate::error::{invalid, Result};
use crate::linalg::column_mean_var;
use crate::table::{FeatureTable, TrackId};

/// One row of the dims→words table: dims named `prefix…` (and, when `index` is given, whose
/// trailing `_<n>` lies in that inclusive range) read as `high` when the cluster is above the
/// overall mean and as `low` when below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WordRule {
    /// Start of the dim name.
    pub prefix: &'static str,
    /// Inclusive range of the trailing index, if the rule covers only some rows of a feature.
    pub index: Option<(usize, usize)>,
    /// Word for a cluster above the mean.
    pub high: &'static str,
    /// Word for a cluster below the mean.
    pub low: &'static str,
}

impl WordRule {
    /// Every dim whose name starts with `prefix` reads `high` above the mean, `low` below.
    pub const fn new(prefix: &'static str, high: &'static str, low: &'static str) -> Self {
        Self {
            prefix,
            index: None,
            high,
            low,
        }
    }

    /// As [`WordRule::new`], only for dims whose trailing `_<n>` lies in `lo..=hi`.
    pub const fn ranged(
        prefix: &'static str,
        lo: usize,
        hi: usize,
        high: &'static str,
        low: &'static str,
    ) -> Self {
        Self {
            prefix,
            index: Some((lo, hi)),
            high,
            low,
        }
    }

    /// Whether the rule covers dim `name`.
    pub fn covers(&self, name: &str) -> bool {
        name.starts_with(self.prefix)
            && match self.index {
                None => true,
                Some((lo, hi)) => trailing_index(name).is_some_and(|i| i >= lo && i <= hi),
            }
    }
}

/// Trailing `_<n>` of a dim name.
fn trailing_index(name: &str) -> Option<usize> {
    let (_, tail) = name.rsplit_once('_')?;
    tail.parse().ok()
}

/// The rule of `words` covering dim `name`, if any (the first matching rule wins).
pub fn rule_for<'w>(words: &'w [WordRule], name: &str) -> Option<&'w WordRule> {
    words.iter().find(|r| r.covers(name))
}

/// The word of `words` for dim `name` when a cluster stands at z-score `z` (`None` if no rule
/// covers the dim).
pub fn word_for(words: &[WordRule], name: &str, z: f64) -> Option<&'static str> {
    rule_for(words, name).map(|r| if z >= 0.0 { r.high } else { r.low })
}

/// Are `a` and `b` opposite words of some rule?
fn antonyms(words: &[WordRule], a: &str, b: &str) -> bool {
    words
        .iter()
        .any(|r| (r.high == a && r.low == b) || (r.high == b && r.low == a))
}

/// Parameters of cluster description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DescribeParams {
    /// Dims listed per cluster.
    pub top_n: usize,
    /// Words per name (more only when needed to keep names distinct).
    pub words_per_name: usize,
    /// Dims with |z| below this do not name a cluster.
    pub min_abs_z: f64,
    /// The dims→words table (first matching rule wins); empty by default, when every cluster
    /// is "average". Not saved: it is the caller's vocabulary, not a fitted value, so a model
    /// loaded from JSON has none until the caller gives it back ([`crate::Model::with_words`]).
    #[serde(skip)]
    pub words: &'static [WordRule],
}

impl Default for DescribeParams {
    fn default() -> Self {
        Self {
            top_n: 6,
            words_per_name: 3,
            min_abs_z: 0.25,
            words: &[],
        }
    }
}

impl DescribeParams {
    /// Sets the dims→words table.
    pub fn words(mut self, words: &'static [WordRule]) -> Self {
        self.words = words;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        if self.words_per_name == 0 {
            return Err(invalid("describe: words_per_name must be at least 1"));
        }
        if self.min_abs_z.is_nan() || self.min_abs_z < 0.0 {
            return Err(invalid("describe: min_abs_z must be >= 0"));
        }
        Ok(self)
    }
}

/// How far a cluster's mean stands from the overall mean on one dim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DimScore {
    /// Dim name.
    pub dim: String,
    /// Its group.
    pub group: String,
    /// (cluster mean − overall mean) / overall standard deviation.
    pub z: f64,
    /// Cluster mean, in the table's units.
    pub cluster_mean: f64,
    /// Overall mean, in the table's units.
    pub overall_mean: f64,
    /// Word from [`DescribeParams::words`], if a rule covers the dim.
    pub word: Option<String>,
}

/// A cluster's description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterDescription {
    /// Cluster label.
    pub cluster: usize,
    /// Members.
    pub size: usize,
    /// The `top_n` dims by |z|, largest first.
    pub top: Vec<DimScore>,
    /// Short distinct name, words joined by " · ".
    pub name: String,
}

/// Describes clusters `0..k` of `labels` (one per row of `table`, `None` = noise) on the
/// table's own units. Clusters with no member get an empty description named "empty".
pub fn describe<Id: TrackId>(
    table: &FeatureTable<Id>,
    labels: &[Option<usize>],
    k: usize,
    params: &DescribeParams,
) -> Result<Vec<ClusterDescription>> {
    describe_avoiding(table, labels, k, params, &[])
}

/// As [`describe`], with names distinct from `taken` too (used when new clusters join old ones).
pub fn describe_avoiding<Id: TrackId>(
    table: &FeatureTable<Id>,
    labels: &[Option<usize>],
    k: usize,
    params: &DescribeParams,
    taken: &[String],
) -> Result<Vec<ClusterDescription>> {
    params.check()?;
    if labels.len() != table.n_tracks() {
        return Err(invalid(format!(
            "describe: {} labels for {} tracks",
            labels.len(),
            table.n_tracks()
        )));
    }
    let x = table.data();
    let (mean, var) = column_mean_var(&x);
    let d = table.n_dims();
    let mut sums = vec![vec![0.0f64; d]; k];
    let mut sizes = vec![0usize; k];
    for (i, l) in labels.iter().enumerate() {
        if let Some(c) = *l {
            if c >= k {
                return Err(invalid(format!("describe: label {c} with k = {k}")));
            }
            sizes[c] += 1;
            for (s, v) in sums[c].iter_mut().zip(x.row(i).iter()) {
                *s += v;
            }
        }
    }
    let mut scored: Vec<Vec<DimScore>> = Vec::with_capacity(k);
    for c in 0..k {
        let mut v: Vec<DimScore> = (0..d)
            .filter(|&j| sizes[c] > 0 && var[j] > 0.0)
            .map(|j| {
                let cm = sums[c][j] / sizes[c] as f64;
                let z = (cm - mean[j]) / var[j].sqrt();
                let name = &table.dims()[j].name;
                DimScore {
                    dim: name.clone(),
                    group: table.dims()[j].group.clone(),
                    z,
                    cluster_mean: cm,
                    overall_mean: mean[j],
                    word: word_for(params.words, name, z).map(str::to_string),
                }
            })
            .collect();
        v.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.dim.cmp(&b.dim)));
        scored.push(v);
    }
    Ok(name_scored(scored, &sizes, params, taken))
}

/// Describes `k` clusters known only by their centroids in a standardised space (row `c` of
/// `centroids`: `(cluster mean − center) / scale` per dim, as a standard scaler fitted on the
/// whole library gives), e.g. the centroids of a k-means fitted elsewhere. A centroid's value
/// on a dim is then its z-score, and the names follow the same rules as [`describe`]'s. The
/// descriptions report size 0: the members are not known.
pub fn describe_centroids(
    dims: &[crate::table::Dim],
    centroids: ndarray::ArrayView2<'_, f64>,
    center: &[f64],
    scale: &[f64],
    params: &DescribeParams,
) -> Result<Vec<ClusterDescription>> {
    params.check()?;
    let d = dims.len();
    if centroids.ncols() != d || center.len() != d || scale.len() != d {
        return Err(invalid(format!(
            "describe_centroids: {} dims, {} centroid columns, {} centers, {} scales",
            d,
            centroids.ncols(),
            center.len(),
            scale.len()
        )));
    }
    let scored: Vec<Vec<DimScore>> = centroids
        .outer_iter()
        .map(|row| {
            let mut v: Vec<DimScore> = dims
                .iter()
                .zip(row.iter())
                .enumerate()
                .map(|(j, (dim, &z))| DimScore {
                    dim: dim.name.clone(),
                    group: dim.group.clone(),
                    z,
                    cluster_mean: z * scale[j] + center[j],
                    overall_mean: center[j],
                    word: word_for(params.words, &dim.name, z).map(str::to_string),
                })
                .collect();
            v.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.dim.cmp(&b.dim)));
            v
        })
        .collect();
    let mut out = name_scored(scored, &vec![1; centroids.nrows()], params, &[]);
    out.iter_mut().for_each(|c| c.size = 0);
    Ok(out)
}

/// Names clusters from their dim scores (strongest first): the table words of the dims at
/// least `min_abs_z` from the mean, without repeats or antonyms, made distinct. A cluster of
/// size 0 is "empty", one that stands out on no table dim "average".
fn name_scored(
    scored: Vec<Vec<DimScore>>,
    sizes: &[usize],
    params: &DescribeParams,
    taken: &[String],
) -> Vec<ClusterDescription> {
    // Candidate words per cluster, strongest first: table words, then fallbacks.
    let candidates: Vec<Vec<String>> = scored
        .iter()
        .zip(sizes)
        .map(|(v, &size)| {
            if size == 0 {
                return vec!["empty".to_string()];
            }
            let mut words: Vec<String> = Vec::new();
            for s in v.iter().filter(|s| s.z.abs() >= params.min_abs_z) {
                if let Some(w) = &s.word {
                    if !words.contains(w) && !words.iter().any(|o| antonyms(params.words, o, w)) {
                        words.push(w.clone());
                    }
                }
            }
            if words.is_empty() {
                words.push("average".to_string());
            }
            words
        })
        .collect();
    let names = distinct_names(&candidates, params.words_per_name, taken);
    scored
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(c, (mut top, name))| {
            top.truncate(params.top_n);
            ClusterDescription {
                cluster: c,
                size: sizes[c],
                top,
                name,
            }
        })
        .collect()
}

/// Names from candidate words: `base` words each, more where two names collide, then a
/// numeric suffix if the words run out. Also distinct from `taken`.
pub(crate) fn distinct_names(
    candidates: &[Vec<String>],
    base: usize,
    taken: &[String],
) -> Vec<String> {
    let k = candidates.len();
    let mut used: Vec<usize> = candidates
        .iter()
        .map(|c| base.min(c.len()).max(1))
        .collect();
    let name_of = |c: usize, m: usize| candidates[c][..m.min(candidates[c].len())].join(" · ");
    loop {
        let names: Vec<String> = (0..k).map(|c| name_of(c, used[c])).collect();
        let mut grew = false;
        for c in 0..k {
            let clash = taken.contains(&names[c]) || (0..k).any(|o| o != c && names[o] == names[c]);
            if clash && used[c] < candidates[c].len() {
                used[c] += 1;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(k);
    for c in 0..k {
        let base_name = name_of(c, used[c]);
        let mut name = base_name.clone();
        let mut n = 2;
        while taken.contains(&name) || out.contains(&name) {
            name = format!("{base_name} ({n})");
            n += 1;
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Dim;

    /// A small table for these tests (the real one is the caller's).
    const WORDS: &[WordRule] = &[
        WordRule::new("tempo", "fast", "slow"),
        WordRule::new("rms_mean", "loud", "quiet"),
        WordRule::new("spectral_centroid_mean", "bright", "dark"),
        WordRule::new("spectral_flatness_mean", "noisy", "tonal"),
        WordRule::ranged("melspectrogram_mean", 0, 15, "bass-heavy", "thin"),
        WordRule::ranged("mfcc_mean", 1, 1, "warm", "bright"),
    ];

    fn params() -> DescribeParams {
        DescribeParams::default().words(WORDS)
    }

    #[test]
    fn words_follow_the_table() {
        let word_for = |name, z| word_for(WORDS, name, z);
        assert_eq!(word_for("spectral_centroid_mean_0", 1.2), Some("bright"));
        assert_eq!(word_for("spectral_centroid_mean_0", -1.2), Some("dark"));
        assert_eq!(word_for("tempo_bpm", 2.0), Some("fast"));
        assert_eq!(word_for("melspectrogram_mean_3", 1.0), Some("bass-heavy"));
        assert_eq!(word_for("melspectrogram_mean_50", 1.0), None);
        assert_eq!(word_for("mfcc_mean_1", 1.0), Some("warm"));
        assert_eq!(word_for("mfcc_mean_12", 1.0), None);
        assert_eq!(word_for("timbre_cov_2_5", 1.0), None);
    }

    #[test]
    fn the_table_is_not_saved_and_an_empty_one_names_nothing() {
        let json = serde_json::to_string(&params()).unwrap_or_default();
        assert_eq!(json, r#"{"top_n":6,"words_per_name":3,"min_abs_z":0.25}"#);
        let (t, labels) = table();
        let d = describe(&t, &labels, 3, &DescribeParams::default()).unwrap();
        assert!(d.iter().all(|c| c.name.starts_with("average")), "{d:?}");
    }

    fn table() -> (FeatureTable, Vec<Option<usize>>) {
        let dims = vec![
            Dim::new("spectral_centroid_mean_0", "spectral"),
            Dim::new("spectral_flatness_mean_0", "spectral"),
            Dim::new("tempo_bpm", "rhythm"),
            Dim::new("rms_mean_0", "rms"),
            Dim::new("mfcc_mean_7", "mfcc"),
        ];
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..30 {
            let c = i % 3;
            let jitter = (i as f64) * 0.001;
            let v = match c {
                0 => vec![4000.0, 0.3, 170.0, 0.2, 1.0 + jitter],
                1 => vec![900.0, 0.01, 70.0, 0.02, 1.0 - jitter],
                _ => vec![2000.0, 0.1, 120.0, 0.1, 5.0 + jitter],
            };
            rows.push((format!("t{i}"), v));
            labels.push(Some(c));
        }
        (FeatureTable::from_rows(dims, rows).unwrap(), labels)
    }

    #[test]
    fn names_are_short_meaningful_and_distinct() {
        let (t, labels) = table();
        let d = describe(&t, &labels, 3, &params()).unwrap();
        assert_eq!(d.len(), 3);
        let words: Vec<&str> = d[0].name.split(" · ").collect();
        assert_eq!(words.len(), 3, "{}", d[0].name);
        assert!(
            words
                .iter()
                .all(|w| ["bright", "noisy", "fast", "loud"].contains(w)),
            "{}",
            d[0].name
        );
        let words: Vec<&str> = d[1].name.split(" · ").collect();
        assert!(
            words
                .iter()
                .all(|w| ["dark", "tonal", "slow", "quiet"].contains(w)),
            "{}",
            d[1].name
        );
        // Cluster 2 stands out only on a dim without a word: no feature name in its name.
        assert!(!d[2].name.contains("mfcc"), "{}", d[2].name);
        assert_ne!(d[0].name, d[1].name);
        assert_eq!(d[0].size, 10);
        assert!(d[0].top[0].z.abs() >= d[0].top[1].z.abs());
    }

    #[test]
    fn collisions_get_more_words_or_a_suffix() {
        let c = vec![
            vec!["bright".to_string(), "fast".to_string()],
            vec!["bright".to_string(), "slow".to_string()],
            vec!["bright".to_string()],
        ];
        let n = distinct_names(&c, 1, &[]);
        assert_eq!(n[0], "bright · fast");
        assert_eq!(n[1], "bright · slow");
        assert_eq!(n[2], "bright");
        let same = vec![vec!["dark".to_string()], vec!["dark".to_string()]];
        let n = distinct_names(&same, 3, &[]);
        assert_ne!(n[0], n[1]);
        let n = distinct_names(&[vec!["dark".to_string()]], 3, &["dark".to_string()]);
        assert_eq!(n[0], "dark (2)");
    }
}
