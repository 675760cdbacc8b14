//! Clustering quality: internal scores (silhouette, Calinski-Harabasz, Davies-Bouldin) and
//! agreement with reference labels (homogeneity, completeness, V-measure, adjusted Rand index,
//! the cluster × label contingency table).
//!
//! Every function reproduces scikit-learn's definition, including its edge cases (singleton
//! clusters have silhouette 0, one-class labelings have entropy 0 and homogeneity 1, ...); the
//! tests compare them with scikit-learn's values to 1e-9. Internal scores take cluster labels
//! as any `usize` values (they need not be `0..k`); drop noise rows before calling them.

use std::hash::Hash;

use ndarray::{s, Array2, ArrayView2};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{invalid, ClusterError, Result};
use crate::linalg::{check_finite, densify, row_sq_norms, standard};

fn check_labels(
    x: &ArrayView2<'_, f64>,
    labels: &[usize],
    what: &str,
) -> Result<(Vec<usize>, usize)> {
    if labels.len() != x.nrows() {
        return Err(invalid(format!(
            "{what}: {} labels for {} rows",
            labels.len(),
            x.nrows()
        )));
    }
    check_finite(x, what)?;
    let (dense, values) = densify(labels);
    let k = values.len();
    if k < 2 || k > x.nrows().saturating_sub(1) {
        return Err(ClusterError::NotEnoughData(format!(
            "{what}: {k} distinct labels for {} rows; need 2 <= labels <= rows - 1",
            x.nrows()
        )));
    }
    Ok((dense, k))
}

/// Silhouette coefficient of every row (scikit-learn's `silhouette_samples`, Euclidean).
///
/// `s = (b − a) / max(a, b)` with `a` the mean distance to the other members of the row's
/// cluster and `b` the smallest mean distance to another cluster; rows alone in their cluster
/// get 0. Distances are computed as scikit-learn does (‖x‖² + ‖y‖² − 2 x·y in blocks, clipped
/// at 0, zero diagonal), in O(n²) time and O(n) memory per thread.
pub fn silhouette_samples(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<Vec<f64>> {
    let (dense, k) = check_labels(&x, labels, "silhouette")?;
    let x = standard(x);
    let mut out = silhouette_many(&x.view(), &[(dense, k)]);
    Ok(out.pop().unwrap_or_default())
}

/// Mean silhouette coefficient (scikit-learn's `silhouette_score`).
pub fn silhouette_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let s = silhouette_samples(x, labels)?;
    Ok(mean(&s))
}

/// Silhouette score of a seeded random subset of `sample_size` rows (for large n): exactly the
/// silhouette score of those rows alone, as scikit-learn's `sample_size` option computes it.
/// With `sample_size >= n` it is the exact score.
pub fn silhouette_score_sampled(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    if labels.len() != x.nrows() {
        return Err(invalid(format!(
            "silhouette: {} labels for {} rows",
            labels.len(),
            x.nrows()
        )));
    }
    if sample_size >= x.nrows() {
        return silhouette_score(x, labels);
    }
    let idx = sample_indices(x.nrows(), sample_size, seed);
    let xs = x.select(ndarray::Axis(0), &idx);
    let ls: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
    silhouette_score(xs.view(), &ls)
}

/// `m` distinct indices out of `0..n`, sorted, from a seeded generator.
pub(crate) fn sample_indices(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut idx = sample(&mut rng, n, m.min(n)).into_vec();
    idx.sort_unstable();
    idx
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Silhouette samples of several labelings of the same rows in one pass over the distances
/// (used by the k sweep). Labels must be dense `0..k`. `x` must be standard layout.
pub(crate) fn silhouette_many(
    x: &ArrayView2<'_, f64>,
    labelings: &[(Vec<usize>, usize)],
) -> Vec<Vec<f64>> {
    let n = x.nrows();
    let norms = row_sq_norms(x);
    let counts: Vec<Vec<usize>> = labelings
        .iter()
        .map(|(l, k)| {
            let mut c = vec![0usize; *k];
            for &v in l {
                c[v] += 1;
            }
            c
        })
        .collect();
    // Keep one block's distance matrix under ~16 MB.
    let block = (2_000_000 / n.max(1)).clamp(8, 128);
    let xt = x.t();
    let parts: Vec<Vec<Vec<f64>>> = (0..n.div_ceil(block))
        .into_par_iter()
        .map(|b| {
            let lo = b * block;
            let hi = (lo + block).min(n);
            let xb = x.slice(s![lo..hi, ..]);
            let mut dist: Array2<f64> = xb.dot(&xt);
            for (r, mut drow) in dist.outer_iter_mut().enumerate() {
                let ni = norms[lo + r];
                for (j, v) in drow.iter_mut().enumerate() {
                    *v = (ni - 2.0 * *v + norms[j]).max(0.0).sqrt();
                }
                drow[lo + r] = 0.0;
            }
            let mut out: Vec<Vec<f64>> = labelings
                .iter()
                .map(|_| Vec::with_capacity(hi - lo))
                .collect();
            for (li, (labels, k)) in labelings.iter().enumerate() {
                let mut sums = vec![0.0f64; *k];
                for (r, drow) in dist.outer_iter().enumerate() {
                    sums.iter_mut().for_each(|v| *v = 0.0);
                    for (&l, &dv) in labels.iter().zip(drow.iter()) {
                        sums[l] += dv;
                    }
                    let own = labels[lo + r];
                    let c = &counts[li];
                    let s = if c[own] <= 1 {
                        0.0
                    } else {
                        let a = sums[own] / (c[own] - 1) as f64;
                        let bval = (0..*k)
                            .filter(|&j| j != own && c[j] > 0)
                            .map(|j| sums[j] / c[j] as f64)
                            .fold(f64::INFINITY, f64::min);
                        let m = a.max(bval);
                        if m > 0.0 {
                            (bval - a) / m
                        } else {
                            0.0
                        }
                    };
                    out[li].push(s);
                }
            }
            out
        })
        .collect();
    let mut res: Vec<Vec<f64>> = labelings.iter().map(|_| Vec::with_capacity(n)).collect();
    for p in parts {
        for (r, v) in res.iter_mut().zip(p) {
            r.extend(v);
        }
    }
    res
}

/// Calinski-Harabasz index (scikit-learn's `calinski_harabasz_score`): between-cluster over
/// within-cluster dispersion, times `(n − k)/(k − 1)`; 1 when the within dispersion is 0.
pub fn calinski_harabasz_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let (dense, k) = check_labels(&x, labels, "calinski_harabasz")?;
    let n = x.nrows();
    let mean = x.mean_axis(ndarray::Axis(0)).unwrap_or_default();
    let (centroids, counts) = crate::linalg::cluster_means(&x, &dense, k);
    let mut extra = 0.0;
    for j in 0..k {
        let d: f64 = centroids
            .row(j)
            .iter()
            .zip(mean.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        extra += counts[j] as f64 * d;
    }
    let mut intra = 0.0;
    for (i, r) in x.outer_iter().enumerate() {
        let c = centroids.row(dense[i]);
        intra += r
            .iter()
            .zip(c.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>();
    }
    Ok(if intra == 0.0 {
        1.0
    } else {
        extra * (n - k) as f64 / (intra * (k as f64 - 1.0))
    })
}

/// Davies-Bouldin index (scikit-learn's `davies_bouldin_score`): the mean over clusters of the
/// largest `(s_i + s_j) / d(c_i, c_j)`, with `s` the mean distance of members to their centroid.
pub fn davies_bouldin_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let (dense, k) = check_labels(&x, labels, "davies_bouldin")?;
    let (centroids, counts) = crate::linalg::cluster_means(&x, &dense, k);
    let mut intra = vec![0.0f64; k];
    for (i, r) in x.outer_iter().enumerate() {
        let c = centroids.row(dense[i]);
        intra[dense[i]] += r
            .iter()
            .zip(c.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
    }
    for j in 0..k {
        intra[j] /= counts[j] as f64;
    }
    let mut cd = Array2::<f64>::zeros((k, k));
    for i in 0..k {
        for j in 0..k {
            cd[[i, j]] = centroids
                .row(i)
                .iter()
                .zip(centroids.row(j).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
        }
    }
    // numpy.allclose(v, 0): every |v| <= 1e-8.
    if intra.iter().all(|v| v.abs() <= 1e-8) || cd.iter().all(|v| v.abs() <= 1e-8) {
        return Ok(0.0);
    }
    let mut total = 0.0;
    for i in 0..k {
        let mut best = f64::NEG_INFINITY;
        for j in 0..k {
            let d = if cd[[i, j]] == 0.0 {
                f64::INFINITY
            } else {
                cd[[i, j]]
            };
            best = best.max((intra[i] + intra[j]) / d);
        }
        total += best;
    }
    Ok(total / k as f64)
}

/// The contingency table of two labelings: `counts[r][c]` rows whose reference label is
/// `rows[r]` and whose cluster is `cols[c]` (both sorted), scikit-learn's `contingency_matrix`.
/// With genres as the reference it is the "genre density" view of a clustering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contingency<A, B> {
    /// Distinct reference labels, sorted.
    pub rows: Vec<A>,
    /// Distinct predicted labels (clusters), sorted.
    pub cols: Vec<B>,
    /// Counts, `rows.len() × cols.len()`.
    pub counts: Vec<Vec<usize>>,
}

/// Builds the contingency table of reference labels `truth` against clusters `pred`.
pub fn contingency_matrix<A, B>(truth: &[A], pred: &[B]) -> Result<Contingency<A, B>>
where
    A: Ord + Clone,
    B: Ord + Clone,
{
    if truth.len() != pred.len() {
        return Err(invalid(format!(
            "contingency: {} reference labels for {} predicted",
            truth.len(),
            pred.len()
        )));
    }
    let (ti, rows) = densify(truth);
    let (pi, cols) = densify(pred);
    let mut counts = vec![vec![0usize; cols.len()]; rows.len()];
    for (a, b) in ti.iter().zip(&pi) {
        counts[*a][*b] += 1;
    }
    Ok(Contingency { rows, cols, counts })
}

/// Homogeneity, completeness and V-measure (β = 1) of clusters `pred` against reference
/// labels `truth` (scikit-learn's `homogeneity_completeness_v_measure`).
pub fn homogeneity_completeness_v_measure<A, B>(truth: &[A], pred: &[B]) -> Result<(f64, f64, f64)>
where
    A: Ord + Clone,
    B: Ord + Clone,
{
    let c = contingency_matrix(truth, pred)?;
    if truth.is_empty() {
        return Ok((1.0, 1.0, 1.0));
    }
    let ni: Vec<f64> = c
        .counts
        .iter()
        .map(|r| r.iter().sum::<usize>() as f64)
        .collect();
    let nj: Vec<f64> = (0..c.cols.len())
        .map(|j| c.counts.iter().map(|r| r[j]).sum::<usize>() as f64)
        .collect();
    let h_c = entropy(&ni);
    let h_k = entropy(&nj);
    let mi = mutual_info(&c.counts, &ni, &nj);
    let h = if h_c != 0.0 { mi / h_c } else { 1.0 };
    let comp = if h_k != 0.0 { mi / h_k } else { 1.0 };
    let v = if h + comp == 0.0 {
        0.0
    } else {
        2.0 * h * comp / (h + comp)
    };
    Ok((h, comp, v))
}

/// scikit-learn's `entropy` from class counts.
fn entropy(counts: &[f64]) -> f64 {
    let pi: Vec<f64> = counts.iter().copied().filter(|&v| v > 0.0).collect();
    if pi.len() <= 1 {
        return 0.0;
    }
    let sum: f64 = pi.iter().sum();
    let log_sum = sum.ln();
    -pi.iter()
        .map(|&p| (p / sum) * (p.ln() - log_sum))
        .sum::<f64>()
}

/// scikit-learn's `mutual_info_score` from a contingency table.
fn mutual_info(counts: &[Vec<usize>], ni: &[f64], nj: &[f64]) -> f64 {
    if ni.len() == 1 || nj.len() == 1 {
        return 0.0;
    }
    let total: f64 = ni.iter().sum();
    let log_total = total.ln();
    let (pi_sum, pj_sum): (f64, f64) = (ni.iter().sum(), nj.iter().sum());
    let mut mi = 0.0;
    for (i, row) in counts.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let v = v as f64;
            let c_nm = v / total;
            let outer = ni[i] * nj[j];
            let log_outer = -outer.ln() + pi_sum.ln() + pj_sum.ln();
            let term = c_nm * (v.ln() - log_total) + c_nm * log_outer;
            mi += if term.abs() < f64::EPSILON { 0.0 } else { term };
        }
    }
    mi.max(0.0)
}

/// Adjusted Rand index (scikit-learn's `adjusted_rand_score`, exact integer pair counts).
pub fn adjusted_rand_score<A, B>(truth: &[A], pred: &[B]) -> Result<f64>
where
    A: Ord + Clone,
    B: Ord + Clone,
{
    let c = contingency_matrix(truth, pred)?;
    let n = truth.len() as i128;
    let ni: Vec<i128> = c
        .counts
        .iter()
        .map(|r| r.iter().sum::<usize>() as i128)
        .collect();
    let nj: Vec<i128> = (0..c.cols.len())
        .map(|j| c.counts.iter().map(|r| r[j]).sum::<usize>() as i128)
        .collect();
    let sum_sq: i128 = c
        .counts
        .iter()
        .flatten()
        .map(|&v| (v as i128) * (v as i128))
        .sum();
    let tp = sum_sq - n;
    let fp: i128 = c
        .counts
        .iter()
        .map(|r| {
            r.iter()
                .zip(&nj)
                .map(|(&v, &b)| v as i128 * b)
                .sum::<i128>()
        })
        .sum::<i128>()
        - sum_sq;
    let fn_: i128 = c
        .counts
        .iter()
        .zip(&ni)
        .map(|(r, &a)| r.iter().map(|&v| v as i128 * a).sum::<i128>())
        .sum::<i128>()
        - sum_sq;
    let tn = n * n - fp - fn_ - sum_sq;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = tp * tn - fn_ * fp;
    let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(2.0 * num as f64 / den as f64)
}

/// Everything that compares a clustering with reference labels (e.g. genres).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelAgreement<A, B> {
    /// Each cluster holds one class only (1 = perfectly).
    pub homogeneity: f64,
    /// Each class sits in one cluster only (1 = perfectly).
    pub completeness: f64,
    /// Harmonic mean of homogeneity and completeness.
    pub v_measure: f64,
    /// Adjusted Rand index (1 = identical partitions, about 0 = chance).
    pub adjusted_rand: f64,
    /// Reference label × cluster counts.
    pub contingency: Contingency<A, B>,
}

/// Compares clusters `pred` with reference labels `truth`.
pub fn compare_labels<A, B>(truth: &[A], pred: &[B]) -> Result<LabelAgreement<A, B>>
where
    A: Ord + Clone + Hash,
    B: Ord + Clone + Hash,
{
    let (homogeneity, completeness, v_measure) = homogeneity_completeness_v_measure(truth, pred)?;
    Ok(LabelAgreement {
        homogeneity,
        completeness,
        v_measure,
        adjusted_rand: adjusted_rand_score(truth, pred)?,
        contingency: contingency_matrix(truth, pred)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn perfect_and_edge_cases() {
        let a = [0, 0, 1, 1];
        assert_eq!(adjusted_rand_score(&a, &[5, 5, 3, 3]).unwrap(), 1.0);
        let (h, c, v) = homogeneity_completeness_v_measure(&a, &[1, 1, 0, 0]).unwrap();
        assert_eq!((h, c, v), (1.0, 1.0, 1.0));
        let (h, c, _) = homogeneity_completeness_v_measure(&a, &[0, 0, 0, 0]).unwrap();
        assert_eq!((h, c), (0.0, 1.0));
        let x = array![[0.0], [0.1], [5.0], [5.2]];
        assert!(silhouette_score(x.view(), &[0, 0, 0, 0]).is_err());
        assert!(silhouette_score(x.view(), &[0, 1, 2, 3]).is_err());
        let s = silhouette_samples(x.view(), &[0, 0, 1, 2]).unwrap();
        assert_eq!(s[3], 0.0);
        assert!(calinski_harabasz_score(x.view(), &[0, 0, 1, 1]).unwrap() > 100.0);
        assert!(davies_bouldin_score(x.view(), &[0, 0, 1, 1]).unwrap() < 0.1);
    }

    #[test]
    fn sampled_silhouette_is_the_subset_score() {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| {
            ((i * 7 + j * 3) % 11) as f64 + (i / 20) as f64 * 20.0
        });
        let labels: Vec<usize> = (0..60).map(|i| i / 20).collect();
        let idx = sample_indices(60, 30, 9);
        let sub = x.select(ndarray::Axis(0), &idx);
        let sl: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
        let want = silhouette_score(sub.view(), &sl).unwrap();
        assert_eq!(
            silhouette_score_sampled(x.view(), &labels, 30, 9).unwrap(),
            want
        );
        let exact = silhouette_score(x.view(), &labels).unwrap();
        assert_eq!(
            silhouette_score_sampled(x.view(), &labels, 600, 9).unwrap(),
            exact
        );
    }
}
