//! Running summaries of frame features, so that a track can be summarised without keeping its
//! frames: per-row mean and population standard deviation, and the timbre covariance.
//!
//! Both use Welford's update in f64 (numerically sound: no difference of large sums), so the
//! results agree with the two-pass formulas of [`crate::summary`] to f64 rounding. Every
//! analysis path feeds them the same values in the same order, so the summary of a track is
//! the same to the last bit whether its frames are kept or not.

use crate::summary::{RowStats, Timbre, TIMBRE_DIMS};

/// Mean and population standard deviation of each row of a feature, one column at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct RowAccumulator {
    n: u64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl RowAccumulator {
    /// An accumulator for columns of `rows` values.
    pub fn new(rows: usize) -> Self {
        Self {
            n: 0,
            mean: vec![0.0; rows],
            m2: vec![0.0; rows],
        }
    }

    /// Adds one column (one value per row).
    pub fn push(&mut self, column: &[f32]) {
        self.n += 1;
        let n = self.n as f64;
        for ((mean, m2), &v) in self.mean.iter_mut().zip(&mut self.m2).zip(column) {
            let x = f64::from(v);
            let d = x - *mean;
            *mean += d / n;
            *m2 += d * (x - *mean);
        }
    }

    /// Adds a one-row feature's value.
    pub fn push_one(&mut self, value: f32) {
        self.push(&[value]);
    }

    /// The statistics so far (mean 0 and std 0 before any column).
    pub fn stats(&self) -> RowStats {
        let n = self.n.max(1) as f64;
        RowStats {
            mean: self.mean.clone(),
            std: self.m2.iter().map(|&m2| (m2 / n).max(0.0).sqrt()).collect(),
        }
    }
}

/// Number of values in the upper triangle of the timbre covariance.
const COV_LEN: usize = TIMBRE_DIMS * (TIMBRE_DIMS + 1) / 2;

/// Mean and sample covariance (ddof 1) of MFCC 1..=12, one frame at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct CovAccumulator {
    n: u64,
    mean: [f64; TIMBRE_DIMS],
    /// Sums of co-deviations, upper triangle row-major.
    c: [f64; COV_LEN],
}

impl Default for CovAccumulator {
    fn default() -> Self {
        Self {
            n: 0,
            mean: [0.0; TIMBRE_DIMS],
            c: [0.0; COV_LEN],
        }
    }
}

impl CovAccumulator {
    /// Adds one frame: `values` holds MFCC 1..=12 (extra values are ignored, missing ones
    /// count as 0).
    pub fn push(&mut self, values: &[f32]) {
        self.n += 1;
        let n = self.n as f64;
        let mut x = [0.0f64; TIMBRE_DIMS];
        for (x, &v) in x.iter_mut().zip(values) {
            *x = f64::from(v);
        }
        let mut before = [0.0f64; TIMBRE_DIMS];
        let mut after = [0.0f64; TIMBRE_DIMS];
        for i in 0..TIMBRE_DIMS {
            before[i] = x[i] - self.mean[i];
            self.mean[i] += before[i] / n;
            after[i] = x[i] - self.mean[i];
        }
        // Row i of the upper triangle pairs before[i] with after[i..]. `after` leads the zip,
        // so that the end of a row does not consume a value of `c`.
        let mut c = self.c.iter_mut();
        for (i, &b) in before.iter().enumerate() {
            for (&a, c) in after[i..].iter().zip(c.by_ref()) {
                *c += b * a;
            }
        }
    }

    /// The timbre summary: the 12 means and, from 2 frames on, the 78 covariances.
    pub fn timbre(&self) -> Timbre {
        let cov_upper =
            (self.n >= 2).then(|| self.c.iter().map(|&c| c / (self.n - 1) as f64).collect());
        Timbre {
            mean: self.mean.to_vec(),
            cov_upper,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 * 200.0 - 300.0
            })
            .collect()
    }

    #[test]
    fn row_stats_equal_the_two_pass_ones() {
        let (rows, cols) = (5, 3001);
        let data = pseudo_random(rows * cols, 7);
        let m = Matrix::from_vec(rows, cols, data).expect("shape");
        let mut acc = RowAccumulator::new(rows);
        for c in 0..cols {
            acc.push(&m.column(c));
        }
        let (want, got) = (RowStats::of(&m), acc.stats());
        for r in 0..rows {
            assert!((want.mean[r] - got.mean[r]).abs() < 1e-12 * want.mean[r].abs());
            assert!((want.std[r] - got.std[r]).abs() < 1e-12 * want.std[r]);
        }
    }

    #[test]
    fn covariance_equals_the_two_pass_one() {
        let cols = 777;
        let m = Matrix::from_vec(20, cols, pseudo_random(20 * cols, 3)).expect("shape");
        let mut acc = CovAccumulator::default();
        for c in 0..cols {
            acc.push(&m.column(c)[1..13]);
        }
        let (want, got) = (Timbre::of(&m), acc.timbre());
        for (w, g) in want.mean.iter().zip(&got.mean) {
            assert!((w - g).abs() < 1e-12 * w.abs());
        }
        let (w, g) = (want.cov_upper.expect("cov"), got.cov_upper.expect("cov"));
        let scale = w.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (w, g) in w.iter().zip(&g) {
            assert!((w - g).abs() < 1e-12 * scale, "{w} {g}");
        }
    }

    #[test]
    fn constant_rows_have_zero_std_and_exact_mean() {
        let mut acc = RowAccumulator::new(1);
        for _ in 0..1000 {
            acc.push_one(1.0);
        }
        assert_eq!(acc.stats().mean, vec![1.0]);
        assert_eq!(acc.stats().std, vec![0.0]);
        let mut cov = CovAccumulator::default();
        cov.push(&[0.0; 12]);
        assert!(cov.timbre().cov_upper.is_none());
    }
}
