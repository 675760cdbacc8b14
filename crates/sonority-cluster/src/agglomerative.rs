//! Agglomerative (hierarchical) clustering with Ward, average, complete or single linkage, on
//! Euclidean distances or on a precomputed distance matrix.
//!
//! The dendrogram comes from `kodama` (the same algorithms and merge heights as scipy's
//! `linkage`, which scikit-learn's `AgglomerativeClustering` calls). linfa-hierarchical is not
//! used: it clusters on a similarity kernel with −ln(s) distances, which is not Ward linkage
//! on Euclidean distances, and its cluster numbering is not stable.
//!
//! Memory: the condensed distance matrix holds n(n−1)/2 f64, 400 MB for 10,000 tracks.

use kodama::{linkage, Method};
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{invalid, ClusterError, Result};
use crate::linalg::{check_finite, sq_dist, standard};

/// Largest condensed matrix accepted (in entries): 4 GB of f64, about 32,000 rows.
const MAX_CONDENSED: usize = 500_000_000;

/// How the distance between two clusters is defined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Linkage {
    /// Ward's minimum variance (Euclidean distances only).
    #[default]
    Ward,
    /// Mean distance between members.
    Average,
    /// Largest distance between members.
    Complete,
    /// Smallest distance between members.
    Single,
}

impl Linkage {
    fn method(self) -> Method {
        match self {
            Linkage::Ward => Method::Ward,
            Linkage::Average => Method::Average,
            Linkage::Complete => Method::Complete,
            Linkage::Single => Method::Single,
        }
    }
}

/// Parameters of agglomerative clustering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgglomerativeParams {
    /// Number of clusters to cut the tree into.
    pub k: usize,
    /// Linkage criterion.
    pub linkage: Linkage,
}

impl AgglomerativeParams {
    /// k clusters with Ward linkage.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            linkage: Linkage::Ward,
        }
    }
    /// Sets the linkage.
    pub fn linkage(mut self, l: Linkage) -> Self {
        self.linkage = l;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        if self.k == 0 {
            return Err(invalid("agglomerative: k must be at least 1"));
        }
        Ok(self)
    }

    fn check_n(&self, n: usize) -> Result<()> {
        if n < self.k || n < 2 {
            return Err(ClusterError::NotEnoughData(format!(
                "agglomerative: {n} rows for k = {}",
                self.k
            )));
        }
        if n.saturating_mul(n - 1) / 2 > MAX_CONDENSED {
            return Err(invalid(format!(
                "agglomerative: {n} rows need a {:.1} GB distance matrix; sample the rows or use k-means",
                (n as f64) * (n as f64 - 1.0) / 2.0 * 8e-9
            )));
        }
        Ok(())
    }
}

impl<'a> crate::Fit<ArrayView2<'a, f64>> for AgglomerativeParams {
    type Fitted = Agglomerative;

    /// Clusters the rows of `x` on Euclidean distances.
    fn fit(&self, x: ArrayView2<'a, f64>) -> Result<Agglomerative> {
        self.check()?;
        let n = x.nrows();
        self.check_n(n)?;
        check_finite(&x, "agglomerative input")?;
        let x = standard(x);
        let mut condensed = condensed_euclidean(&x.view());
        self.build(&mut condensed, n)
    }
}

impl AgglomerativeParams {
    /// Clusters from a precomputed symmetric `n × n` distance matrix (zero diagonal,
    /// non-negative, finite). Ward linkage needs Euclidean distances and is refused here, as in
    /// scikit-learn.
    pub fn fit_precomputed(&self, distances: ArrayView2<'_, f64>) -> Result<Agglomerative> {
        self.check()?;
        if self.linkage == Linkage::Ward {
            return Err(invalid(
                "agglomerative: Ward linkage needs Euclidean distances, not a precomputed matrix",
            ));
        }
        let n = distances.nrows();
        if distances.ncols() != n {
            return Err(invalid("agglomerative: the distance matrix must be square"));
        }
        self.check_n(n)?;
        let mut condensed = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            if distances[[i, i]] != 0.0 {
                return Err(invalid(format!(
                    "agglomerative: distance matrix diagonal at {i} is {}, not 0",
                    distances[[i, i]]
                )));
            }
            for j in (i + 1)..n {
                let v = distances[[i, j]];
                let w = distances[[j, i]];
                if !v.is_finite() || v < 0.0 {
                    return Err(invalid(format!(
                        "agglomerative: distance ({i}, {j}) = {v} is not finite and non-negative"
                    )));
                }
                if (v - w).abs() > 1e-12 * v.abs().max(1.0) {
                    return Err(invalid(format!(
                        "agglomerative: distance matrix is not symmetric at ({i}, {j})"
                    )));
                }
                condensed.push(v);
            }
        }
        self.build(&mut condensed, n)
    }

    fn build(&self, condensed: &mut [f64], n: usize) -> Result<Agglomerative> {
        let dend = linkage(condensed, n, self.linkage.method());
        let merges: Vec<Merge> = dend
            .steps()
            .iter()
            .map(|s| Merge {
                a: s.cluster1,
                b: s.cluster2,
                distance: s.dissimilarity,
                size: s.size,
            })
            .collect();
        let mut out = Agglomerative {
            labels: Vec::new(),
            merges,
            n,
            params: self.clone(),
        };
        out.labels = out.cut(self.k)?;
        Ok(out)
    }
}

/// Condensed (upper triangle, row-major) Euclidean distances, computed in parallel by row.
fn condensed_euclidean(x: &ArrayView2<'_, f64>) -> Vec<f64> {
    let (n, d) = x.dim();
    let xs = x.as_slice().unwrap_or(&[]);
    let mut out = vec![0.0f64; n * (n - 1) / 2];
    let mut rows: Vec<(usize, &mut [f64])> = Vec::with_capacity(n);
    let mut rest: &mut [f64] = &mut out;
    for i in 0..n.saturating_sub(1) {
        let (head, tail) = rest.split_at_mut(n - 1 - i);
        rows.push((i, head));
        rest = tail;
    }
    rows.into_par_iter().for_each(|(i, row)| {
        let xi = &xs[i * d..(i + 1) * d];
        for (o, j) in row.iter_mut().zip((i + 1)..n) {
            *o = sq_dist(xi, &xs[j * d..(j + 1) * d]).sqrt();
        }
    });
    out
}

/// One merge of the dendrogram, in scipy's convention: clusters `0..n` are the rows, merge `i`
/// creates cluster `n + i`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// Smaller id of the two merged clusters.
    pub a: usize,
    /// Larger id of the two merged clusters.
    pub b: usize,
    /// Linkage distance at which they merge.
    pub distance: f64,
    /// Rows in the merged cluster.
    pub size: usize,
}

/// A fitted agglomerative clustering: the full dendrogram and its cut into k clusters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agglomerative {
    /// Cluster of each row (numbered by first appearance).
    pub labels: Vec<usize>,
    /// The n − 1 merges, by increasing distance.
    pub merges: Vec<Merge>,
    /// Number of rows.
    pub n: usize,
    /// The parameters used.
    pub params: AgglomerativeParams,
}

impl Agglomerative {
    /// Labels for a cut of the same tree into `k` clusters (undoing the last k − 1 merges).
    pub fn cut(&self, k: usize) -> Result<Vec<usize>> {
        if k == 0 || k > self.n {
            return Err(invalid(format!(
                "agglomerative cut: k = {k} for {} rows",
                self.n
            )));
        }
        let mut parent: Vec<usize> = (0..(2 * self.n)).collect();
        fn find(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for (s, m) in self.merges.iter().take(self.n - k).enumerate() {
            let new = self.n + s;
            let ra = find(&mut parent, m.a);
            let rb = find(&mut parent, m.b);
            parent[ra] = new;
            parent[rb] = new;
        }
        let mut ids = std::collections::HashMap::new();
        Ok((0..self.n)
            .map(|i| {
                let r = find(&mut parent, i);
                let next = ids.len();
                *ids.entry(r).or_insert(next)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fit;
    use ndarray::array;

    #[test]
    fn cuts_obvious_groups() {
        let x = array![[0.0], [0.1], [0.3], [5.0], [5.2], [9.0]];
        for l in [
            Linkage::Ward,
            Linkage::Average,
            Linkage::Complete,
            Linkage::Single,
        ] {
            let a = AgglomerativeParams::new(3)
                .linkage(l)
                .fit(x.view())
                .unwrap();
            assert_eq!(a.labels, vec![0, 0, 0, 1, 1, 2], "{l:?}");
            assert_eq!(a.merges.len(), 5);
            assert_eq!(a.cut(1).unwrap(), vec![0; 6]);
            assert_eq!(a.cut(6).unwrap(), vec![0, 1, 2, 3, 4, 5]);
        }
    }

    #[test]
    fn precomputed_checks_its_input() {
        let d = array![[0.0, 1.0, 4.0], [1.0, 0.0, 3.0], [4.0, 3.0, 0.0]];
        let p = AgglomerativeParams::new(2).linkage(Linkage::Average);
        assert_eq!(p.fit_precomputed(d.view()).unwrap().labels, vec![0, 0, 1]);
        assert!(AgglomerativeParams::new(2)
            .fit_precomputed(d.view())
            .is_err());
        let bad = array![[0.0, 1.0, 4.0], [1.0, 0.0, 3.0], [4.0, 2.0, 0.0]];
        assert!(p.fit_precomputed(bad.view()).is_err());
        let nan = array![[0.0, f64::NAN], [f64::NAN, 0.0]];
        assert!(p.fit_precomputed(nan.view()).is_err());
    }
}
