//! Choosing k: sweep a range, score every k, pick one by a documented rule, return the sweep.

use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{invalid, ClusterError, Result};
use crate::gmm::{CovarianceType, GmmParams};
use crate::kmeans::{inertia, KMeansParams};
use crate::linalg::{check_finite, cluster_means, densify, standard};
use crate::metrics::{
    calinski_harabasz_score, davies_bouldin_score, sample_indices, silhouette_many,
};

/// Index of the knee (or elbow) of a monotone curve, or `None` when it is a straight line or
/// has fewer than 3 points.
///
/// Both axes are scaled to `[0, 1]`; the knee is the point furthest from the straight line
/// through the first and last points (the Kneedle difference curve's maximum, without its
/// sensitivity threshold). Used for the elbow of the inertia curve (decreasing, convex) and
/// for DBSCAN's `eps` on the sorted k-distance curve (increasing, convex).
pub fn knee(xs: &[f64], ys: &[f64]) -> Option<usize> {
    let n = xs.len().min(ys.len());
    if n < 3 {
        return None;
    }
    let (x0, x1) = (xs[0], xs[n - 1]);
    let (ymin, ymax) = ys[..n]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if x1.partial_cmp(&x0) != Some(std::cmp::Ordering::Greater)
        || ymax.partial_cmp(&ymin) != Some(std::cmp::Ordering::Greater)
    {
        return None;
    }
    let nx = |x: f64| (x - x0) / (x1 - x0);
    let ny = |y: f64| (y - ymin) / (ymax - ymin);
    let (ya, yb) = (ny(ys[0]), ny(ys[n - 1]));
    let mut best = (0.0f64, None);
    for i in 1..n - 1 {
        let t = nx(xs[i]);
        let on_line = ya + (yb - ya) * t;
        let dist = (ny(ys[i]) - on_line).abs();
        if dist > best.0 + 1e-12 {
            best = (dist, Some(i));
        }
    }
    best.1
}

/// The algorithm run at every k of a sweep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "covariance")]
pub enum SweepMethod {
    /// k-means.
    #[default]
    KMeans,
    /// A Gaussian mixture with the given covariance shape (adds BIC to the sweep).
    GaussianMixture(CovarianceType),
}

/// How the sweep picks k.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KRule {
    /// The default: highest mean silhouette (ties go to the smaller k). Silhouette rewards
    /// compact, well separated groups and needs no threshold, which is why it is the default.
    #[default]
    Silhouette,
    /// The elbow (knee) of the inertia curve.
    Elbow,
    /// Highest Calinski-Harabasz index.
    CalinskiHarabasz,
    /// Lowest Davies-Bouldin index.
    DaviesBouldin,
    /// Lowest BIC (Gaussian mixture sweeps only).
    Bic,
}

/// Parameters of a k sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KSweepParams {
    /// Smallest k tried (at least 2).
    pub k_min: usize,
    /// Largest k tried.
    pub k_max: usize,
    /// Algorithm run at each k.
    pub method: SweepMethod,
    /// How k is chosen.
    pub rule: KRule,
    /// Restarts per k (k-means restarts or mixture initialisations). The sweep only ranks the
    /// k; refit the chosen k with the full restarts.
    pub n_init: usize,
    /// Seed.
    pub seed: u64,
    /// Silhouette on at most this many rows (one seeded sample shared by every k); `None`
    /// always uses every row (O(n²)).
    pub silhouette_sample: Option<usize>,
}

impl Default for KSweepParams {
    fn default() -> Self {
        Self {
            k_min: 2,
            k_max: 15,
            method: SweepMethod::KMeans,
            rule: KRule::Silhouette,
            n_init: 3,
            seed: 0,
            silhouette_sample: Some(10_000),
        }
    }
}

/// The scores of one k.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KPoint {
    /// Number of clusters.
    pub k: usize,
    /// Sum of squared distances to the cluster means.
    #[serde(deserialize_with = "crate::nan_null::deserialize")]
    pub inertia: f64,
    /// Mean silhouette (higher is better).
    #[serde(deserialize_with = "crate::nan_null::deserialize")]
    pub silhouette: f64,
    /// Calinski-Harabasz index (higher is better).
    #[serde(deserialize_with = "crate::nan_null::deserialize")]
    pub calinski_harabasz: f64,
    /// Davies-Bouldin index (lower is better).
    #[serde(deserialize_with = "crate::nan_null::deserialize")]
    pub davies_bouldin: f64,
    /// BIC of the mixture (lower is better); `None` for k-means.
    pub bic: Option<f64>,
    /// Labels of every row at this k (not serialised: the sweep is stored for plotting).
    #[serde(skip)]
    pub labels: Vec<usize>,
}

/// A whole sweep, ready to plot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KSweep {
    /// One entry per k, increasing.
    pub points: Vec<KPoint>,
    /// The elbow of the inertia curve, if it has one.
    pub elbow_k: Option<usize>,
    /// The k picked by `rule`.
    pub chosen_k: usize,
    /// The rule used.
    pub rule: KRule,
}

impl KSweepParams {
    /// A sweep of k from `k_min` to `k_max` with the other defaults.
    pub fn new(k_min: usize, k_max: usize) -> Self {
        Self {
            k_min,
            k_max,
            ..Self::default()
        }
    }
    /// Sets the algorithm.
    pub fn method(mut self, m: SweepMethod) -> Self {
        self.method = m;
        self
    }
    /// Sets the rule.
    pub fn rule(mut self, r: KRule) -> Self {
        self.rule = r;
        self
    }
    /// Sets restarts per k.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets the silhouette sample size.
    pub fn silhouette_sample(mut self, s: Option<usize>) -> Self {
        self.silhouette_sample = s;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        if self.k_min < 2 || self.k_max < self.k_min {
            return Err(invalid(format!(
                "k sweep: need 2 <= k_min <= k_max, got {}..{}",
                self.k_min, self.k_max
            )));
        }
        if self.n_init == 0 {
            return Err(invalid("k sweep: n_init must be at least 1"));
        }
        if self.rule == KRule::Bic && self.method == SweepMethod::KMeans {
            return Err(invalid(
                "k sweep: the BIC rule needs the Gaussian mixture method",
            ));
        }
        if self.silhouette_sample == Some(0) || self.silhouette_sample == Some(1) {
            return Err(invalid("k sweep: silhouette_sample must be at least 2"));
        }
        Ok(self)
    }
}

impl<'a> crate::Fit<ArrayView2<'a, f64>> for KSweepParams {
    type Fitted = KSweep;

    /// Runs the sweep on the rows of `x` (already scaled).
    fn fit(&self, x: ArrayView2<'a, f64>) -> Result<KSweep> {
        self.check()?;
        let n = x.nrows();
        if n <= self.k_max {
            return Err(ClusterError::NotEnoughData(format!(
                "k sweep: {n} rows for k up to {}",
                self.k_max
            )));
        }
        check_finite(&x, "k sweep input")?;
        let x = standard(x);
        let xv = x.view();
        let mut points = Vec::new();
        for k in self.k_min..=self.k_max {
            let (labels, bic) = match self.method {
                SweepMethod::KMeans => {
                    let m = KMeansParams::new(k)
                        .n_init(self.n_init)
                        .seed(self.seed)
                        .fit(xv)?;
                    (m.labels, None)
                }
                SweepMethod::GaussianMixture(cov) => {
                    let f = GmmParams::new(k)
                        .covariance(cov)
                        .n_init(self.n_init)
                        .seed(self.seed)
                        .fit(xv)?;
                    let bic = f.mixture.bic(xv)?;
                    (f.labels, Some(bic))
                }
            };
            let (dense, values) = densify(&labels);
            let kk = values.len();
            let (means, _) = cluster_means(&xv, &dense, kk);
            let (ch, db) = if kk >= 2 {
                (
                    calinski_harabasz_score(xv, &dense)?,
                    davies_bouldin_score(xv, &dense)?,
                )
            } else {
                (f64::NAN, f64::NAN)
            };
            points.push(KPoint {
                k,
                inertia: inertia(&xv, &means, &dense),
                silhouette: f64::NAN,
                calinski_harabasz: ch,
                davies_bouldin: db,
                bic,
                labels: dense,
            });
        }
        // Silhouettes of every k in one pass over the (sampled) pairwise distances.
        let rows: Vec<usize> = match self.silhouette_sample {
            Some(m) if m < n => sample_indices(n, m, self.seed),
            _ => (0..n).collect(),
        };
        let xs = xv.select(Axis(0), &rows);
        let labelings: Vec<(Vec<usize>, usize)> = points
            .iter()
            .map(|p| {
                let l: Vec<usize> = rows.iter().map(|&i| p.labels[i]).collect();
                let (d, v) = densify(&l);
                (d, v.len())
            })
            .collect();
        let sil = silhouette_many(&xs.view(), &labelings);
        for (p, (s, (_, kk))) in points.iter_mut().zip(sil.iter().zip(&labelings)) {
            p.silhouette = if *kk >= 2 && *kk < rows.len() {
                s.iter().sum::<f64>() / s.len() as f64
            } else {
                f64::NAN
            };
        }
        let ks: Vec<f64> = points.iter().map(|p| p.k as f64).collect();
        let inert: Vec<f64> = points.iter().map(|p| p.inertia).collect();
        let elbow_k = knee(&ks, &inert).map(|i| points[i].k);
        let pick = |score: &dyn Fn(&KPoint) -> f64| -> usize {
            let mut best: Option<(f64, usize)> = None;
            for p in &points {
                let s = score(p);
                if s.is_finite() && best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, p.k));
                }
            }
            best.map_or(self.k_min, |(_, k)| k)
        };
        let chosen_k = match self.rule {
            KRule::Silhouette => pick(&|p| p.silhouette),
            KRule::CalinskiHarabasz => pick(&|p| p.calinski_harabasz),
            KRule::DaviesBouldin => pick(&|p| -p.davies_bouldin),
            KRule::Bic => pick(&|p| -p.bic.unwrap_or(f64::NAN)),
            KRule::Elbow => elbow_k.unwrap_or_else(|| pick(&|p| p.silhouette)),
        };
        Ok(KSweep {
            points,
            elbow_k,
            chosen_k,
            rule: self.rule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fit;
    use ndarray::Array2;

    #[test]
    fn knee_of_simple_curves() {
        let xs: Vec<f64> = (1..=8).map(|v| v as f64).collect();
        let elbow = [100.0, 40.0, 10.0, 8.0, 7.0, 6.0, 5.0, 4.0];
        assert_eq!(knee(&xs, &elbow), Some(2));
        let line: Vec<f64> = xs.iter().map(|v| 2.0 * v).collect();
        assert_eq!(knee(&xs, &line), None);
        let rising = [0.1, 0.1, 0.11, 0.12, 0.13, 0.5, 2.0, 9.0];
        assert_eq!(knee(&xs, &rising), Some(5));
    }

    #[test]
    fn finds_three_blobs() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut normal = move || {
            let u1: f64 = rng.gen::<f64>().max(1e-300);
            let u2: f64 = rng.gen();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        };
        let x = Array2::from_shape_fn((150, 2), |(i, _)| (i % 3) as f64 * 10.0 + normal());
        let s = KSweepParams::new(2, 6).fit(x.view()).unwrap();
        assert_eq!(s.chosen_k, 3);
        assert_eq!(s.elbow_k, Some(3));
        assert_eq!(s.points.len(), 5);
        let g = KSweepParams::new(2, 5)
            .method(SweepMethod::GaussianMixture(CovarianceType::Diag))
            .rule(KRule::Bic)
            .fit(x.view())
            .unwrap();
        assert_eq!(g.chosen_k, 3);
        assert!(KSweepParams::new(2, 5)
            .rule(KRule::Bic)
            .fit(x.view())
            .is_err());
    }
}
