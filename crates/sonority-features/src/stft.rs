//! Framing and the short-time Fourier transform, as `librosa.stft` with its defaults:
//! periodic Hann window, `center=True` with zero padding of `n_fft / 2` on each side.
//!
//! librosa multiplies the float32 frame by a float64 window, transforms in float64 and stores
//! the result as complex64; we transform in f64 and round the magnitude to f32 the same way, so
//! our spectra agree with librosa's to the last bit in most bins.
//!
//! Specification: `docs/features.md#short-time-fourier-transform`.

use realfft::{num_complex::Complex, RealFftPlanner, RealToComplex};
use std::sync::Arc;

#[cfg(test)]
/// Number of frames of a centred analysis: `1 + n_samples / hop` (librosa's framing of a signal
/// padded by `n_fft / 2` on both sides).
pub fn frame_count(n_samples: usize, hop: usize) -> usize {
    1 + n_samples / hop
}

#[cfg(test)]
/// How the signal is extended beyond its ends when a centred frame reaches past them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Zeros (librosa's `pad_mode="constant"`: STFT and RMS).
    Zero,
    /// The first or last sample repeated (`np.pad(mode="edge")`: zero-crossing rate).
    Edge,
}

#[cfg(test)]
/// Copies the centred frame `t` of `signal` (frame length `out.len()`, hop `hop`) into `out`,
/// padding past the ends as `padding` says.
pub fn centered_frame(signal: &[f32], t: usize, hop: usize, padding: Padding, out: &mut [f32]) {
    let n = signal.len() as isize;
    let start = (t * hop) as isize - (out.len() / 2) as isize;
    for (i, o) in out.iter_mut().enumerate() {
        let j = start + i as isize;
        *o = if (0..n).contains(&j) {
            signal[j as usize]
        } else {
            match padding {
                Padding::Zero => 0.0,
                Padding::Edge if n == 0 => 0.0,
                Padding::Edge if j < 0 => signal[0],
                Padding::Edge => signal[(n - 1) as usize],
            }
        };
    }
}

/// The periodic Hann window of length `n`: `0.5 - 0.5 cos(2 pi k / n)` (scipy's
/// `get_window("hann", n, fftbins=True)`).
pub fn hann_periodic(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos())
        .collect()
}

/// Centre frequency of every FFT bin: `k * sr / n_fft` for `k` in `0..=n_fft/2`.
pub fn fft_frequencies(sr: f64, n_fft: usize) -> Vec<f64> {
    (0..=n_fft / 2)
        .map(|k| k as f64 * sr / n_fft as f64)
        .collect()
}

/// A reusable magnitude-spectrum computer for one frame size.
pub struct Stft {
    window: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
    input: Vec<f64>,
    output: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

impl Stft {
    /// Plans an FFT of `n_fft` points.
    pub fn new(n_fft: usize) -> Self {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
        let input = fft.make_input_vec();
        let output = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        Self {
            window: hann_periodic(n_fft),
            fft,
            input,
            output,
            scratch,
        }
    }

    /// Writes the magnitude spectrum `|X|` (rounded to f32, as librosa stores it) of one
    /// zero-padded frame of `n_fft` samples into `magnitude` (`n_fft / 2 + 1` values).
    pub fn magnitude_of_frame(&mut self, frame: &[f32], magnitude: &mut [f32]) {
        window_into(frame, &self.window, &mut self.input);
        // Lengths come from the plan itself, so processing cannot fail.
        let ok =
            self.fft
                .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch);
        debug_assert!(ok.is_ok());
        magnitudes(&self.output, magnitude);
    }
}

crate::simd::multiversion! {
    /// `input = frame * window` in f64.
    fn window_into(frame: &[f32], window: &[f64], input: &mut [f64]) {
        for ((x, &s), &w) in input.iter_mut().zip(frame).zip(window) {
            *x = f64::from(s) * w;
        }
    }
}

crate::simd::multiversion! {
    /// `|X|` of each bin, rounded to f32.
    fn magnitudes(spectrum: &[Complex<f64>], magnitude: &mut [f32]) {
        for (m, c) in magnitude.iter_mut().zip(spectrum) {
            // librosa casts the complex128 result to complex64, then takes abs in float32.
            // The squares of f32 values are exact in f64 and cannot overflow, so sqrt of their
            // sum rounded to f32 equals a correctly rounded hypot (and is 5x faster than libm's).
            let re = f64::from(c.re as f32);
            let im = f64::from(c.im as f32);
            *m = (re * re + im * im).sqrt() as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_matches_librosa() {
        assert_eq!(frame_count(0, 512), 1);
        assert_eq!(frame_count(511, 512), 1);
        assert_eq!(frame_count(512, 512), 2);
        assert_eq!(frame_count(22050, 512), 44);
    }

    #[test]
    fn centered_frame_pads_both_ways() {
        let s = [1.0, 2.0, 3.0];
        let mut out = [0.0; 4];
        centered_frame(&s, 0, 2, Padding::Zero, &mut out);
        assert_eq!(out, [0.0, 0.0, 1.0, 2.0]);
        centered_frame(&s, 0, 2, Padding::Edge, &mut out);
        assert_eq!(out, [1.0, 1.0, 1.0, 2.0]);
        centered_frame(&s, 1, 2, Padding::Edge, &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn sine_peaks_in_its_bin() {
        let sr = 22050.0;
        let f = 100.0 * sr / 2048.0; // exactly bin 100
        let s: Vec<f32> = (0..8192)
            .map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / sr).sin() as f32)
            .collect();
        let mut stft = Stft::new(2048);
        let mut frame = vec![0.0; 2048];
        centered_frame(&s, 8, 512, Padding::Zero, &mut frame);
        let mut mag = vec![0.0; 1025];
        stft.magnitude_of_frame(&frame, &mut mag);
        let argmax = mag
            .iter()
            .enumerate()
            .fold((0, 0.0f32), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
            .0;
        assert_eq!(argmax, 100);
        // A unit sine through a Hann window of N points peaks at N/4.
        assert!((mag[100] - 512.0).abs() < 0.01, "{}", mag[100]);
    }
}
