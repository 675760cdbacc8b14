//! Gaussian mixture models fitted by EM, with full or diagonal covariances.
//!
//! Follows scikit-learn's `GaussianMixture`: initial responsibilities from one k-means run,
//! `reg_covar` added to the diagonal, convergence when the mean log-likelihood changes by less
//! than `tol`, the best of `n_init` initialisations by lower bound, and the same BIC / AIC
//! parameter counts.
//!
//! Why not linfa-clustering's `GaussianMixtureModel`: it only has full covariances (the
//! diagonal model is needed for the 100+ feature dims of a music table, where a full
//! covariance per cluster has more parameters than there are tracks), it does not expose BIC,
//! and it seeds with its own k-means defaults.

use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{invalid, ClusterError, Result};
use crate::kmeans::KMeansParams;
use crate::linalg::{check_finite, cholesky, invert_lower, standard};

/// Shape of each component's covariance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CovarianceType {
    /// A full `d × d` covariance per component.
    #[default]
    Full,
    /// A diagonal covariance (one variance per dim) per component.
    Diag,
}

/// Parameters of a Gaussian mixture (builder style, validated by [`GmmParams::check`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GmmParams {
    /// Number of components.
    pub k: usize,
    /// Covariance shape.
    pub covariance: CovarianceType,
    /// Number of initialisations; the one with the best lower bound wins.
    pub n_init: usize,
    /// Maximum EM iterations per initialisation.
    pub max_iter: usize,
    /// Convergence threshold on the change of the mean log-likelihood.
    pub tol: f64,
    /// Added to the covariance diagonals, keeps them positive definite.
    pub reg_covar: f64,
    /// Seed of the k-means initialisations.
    pub seed: u64,
}

impl GmmParams {
    /// k components with scikit-learn's defaults: full covariance, 1 init, 100 iterations,
    /// tol 1e-3, reg_covar 1e-6, seed 0.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            covariance: CovarianceType::Full,
            n_init: 1,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            seed: 0,
        }
    }
    /// Sets the covariance shape.
    pub fn covariance(mut self, c: CovarianceType) -> Self {
        self.covariance = c;
        self
    }
    /// Sets the number of initialisations.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// Sets the iteration cap.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the convergence threshold.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Sets the covariance regularisation.
    pub fn reg_covar(mut self, r: f64) -> Self {
        self.reg_covar = r;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        if self.k == 0 {
            return Err(invalid("gaussian mixture: k must be at least 1"));
        }
        if self.n_init == 0 || self.max_iter == 0 {
            return Err(invalid(
                "gaussian mixture: n_init and max_iter must be at least 1",
            ));
        }
        if self.tol.is_nan() || self.tol < 0.0 || self.tol.is_infinite() {
            return Err(invalid(format!(
                "gaussian mixture: tol must be finite and >= 0, got {}",
                self.tol
            )));
        }
        if self.reg_covar.is_nan() || self.reg_covar < 0.0 || self.reg_covar.is_infinite() {
            return Err(invalid(format!(
                "gaussian mixture: reg_covar must be finite and >= 0, got {}",
                self.reg_covar
            )));
        }
        Ok(self)
    }
}

impl<'a> crate::Fit<ArrayView2<'a, f64>> for GmmParams {
    type Fitted = GmmFit;

    /// Fits the mixture to the rows of `x`.
    fn fit(&self, x: ArrayView2<'a, f64>) -> Result<GmmFit> {
        self.check()?;
        let n = x.nrows();
        if n < self.k.max(2) {
            return Err(ClusterError::NotEnoughData(format!(
                "gaussian mixture: {n} rows for k = {}",
                self.k
            )));
        }
        check_finite(&x, "gaussian mixture input")?;
        let x = standard(x);
        let xv = x.view();
        let mut best: Option<(f64, GaussianMixture, bool, usize)> = None;
        for init in 0..self.n_init {
            let km = KMeansParams::new(self.k)
                .n_init(1)
                .seed(self.seed.wrapping_add(init as u64))
                .fit(xv)?;
            let mut resp = Array2::<f64>::zeros((n, self.k));
            for (i, &l) in km.labels.iter().enumerate() {
                resp[[i, l]] = 1.0;
            }
            let mut model = m_step(&xv, &resp, self.covariance, self.reg_covar)?;
            let mut lower = f64::NEG_INFINITY;
            let mut converged = false;
            let mut n_iter = 0;
            for it in 1..=self.max_iter {
                n_iter = it;
                let prev = lower;
                let (log_norm, log_resp) = model.e_step(&xv);
                let resp = log_resp.mapv(f64::exp);
                model = m_step(&xv, &resp, self.covariance, self.reg_covar)?;
                lower = log_norm;
                if (lower - prev).abs() < self.tol {
                    converged = true;
                    break;
                }
            }
            if best.as_ref().is_none_or(|(b, ..)| lower > *b) {
                best = Some((lower, model, converged, n_iter));
            }
        }
        let (lower_bound, mixture, converged, n_iter) =
            best.ok_or_else(|| ClusterError::Numerical("gaussian mixture: no init ran".into()))?;
        // As scikit-learn's fit_predict: a final E-step so labels agree with the parameters.
        let (_, log_resp) = mixture.e_step(&xv);
        let labels = argmax_rows(&log_resp);
        Ok(GmmFit {
            mixture,
            labels,
            converged,
            n_iter,
            lower_bound,
            params: self.clone(),
        })
    }
}

/// Result of fitting [`GmmParams`] ([`crate::Fit`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GmmFit {
    /// The fitted mixture.
    pub mixture: GaussianMixture,
    /// Most probable component of each training row.
    pub labels: Vec<usize>,
    /// Whether EM converged within `max_iter`.
    pub converged: bool,
    /// EM iterations of the winning initialisation.
    pub n_iter: usize,
    /// Mean log-likelihood of the training rows at the end of EM.
    pub lower_bound: f64,
    /// The parameters used.
    pub params: GmmParams,
}

/// The covariances of a mixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariances {
    /// `k × d × d` full covariances.
    Full(Array3<f64>),
    /// `k × d` variances.
    Diag(Array2<f64>),
}

/// A Gaussian mixture: weights, means, covariances (and their precision Cholesky factors).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawMixture")]
pub struct GaussianMixture {
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: Covariances,
    #[serde(skip)]
    prec_chol: Covariances,
}

#[derive(Deserialize)]
struct RawMixture {
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: Covariances,
}

impl TryFrom<RawMixture> for GaussianMixture {
    type Error = ClusterError;
    fn try_from(r: RawMixture) -> Result<Self> {
        GaussianMixture::new(r.weights, r.means, r.covariances)
    }
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

impl GaussianMixture {
    /// A mixture from its parameters (e.g. scikit-learn's `weights_`, `means_`,
    /// `covariances_`); fails if a covariance is not positive definite or shapes disagree.
    pub fn new(weights: Array1<f64>, means: Array2<f64>, covariances: Covariances) -> Result<Self> {
        let (k, d) = means.dim();
        if weights.len() != k || k == 0 {
            return Err(invalid(format!(
                "gaussian mixture: {} weights for {k} means",
                weights.len()
            )));
        }
        let prec_chol = match &covariances {
            Covariances::Full(c) => {
                if c.dim() != (k, d, d) {
                    return Err(invalid(
                        "gaussian mixture: covariance shape must be k × d × d",
                    ));
                }
                let mut p = Array3::<f64>::zeros((k, d, d));
                for j in 0..k {
                    let l = cholesky(&c.index_axis(Axis(0), j))?;
                    let inv = invert_lower(&l.view());
                    p.index_axis_mut(Axis(0), j).assign(&inv.t());
                }
                Covariances::Full(p)
            }
            Covariances::Diag(c) => {
                if c.dim() != (k, d) {
                    return Err(invalid("gaussian mixture: variance shape must be k × d"));
                }
                if c.iter().any(|&v| v.is_nan() || v <= 0.0 || v.is_infinite()) {
                    return Err(ClusterError::Numerical(
                        "gaussian mixture: variances must be positive".into(),
                    ));
                }
                Covariances::Diag(c.mapv(|v| 1.0 / v.sqrt()))
            }
        };
        Ok(Self {
            weights,
            means,
            covariances,
            prec_chol,
        })
    }

    /// Number of components.
    pub fn k(&self) -> usize {
        self.weights.len()
    }
    /// Mixture weights.
    pub fn weights(&self) -> &Array1<f64> {
        &self.weights
    }
    /// Component means, `k × d`.
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }
    /// Component covariances.
    pub fn covariances(&self) -> &Covariances {
        &self.covariances
    }
    /// Covariance shape.
    pub fn covariance_type(&self) -> CovarianceType {
        match self.covariances {
            Covariances::Full(_) => CovarianceType::Full,
            Covariances::Diag(_) => CovarianceType::Diag,
        }
    }

    /// Free parameters (scikit-learn's `_n_parameters`).
    pub fn n_parameters(&self) -> usize {
        let (k, d) = self.means.dim();
        let cov = match self.covariances {
            Covariances::Full(_) => k * d * (d + 1) / 2,
            Covariances::Diag(_) => k * d,
        };
        cov + k * d + k - 1
    }

    fn check_x(&self, x: &ArrayView2<'_, f64>) -> Result<()> {
        if x.ncols() != self.means.ncols() {
            return Err(invalid(format!(
                "gaussian mixture: {} columns for a model of {}",
                x.ncols(),
                self.means.ncols()
            )));
        }
        check_finite(x, "gaussian mixture input")
    }

    /// `log(weight_j) + log N(x | mean_j, cov_j)` for every row and component.
    fn weighted_log_prob(&self, x: &ArrayView2<'_, f64>) -> Array2<f64> {
        let (n, d) = x.dim();
        let k = self.k();
        let mut out = Array2::<f64>::zeros((n, k));
        for j in 0..k {
            let mu = self.means.row(j);
            let diff = x - &mu;
            let (log_prob, log_det): (Array1<f64>, f64) = match &self.prec_chol {
                Covariances::Full(p) => {
                    let pj = p.index_axis(Axis(0), j);
                    let y = diff.dot(&pj);
                    let lp = y.map_axis(Axis(1), |r| r.dot(&r));
                    let ld = pj.diag().iter().map(|v| v.ln()).sum();
                    (lp, ld)
                }
                Covariances::Diag(p) => {
                    let pj = p.row(j);
                    let lp = diff.map_axis(Axis(1), |r| {
                        r.iter()
                            .zip(pj.iter())
                            .map(|(a, b)| (a * b) * (a * b))
                            .sum()
                    });
                    let ld = pj.iter().map(|v| v.ln()).sum();
                    (lp, ld)
                }
            };
            let lw = self.weights[j].ln();
            for i in 0..n {
                out[[i, j]] = -0.5 * (d as f64 * LN_2PI + log_prob[i]) + log_det + lw;
            }
        }
        out
    }

    /// Mean log-likelihood and log responsibilities.
    fn e_step(&self, x: &ArrayView2<'_, f64>) -> (f64, Array2<f64>) {
        let mut w = self.weighted_log_prob(x);
        let mut total = 0.0;
        for mut r in w.outer_iter_mut() {
            let norm = logsumexp(r.as_slice().unwrap_or(&[]));
            total += norm;
            r.mapv_inplace(|v| v - norm);
        }
        (total / x.nrows().max(1) as f64, w)
    }

    /// Log density of every row under the mixture (scikit-learn's `score_samples`).
    pub fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        self.check_x(&x)?;
        let x = standard(x);
        let w = self.weighted_log_prob(&x.view());
        Ok(w.outer_iter()
            .map(|r| logsumexp(r.as_slice().unwrap_or(&[])))
            .collect())
    }

    /// Mean log density (scikit-learn's `score`).
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let s = self.score_samples(x)?;
        Ok(s.iter().sum::<f64>() / s.len().max(1) as f64)
    }

    /// Posterior probability of each component for every row, `n × k`.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.check_x(&x)?;
        let x = standard(x);
        Ok(self.e_step(&x.view()).1.mapv(f64::exp))
    }
}

impl<'a> crate::Predict<ArrayView2<'a, f64>> for GaussianMixture {
    /// Most probable component of every row.
    fn predict(&self, x: ArrayView2<'a, f64>) -> Result<Vec<usize>> {
        self.check_x(&x)?;
        let x = standard(x);
        Ok(argmax_rows(&self.weighted_log_prob(&x.view())))
    }
}

impl GaussianMixture {
    /// Bayesian information criterion on `x` (lower is better).
    pub fn bic(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }

    /// Akaike information criterion on `x` (lower is better).
    pub fn aic(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + 2.0 * self.n_parameters() as f64)
    }
}

fn logsumexp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn argmax_rows(a: &Array2<f64>) -> Vec<usize> {
    a.outer_iter()
        .map(|r| {
            let mut best = 0;
            for (j, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// scikit-learn's `_estimate_gaussian_parameters` followed by the precision factors.
fn m_step(
    x: &ArrayView2<'_, f64>,
    resp: &Array2<f64>,
    cov: CovarianceType,
    reg: f64,
) -> Result<GaussianMixture> {
    let (n, d) = x.dim();
    let k = resp.ncols();
    let nk: Array1<f64> = resp.sum_axis(Axis(0)) + 10.0 * f64::EPSILON;
    let mut means = resp.t().dot(x);
    for (mut r, &c) in means.outer_iter_mut().zip(nk.iter()) {
        r /= c;
    }
    let covariances = match cov {
        CovarianceType::Full => {
            let mut c = Array3::<f64>::zeros((k, d, d));
            for j in 0..k {
                let diff = x - &means.row(j);
                let mut weighted = diff.clone();
                for (mut r, &w) in weighted.outer_iter_mut().zip(resp.column(j).iter()) {
                    r *= w;
                }
                let mut cj = weighted.t().dot(&diff) / nk[j];
                for t in 0..d {
                    cj[[t, t]] += reg;
                }
                c.index_axis_mut(Axis(0), j).assign(&cj);
            }
            Covariances::Full(c)
        }
        CovarianceType::Diag => {
            let mut c = Array2::<f64>::zeros((k, d));
            for i in 0..n {
                let xr = x.row(i);
                for j in 0..k {
                    let w = resp[[i, j]];
                    if w == 0.0 {
                        continue;
                    }
                    for t in 0..d {
                        let dv = xr[t] - means[[j, t]];
                        c[[j, t]] += w * dv * dv;
                    }
                }
            }
            for j in 0..k {
                for t in 0..d {
                    c[[j, t]] = c[[j, t]] / nk[j] + reg;
                }
            }
            Covariances::Diag(c)
        }
    };
    let weights = &nk / n as f64;
    GaussianMixture::new(weights, means, covariances)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fit;
    use ndarray::array;

    fn two_blobs() -> Array2<f64> {
        Array2::from_shape_fn((40, 2), |(i, j)| {
            let base = if i < 20 { 0.0 } else { 8.0 };
            base + ((i * 13 + j * 7) % 10) as f64 / 10.0
                + if j == 1 { (i % 3) as f64 * 0.1 } else { 0.0 }
        })
    }

    #[test]
    fn separates_two_blobs() {
        for cov in [CovarianceType::Full, CovarianceType::Diag] {
            let f = GmmParams::new(2)
                .covariance(cov)
                .fit(two_blobs().view())
                .unwrap();
            assert!(f.converged);
            assert_eq!(f.labels[0], f.labels[19]);
            assert_ne!(f.labels[0], f.labels[20]);
            let p = f.mixture.predict_proba(array![[0.5, 0.5]].view()).unwrap();
            assert!(p[[0, f.labels[0]]] > 0.99);
            let x = two_blobs();
            assert!(f.mixture.bic(x.view()).unwrap().is_finite());
        }
    }

    #[test]
    fn json_round_trip_rebuilds_precisions() {
        let f = GmmParams::new(2).fit(two_blobs().view()).unwrap();
        let s = serde_json::to_string(&f.mixture).unwrap();
        let back: GaussianMixture = serde_json::from_str(&s).unwrap();
        assert_eq!(back, f.mixture);
    }

    #[test]
    fn rejects_bad_covariance() {
        let r = GaussianMixture::new(
            array![1.0],
            array![[0.0, 0.0]],
            Covariances::Full(Array3::from_shape_vec((1, 2, 2), vec![1.0, 2.0, 2.0, 1.0]).unwrap()),
        );
        assert!(r.is_err());
    }
}
