//! Runtime selection of AVX2 code for the hot loops.
//!
//! [`multiversion!`] compiles a function body twice: for the baseline target and with AVX2
//! enabled, and picks the AVX2 copy when the CPU has it. Both copies run the same operations
//! in the same order (every reduction is written with explicit lanes, and Rust never fuses a
//! multiply and an add on its own), so they give the same results to the last bit; AVX2 only
//! makes the vectors wider.

/// True when the CPU supports AVX2 (the answer is cached by the standard library).
#[inline]
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines a function whose body is compiled for the baseline target and for AVX2; see the
/// module documentation.
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident : $t:ty),* $(,)?) $(-> $r:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name($($a: $t),*) $(-> $r)? {
            #[inline(always)]
            fn generic($($a: $t),*) $(-> $r)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($a: $t),*) $(-> $r)? {
                    generic($($a),*)
                }
                if $crate::simd::has_avx2() {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { avx2($($a),*) };
                }
            }
            generic($($a),*)
        }
    };
}

pub(crate) use multiversion;

/// Number of f64 lanes per accumulator vector in [`dot`] (one AVX2 register).
const W: usize = 4;
/// Accumulator vectors in [`dot`]: 16 independent partial sums hide the addition latency.
const V: usize = 4;

/// A value that widens exactly to f64: the element type of the second operand of [`dot`].
pub(crate) trait Widen: Copy {
    /// The value as f64 (exact).
    fn widen(self) -> f64;
    /// Loads four values from `ptr` widened to f64.
    ///
    /// # Safety
    /// `ptr` must point at four readable values, and the CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load4(ptr: *const Self) -> std::arch::x86_64::__m256d;
}

impl Widen for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load4(ptr: *const Self) -> std::arch::x86_64::__m256d {
        // SAFETY: the caller guarantees four readable values and AVX2.
        unsafe { std::arch::x86_64::_mm256_loadu_pd(ptr) }
    }
}

impl Widen for f32 {
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load4(ptr: *const Self) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::{_mm256_cvtps_pd, _mm_loadu_ps};
        // SAFETY: the caller guarantees four readable values and AVX2.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(ptr)) }
    }
}

/// `sum a_k b_k` in f64 (both widened exactly) with 16 independent partial sums: element `k`
/// goes to lane `k % 16`, the tail likewise, and the lanes are added in a fixed order. The
/// AVX2 and the portable versions perform the same operations, so they agree to the last bit;
/// the result differs from a sequential sum by f64 rounding only, and does not depend on
/// whether `b` is given as f32 or already widened to f64.
#[inline]
pub(crate) fn dot<B: Widen>(a: &[f32], b: &[B]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { dot_avx2(a, b) };
        }
    }
    dot_portable(a, b)
}

fn dot_portable<B: Widen>(a: &[f32], b: &[B]) -> f64 {
    let n = a.len().min(b.len());
    let blocks = n / (V * W);
    let mut acc = [[0.0f64; W]; V];
    for j in 0..blocks {
        let base = j * V * W;
        for (v, lanes) in acc.iter_mut().enumerate() {
            for (l, x) in lanes.iter_mut().enumerate() {
                let k = base + v * W + l;
                *x += f64::from(a[k]) * b[k].widen();
            }
        }
    }
    finish_dot(acc, &a[blocks * V * W..n], &b[blocks * V * W..n])
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2<B: Widen>(a: &[f32], b: &[B]) -> f64 {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_cvtps_pd, _mm256_mul_pd, _mm256_setzero_pd,
        _mm256_storeu_pd, _mm_loadu_ps,
    };
    let n = a.len().min(b.len());
    let blocks = n / (V * W);
    let mut acc: [__m256d; V] = [_mm256_setzero_pd(); V];
    for j in 0..blocks {
        let base = j * V * W;
        for (v, sum) in acc.iter_mut().enumerate() {
            let k = base + v * W;
            // SAFETY: k + W <= blocks * V * W <= n, within both slices; AVX2 is enabled.
            let (x, y) = unsafe {
                (
                    _mm256_cvtps_pd(_mm_loadu_ps(a.as_ptr().add(k))),
                    B::load4(b.as_ptr().add(k)),
                )
            };
            *sum = _mm256_add_pd(*sum, _mm256_mul_pd(x, y));
        }
    }
    let mut lanes = [[0.0f64; W]; V];
    for (out, sum) in lanes.iter_mut().zip(&acc) {
        // SAFETY: `out` holds W = 4 f64.
        unsafe { _mm256_storeu_pd(out.as_mut_ptr(), *sum) };
    }
    finish_dot(lanes, &a[blocks * V * W..n], &b[blocks * V * W..n])
}

/// Adds the tail into the lanes and the lanes together, in one fixed order.
#[inline(always)]
fn finish_dot<B: Widen>(mut acc: [[f64; W]; V], a: &[f32], b: &[B]) -> f64 {
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        acc[i / W][i % W] += f64::from(x) * y.widen();
    }
    let mut lanes = [0.0f64; W];
    for (l, s) in lanes.iter_mut().enumerate() {
        *s = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    }
    (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_versions_agree_to_the_bit() {
        for n in [0usize, 1, 15, 16, 17, 1025] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.7).sin() * 1e3).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos() / 7.0).collect();
            let exact: f64 = a.iter().zip(&b).map(|(&x, y)| f64::from(x) * y).sum();
            assert_eq!(
                dot(&a, &b).to_bits(),
                dot_portable(&a, &b).to_bits(),
                "n {n}"
            );
            // The same products from an f32 second operand give the same bits.
            let b32: Vec<f32> = b.iter().map(|&v| v as f32).collect();
            let b32_wide: Vec<f64> = b32.iter().map(|&v| f64::from(v)).collect();
            assert_eq!(
                dot(&a, &b32).to_bits(),
                dot(&a, &b32_wide).to_bits(),
                "n {n}"
            );
            assert_eq!(
                dot(&a, &b32).to_bits(),
                dot_portable(&a, &b32).to_bits(),
                "n {n}"
            );
            assert!(
                (dot(&a, &b) - exact).abs() <= 1e-9 * exact.abs().max(1.0),
                "n {n}"
            );
        }
    }
}
