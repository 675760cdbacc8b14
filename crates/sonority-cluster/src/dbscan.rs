//! DBSCAN, with `eps` chosen from the k-distance curve when not given.
//!
//! Same definition and the same labels as scikit-learn's `DBSCAN` (Euclidean): a row is a core
//! row when at least `min_samples` rows, itself included, lie within `eps` (inclusive);
//! clusters grow from core rows in row order; a border row joins the first cluster that
//! reaches it; everything else is noise.
//!
//! Why not linfa-clustering's `Dbscan`: it counts neighbours strictly inside `eps` (scikit-learn
//! includes the boundary), it does not report which rows are core (needed to place new tracks),
//! and its range queries go through linfa-nn's trees, which are no faster than a scan at
//! 50–120 dims and can panic inside the algorithm; here range queries are the exact screened
//! scans of [`crate::neighbors`].

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{invalid, ClusterError, Result};
use crate::neighbors::NeighborIndex;
use crate::select_k::knee;

/// Parameters of DBSCAN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbscanParams {
    /// Neighbourhood radius; `None` picks it at the knee of the sorted k-distance curve.
    pub eps: Option<f64>,
    /// Rows (including the row itself) within `eps` that make a core row.
    pub min_samples: usize,
}

impl DbscanParams {
    /// `min_samples` 5 (scikit-learn's default) and `eps` from the k-distance curve.
    pub fn new() -> Self {
        Self {
            eps: None,
            min_samples: 5,
        }
    }
    /// Sets a fixed radius.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = Some(eps);
        self
    }
    /// Sets `min_samples`.
    pub fn min_samples(mut self, m: usize) -> Self {
        self.min_samples = m;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        if self.min_samples == 0 {
            return Err(invalid("dbscan: min_samples must be at least 1"));
        }
        if let Some(e) = self.eps {
            if e.is_nan() || e <= 0.0 || e.is_infinite() {
                return Err(invalid(format!(
                    "dbscan: eps must be finite and > 0, got {e}"
                )));
            }
        }
        Ok(self)
    }
}

impl<'a> crate::Fit<ArrayView2<'a, f64>> for DbscanParams {
    type Fitted = Dbscan;

    /// Clusters the rows of `x`.
    fn fit(&self, x: ArrayView2<'a, f64>) -> Result<Dbscan> {
        self.check()?;
        let n = x.nrows();
        if n < self.min_samples.max(2) {
            return Err(ClusterError::NotEnoughData(format!(
                "dbscan: {n} rows for min_samples = {}",
                self.min_samples
            )));
        }
        let index = NeighborIndex::new(x)?;
        let k_distance = {
            let mut v = index.kth_distances(self.min_samples)?;
            v.sort_by(f64::total_cmp);
            v
        };
        let eps = match self.eps {
            Some(e) => e,
            None => eps_from_k_distance(&k_distance)?,
        };
        // Neighbourhoods of every row, in parallel (stored, as scikit-learn does: memory grows
        // with eps), then core rows.
        let neighborhoods = index.within_batch(index.data(), eps)?;
        let core: Vec<bool> = neighborhoods
            .iter()
            .map(|v| v.len() >= self.min_samples)
            .collect();
        // Pass 2: scikit-learn's `dbscan_inner` (depth-first, clusters in row order).
        let mut labels: Vec<Option<usize>> = vec![None; n];
        let mut next = 0usize;
        let mut stack = Vec::new();
        for start in 0..n {
            if labels[start].is_some() || !core[start] {
                continue;
            }
            let mut i = start;
            loop {
                if labels[i].is_none() {
                    labels[i] = Some(next);
                    if core[i] {
                        for &j in &neighborhoods[i] {
                            if labels[j].is_none() {
                                stack.push(j);
                            }
                        }
                    }
                }
                match stack.pop() {
                    Some(j) => i = j,
                    None => break,
                }
            }
            next += 1;
        }
        Ok(Dbscan {
            labels,
            core,
            eps,
            k_distance,
            n_clusters: next,
            params: self.clone(),
        })
    }
}

impl Default for DbscanParams {
    fn default() -> Self {
        Self::new()
    }
}

/// `eps` at the knee of the sorted k-distance curve (see [`crate::select_k::knee`]).
pub fn eps_from_k_distance(sorted_k_distance: &[f64]) -> Result<f64> {
    let xs: Vec<f64> = (0..sorted_k_distance.len()).map(|i| i as f64).collect();
    let i = knee(&xs, sorted_k_distance).ok_or_else(|| {
        ClusterError::NotEnoughData("dbscan: the k-distance curve has no knee; give eps".into())
    })?;
    let eps = sorted_k_distance[i];
    if eps > 0.0 {
        Ok(eps)
    } else {
        Err(ClusterError::NotEnoughData(
            "dbscan: the k-distance knee is at distance 0 (many duplicate rows); give eps".into(),
        ))
    }
}

/// A fitted DBSCAN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dbscan {
    /// Cluster of each row; `None` is noise.
    pub labels: Vec<Option<usize>>,
    /// Whether each row is a core row.
    pub core: Vec<bool>,
    /// The radius used (given or chosen).
    pub eps: f64,
    /// Sorted distances of every row to its `min_samples`-th nearest row (itself included),
    /// for plotting the k-distance curve.
    pub k_distance: Vec<f64>,
    /// Number of clusters found.
    pub n_clusters: usize,
    /// The parameters used.
    pub params: DbscanParams,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fit;
    use ndarray::array;

    #[test]
    fn two_groups_and_noise() {
        let x = array![
            [0.0],
            [0.1],
            [0.2],
            [0.3],
            [5.0],
            [5.1],
            [5.2],
            [5.3],
            [20.0]
        ];
        let d = DbscanParams::new()
            .eps(0.15)
            .min_samples(2)
            .fit(x.view())
            .unwrap();
        assert_eq!(
            d.labels,
            vec![
                Some(0),
                Some(0),
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(1),
                Some(1),
                None
            ]
        );
        assert_eq!(d.n_clusters, 2);
        assert!(!d.core[8]);
    }

    #[test]
    fn bad_params() {
        let x = array![[0.0], [1.0]];
        assert!(DbscanParams::new().eps(-1.0).fit(x.view()).is_err());
        assert!(DbscanParams::new().min_samples(0).fit(x.view()).is_err());
    }
}
