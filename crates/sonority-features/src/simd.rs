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

/// Number of f64 lanes per accumulator vector in [`dot_runs`] (one AVX2 register).
const W: usize = 4;
/// Accumulator vectors in [`dot_runs`]: 16 independent partial sums hide the addition latency.
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

/// Elements per block of [`dot_runs`]: a run starts at a multiple of this.
pub(crate) const BLOCK: usize = V * W;

/// `sum a_k b_k` in f64 (both widened exactly) over the elements `k` of `runs` only, with 16
/// independent partial sums: element `k` goes to lane `k % 16`, and the lanes are added in a
/// fixed order at the end. The result equals the full product with the elements outside the
/// runs set to zero, without the work on them, and does not depend on whether `b` is given
/// as f32 or already widened. The AVX2 and the portable versions perform the same operations,
/// so they agree to the last bit.
///
/// Every run must start at a multiple of [`BLOCK`]; only a run that ends at the end of the
/// slices may end elsewhere. Runs past the end are cut.
#[inline]
pub(crate) fn dot_runs<B: Widen>(a: &[f32], b: &[B], runs: &[std::ops::Range<usize>]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { dot_runs_avx2(a, b, runs) };
        }
    }
    dot_runs_portable(a, b, runs)
}

/// The full blocks of a run and its partial tail, cut to `n`.
#[inline(always)]
fn split_run(
    run: &std::ops::Range<usize>,
    n: usize,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let (start, end) = (run.start.min(n), run.end.min(n));
    let full_end = start + (end - start) / BLOCK * BLOCK;
    (start..full_end, full_end..end)
}

fn dot_runs_portable<B: Widen>(a: &[f32], b: &[B], runs: &[std::ops::Range<usize>]) -> f64 {
    let n = a.len().min(b.len());
    let mut acc = [[0.0f64; W]; V];
    for run in runs {
        let (full, tail) = split_run(run, n);
        for base in full.step_by(BLOCK) {
            for (v, lanes) in acc.iter_mut().enumerate() {
                for (l, x) in lanes.iter_mut().enumerate() {
                    let k = base + v * W + l;
                    *x += f64::from(a[k]) * b[k].widen();
                }
            }
        }
        for k in tail {
            let i = k % BLOCK;
            acc[i / W][i % W] += f64::from(a[k]) * b[k].widen();
        }
    }
    finish_dot(acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_runs_avx2<B: Widen>(a: &[f32], b: &[B], runs: &[std::ops::Range<usize>]) -> f64 {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_cvtps_pd, _mm256_mul_pd, _mm256_setzero_pd,
        _mm256_storeu_pd, _mm_loadu_ps,
    };
    let n = a.len().min(b.len());
    let mut acc: [__m256d; V] = [_mm256_setzero_pd(); V];
    for run in runs {
        let (full, _) = split_run(run, n);
        for base in full.step_by(BLOCK) {
            for (v, sum) in acc.iter_mut().enumerate() {
                let k = base + v * W;
                // SAFETY: k + W <= full.end <= n, within both slices; AVX2 is enabled.
                let (x, y) = unsafe {
                    (
                        _mm256_cvtps_pd(_mm_loadu_ps(a.as_ptr().add(k))),
                        B::load4(b.as_ptr().add(k)),
                    )
                };
                *sum = _mm256_add_pd(*sum, _mm256_mul_pd(x, y));
            }
        }
    }
    let mut lanes = [[0.0f64; W]; V];
    for (out, sum) in lanes.iter_mut().zip(&acc) {
        // SAFETY: `out` holds W = 4 f64.
        unsafe { _mm256_storeu_pd(out.as_mut_ptr(), *sum) };
    }
    // The partial tails, in run order, as the portable version adds them after each run's
    // blocks. (Only the last run can have one, so the order of additions per lane is the same.)
    for run in runs {
        for k in split_run(run, n).1 {
            let i = k % BLOCK;
            lanes[i / W][i % W] += f64::from(a[k]) * b[k].widen();
        }
    }
    finish_dot(lanes)
}

/// Adds the lanes together, in one fixed order.
#[inline(always)]
fn finish_dot(acc: [[f64; W]; V]) -> f64 {
    let mut lanes = [0.0f64; W];
    for (l, s) in lanes.iter_mut().enumerate() {
        *s = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    }
    (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot<B: Widen>(a: &[f32], b: &[B]) -> f64 {
        let all = std::iter::once(0..a.len().min(b.len())).collect::<Vec<_>>();
        dot_runs(a, b, &all)
    }

    #[test]
    fn dot_runs_equal_the_full_product_with_zeros_outside_the_runs() {
        let n = 1025;
        let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).cos() * 3.0).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).sin() + 1.5).collect();
        let runs = [0..32, 64..80, 96..400, 1008..1025];
        let mut masked = vec![0.0f32; n];
        for r in &runs {
            masked[r.clone()].copy_from_slice(&a[r.clone()]);
        }
        let want = dot(&masked, &b);
        assert_eq!(dot_runs(&a, &b, &runs).to_bits(), want.to_bits());
        assert_eq!(dot_runs_portable(&a, &b, &runs).to_bits(), want.to_bits());
        // A run past the end is cut.
        assert_eq!(
            dot_runs(&a, &b, &runs[3..]).to_bits(),
            dot_runs(&a, &b, std::slice::from_ref(&(1008..2000))).to_bits()
        );
    }

    #[test]
    fn versions_agree_to_the_bit_and_with_a_plain_sum() {
        for n in [0usize, 1, 15, 16, 17, 1025] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.7).sin() * 1e3).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos() / 7.0).collect();
            let exact: f64 = a.iter().zip(&b).map(|(&x, y)| f64::from(x) * y).sum();
            let all = std::slice::from_ref(&(0..n)).to_vec();
            assert_eq!(
                dot(&a, &b).to_bits(),
                dot_runs_portable(&a, &b, &all).to_bits(),
                "n {n}"
            );
            assert!(
                (dot(&a, &b) - exact).abs() <= 1e-9 * exact.abs().max(1.0),
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
                dot_runs_portable(&a, &b32, &all).to_bits(),
                "n {n}"
            );
        }
    }
}
