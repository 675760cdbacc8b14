//! Small dense kernels shared by the algorithms: exact squared distances, nearest centroids,
//! Cholesky factors, label densification.
//!
//! Everything is f64 and deterministic: parallel loops split the rows into fixed chunks and
//! combine per-chunk results in chunk order, so the thread count never changes a result.

use std::collections::BTreeMap;

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{ClusterError, Result};

/// Rows per parallel chunk in row-blocked loops.
pub(crate) const CHUNK: usize = 256;

/// Exact squared Euclidean distance, summed in 8 independent lanes (vectorises well; the
/// lane structure is fixed, so the result does not depend on the instruction set).
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let mut acc = [0.0f64; 8];
    let ca = a[..n].chunks_exact(8);
    let cb = b[..n].chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        tail += d * d;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// A standard-layout (row-major, contiguous) copy of `x` unless it already is one.
pub(crate) fn standard(x: ArrayView2<'_, f64>) -> Array2<f64> {
    x.as_standard_layout().into_owned()
}

/// Squared norms of the rows of `x`.
pub(crate) fn row_sq_norms(x: &ArrayView2<'_, f64>) -> Array1<f64> {
    x.outer_iter().map(|r| r.dot(&r)).collect()
}

/// Checks that every value is finite; `what` names the matrix in the error.
pub(crate) fn check_finite(x: &ArrayView2<'_, f64>, what: &str) -> Result<()> {
    for ((r, c), v) in x.indexed_iter() {
        if !v.is_finite() {
            return Err(ClusterError::InvalidParam(format!(
                "{what}: value {v} at row {r}, column {c} is not finite"
            )));
        }
    }
    Ok(())
}

/// For every row of `x`, the nearest row of `c` and its squared distance.
///
/// Candidate distances come from the dot-product expansion ‖x‖² − 2 x·c + ‖c‖² (one matrix
/// product per chunk, as scikit-learn does); the winner's squared distance is then recomputed
/// exactly, so the returned distances carry no cancellation error.
pub(crate) fn nearest_centroids(
    x: &ArrayView2<'_, f64>,
    x_norms: &ArrayView1<'_, f64>,
    c: &ArrayView2<'_, f64>,
) -> (Vec<usize>, Vec<f64>) {
    let n = x.nrows();
    let c_norms = row_sq_norms(c);
    let ct = c.t();
    let parts: Vec<(Vec<usize>, Vec<f64>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|b| {
            let lo = b * CHUNK;
            let hi = (lo + CHUNK).min(n);
            let xb = x.slice(s![lo..hi, ..]);
            let dots = xb.dot(&ct);
            let mut labels = Vec::with_capacity(hi - lo);
            let mut dists = Vec::with_capacity(hi - lo);
            for (i, drow) in dots.outer_iter().enumerate() {
                let mut best = 0usize;
                let mut best_d = f64::INFINITY;
                for (j, &dot) in drow.iter().enumerate() {
                    let d = x_norms[lo + i] - 2.0 * dot + c_norms[j];
                    if d < best_d {
                        best_d = d;
                        best = j;
                    }
                }
                let xr = xb.row(i);
                let cr = c.row(best);
                let exact = match (xr.as_slice(), cr.as_slice()) {
                    (Some(a), Some(b)) => sq_dist(a, b),
                    _ => xr
                        .iter()
                        .zip(cr.iter())
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum(),
                };
                labels.push(best);
                dists.push(exact);
            }
            (labels, dists)
        })
        .collect();
    let mut labels = Vec::with_capacity(n);
    let mut dists = Vec::with_capacity(n);
    for (l, d) in parts {
        labels.extend(l);
        dists.extend(d);
    }
    (labels, dists)
}

/// Lower Cholesky factor `L` of a symmetric positive definite matrix (`a = L Lᵀ`).
pub(crate) fn cholesky(a: &ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(ClusterError::Numerical(
            "cholesky of a non-square matrix".into(),
        ));
    }
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if d.is_nan() || d <= 0.0 || d.is_infinite() {
            return Err(ClusterError::Numerical(
                "covariance matrix is not positive definite; increase reg_covar or scale the data"
                    .into(),
            ));
        }
        let djj = d.sqrt();
        l[[j, j]] = djj;
        for i in (j + 1)..n {
            let mut v = a[[i, j]];
            for k in 0..j {
                v -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = v / djj;
        }
    }
    Ok(l)
}

/// Inverse of a lower-triangular matrix with a non-zero diagonal.
pub(crate) fn invert_lower(l: &ArrayView2<'_, f64>) -> Array2<f64> {
    let n = l.nrows();
    let mut inv = Array2::<f64>::zeros((n, n));
    for col in 0..n {
        // Solve L x = e_col by forward substitution.
        for i in col..n {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for k in col..i {
                v -= l[[i, k]] * inv[[k, col]];
            }
            inv[[i, col]] = v / l[[i, i]];
        }
    }
    inv
}

/// Maps arbitrary labels to dense indices `0..k` in sorted order of the label values.
/// Returns the dense labels and the distinct values.
pub(crate) fn densify<L: Ord + Clone>(labels: &[L]) -> (Vec<usize>, Vec<L>) {
    let mut map: BTreeMap<L, usize> = BTreeMap::new();
    for l in labels {
        let len = map.len();
        map.entry(l.clone()).or_insert(len);
    }
    // Re-number in sorted order (as numpy.unique does).
    let values: Vec<L> = map.keys().cloned().collect();
    for (i, v) in map.values_mut().enumerate() {
        *v = i;
    }
    let dense = labels.iter().map(|l| map[l]).collect();
    (dense, values)
}

/// Per-cluster means of the rows of `x` for dense labels `0..k`; empty clusters get zeros.
pub(crate) fn cluster_means(
    x: &ArrayView2<'_, f64>,
    labels: &[usize],
    k: usize,
) -> (Array2<f64>, Vec<usize>) {
    let d = x.ncols();
    let mut sums = Array2::<f64>::zeros((k, d));
    let mut counts = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        if l < k {
            let mut srow = sums.row_mut(l);
            srow += &x.row(i);
            counts[l] += 1;
        }
    }
    for (j, &c) in counts.iter().enumerate() {
        if c > 0 {
            let mut srow = sums.row_mut(j);
            srow /= c as f64;
        }
    }
    (sums, counts)
}

/// Population mean and variance of each column (two-pass with the compensating correction
/// term that scikit-learn's `_incremental_mean_and_var` uses).
pub(crate) fn column_mean_var(x: &ArrayView2<'_, f64>) -> (Array1<f64>, Array1<f64>) {
    let n = x.nrows() as f64;
    let mean = x.sum_axis(Axis(0)) / n;
    let mut sq = Array1::<f64>::zeros(x.ncols());
    let mut corr = Array1::<f64>::zeros(x.ncols());
    for r in x.outer_iter() {
        for (j, &v) in r.iter().enumerate() {
            let t = v - mean[j];
            sq[j] += t * t;
            corr[j] += t;
        }
    }
    let var = (&sq - &(&corr * &corr / n)) / n;
    (mean, var)
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: eigenvalues in
/// decreasing order and the matching unit eigenvectors as columns. Exact to rounding and
/// deterministic; O(d³) per sweep, fine for the few hundred dims of a feature table.
pub(crate) fn symmetric_eigen(a: &ArrayView2<'_, f64>) -> (Vec<f64>, Array2<f64>) {
    let d = a.nrows();
    let mut m = a.to_owned();
    let mut v = Array2::<f64>::eye(d);
    let scale: f64 = m.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[[i, j]] * m[[i, j]])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-15 * scale || scale == 0.0 {
            break;
        }
        for p in 0..d {
            for q in (p + 1)..d {
                let apq = m[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let mkp = m[[k, p]];
                    let mkq = m[[k, q]];
                    m[[k, p]] = c * mkp - s * mkq;
                    m[[k, q]] = s * mkp + c * mkq;
                }
                for k in 0..d {
                    let mpk = m[[p, k]];
                    let mqk = m[[q, k]];
                    m[[p, k]] = c * mpk - s * mqk;
                    m[[q, k]] = s * mpk + c * mqk;
                }
                for k in 0..d {
                    let vkp = v[[k, p]];
                    let vkq = v[[k, q]];
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&i, &j| m[[j, j]].total_cmp(&m[[i, i]]).then(i.cmp(&j)));
    let values = order.iter().map(|&i| m[[i, i]]).collect();
    let vectors = v.select(Axis(1), &order);
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cholesky_and_inverse() {
        let a = array![[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]];
        let l = cholesky(&a.view()).unwrap();
        let back = l.dot(&l.t());
        assert!((&back - &a).iter().all(|v| v.abs() < 1e-12));
        let inv = invert_lower(&l.view());
        let id = l.dot(&inv);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((id[[i, j]] - want).abs() < 1e-12);
            }
        }
        assert!(cholesky(&array![[1.0, 2.0], [2.0, 1.0]].view()).is_err());
    }

    #[test]
    fn jacobi_eigen() {
        let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]];
        let (vals, vecs) = symmetric_eigen(&a.view());
        assert!(vals[0] >= vals[1] && vals[1] >= vals[2]);
        for (i, &l) in vals.iter().enumerate() {
            let v = vecs.column(i);
            let av = a.dot(&v);
            for k in 0..3 {
                assert!((av[k] - l * v[k]).abs() < 1e-12);
            }
        }
        assert!((vals.iter().sum::<f64>() - 8.0).abs() < 1e-12);
    }

    #[test]
    fn densify_sorts() {
        let (d, v) = densify(&["b", "a", "c", "a"]);
        assert_eq!(d, vec![1, 0, 2, 0]);
        assert_eq!(v, vec!["a", "b", "c"]);
    }

    #[test]
    fn nearest_is_exact() {
        let x = array![[0.0, 0.0], [10.0, 10.0], [1.0, 0.5]];
        let c = array![[0.0, 0.0], [9.0, 9.0]];
        let n = row_sq_norms(&x.view());
        let (l, d) = nearest_centroids(&x.view(), &n.view(), &c.view());
        assert_eq!(l, vec![0, 1, 0]);
        assert_eq!(d, vec![0.0, 2.0, 1.25]);
    }
}
