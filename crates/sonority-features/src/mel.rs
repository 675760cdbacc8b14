//! The mel filter bank (Slaney mel scale, Slaney area normalisation, 0 Hz to sr/2), as
//! `librosa.filters.mel` with its defaults, applied to power frames.
//!
//! The weights come from the `mel_filter` crate in f64 (it matches librosa to 1e-15) and are
//! rounded the way librosa stores them (float32). They are kept sparse: each band touches only
//! the bins between its neighbours' centres.
//!
//! Specification: `docs/features.md#frame-features`.

use mel_filter::NormalizationFactor;

/// One band: its first bin and its non-zero weights.
#[derive(Debug, Clone)]
struct Band {
    start: usize,
    weights: Vec<f64>,
}

/// A sparse mel filter bank.
#[derive(Debug, Clone)]
pub struct MelFilters {
    bands: Vec<Band>,
}

impl MelFilters {
    /// librosa's `filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)`.
    pub fn new(sr: u32, n_fft: usize, n_mels: usize) -> Self {
        let dense: Vec<Vec<f64>> = mel_filter::mel::<f64>(
            sr as usize,
            n_fft,
            Some(n_mels),
            None,
            None,
            false,
            NormalizationFactor::One,
        );
        let bands = dense
            .into_iter()
            .map(|row| {
                // librosa stores the weights as float32 (it rounds the triangle, then the
                // scaled value; rounding once here differs from that by at most one f32 ulp).
                let start = row.iter().position(|&w| w > 0.0).unwrap_or(0);
                let end = row.iter().rposition(|&w| w > 0.0).map_or(start, |e| e + 1);
                let weights = row[start..end]
                    .iter()
                    .map(|&w| f64::from(w as f32))
                    .collect();
                Band { start, weights }
            })
            .collect();
        Self { bands }
    }

    #[cfg(test)]
    /// Number of bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    #[cfg(test)]
    /// Mel power of one power frame.
    pub fn apply(&self, power: &[f32], out: &mut [f64]) {
        let wide: Vec<f64> = power.iter().map(|&p| f64::from(p)).collect();
        self.apply_f64(&wide, out);
    }

    /// [`MelFilters::apply`] for a power frame already widened to f64.
    pub fn apply_f64(&self, power: &[f64], out: &mut [f64]) {
        apply_bands(&self.bands, power, out);
    }
}

crate::simd::multiversion! {
    /// Each band's weighted sum of `power`.
    fn apply_bands(bands: &[Band], power: &[f64], out: &mut [f64]) {
        for (band, o) in bands.iter().zip(out.iter_mut()) {
            let p = &power[band.start.min(power.len())..];
            let n = band.weights.len().min(p.len());
            // Four partial sums: the bands are short, but a single running sum would still
            // be a chain of dependent additions.
            let mut acc = [0.0f64; 4];
            let (w4, p4) = (band.weights[..n].chunks_exact(4), p[..n].chunks_exact(4));
            let (wr, pr) = (w4.remainder(), p4.remainder());
            for (w, p) in w4.zip(p4) {
                for l in 0..4 {
                    acc[l] += w[l] * p[l];
                }
            }
            for (l, (&w, &p)) in wr.iter().zip(pr).enumerate() {
                acc[l] += w * p;
            }
            *o = (acc[0] + acc[2]) + (acc[1] + acc[3]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_the_spectrum_in_order() {
        let m = MelFilters::new(22050, 2048, 128);
        assert_eq!(m.n_mels(), 128);
        let starts: Vec<usize> = m.bands.iter().map(|b| b.start).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
        // The top band reaches close to Nyquist.
        let last = &m.bands[127];
        assert!(last.start + last.weights.len() > 1000);
    }

    #[test]
    fn flat_spectrum_gives_positive_bands() {
        let m = MelFilters::new(22050, 2048, 128);
        let p = vec![1.0f32; 1025];
        let mut out = vec![0.0; 128];
        m.apply(&p, &mut out);
        assert!(out.iter().all(|&v| v > 0.0));
    }
}
