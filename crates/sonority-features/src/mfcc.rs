//! MFCC: the orthonormal DCT-II of the dB mel spectrogram (`librosa.feature.mfcc` defaults:
//! `dct_type=2`, `norm="ortho"`, no liftering).
//!
//! Specification: `docs/features.md#frame-features`.

/// The first `n_mfcc` rows of the orthonormal DCT-II matrix of size `n_mels`.
#[derive(Debug, Clone)]
pub struct Dct {
    n_mfcc: usize,
    /// The basis transposed (`n_mels x n_mfcc`), for [`Dct::apply`].
    transposed: Vec<f64>,
}

impl Dct {
    /// Builds the basis: `scale_k * cos(pi k (2n + 1) / (2 N))` with `scale_0 = sqrt(1/N)` and
    /// `scale_k = sqrt(2/N)` (scipy's `dct(type=2, norm="ortho")`).
    pub fn new(n_mfcc: usize, n_mels: usize) -> Self {
        let n = n_mels as f64;
        let mut basis = Vec::with_capacity(n_mfcc * n_mels);
        for k in 0..n_mfcc {
            let scale = if k == 0 {
                (1.0 / n).sqrt()
            } else {
                (2.0 / n).sqrt()
            };
            for i in 0..n_mels {
                let angle = std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n);
                basis.push(scale * angle.cos());
            }
        }
        let transposed = (0..n_mels)
            .flat_map(|i| (0..n_mfcc).map(move |k| (k, i)))
            .map(|(k, i)| basis[k * n_mels + i])
            .collect();
        Self { n_mfcc, transposed }
    }

    /// Coefficients of one column of `n_mels` dB values.
    ///
    /// Each coefficient is the sum over bands in band order (as a plain dot product), but all
    /// coefficients advance together, one band at a time, so the work is vectorised across
    /// coefficients.
    pub fn apply(&self, db: &[f64], out: &mut [f64]) {
        let n = self.n_mfcc.min(out.len());
        accumulate_bands(&self.transposed, self.n_mfcc, db, &mut out[..n]);
    }
}

crate::simd::multiversion! {
    /// `out[k] = sum_i transposed[i][k] db[i]`, band after band (rows of `n_mfcc` values).
    fn accumulate_bands(transposed: &[f64], n_mfcc: usize, db: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        let k = out.len();
        for (column, &d) in transposed.chunks_exact(n_mfcc).zip(db) {
            for (o, &b) in out.iter_mut().zip(&column[..k]) {
                *o += b * d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_input_only_has_dc() {
        let d = Dct::new(20, 128);
        let mut out = vec![0.0; 20];
        d.apply(&[-100.0; 128], &mut out);
        // librosa's MFCC 0 of silence: -100 dB * sqrt(128).
        assert!((out[0] + 1131.370849898476).abs() < 1e-9);
        assert!(out[1..].iter().all(|v| v.abs() < 1e-9));
    }

    #[test]
    fn basis_is_orthonormal() {
        let d = Dct::new(8, 8);
        for a in 0..8 {
            for b in 0..8 {
                let dot: f64 = (0..8)
                    .map(|i| d.transposed[i * 8 + a] * d.transposed[i * 8 + b])
                    .sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12);
            }
        }
    }
}
