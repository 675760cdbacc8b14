//! A branch-free `log10` for positive normal f64 values, so that loops over whole mel columns
//! vectorise (a call to libm's `log10` per value cannot).
//!
//! Written by hand because no well-kept crate offers a vectorisable f64 logarithm on stable
//! Rust: this is musl's `log10` (itself fdlibm's), MIT licensed, with its one branch for
//! zero, negative, subnormal, infinite and NaN inputs removed — the callers floor their
//! input at `db::AMIN` first. Like musl's, its error is below one unit in the last place,
//! and it uses only plain multiplications and additions (no fused multiply-add), so every
//! machine and every SIMD width computes the same bits.

// The constants are musl's, digit for digit, so that they can be checked against its source.
#![allow(clippy::excessive_precision)]

const IVLN10HI: f64 = 4.342_944_818_781_688_809_39e-1;
const IVLN10LO: f64 = 2.508_294_671_164_527_522_98e-11;
const LOG10_2HI: f64 = 3.010_299_956_636_117_713_06e-1;
const LOG10_2LO: f64 = 3.694_239_077_158_930_786_16e-13;
const LG1: f64 = 6.666_666_666_666_735_13e-1;
const LG2: f64 = 3.999_999_999_940_941_908e-1;
const LG3: f64 = 2.857_142_874_366_239_149e-1;
const LG4: f64 = 2.222_219_843_214_978_396e-1;
const LG5: f64 = 1.818_357_216_161_805_012e-1;
const LG6: f64 = 1.531_383_769_920_937_332e-1;
const LG7: f64 = 1.479_819_860_511_658_591e-1;

/// `2^52` as f64: adding an integer below `2^52` to its bit pattern gives `2^52 + integer`.
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// `log10(x)` for a positive normal `x` (the result for any other input is unspecified but
/// finite or NaN; it never panics).
#[inline(always)]
pub fn log10_positive(x: f64) -> f64 {
    // Reduce x to 2^k * (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2), without branches: adding
    // 0x3ff00000 - 0x3fe6a09e to the high word carries into the exponent exactly when the
    // mantissa is at least sqrt(2)'s.
    let ix = x
        .to_bits()
        .wrapping_add((0x3ff0_0000u64 - 0x3fe6_a09e) << 32);
    // The biased exponent as f64 without an integer conversion (AVX2 has no u64 -> f64).
    let k = f64::from_bits(TWO_52.to_bits() | (ix >> 52)) - TWO_52 - 1023.0;
    let m = f64::from_bits((ix & 0x000f_ffff_ffff_ffff) + (0x3fe6_a09eu64 << 32));
    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    // hi + lo = f - hfsq + s * (hfsq + r) ~ log(1 + f), hi with its low 32 bits cleared.
    let hi = f64::from_bits((f - hfsq).to_bits() & (u64::MAX << 32));
    let lo = f - hi - hfsq + s * (hfsq + r);
    let mut val_hi = hi * IVLN10HI;
    let y = k * LOG10_2HI;
    let mut val_lo = k * LOG10_2LO + (lo + hi) * IVLN10LO + lo * IVLN10HI;
    let sum = y + val_hi;
    val_lo += (y - sum) + val_hi;
    val_hi = sum;
    val_lo + val_hi
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two positive finite f64 values.
    fn ulps(a: f64, b: f64) -> u64 {
        let (a, b) = (a.to_bits() as i64, b.to_bits() as i64);
        if (a < 0) != (b < 0) {
            return u64::MAX;
        }
        a.abs_diff(b)
    }

    #[test]
    fn exact_powers_of_ten_and_two() {
        // 10^e is exactly representable up to e = 22.
        for e in 0..=22 {
            let x = 10f64.powi(e);
            assert_eq!(log10_positive(x), f64::from(e), "10^{e}");
        }
        assert_eq!(log10_positive(1.0), 0.0);
        assert!(ulps(log10_positive(2.0), std::f64::consts::LOG10_2) <= 1);
    }

    #[test]
    fn within_one_ulp_of_libm_over_the_whole_normal_range() {
        // Values spread over every binade used (mel power floored at 1e-10 up to huge
        // magnitudes), including mantissas on both sides of the sqrt(2) reduction point.
        let mut worst = 0;
        let mut s = 0x2545_f491_4f6c_dd1du64;
        for i in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let e = -40.0 + 80.0 * (i as f64 / 200_000.0);
            let x = 10f64.powf(e) * (1.0 + (s >> 11) as f64 / (1u64 << 53) as f64);
            worst = worst.max(ulps(log10_positive(x), x.log10()));
        }
        for x in [
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            1e-10,
        ] {
            worst = worst.max(ulps(log10_positive(x), x.log10()));
        }
        // glibc documents up to 2 ulp for log10 on x86_64; ours is below one.
        assert!(worst <= 2, "worst difference {worst} ulp");
    }

    #[test]
    fn closer_to_the_true_value_where_libm_is_two_ulp_off() {
        // log10(0.8823311360329604) = -0.054368394955845691277... (Python's decimal module at
        // 40 digits); glibc returns -0.05436839495584568, 1.6 ulp away.
        let x = 0.882_331_136_032_960_4;
        let truth = -0.054_368_394_955_845_691_277_f64;
        assert!(ulps(log10_positive(x), truth) <= 1);
    }
}
