//! Spectral shape features of one magnitude frame: centroid, bandwidth, rolloff, flatness,
//! and the peak/valley pairs behind spectral contrast. Definitions follow librosa 0.11
//! (`librosa.feature.spectral_*` with their defaults).
//!
//! Specification: `docs/features.md#frame-features`.

/// `tiny(float32)`: librosa leaves a column un-normalised when its norm is below this.
const TINY_F32: f64 = f32::MIN_POSITIVE as f64;

/// Rolloff fraction (librosa's `roll_percent` default).
pub const ROLL_PERCENT: f64 = 0.85;

crate::simd::multiversion! {
    /// `(sum m, sum f m)` over a magnitude frame, eight lanes each.
    fn sums(magnitude: &[f32], freqs: &[f64]) -> (f64, f64) {
        let mut s = [0.0f64; 8];
        let mut w = [0.0f64; 8];
        let n = magnitude.len().min(freqs.len());
        let (m8, f8) = (magnitude[..n].chunks_exact(8), freqs[..n].chunks_exact(8));
        let (mr, fr) = (m8.remainder(), f8.remainder());
        for (m, f) in m8.zip(f8) {
            for l in 0..8 {
                let v = f64::from(m[l]);
                s[l] += v;
                w[l] += f[l] * v;
            }
        }
        for (l, (&m, &f)) in mr.iter().zip(fr).enumerate() {
            s[l] += f64::from(m);
            w[l] += f * f64::from(m);
        }
        let fold = |a: [f64; 8]| ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        (fold(s), fold(w))
    }
}

crate::simd::multiversion! {
    /// `sum m (f - c)^2` over a magnitude frame, eight lanes.
    fn spread(magnitude: &[f32], freqs: &[f64], centroid: f64) -> f64 {
        let mut acc = [0.0f64; 8];
        let n = magnitude.len().min(freqs.len());
        let (m8, f8) = (magnitude[..n].chunks_exact(8), freqs[..n].chunks_exact(8));
        let (mr, fr) = (m8.remainder(), f8.remainder());
        for (m, f) in m8.zip(f8) {
            for l in 0..8 {
                let d = f[l] - centroid;
                acc[l] += f64::from(m[l]) * (d * d);
            }
        }
        for (l, (&m, &f)) in mr.iter().zip(fr).enumerate() {
            let d = f - centroid;
            acc[l] += f64::from(m) * (d * d);
        }
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
    }
}

/// Centroid, bandwidth and rolloff of one magnitude frame, in Hz, sharing one sum of the
/// magnitudes. See [`centroid_bandwidth`] and [`rolloff`].
pub fn centroid_bandwidth_rolloff(magnitude: &[f32], freqs: &[f64]) -> (f64, f64, f64) {
    let (sum, weighted) = sums(magnitude, freqs);
    let norm = if sum < TINY_F32 { 1.0 } else { sum };
    let centroid = weighted / norm;
    let bandwidth = (spread(magnitude, freqs, centroid) / norm).sqrt();
    (
        centroid,
        bandwidth,
        rolloff_with_total(magnitude, freqs, sum),
    )
}

#[cfg(test)]
/// Centroid and bandwidth of one magnitude frame, in Hz.
///
/// The magnitudes are normalised to sum 1 first (left as they are when the sum is below
/// `tiny(float32)`, so silence gives 0 for both).
pub fn centroid_bandwidth(magnitude: &[f32], freqs: &[f64]) -> (f64, f64) {
    let (c, b, _) = centroid_bandwidth_rolloff(magnitude, freqs);
    (c, b)
}

#[cfg(test)]
/// The lowest bin frequency at which the cumulative magnitude reaches `ROLL_PERCENT` of the
/// total (0 Hz for a silent frame, as in librosa).
pub fn rolloff(magnitude: &[f32], freqs: &[f64]) -> f64 {
    rolloff_with_total(magnitude, freqs, sums(magnitude, freqs).0)
}

/// [`rolloff`] given the total magnitude. The cumulative sum advances eight bins at a time
/// (each block summed as a tree, off the critical path) and is scanned bin by bin only in the
/// block where it crosses the threshold.
fn rolloff_with_total(magnitude: &[f32], freqs: &[f64], total: f64) -> f64 {
    let threshold = ROLL_PERCENT * total;
    let n = magnitude.len().min(freqs.len());
    let mut cumulative = 0.0;
    let mut start = 0;
    for block in magnitude[..n].chunks(8) {
        let v = |i: usize| block.get(i).map_or(0.0, |&m| f64::from(m));
        let block_sum = ((v(0) + v(1)) + (v(2) + v(3))) + ((v(4) + v(5)) + (v(6) + v(7)));
        if cumulative + block_sum >= threshold {
            let mut c = cumulative;
            for (i, &m) in block.iter().enumerate() {
                c += f64::from(m);
                if c >= threshold {
                    return freqs[start + i];
                }
            }
        }
        cumulative += block_sum;
        start += block.len();
    }
    freqs[..n].last().copied().unwrap_or(0.0)
}

crate::simd::multiversion! {
    /// Spectral flatness: geometric over arithmetic mean of the power `max(1e-10, |X|^2)`.
    ///
    /// The sum of logarithms is taken as the logarithm of running products: four lanes multiply
    /// their factors and move the binary exponent out into an integer every eight factors (each
    /// factor lies in [1e-10, ~1e12], so eight of them times a mantissa in [1, 2) stay far from
    /// f64's limits). Four logarithms per frame instead of one per bin; equal to the sum of logs
    /// to f64 rounding.
    pub fn flatness(magnitude: &[f32]) -> f64 {
        let n = magnitude.len().max(1) as f64;
        // librosa squares in float32, then floors at amin.
        let power = |m: f32| f64::from(m * m).max(1e-10);
        let mut sum = [0.0f64; 4];
        let mut prod = [1.0f64; 4];
        let mut exps = [0i64; 4];
        let blocks = magnitude.chunks_exact(32);
        let rest = blocks.remainder();
        for block in blocks {
            for quad in block.chunks_exact(4) {
                for l in 0..4 {
                    let p = power(quad[l]);
                    sum[l] += p;
                    prod[l] *= p;
                }
            }
            for l in 0..4 {
                let (m, e) = split_exponent(prod[l]);
                prod[l] = m;
                exps[l] += e;
            }
        }
        for (l, &m) in rest.iter().enumerate() {
            let p = power(m);
            sum[l & 3] += p;
            prod[l & 3] *= p;
        }
        let mut log_sum = 0.0;
        let mut exp_sum = 0i64;
        for l in 0..4 {
            let (m, e) = split_exponent(prod[l]);
            log_sum += m.ln();
            exp_sum += exps[l] + e;
        }
        let log_sum = log_sum + exp_sum as f64 * std::f64::consts::LN_2;
        let total = (sum[0] + sum[2]) + (sum[1] + sum[3]);
        (log_sum / n).exp() / (total / n)
    }
}

/// Splits a positive finite normal `x` into `(m, e)` with `x = m * 2^e`, `m` in [1, 2).
/// Anything else (0, subnormal, infinite: only from absurd input) is returned as it is.
#[inline(always)]
fn split_exponent(x: f64) -> (f64, i64) {
    const EXP_MASK: u64 = 0x7ff << 52;
    let bits = x.to_bits();
    let biased = ((bits & EXP_MASK) >> 52) as i64;
    if biased == 0 || biased == 0x7ff {
        return (x, 0);
    }
    let m = f64::from_bits((bits & !EXP_MASK) | (1023u64 << 52));
    (m, biased - 1023)
}

/// One band of spectral contrast: the bins it sorts and how many of each end it averages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ContrastBand {
    /// First bin of the sub-band.
    start: usize,
    /// One past the last bin of the sub-band.
    end: usize,
    /// Number of bins averaged at each end (`max(1, rint(quantile * band size))`).
    count: usize,
}

/// The octave bands of `librosa.feature.spectral_contrast` (fmin 200 Hz, 6 bands, quantile
/// 0.02), with librosa's exact band membership: every band but the first also takes the bin
/// below its lower edge, every band but the last drops its top bin from the sort, and the
/// last band takes everything above its lower edge.
#[derive(Debug, Clone)]
pub struct ContrastBands {
    bands: Vec<ContrastBand>,
    scratch: Scratch,
}

impl ContrastBands {
    /// Number of contrast rows (`n_bands + 1`).
    pub const ROWS: usize = 7;
    const FMIN: f64 = 200.0;
    const QUANTILE: f64 = 0.02;

    /// Band layout for the given bin frequencies.
    pub fn new(freqs: &[f64]) -> Self {
        let n_bands = Self::ROWS - 1;
        let n_bins = freqs.len();
        let mut edges = vec![0.0];
        edges.extend((0..=n_bands).map(|i| Self::FMIN * 2f64.powi(i as i32)));
        let bands = edges
            .windows(2)
            .enumerate()
            .map(|(k, w)| {
                let (lo, hi) = (w[0], w[1]);
                let members: Vec<usize> = (0..n_bins)
                    .filter(|&i| freqs[i] >= lo && freqs[i] <= hi)
                    .collect();
                let (mut first, mut last) = match (members.first(), members.last()) {
                    (Some(&a), Some(&b)) => (a, b),
                    // A band above Nyquist (analysis rates of 12.8 kHz or less, where librosa
                    // refuses): keep it empty, so its contrast is 0.
                    _ => {
                        return ContrastBand {
                            start: 0,
                            end: 0,
                            count: 0,
                        }
                    }
                };
                if k > 0 {
                    first = first.saturating_sub(1);
                }
                if k == n_bands {
                    last = n_bins - 1;
                }
                let size = last + 1 - first;
                // np.rint rounds half to even, as f64::round_ties_even.
                let count = ((Self::QUANTILE * size as f64).round_ties_even() as usize).max(1);
                let end = if k < n_bands { last } else { last + 1 };
                ContrastBand {
                    start: first,
                    end,
                    count: count.min(end - first),
                }
            })
            .collect();
        Self {
            bands,
            scratch: Scratch::default(),
        }
    }

    /// Writes the mean of each band's top and bottom quantile of `magnitude` into `peak` and
    /// `valley` (linear magnitudes; converted to dB over the whole track later).
    pub fn peak_valley(&mut self, magnitude: &[f32], peak: &mut [f64], valley: &mut [f64]) {
        for (k, band) in self.bands.iter().enumerate() {
            if band.count == 0 {
                peak[k] = 0.0;
                valley[k] = 0.0;
                continue;
            }
            let values = &magnitude[band.start..band.end];
            if band.count == 1 {
                let (lo, hi) = min_max(values);
                valley[k] = f64::from(lo);
                peak[k] = f64::from(hi);
                continue;
            }
            let (v, p) = quantile_means(values, band.count, &mut self.scratch);
            valley[k] = v;
            peak[k] = p;
        }
    }
}

/// Lanes of [`quantile_means`] (two AVX2 registers of f32); also the largest quantile count
/// it handles without sorting the band.
const LANES: usize = 16;

/// The means of the `q` smallest and the `q` largest of `values` (magnitudes: no NaN), as
/// `(valley, peak)`: librosa's full sort, without the sort.
///
/// The maxima of 16 lanes (element `i` in lane `i % 16`) are 16 distinct elements, so the
/// `q`-th largest of them is a lower bound of the `q`-th largest value: the `q` largest
/// values are among the few that reach it. Likewise for the smallest. Lane extremes are
/// vectorised; the candidates are then selected exactly.
fn quantile_means(values: &[f32], q: usize, s: &mut Scratch) -> (f64, f64) {
    let n = values.len();
    if q == 0 || q > LANES || n < LANES {
        s.high.clear();
        s.high.extend_from_slice(values);
        s.high.sort_unstable_by(f32::total_cmp);
        let q = q.clamp(1, n.max(1)).min(n);
        return (mean(&s.high[..q]), mean(&s.high[n - q..]));
    }
    let (mut mins, mut maxs) = lane_min_max(values);
    maxs.sort_unstable_by(|a, b| b.total_cmp(a));
    mins.sort_unstable_by(f32::total_cmp);
    let (low_bound, high_bound) = (mins[q - 1], maxs[q - 1]);
    collect_outside(values, low_bound, high_bound, &mut s.low, &mut s.high);
    let m = s.high.len();
    s.high.select_nth_unstable_by(m - q, f32::total_cmp);
    s.low.select_nth_unstable_by(q - 1, f32::total_cmp);
    (mean(&s.low[..q]), mean(&s.high[m - q..]))
}

crate::simd::multiversion! {
    /// The minimum and maximum of each of 16 lanes (element `i` in lane `i % 16`); lanes
    /// without elements keep +inf and -inf.
    fn lane_min_max(values: &[f32]) -> ([f32; LANES], [f32; LANES]) {
        let mut lo = [f32::INFINITY; LANES];
        let mut hi = [f32::NEG_INFINITY; LANES];
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for c in chunks {
            for l in 0..LANES {
                lo[l] = if c[l] < lo[l] { c[l] } else { lo[l] };
                hi[l] = if c[l] > hi[l] { c[l] } else { hi[l] };
            }
        }
        for (l, &x) in rest.iter().enumerate() {
            lo[l] = if x < lo[l] { x } else { lo[l] };
            hi[l] = if x > hi[l] { x } else { hi[l] };
        }
        (lo, hi)
    }
}

crate::simd::multiversion! {
    /// The values at or below `low_bound` into `low` and at or above `high_bound` into `high`
    /// (both cleared first). Blocks of 16 without any such value, nearly all of them, are
    /// passed over after one vectorised test.
    fn collect_outside(
        values: &[f32],
        low_bound: f32,
        high_bound: f32,
        low: &mut Vec<f32>,
        high: &mut Vec<f32>,
    ) {
        low.clear();
        high.clear();
        let mut take = |block: &[f32]| {
            for &x in block {
                if x >= high_bound {
                    high.push(x);
                }
                if x <= low_bound {
                    low.push(x);
                }
            }
        };
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for c in chunks {
            let mut hit = false;
            for &x in c {
                hit |= (x >= high_bound) | (x <= low_bound);
            }
            if hit {
                take(c);
            }
        }
        take(rest);
    }
}

/// Reused buffers of [`quantile_means`].
#[derive(Debug, Clone, Default)]
struct Scratch {
    high: Vec<f32>,
    low: Vec<f32>,
}

/// Smallest and largest value (magnitudes: no NaN).
#[inline]
fn min_max(values: &[f32]) -> (f32, f32) {
    values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
            (if x < lo { x } else { lo }, if x > hi { x } else { hi })
        })
}

fn mean(values: &[f32]) -> f64 {
    values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::fft_frequencies;

    #[test]
    fn contrast_bands_follow_librosa_at_22050() {
        let freqs = fft_frequencies(22050.0, 2048);
        let b = ContrastBands::new(&freqs);
        // Bins are 10.77 Hz apart: band 0 is bins 0..=18 minus its top bin.
        assert_eq!(
            b.bands[0],
            ContrastBand {
                start: 0,
                end: 18,
                count: 1
            }
        );
        // Band 1 (200..400 Hz): bins 19..=37, plus bin 18 below, minus the top one.
        assert_eq!(b.bands[1].start, 18);
        assert_eq!(b.bands[1].end, 37);
        // Last band runs to Nyquist.
        assert_eq!(b.bands[6].end, 1025);
    }

    #[test]
    fn silence_gives_zero_centroid_and_unit_flatness() {
        let freqs = fft_frequencies(22050.0, 2048);
        let silent = vec![0.0f32; 1025];
        assert_eq!(centroid_bandwidth(&silent, &freqs), (0.0, 0.0));
        assert_eq!(rolloff(&silent, &freqs), 0.0);
        assert!((flatness(&silent) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn peak_valley_equal_the_sorted_quantiles() {
        let freqs = fft_frequencies(22050.0, 2048);
        let mut bands = ContrastBands::new(&freqs);
        let mut s = 12345u32;
        let m: Vec<f32> = (0..1025)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 20) as f32 // many ties
            })
            .collect();
        let (mut peak, mut valley) = ([0.0; 7], [0.0; 7]);
        bands.peak_valley(&m, &mut peak, &mut valley);
        for (k, b) in bands.bands.iter().enumerate() {
            let mut sorted = m[b.start..b.end].to_vec();
            sorted.sort_by(f32::total_cmp);
            let q = b.count;
            let n = sorted.len();
            assert!((valley[k] - mean(&sorted[..q])).abs() < 1e-9, "band {k}");
            assert!((peak[k] - mean(&sorted[n - q..])).abs() < 1e-9, "band {k}");
        }
    }

    #[test]
    fn flatness_equals_the_sum_of_logs() {
        let m: Vec<f32> = (0..1025)
            .map(|i| ((i * 37 % 101) as f32 * 0.37).powi(3) * 1e-3)
            .collect();
        let n = m.len() as f64;
        let p: Vec<f64> = m.iter().map(|&v| f64::from(v * v).max(1e-10)).collect();
        let want = (p.iter().map(|v| v.ln()).sum::<f64>() / n).exp() / (p.iter().sum::<f64>() / n);
        assert!(
            (flatness(&m) - want).abs() < 1e-13 * want,
            "{} {want}",
            flatness(&m)
        );
    }

    #[test]
    fn single_bin_spectrum() {
        let freqs = fft_frequencies(22050.0, 2048);
        let mut m = vec![0.0f32; 1025];
        m[100] = 2.0;
        let (c, bw) = centroid_bandwidth(&m, &freqs);
        assert!((c - freqs[100]).abs() < 1e-9);
        assert!(bw.abs() < 1e-6);
        assert_eq!(rolloff(&m, &freqs), freqs[100]);
    }
}
