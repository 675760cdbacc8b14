//! Decibels, as `librosa.power_to_db` with `ref=1.0`, `amin=1e-10`, `top_db=80`.

/// librosa's `amin`: the floor applied before the logarithm.
pub const AMIN: f64 = 1e-10;
/// librosa's `top_db`: values further below the array's maximum are raised to `max - TOP_DB`.
pub const TOP_DB: f64 = 80.0;

/// `10 log10(max(AMIN, power))` for one value (no clipping).
pub fn power_to_db_unclipped(power: f64) -> f64 {
    10.0 * power.max(AMIN).log10()
}

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
