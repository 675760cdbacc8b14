//! Exact nearest neighbours in scaled space.
//!
//! Candidates are screened with one matrix product per block (‖q‖² + ‖x‖² − 2 q·x); every
//! candidate that could be among the nearest, allowing for that expansion's worst-case
//! rounding, is then measured exactly. The result is exactly the brute-force answer (ties by
//! row index), at matrix-product speed.
//!
//! linfa-nn is not used: its kd-tree and ball tree degrade to a scan at 50–120 dims, its linear
//! search measures one pair at a time, and its indexes borrow the data, which does not fit a
//! model that is saved and loaded.

use std::borrow::Borrow;
use std::collections::BinaryHeap;
use std::fmt::Display;

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{invalid, Result};
use crate::linalg::{check_finite, row_sq_norms, sq_dist, standard};
use crate::scale::Scaler;
use crate::table::{FeatureTable, TrackId};

/// Data rows per matrix-product block.
const DATA_BLOCK: usize = 4096;
/// Queries per parallel task.
const QUERY_CHUNK: usize = 64;

/// One neighbour: a row of the index and its Euclidean distance.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neighbor {
    /// Row in the indexed matrix.
    pub index: usize,
    /// Euclidean distance.
    pub distance: f64,
}

/// An exact nearest-neighbour index over the rows of a matrix.
#[derive(Clone, Debug)]
pub struct NeighborIndex {
    x: Array2<f64>,
    norms: Array1<f64>,
    max_norm: f64,
}

#[derive(Clone, Copy, PartialEq)]
struct Approx(f64);
impl Eq for Approx {}
impl PartialOrd for Approx {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Approx {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl NeighborIndex {
    /// Indexes the rows of `x` (copied).
    pub fn new(x: ArrayView2<'_, f64>) -> Result<Self> {
        check_finite(&x, "neighbour index")?;
        let x = standard(x);
        let norms = row_sq_norms(&x.view());
        let max_norm = norms.iter().copied().fold(0.0, f64::max);
        Ok(Self { x, norms, max_norm })
    }

    /// Number of indexed rows.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }

    /// The indexed rows.
    pub fn data(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }

    fn margin(&self, qn: f64) -> f64 {
        // Worst-case rounding of ‖q‖² + ‖x‖² − 2 q·x in f64 is below 2·d·ε·(‖q‖² + ‖x‖²).
        4.0 * (self.x.ncols() as f64 + 1.0) * f64::EPSILON * (qn + self.max_norm)
            + f64::MIN_POSITIVE
    }

    fn check_queries(&self, q: &ArrayView2<'_, f64>) -> Result<()> {
        if q.ncols() != self.x.ncols() {
            return Err(invalid(format!(
                "neighbours: queries have {} columns, the index {}",
                q.ncols(),
                self.x.ncols()
            )));
        }
        check_finite(q, "neighbour query")
    }

    /// Calls `f(query, first_row, approx_sq_dists)` for every data block and query of a chunk.
    fn scan(&self, q: &ArrayView2<'_, f64>, qn: &[f64], mut f: impl FnMut(usize, usize, &[f64])) {
        let n = self.x.nrows();
        let mut lo = 0;
        let mut buf = Vec::new();
        while lo < n {
            let hi = (lo + DATA_BLOCK).min(n);
            let dots = q.dot(&self.x.slice(s![lo..hi, ..]).t());
            for (qi, row) in dots.outer_iter().enumerate() {
                buf.clear();
                buf.extend(
                    row.iter()
                        .zip(self.norms.slice(s![lo..hi]).iter())
                        .map(|(&dot, &xn)| qn[qi] + xn - 2.0 * dot),
                );
                f(qi, lo, &buf);
            }
            lo = hi;
        }
    }

    /// The `k` nearest rows to every query row, nearest first (ties by row index).
    pub fn query_batch(
        &self,
        queries: ArrayView2<'_, f64>,
        k: usize,
    ) -> Result<Vec<Vec<Neighbor>>> {
        self.check_queries(&queries)?;
        let k = k.min(self.len());
        if k == 0 {
            return Ok(vec![Vec::new(); queries.nrows()]);
        }
        let q = standard(queries);
        let nq = q.nrows();
        let xs = self.x.as_slice().unwrap_or(&[]);
        let d = self.x.ncols();
        let parts: Vec<Vec<Vec<Neighbor>>> = (0..nq.div_ceil(QUERY_CHUNK))
            .into_par_iter()
            .map(|c| {
                let lo = c * QUERY_CHUNK;
                let hi = (lo + QUERY_CHUNK).min(nq);
                let qc = q.slice(s![lo..hi, ..]);
                let qn: Vec<f64> = qc.outer_iter().map(|r| r.dot(&r)).collect();
                let margins: Vec<f64> = qn.iter().map(|&v| 2.0 * self.margin(v)).collect();
                let mut heaps: Vec<BinaryHeap<Approx>> =
                    vec![BinaryHeap::with_capacity(k + 1); hi - lo];
                let mut cands: Vec<Vec<(f64, usize)>> = vec![Vec::new(); hi - lo];
                self.scan(&qc, &qn, |qi, first, approx| {
                    let heap = &mut heaps[qi];
                    let cand = &mut cands[qi];
                    let mut kth = if heap.len() < k {
                        f64::INFINITY
                    } else {
                        heap.peek().map_or(f64::INFINITY, |a| a.0)
                    };
                    for (j, &a) in approx.iter().enumerate() {
                        if a > kth + margins[qi] {
                            continue;
                        }
                        cand.push((a, first + j));
                        if heap.len() < k {
                            heap.push(Approx(a));
                            if heap.len() == k {
                                kth = heap.peek().map_or(f64::INFINITY, |v| v.0);
                            }
                        } else if a < kth {
                            heap.pop();
                            heap.push(Approx(a));
                            kth = heap.peek().map_or(f64::INFINITY, |v| v.0);
                        }
                    }
                    if cand.len() > 8 * k + 64 {
                        let lim = kth + margins[qi];
                        cand.retain(|&(a, _)| a <= lim);
                    }
                });
                (0..hi - lo)
                    .map(|qi| {
                        let kth = heaps[qi].peek().map_or(f64::INFINITY, |v| v.0);
                        let lim = kth + margins[qi];
                        let qr = q.row(lo + qi);
                        let qs = qr.as_slice().unwrap_or(&[]);
                        let mut exact: Vec<(f64, usize)> = cands[qi]
                            .iter()
                            .filter(|&&(a, _)| a <= lim)
                            .map(|&(_, j)| (sq_dist(qs, &xs[j * d..(j + 1) * d]), j))
                            .collect();
                        exact.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                        exact
                            .into_iter()
                            .take(k)
                            .map(|(d2, j)| Neighbor {
                                index: j,
                                distance: d2.sqrt(),
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Ok(parts.into_iter().flatten().collect())
    }

    /// The `k` nearest rows to `q`, nearest first.
    pub fn query(&self, q: ArrayView1<'_, f64>, k: usize) -> Result<Vec<Neighbor>> {
        let q2 = q.insert_axis(ndarray::Axis(0));
        Ok(self.query_batch(q2, k)?.pop().unwrap_or_default())
    }

    /// The `k` nearest rows to indexed row `i`, excluding `i` itself.
    pub fn query_row(&self, i: usize, k: usize) -> Result<Vec<Neighbor>> {
        if i >= self.len() {
            return Err(invalid(format!(
                "neighbours: row {i} out of range for {} rows",
                self.len()
            )));
        }
        let mut v = self.query(self.x.row(i), k + 1)?;
        match v.iter().position(|nb| nb.index == i) {
            Some(p) => {
                v.remove(p);
            }
            None => {
                v.truncate(k);
            }
        }
        Ok(v)
    }

    /// For every indexed row, the distance to its `k`-th nearest row counting itself
    /// (scikit-learn's `NearestNeighbors(n_neighbors=k).kneighbors(X)[0][:, -1]`).
    pub fn kth_distances(&self, k: usize) -> Result<Vec<f64>> {
        if k == 0 || k > self.len() {
            return Err(invalid(format!(
                "neighbours: k = {k} for {} rows",
                self.len()
            )));
        }
        Ok(self
            .query_batch(self.x.view(), k)?
            .into_iter()
            .map(|v| v.last().map_or(0.0, |nb| nb.distance))
            .collect())
    }

    /// Rows within distance `eps` (inclusive) of each query row, by increasing row index.
    pub fn within_batch(&self, queries: ArrayView2<'_, f64>, eps: f64) -> Result<Vec<Vec<usize>>> {
        self.check_queries(&queries)?;
        let q = standard(queries);
        let nq = q.nrows();
        let eps2 = eps * eps;
        let xs = self.x.as_slice().unwrap_or(&[]);
        let d = self.x.ncols();
        let parts: Vec<Vec<Vec<usize>>> = (0..nq.div_ceil(QUERY_CHUNK))
            .into_par_iter()
            .map(|c| {
                let lo = c * QUERY_CHUNK;
                let hi = (lo + QUERY_CHUNK).min(nq);
                let qc = q.slice(s![lo..hi, ..]);
                let qn: Vec<f64> = qc.outer_iter().map(|r| r.dot(&r)).collect();
                let mut out: Vec<Vec<usize>> = vec![Vec::new(); hi - lo];
                self.scan(&qc, &qn, |qi, first, approx| {
                    let lim = eps2 + self.margin(qn[qi]);
                    let qs = &q.as_slice().unwrap_or(&[])[(lo + qi) * d..(lo + qi + 1) * d];
                    for (j, &a) in approx.iter().enumerate() {
                        if a <= lim {
                            let r = first + j;
                            if sq_dist(qs, &xs[r * d..(r + 1) * d]) <= eps2 {
                                out[qi].push(r);
                            }
                        }
                    }
                });
                out
            })
            .collect();
        Ok(parts.into_iter().flatten().collect())
    }
}

/// Tracks most alike in scaled space: a [`NeighborIndex`] over a scaled table, by track id
/// (the table's [`TrackId`]).
#[derive(Clone, Debug)]
pub struct TrackIndex<Id = String> {
    ids: Vec<Id>,
    index: NeighborIndex,
}

/// A similar track and its distance in scaled space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "Id: TrackId"))]
pub struct SimilarTrack<Id = String> {
    /// Track id.
    pub id: Id,
    /// Euclidean distance in scaled space.
    pub distance: f64,
}

impl<Id: TrackId> TrackIndex<Id> {
    /// Scales `table` with `scaler` and indexes it.
    pub fn new(scaler: &Scaler, table: &FeatureTable<Id>) -> Result<Self> {
        let x = scaler.transform(table)?;
        Ok(Self {
            ids: table.ids().to_vec(),
            index: NeighborIndex::new(x.view())?,
        })
    }

    /// The underlying index (rows in table order).
    pub fn index(&self) -> &NeighborIndex {
        &self.index
    }

    /// The `n` tracks most like track `id` (not including it), nearest first (for `String`
    /// ids, a `&str` will do).
    pub fn similar<Q>(&self, id: &Q, n: usize) -> Result<Vec<SimilarTrack<Id>>>
    where
        Id: Borrow<Q>,
        Q: PartialEq + Display + ?Sized,
    {
        let i = self
            .ids
            .iter()
            .position(|x| x.borrow() == id)
            .ok_or_else(|| crate::error::ClusterError::UnknownTrack(id.to_string()))?;
        Ok(self
            .index
            .query_row(i, n)?
            .into_iter()
            .map(|nb| SimilarTrack {
                id: self.ids[nb.index].clone(),
                distance: nb.distance,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(x: &Array2<f64>, q: ArrayView1<'_, f64>, k: usize) -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = x
            .outer_iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    i,
                    r.iter()
                        .zip(q.iter())
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        v.truncate(k);
        v
    }

    #[test]
    fn matches_brute_force_including_ties() {
        // A lattice has many exact ties; far-from-origin offsets stress the screening margin.
        let x = Array2::from_shape_fn((9000, 3), |(i, j)| {
            1e3 + ((i / 3usize.pow(j as u32 + 1)) % 7) as f64
        });
        let idx = NeighborIndex::new(x.view()).unwrap();
        for qi in [0usize, 17, 4444, 8999] {
            let got = idx.query(x.row(qi), 25).unwrap();
            let want = brute(&x, x.row(qi), 25);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.index, w.0);
                assert_eq!(g.distance, w.1);
            }
        }
        let r = idx.query_row(5, 3).unwrap();
        assert!(r.iter().all(|nb| nb.index != 5));
        let within = idx.within_batch(x.slice(s![0..2, ..]), 1.0).unwrap();
        let want: Vec<usize> = brute(&x, x.row(0), 9000)
            .into_iter()
            .filter(|&(_, d)| d <= 1.0)
            .map(|(i, _)| i)
            .collect();
        let mut w = want.clone();
        w.sort();
        assert_eq!(within[0], w);
    }
}
