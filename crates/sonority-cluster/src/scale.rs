//! Scalers: standard, min-max, robust, and group-balanced weighting on top of any of them.
//!
//! Every scaler is per column and affine: `x' = (x − center) / scale · weight`. Fitted on one
//! table, a [`Scaler`] transforms any other table that has the same dim names (in any order).
//!
//! linfa-preprocessing is not used: it is not among the workspace's dependencies, has no robust
//! scaler and no notion of named columns or feature groups; the three scalers here are a few
//! lines each and reproduce scikit-learn's constant-column handling exactly.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{invalid, ClusterError, Result};
use crate::linalg::column_mean_var;
use crate::table::{Dim, FeatureTable, TrackId};

/// Which per-column scaling to apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalerKind {
    /// Subtract the mean, divide by the population standard deviation (scikit-learn's
    /// `StandardScaler`). Constant columns keep scale 1 (they become all zeros).
    #[default]
    Standard,
    /// Map `[min, max]` to `[0, 1]` (scikit-learn's `MinMaxScaler`); constant columns keep range 1.
    MinMax,
    /// Subtract the median, divide by the interquartile range (scikit-learn's `RobustScaler`
    /// with linear-interpolated percentiles); a zero IQR keeps scale 1.
    Robust,
    /// No scaling (center 0, scale 1).
    Identity,
}

/// Parameters of a scaler: the per-column kind and whether to balance feature groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScalerParams {
    /// The per-column scaling.
    pub kind: ScalerKind,
    /// Group-balanced weighting: after the per-column scaling, multiply every dim of a group
    /// by `1/√V_g`, where `V_g` is the group's total variance (sum of its columns' variances)
    /// on the fitting table. Each group with any variance then contributes exactly 1 to the
    /// total variance, so the 78 `timbre_cov_*` dims weigh as much as the 2 `rms` dims.
    pub balance_groups: bool,
}

impl ScalerParams {
    /// scikit-learn's `StandardScaler`.
    pub fn standard() -> Self {
        Self {
            kind: ScalerKind::Standard,
            balance_groups: false,
        }
    }
    /// scikit-learn's `MinMaxScaler`.
    pub fn min_max() -> Self {
        Self {
            kind: ScalerKind::MinMax,
            balance_groups: false,
        }
    }
    /// scikit-learn's `RobustScaler`.
    pub fn robust() -> Self {
        Self {
            kind: ScalerKind::Robust,
            balance_groups: false,
        }
    }
    /// No scaling.
    pub fn identity() -> Self {
        Self {
            kind: ScalerKind::Identity,
            balance_groups: false,
        }
    }
    /// Turns group-balanced weighting on or off.
    pub fn balance_groups(mut self, on: bool) -> Self {
        self.balance_groups = on;
        self
    }

    /// Validates the parameters (all combinations are valid; kept for the params-builder style).
    pub fn check(&self) -> Result<&Self> {
        Ok(self)
    }
}

impl<'a, Id: TrackId> crate::Fit<&'a FeatureTable<Id>> for ScalerParams {
    type Fitted = Scaler;

    /// Fits the scaler on every column of `table`.
    fn fit(&self, table: &'a FeatureTable<Id>) -> Result<Scaler> {
        self.check()?;
        if table.is_empty() {
            return Err(ClusterError::NotEnoughData(
                "cannot fit a scaler on an empty table".into(),
            ));
        }
        let x = table.data();
        let d = x.ncols();
        let (center, scale) = match self.kind {
            ScalerKind::Standard => {
                let (mean, var) = column_mean_var(&x);
                let n = x.nrows() as f64;
                let eps = f64::EPSILON;
                let scale = mean
                    .iter()
                    .zip(var.iter())
                    .map(|(&m, &v)| {
                        // scikit-learn's `_is_constant_feature`: var <= n·eps·var + (n·mean·eps)².
                        let upper = n * eps * v + (n * m * eps).powi(2);
                        if v <= upper {
                            1.0
                        } else {
                            v.sqrt()
                        }
                    })
                    .collect::<Vec<_>>();
                (mean.to_vec(), scale)
            }
            ScalerKind::MinMax => {
                let mut min = vec![f64::INFINITY; d];
                let mut max = vec![f64::NEG_INFINITY; d];
                for r in x.outer_iter() {
                    for (j, &v) in r.iter().enumerate() {
                        min[j] = min[j].min(v);
                        max[j] = max[j].max(v);
                    }
                }
                let range = min
                    .iter()
                    .zip(&max)
                    .map(|(lo, hi)| handle_zero(hi - lo))
                    .collect();
                (min, range)
            }
            ScalerKind::Robust => {
                let mut center = Vec::with_capacity(d);
                let mut scale = Vec::with_capacity(d);
                for col in x.axis_iter(Axis(1)) {
                    let mut v = col.to_vec();
                    v.sort_by(f64::total_cmp);
                    center.push(percentile_sorted(&v, 50.0));
                    scale.push(handle_zero(
                        percentile_sorted(&v, 75.0) - percentile_sorted(&v, 25.0),
                    ));
                }
                (center, scale)
            }
            ScalerKind::Identity => (vec![0.0; d], vec![1.0; d]),
        };
        let mut scaler = Scaler {
            params: self.clone(),
            dims: table.dims().to_vec(),
            center,
            scale,
            weight: vec![1.0; d],
        };
        if self.balance_groups {
            let base = scaler.transform_aligned(&x);
            let (_, var) = column_mean_var(&base.view());
            for g in table.groups() {
                let cols: Vec<usize> = (0..d).filter(|&c| table.dims()[c].group == g).collect();
                let total: f64 = cols.iter().map(|&c| var[c]).sum();
                if total > f64::EPSILON {
                    let w = 1.0 / total.sqrt();
                    for c in cols {
                        scaler.weight[c] = w;
                    }
                }
            }
        }
        Ok(scaler)
    }
}

/// scikit-learn's `_handle_zeros_in_scale`: a (near-)zero scale becomes 1.
fn handle_zero(s: f64) -> f64 {
    if s.abs() < 10.0 * f64::EPSILON {
        1.0
    } else {
        s
    }
}

/// numpy's default ("linear") percentile of sorted values, with numpy's `_lerp`.
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = (n - 1) as f64 * q / 100.0;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// A fitted scaler: per dim, `x' = (x − center) / scale · weight`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    params: ScalerParams,
    dims: Vec<Dim>,
    center: Vec<f64>,
    scale: Vec<f64>,
    weight: Vec<f64>,
}

impl Scaler {
    /// A standard scaler from a per-dim mean and scale fitted elsewhere (e.g. Spark's
    /// `StandardScaler(withMean=True, withStd=True)`, or scikit-learn's `mean_` and `scale_`):
    /// `x' = (x − mean) / scale`, no group weights. A scale of 0 (a constant column, which
    /// those scalers map to 0) counts as 1, as [`ScalerKind::Standard`] fits it. Errors name
    /// the dim of a non-finite or negative value, and a repeated dim.
    pub fn standard_from(dims: Vec<Dim>, mean: Vec<f64>, scale: Vec<f64>) -> Result<Scaler> {
        if dims.is_empty() || mean.len() != dims.len() || scale.len() != dims.len() {
            return Err(invalid(format!(
                "scaler: {} dims, {} means and {} scales (need the same number, at least 1)",
                dims.len(),
                mean.len(),
                scale.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for (j, d) in dims.iter().enumerate() {
            if !seen.insert(d.name.as_str()) {
                return Err(ClusterError::DuplicateDim(d.name.clone()));
            }
            if !mean[j].is_finite() {
                return Err(invalid(format!(
                    "scaler: mean of {:?} is {}",
                    d.name, mean[j]
                )));
            }
            if !scale[j].is_finite() || scale[j] < 0.0 {
                return Err(invalid(format!(
                    "scaler: scale of {:?} is {} (must be finite and >= 0)",
                    d.name, scale[j]
                )));
            }
        }
        let scale = scale.into_iter().map(handle_zero).collect();
        Ok(Scaler {
            params: ScalerParams::standard(),
            weight: vec![1.0; dims.len()],
            dims,
            center: mean,
            scale,
        })
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &ScalerParams {
        &self.params
    }
    /// The dims it was fitted on, in the order of its output columns.
    pub fn dims(&self) -> &[Dim] {
        &self.dims
    }
    /// Per-dim center (mean, minimum or median).
    pub fn center(&self) -> &[f64] {
        &self.center
    }
    /// Per-dim scale (standard deviation, range or IQR; 1 for constant columns).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }
    /// Per-dim group weight (1 unless `balance_groups`).
    pub fn weight(&self) -> &[f64] {
        &self.weight
    }

    /// Scales `table`: its columns are picked by this scaler's dim names (extra columns are
    /// ignored, a missing one is [`ClusterError::MissingDim`]).
    pub fn transform<Id: TrackId>(&self, table: &FeatureTable<Id>) -> Result<Array2<f64>> {
        let names: Vec<&str> = self.dims.iter().map(|d| d.name.as_str()).collect();
        let aligned;
        let x = if table.dim_names() == names {
            table.data()
        } else {
            aligned = table.select_dims(&names)?;
            aligned.data()
        };
        Ok(self.transform_aligned(&x))
    }

    /// Scales a matrix whose columns are already in this scaler's dim order.
    pub fn transform_array(&self, x: &ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.dims.len() {
            return Err(invalid(format!(
                "transform_array: {} columns for a scaler of {} dims",
                x.ncols(),
                self.dims.len()
            )));
        }
        Ok(self.transform_aligned(x))
    }

    /// Maps scaled rows back to the original units.
    pub fn inverse_transform(&self, x: &ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.dims.len() {
            return Err(invalid(format!(
                "inverse_transform: {} columns for a scaler of {} dims",
                x.ncols(),
                self.dims.len()
            )));
        }
        let mut out = x.to_owned();
        for mut r in out.outer_iter_mut() {
            for (j, v) in r.iter_mut().enumerate() {
                *v = *v / self.weight[j] * self.scale[j] + self.center[j];
            }
        }
        Ok(out)
    }

    fn transform_aligned(&self, x: &ArrayView2<'_, f64>) -> Array2<f64> {
        let factor: Array1<f64> = self
            .scale
            .iter()
            .zip(&self.weight)
            .map(|(s, w)| w / s)
            .collect();
        let mut out = x.to_owned();
        let unit = self.weight.iter().all(|&w| w == 1.0);
        for mut r in out.outer_iter_mut() {
            for (j, v) in r.iter_mut().enumerate() {
                // Divide (not multiply by 1/scale) when unweighted, as scikit-learn does.
                *v = if unit {
                    (*v - self.center[j]) / self.scale[j]
                } else {
                    (*v - self.center[j]) * factor[j]
                };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fit;
    use ndarray::array;

    fn table() -> FeatureTable {
        let dims = vec![
            Dim::new("rms_mean_0", "rms"),
            Dim::new("c0", "wide"),
            Dim::new("c1", "wide"),
            Dim::new("c2", "wide"),
            Dim::new("flat", "wide"),
        ];
        FeatureTable::new(
            (0..4).map(|i| format!("t{i}")).collect(),
            dims,
            array![
                [0.1, 1.0, 10.0, -1.0, 7.0],
                [0.2, 2.0, 30.0, -2.0, 7.0],
                [0.4, 3.0, 20.0, -5.0, 7.0],
                [0.3, 5.0, 60.0, -3.0, 7.0]
            ],
        )
        .unwrap()
    }

    #[test]
    fn constant_column_does_not_divide_by_zero() {
        for p in [
            ScalerParams::standard(),
            ScalerParams::min_max(),
            ScalerParams::robust(),
        ] {
            let s = p.fit(&table()).unwrap();
            let x = s.transform(&table()).unwrap();
            assert!(x.iter().all(|v| v.is_finite()));
            assert_eq!(s.scale()[4], 1.0);
        }
    }

    #[test]
    fn group_balance_gives_each_group_unit_variance() {
        let s = ScalerParams::standard()
            .balance_groups(true)
            .fit(&table())
            .unwrap();
        let x = s.transform(&table()).unwrap();
        let (_, var) = column_mean_var(&x.view());
        assert!((var[0] - 1.0).abs() < 1e-12);
        assert!((var[1] + var[2] + var[3] + var[4] - 1.0).abs() < 1e-12);
        let back = s.inverse_transform(&x.view()).unwrap();
        assert!((&back - &table().data()).iter().all(|v| v.abs() < 1e-12));
    }

    #[test]
    fn transform_aligns_columns_by_name() {
        let t = table();
        let s = ScalerParams::standard().fit(&t).unwrap();
        let shuffled = t
            .select_dims(&["flat", "c2", "rms_mean_0", "c1", "c0"])
            .unwrap();
        assert_eq!(s.transform(&shuffled).unwrap(), s.transform(&t).unwrap());
        let missing = t.select_dims(&["c0", "c1"]).unwrap();
        assert!(matches!(
            s.transform(&missing),
            Err(ClusterError::MissingDim(_))
        ));
    }

    #[test]
    fn percentile_matches_numpy() {
        // numpy.percentile([1, 2, 4, 8, 9], [25, 50, 75]) == [2, 4, 8]
        let v = [1.0, 2.0, 4.0, 8.0, 9.0];
        assert_eq!(percentile_sorted(&v, 25.0), 2.0);
        assert_eq!(percentile_sorted(&v, 50.0), 4.0);
        // numpy.percentile([1, 2, 4, 8], 25) == 1.75
        assert_eq!(percentile_sorted(&[1.0, 2.0, 4.0, 8.0], 25.0), 1.75);
    }
}
