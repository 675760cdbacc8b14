//! Per-track summaries of the frame features: per-row mean and population standard deviation,
//! the timbre summary (mean and covariance of MFCC 1..=12), tempo and tuning.
//!
//! Specification: `docs/features.md#per-track-summary`.

use crate::frame_features::FrameFeatures;
use crate::matrix::Matrix;
use serde::{Deserialize, Serialize};

/// Mean and population standard deviation (ddof 0) of each row, computed in f64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowStats {
    /// Per-row mean.
    pub mean: Vec<f64>,
    /// Per-row standard deviation.
    pub std: Vec<f64>,
}

impl RowStats {
    /// Statistics of every row of `m` over its columns.
    pub fn of(m: &Matrix) -> Self {
        let (mean, std) = m
            .iter_rows()
            .map(|row| {
                let n = row.len().max(1) as f64;
                let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
                let var = row
                    .iter()
                    .map(|&v| (f64::from(v) - mean).powi(2))
                    .sum::<f64>()
                    / n;
                (mean, var.sqrt())
            })
            .unzip();
        Self { mean, std }
    }
}

/// The timbre summary: MFCC rows 1..=12 as 12 variables observed once per frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timbre {
    /// The 12 row means.
    pub mean: Vec<f64>,
    /// The 78 values of the sample covariance (ddof 1), upper triangle row-major including
    /// the diagonal; `None` with fewer than 2 frames.
    pub cov_upper: Option<Vec<f64>>,
}

/// Number of MFCC rows in the timbre summary.
pub const TIMBRE_DIMS: usize = 12;

/// Index pairs `(i, j)`, `i <= j`, of the upper triangle in row-major order.
pub fn upper_triangle(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (i..n).map(move |j| (i, j)))
}

impl Timbre {
    /// The timbre summary of an MFCC matrix with at least 13 rows.
    pub fn of(mfcc: &Matrix) -> Self {
        let rows: Vec<Vec<f64>> = (1..=TIMBRE_DIMS.min(mfcc.rows().saturating_sub(1)))
            .map(|r| mfcc.row(r).iter().map(|&v| f64::from(v)).collect())
            .collect();
        let n = mfcc.cols();
        let mean: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().sum::<f64>() / n.max(1) as f64)
            .collect();
        let cov_upper = (n >= 2).then(|| {
            let centred: Vec<Vec<f64>> = rows
                .iter()
                .zip(&mean)
                .map(|(r, &m)| r.iter().map(|&v| v - m).collect())
                .collect();
            upper_triangle(rows.len())
                .map(|(i, j)| {
                    centred[i]
                        .iter()
                        .zip(&centred[j])
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
                        / (n - 1) as f64
                })
                .collect()
        });
        Self { mean, cov_upper }
    }
}

/// Everything a track is summarised by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackSummary {
    /// Row statistics of each frame feature, in [`FrameFeatures::KEYS`] order.
    pub stats: Vec<(String, RowStats)>,
    /// The timbre summary.
    pub timbre: Timbre,
    /// Global tempo in bpm.
    pub tempo_bpm: f64,
    /// Estimated tuning in fractions of a chroma bin, in [-0.5, 0.5).
    pub tuning: f64,
}

impl TrackSummary {
    /// Summarises frame features.
    pub fn of(frames: &FrameFeatures, tempo_bpm: f64, tuning: f64) -> Self {
        Self {
            stats: frames
                .iter()
                .map(|(k, m)| (k.to_string(), RowStats::of(m)))
                .collect(),
            timbre: Timbre::of(&frames.mfcc),
            tempo_bpm,
            tuning,
        }
    }

    /// The statistics of one key.
    pub fn get(&self, key: &str) -> Option<&RowStats> {
        self.stats.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_stats_use_population_std() {
        let m = Matrix::from_vec(1, 4, vec![1.0, 2.0, 3.0, 4.0]).expect("shape");
        let s = RowStats::of(&m);
        assert_eq!(s.mean, vec![2.5]);
        assert!((s.std[0] - 1.25f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn timbre_covariance_is_sample_covariance() {
        // 13 rows x 3 frames; row r holds r * [1, 2, 3].
        let data: Vec<f32> = (0..13)
            .flat_map(|r| [1.0, 2.0, 3.0].map(|v| v * r as f32))
            .collect();
        let m = Matrix::from_vec(13, 3, data).expect("shape");
        let t = Timbre::of(&m);
        assert_eq!(t.mean.len(), 12);
        assert_eq!(t.mean[0], 2.0);
        let cov = t.cov_upper.expect("3 frames");
        assert_eq!(cov.len(), 78);
        // var of [1,2,3] with ddof 1 is 1; cov(row i, row j) = (i+1)(j+1).
        assert!((cov[0] - 1.0).abs() < 1e-12);
        assert!((cov[1] - 2.0).abs() < 1e-12);
        assert!((cov[77] - 144.0).abs() < 1e-9);
    }

    #[test]
    fn one_frame_has_no_covariance() {
        let m = Matrix::zeros(20, 1);
        assert!(Timbre::of(&m).cov_upper.is_none());
    }
}
