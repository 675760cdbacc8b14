//! Chroma from a power spectrum, as `librosa.feature.chroma_stft` with its defaults, and the
//! filter bank of `librosa.filters.chroma` (ctroct 5, octwidth 2, L2 column norm, row 0 = C).
//! Written by hand: no crate implements librosa's chroma filters.
//!
//! Specification: `docs/features.md#frame-features`.

/// Number of chroma bins.
pub const N_CHROMA: usize = 12;

use crate::simd::Widen;

/// `log2(f / (A440 / 16))` with A440 shifted by `tuning` chroma bins (librosa's `hz_to_octs`).
fn hz_to_octs(f: f64, tuning: f64) -> f64 {
    let a440 = 440.0 * 2f64.powf(tuning / N_CHROMA as f64);
    (f / (a440 / 16.0)).log2()
}

/// Weights below this fraction of the largest weight of their FFT bin are left out of the
/// products. Every filter is a Gaussian in chroma of at least one semitone's width, so for
/// most bins 5 of the 12 rows hold weights far below this (down to `exp(-72)`): leaving them
/// out (in whole blocks of 16 bins) saves a third of the work. What is left out of a chroma value is at most `12 x PRUNE` of
/// the frame's largest chroma value (the sum over rows of a bin's weights is at least its
/// largest), so after the scaling to a largest value of 1 each value moves by at most 1.2e-9:
/// below float32's rounding of the largest value (6e-8), and far below librosa's own float32
/// accumulation of these products.
const PRUNE: f64 = 1e-10;

/// The 12 x (n_fft/2+1) chroma filter bank for a tuning offset in fractions of a chroma bin.
#[derive(Debug, Clone)]
pub struct ChromaFilters {
    /// Row-major, 12 rows of `n_bins` weights, in float32 as librosa returns them (widened
    /// to f64 in the dot product: half the memory traffic of f64 weights).
    weights: Vec<f32>,
    n_bins: usize,
    /// Per row, the ranges of bins whose weights take part in the products (see [`PRUNE`]).
    runs: Vec<Vec<std::ops::Range<usize>>>,
}

impl ChromaFilters {
    /// Builds librosa's chroma filter bank.
    pub fn new(sr: f64, n_fft: usize, tuning: f64) -> Self {
        let nc = N_CHROMA as f64;
        // FFT bin frequencies, without the 0 Hz bin, over the whole (two-sided) spectrum.
        let mut frqbins: Vec<f64> = (1..n_fft)
            .map(|k| nc * hz_to_octs(k as f64 * (sr / n_fft as f64), tuning))
            .collect();
        // A made-up value for the 0 Hz bin: 1.5 octaves below bin 1.
        frqbins.insert(0, frqbins[0] - 1.5 * nc);
        let mut binwidth: Vec<f64> = frqbins.windows(2).map(|w| (w[1] - w[0]).max(1.0)).collect();
        binwidth.push(1.0);
        let half = (nc / 2.0).round();
        let n_cols = n_fft;
        let mut w = vec![0.0f64; N_CHROMA * n_cols];
        for c in 0..N_CHROMA {
            for k in 0..n_cols {
                // np.remainder: the result takes the divisor's sign.
                let d = (frqbins[k] - c as f64 + half + 10.0 * nc).rem_euclid(nc) - half;
                w[c * n_cols + k] = (-0.5 * (2.0 * d / binwidth[k]).powi(2)).exp();
            }
        }
        for k in 0..n_cols {
            let norm: f64 = (0..N_CHROMA)
                .map(|c| w[c * n_cols + k].powi(2))
                .sum::<f64>()
                .sqrt();
            let norm = if norm < f64::MIN_POSITIVE { 1.0 } else { norm };
            let octave_weight = (-0.5 * ((frqbins[k] / nc - 5.0) / 2.0).powi(2)).exp();
            for c in 0..N_CHROMA {
                w[c * n_cols + k] = w[c * n_cols + k] / norm * octave_weight;
            }
        }
        // Roll by -3 rows so that row 0 is C, keep the non-negative frequencies, round to f32.
        let n_bins = n_fft / 2 + 1;
        let mut weights = vec![0.0; N_CHROMA * n_bins];
        for r in 0..N_CHROMA {
            let src = (r + 3) % N_CHROMA;
            for k in 0..n_bins {
                weights[r * n_bins + k] = w[src * n_cols + k] as f32;
            }
        }
        let runs = kept_runs(&weights, n_bins);
        Self {
            weights,
            n_bins,
            runs,
        }
    }

    /// Chroma of one power frame, scaled so its largest value is 1 (an all-zero frame stays 0).
    pub fn apply(&self, power: &[f32], out: &mut [f64; N_CHROMA]) {
        self.apply_rows(power, out);
        normalize_max(out);
    }

    /// [`ChromaFilters::apply`] for a power frame already widened to f64 (the same result:
    /// the products are taken in f64 either way).
    pub fn apply_f64(&self, power: &[f64], out: &mut [f64; N_CHROMA]) {
        self.apply_rows(power, out);
        normalize_max(out);
    }

    /// The 12 products of the filter rows with one power frame, over the kept runs of bins.
    fn apply_rows<P: Widen>(&self, power: &[P], out: &mut [f64; N_CHROMA]) {
        let n = self.n_bins;
        for ((o, row), runs) in out
            .iter_mut()
            .zip(self.weights.chunks_exact(n))
            .zip(&self.runs)
        {
            *o = crate::simd::dot_runs(row, power, runs);
        }
    }
}

/// Per row of `weights` (rows of `n_bins`), the ranges of bins whose weight is at least
/// [`PRUNE`] times the largest weight of the bin, widened to whole blocks of
/// [`crate::simd::BLOCK`] bins (so each is a run of [`crate::simd::dot_runs`]; the weights
/// taken in with them only make the products closer to the full ones).
fn kept_runs(weights: &[f32], n_bins: usize) -> Vec<Vec<std::ops::Range<usize>>> {
    let column_max: Vec<f64> = (0..n_bins)
        .map(|k| {
            (0..N_CHROMA)
                .map(|r| f64::from(weights[r * n_bins + k]))
                .fold(0.0, f64::max)
        })
        .collect();
    (0..N_CHROMA)
        .map(|r| {
            let keep = |k: usize| f64::from(weights[r * n_bins + k]) >= PRUNE * column_max[k];
            let block = crate::simd::BLOCK;
            let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
            for start in (0..n_bins).step_by(block) {
                let end = (start + block).min(n_bins);
                if !(start..end).any(keep) {
                    continue;
                }
                match runs.last_mut() {
                    Some(last) if last.end == start => last.end = end,
                    _ => runs.push(start..end),
                }
            }
            runs
        })
        .collect()
}

/// Scales `out` so that its largest magnitude is 1; a column below f32's smallest normal value
/// is left as is (librosa's `normalize` threshold).
fn normalize_max(out: &mut [f64; N_CHROMA]) {
    let max = out.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
    if max >= f64::from(f32::MIN_POSITIVE) {
        for o in out.iter_mut() {
            *o /= max;
        }
    }
}

/// Collects the spectral peaks of every frame, as `librosa.piptrack` (150 to 4000 Hz,
/// threshold 0.1 of the frame's maximum), and turns them into the tuning estimate of
/// `librosa.estimate_tuning`.
///
/// Arithmetic mirrors librosa's float32 steps, because the estimate depends on a median and
/// on histogram bin edges, where a rounding difference can move a peak to the next bin.
#[derive(Debug, Clone)]
pub struct TuningEstimator {
    sr: f64,
    n_fft: usize,
    bin_lo: usize,
    bin_hi: usize,
    pitches: Vec<f32>,
    mags: Vec<f32>,
}

impl TuningEstimator {
    const FMIN: f64 = 150.0;
    const FMAX: f64 = 4000.0;
    const THRESHOLD: f32 = 0.1;
    const RESOLUTION: f64 = 0.01;

    /// A new estimator for frames of `n_fft / 2 + 1` power bins.
    pub fn new(sr: f64, n_fft: usize) -> Self {
        let fmax = Self::FMAX.min(sr / 2.0);
        let n_bins = n_fft / 2 + 1;
        let freq = |k: usize| k as f64 * sr / n_fft as f64;
        let bin_lo = (0..n_bins)
            .find(|&k| freq(k) >= Self::FMIN)
            .unwrap_or(n_bins);
        let bin_hi = (0..n_bins).find(|&k| freq(k) >= fmax).unwrap_or(n_bins);
        Self {
            sr,
            n_fft,
            bin_lo,
            bin_hi,
            pitches: Vec::new(),
            mags: Vec::new(),
        }
    }

    /// Adds the peaks of one power frame.
    pub fn push_frame(&mut self, s: &[f32]) {
        let n = s.len();
        if n < 3 {
            return;
        }
        let reference = Self::THRESHOLD * max_f32(s);
        let z = |i: usize| if s[i] > reference { s[i] } else { 0.0 };
        // Bin 0 is never a peak in librosa's stencil; the last bin is a peak if above its
        // neighbour. Both lie outside 150..4000 Hz at any usual rate.
        let hi = self.bin_hi.min(n);
        for i in self.bin_lo.max(1)..hi {
            let zi = z(i);
            let is_peak = if i + 1 < n {
                zi > z(i - 1) && zi >= z(i + 1)
            } else {
                zi > z(i - 1)
            };
            if !is_peak {
                continue;
            }
            let (shift, grad) = if i + 1 < n {
                let a = s[i + 1] + s[i - 1] - 2.0 * s[i];
                let b = (s[i + 1] - s[i - 1]) / 2.0;
                let shift = if b.abs() >= a.abs() { 0.0 } else { -b / a };
                (shift, (s[i + 1] - s[i - 1]) / 2.0)
            } else {
                (0.0, s[i] - s[i - 1])
            };
            let dskew = 0.5 * grad * shift;
            let pitch = ((i as f64 + f64::from(shift)) * self.sr / self.n_fft as f64) as f32;
            self.pitches.push(pitch);
            self.mags.push(s[i] + dskew);
        }
    }

    /// The tuning estimate in fractions of a chroma bin, in [-0.5, 0.5); 0 when no peak was seen.
    pub fn estimate(&self) -> f64 {
        let mut candidates: Vec<(f32, f32)> = self
            .pitches
            .iter()
            .zip(&self.mags)
            .filter(|(&p, _)| p > 0.0)
            .map(|(&p, &m)| (p, m))
            .collect();
        if candidates.is_empty() {
            return 0.0;
        }
        let threshold = median_f32(candidates.iter().map(|&(_, m)| m).collect());
        candidates.retain(|&(_, m)| m >= threshold);
        let n_bins = (1.0 / Self::RESOLUTION).ceil() as usize;
        // np.linspace(-0.5, 0.5, n_bins + 1): start + i * step, the last edge set to stop.
        let step = 1.0 / n_bins as f64;
        let mut edges: Vec<f64> = (0..=n_bins).map(|i| i as f64 * step + -0.5).collect();
        edges[n_bins] = 0.5;
        let mut counts = vec![0usize; n_bins];
        for &(p, _) in &candidates {
            // hz_to_octs in float32, as numpy computes it on a float32 array.
            let octs = (p / 27.5f32).log2();
            let mut residual = (N_CHROMA as f32 * octs).rem_euclid(1.0);
            if residual >= 0.5 {
                residual -= 1.0;
            }
            let r = f64::from(residual);
            // np.histogram with explicit edges: [e_i, e_{i+1}), the last bin closed.
            let idx = edges.partition_point(|&e| e <= r);
            let bin = if r == 0.5 {
                n_bins - 1
            } else {
                idx.wrapping_sub(1)
            };
            if let Some(c) = counts.get_mut(bin) {
                *c += 1;
            }
        }
        let best = counts
            .iter()
            .enumerate()
            .fold((0, 0), |b, (i, &c)| if c > b.1 { (i, c) } else { b })
            .0;
        edges[best]
    }
}

crate::simd::multiversion! {
    /// The largest value of a power frame (no NaN), over eight lanes: the same value as a
    /// sequential maximum, without its chain of dependent comparisons.
    fn max_f32(values: &[f32]) -> f32 {
        let mut lanes = [f32::NEG_INFINITY; 8];
        let chunks = values.chunks_exact(8);
        for (i, &v) in chunks.remainder().iter().enumerate() {
            lanes[i] = v;
        }
        for c in chunks {
            for l in 0..8 {
                lanes[l] = if c[l] > lanes[l] { c[l] } else { lanes[l] };
            }
        }
        lanes
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
    }
}

/// numpy's median of a float32 array: the middle value, or the float32 mean of the two middle
/// values.
fn median_f32(mut v: Vec<f32>) -> f32 {
    let n = v.len();
    v.sort_by(f32::total_cmp);
    if !n.is_multiple_of(2) {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a440_lands_on_row_a() {
        let sr = 22050.0;
        let f = ChromaFilters::new(sr, 2048, 0.0);
        let mut p = vec![0.0f32; 1025];
        let bin = (440.0 * 2048.0 / sr).round() as usize;
        p[bin] = 1.0;
        let mut out = [0.0; N_CHROMA];
        f.apply(&p, &mut out);
        let argmax = (0..N_CHROMA).fold(0, |b, i| if out[i] > out[b] { i } else { b });
        assert_eq!(argmax, 9, "{out:?}");
        assert_eq!(out[9], 1.0);
    }

    #[test]
    fn pruned_products_stay_within_the_stated_bound() {
        let sr = 22050.0;
        for tuning in [0.0, -0.23, 0.41] {
            let f = ChromaFilters::new(sr, 2048, tuning);
            let kept: usize = f.runs.iter().flatten().map(|r| r.len()).sum();
            let share = kept as f64 / (N_CHROMA * f.n_bins) as f64;
            // About 57% of the weights reach PRUNE; whole 16-bin blocks make it about 66%.
            assert!((0.6..0.7).contains(&share), "kept {share}");
            // Power spectra from white-ish to strongly coloured, and pure tones.
            let mut s = 0x9e37_79b9u32;
            for case in 0..40 {
                let p: Vec<f32> = (0..f.n_bins)
                    .map(|k| {
                        s ^= s << 13;
                        s ^= s >> 17;
                        s ^= s << 5;
                        let noise = (s >> 8) as f32 / (1 << 24) as f32;
                        match case % 4 {
                            0 => noise,
                            1 => noise * (-(k as f32) / 50.0).exp(),
                            2 => noise * (k as f32 / 100.0).powi(4),
                            _ => f32::from(u8::from(k == 20 + case * 7)),
                        }
                    })
                    .collect();
                let mut dense = [0.0f64; N_CHROMA];
                for (c, o) in dense.iter_mut().enumerate() {
                    let row = &f.weights[c * f.n_bins..(c + 1) * f.n_bins];
                    *o = row
                        .iter()
                        .zip(&p)
                        .map(|(&w, &x)| f64::from(w) * f64::from(x))
                        .sum();
                }
                normalize_max(&mut dense);
                let mut pruned = [0.0f64; N_CHROMA];
                f.apply(&p, &mut pruned);
                for c in 0..N_CHROMA {
                    assert!(
                        (pruned[c] - dense[c]).abs() <= 12.0 * PRUNE + 1e-12,
                        "tuning {tuning} case {case} row {c}: {} vs {}",
                        pruned[c],
                        dense[c]
                    );
                }
            }
        }
    }

    #[test]
    fn no_peaks_means_zero_tuning() {
        let t = TuningEstimator::new(22050.0, 2048);
        assert_eq!(t.estimate(), 0.0);
    }

    #[test]
    fn median_of_even_count() {
        assert_eq!(median_f32(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median_f32(vec![3.0, 1.0, 2.0]), 2.0);
    }
}
