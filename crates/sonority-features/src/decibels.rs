//! Decibels, as `librosa.power_to_db` with `ref=1.0`, `amin=1e-10`, `top_db=80`.
//!
//! Specification: `docs/features.md#frame-features`.

use crate::log10::log10_positive;

/// librosa's `amin`: the floor applied before the logarithm.
pub const AMIN: f64 = 1e-10;
/// librosa's `top_db`: values further below the array's maximum are raised to `max - TOP_DB`.
pub const TOP_DB: f64 = 80.0;

/// `10 log10(max(AMIN, power))` for one value (no clipping).
#[inline(always)]
pub fn power_to_db_unclipped(power: f64) -> f64 {
    // `max` returns AMIN for NaN too, so the logarithm always sees a positive normal value.
    10.0 * log10_positive(power.max(AMIN))
}

crate::simd::multiversion! {
    /// `out = max(floor, power_to_db_unclipped(power))` for a column of float32 powers (the
    /// dB mel column of MFCC and onset strength, clipped below the track's maximum).
    pub fn power_to_db_floored(power: &[f32], floor: f64, out: &mut [f64]) {
        for (o, &p) in out.iter_mut().zip(power) {
            *o = power_to_db_unclipped(f64::from(p)).max(floor);
        }
    }
}

#[cfg(test)]
/// Converts a whole array in place to decibels and clips it `TOP_DB` below its own maximum,
/// as librosa does for one call over a whole track.
pub fn power_to_db_in_place(values: &mut [f64]) {
    let mut max = f64::NEG_INFINITY;
    for v in values.iter_mut() {
        *v = power_to_db_unclipped(*v);
        max = max.max(*v);
    }
    let floor = max - TOP_DB;
    for v in values.iter_mut() {
        *v = v.max(floor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_and_clips() {
        let mut v = vec![1.0, 1e-3, 0.0, 1e-12];
        power_to_db_in_place(&mut v);
        assert_eq!(v[0], 0.0);
        assert!((v[1] + 30.0).abs() < 1e-12);
        assert_eq!(v[2], -80.0);
        assert_eq!(v[3], -80.0);
        let mut silence = vec![0.0; 3];
        power_to_db_in_place(&mut silence);
        assert_eq!(silence, vec![-100.0; 3]);
    }
}
