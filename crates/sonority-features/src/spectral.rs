//! Spectral shape features of one magnitude frame: centroid, bandwidth, rolloff, flatness,
//! and the peak/valley pairs behind spectral contrast. Definitions follow librosa 0.11
//! (`librosa.feature.spectral_*` with their defaults).

/// `tiny(float32)`: librosa leaves a column un-normalised when its norm is below this.
const TINY_F32: f64 = f32::MIN_POSITIVE as f64;

/// Rolloff fraction (librosa's `roll_percent` default).
pub const ROLL_PERCENT: f64 = 0.85;

/// Centroid and bandwidth of one magnitude frame, in Hz.
///
/// The magnitudes are normalised to sum 1 first (left as they are when the sum is below
/// `tiny(float32)`, so silence gives 0 for both).
pub fn centroid_bandwidth(magnitude: &[f32], freqs: &[f64]) -> (f64, f64) {
    let (sum, weighted) = magnitude
        .iter()
        .zip(freqs)
        .fold((0.0, 0.0), |(s, w), (&m, &f)| {
            (s + f64::from(m), w + f * f64::from(m))
        });
    let norm = if sum < TINY_F32 { 1.0 } else { sum };
    let centroid = weighted / norm;
    let spread: f64 = magnitude
        .iter()
        .zip(freqs)
        .map(|(&m, &f)| f64::from(m) * (f - centroid).powi(2))
        .sum();
    (centroid, (spread / norm).sqrt())
}

/// The lowest bin frequency at which the cumulative magnitude reaches `ROLL_PERCENT` of the
/// total (0 Hz for a silent frame, as in librosa).
pub fn rolloff(magnitude: &[f32], freqs: &[f64]) -> f64 {
    let total: f64 = magnitude.iter().map(|&m| f64::from(m)).sum();
    let threshold = ROLL_PERCENT * total;
    let mut cumulative = 0.0;
    for (&m, &f) in magnitude.iter().zip(freqs) {
        cumulative += f64::from(m);
        if cumulative >= threshold {
            return f;
        }
    }
    freqs.last().copied().unwrap_or(0.0)
}

/// Spectral flatness: geometric over arithmetic mean of the power `max(1e-10, |X|^2)`.
pub fn flatness(magnitude: &[f32]) -> f64 {
    let n = magnitude.len().max(1) as f64;
    // librosa squares in float32, then floors at amin.
    let power = |m: f32| f64::from(m * m).max(1e-10);
    let sum: f64 = magnitude.iter().map(|&m| power(m)).sum();
    // The sum of logs as logs of products of 8: each factor lies in [1e-10, ~1e7], so a
    // product of 8 stays within f64's range, and one log replaces eight.
    let log_sum: f64 = magnitude
        .chunks(8)
        .map(|c| c.iter().map(|&m| power(m)).product::<f64>().ln())
        .sum();
    (log_sum / n).exp() / (sum / n)
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
    scratch: Vec<f32>,
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
            scratch: Vec::with_capacity(n_bins),
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
            self.scratch.clear();
            self.scratch
                .extend_from_slice(&magnitude[band.start..band.end]);
            let n = self.scratch.len();
            let q = band.count;
            // Partial selection instead of librosa's full sort: only the q smallest and the q
            // largest values matter, and selecting them is O(n).
            self.scratch.select_nth_unstable_by(q - 1, f32::total_cmp);
            valley[k] = mean(&self.scratch[..q]);
            self.scratch.select_nth_unstable_by(n - q, f32::total_cmp);
            peak[k] = mean(&self.scratch[n - q..]);
        }
    }
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
