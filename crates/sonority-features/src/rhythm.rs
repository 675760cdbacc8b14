//! Onset strength and tempo, as `librosa.onset.onset_strength` and `librosa.feature.tempo`
//! with their defaults. Written by hand: librosa's tempogram prior and framing exist in no crate.
//!
//! Specification: `docs/features.md#per-track-summary`.

use crate::stft::hann_periodic;
use realfft::{num_complex::Complex, RealFftPlanner};

/// Frames of zeros librosa puts before the onset envelope: `lag (1) + n_fft / (2 hop)`.
pub fn onset_padding(n_fft: usize, hop: usize) -> usize {
    1 + n_fft / (2 * hop)
}

/// One onset-strength value from two consecutive columns of the dB mel spectrogram: the mean
/// over bands of the positive part of the increase.
pub fn onset_value(previous_db: &[f64], current_db: &[f64]) -> f64 {
    let n = current_db.len().max(1) as f64;
    previous_db
        .iter()
        .zip(current_db)
        .map(|(&p, &c)| (c - p).max(0.0))
        .sum::<f64>()
        / n
}

/// Parameters of librosa's tempo estimate.
const START_BPM: f64 = 120.0;
const STD_BPM: f64 = 1.0;
const AC_SIZE_S: f64 = 8.0;
const MAX_TEMPO: f64 = 320.0;

/// Global tempo in beats per minute from an onset envelope sampled every `hop` samples:
/// the mean of the per-frame normalised autocorrelations over 8 s windows (librosa's
/// tempogram), weighted by a log-normal prior around 120 bpm, above 320 bpm excluded.
pub fn tempo(onset: &[f32], sr: f64, hop: usize) -> f64 {
    // time_to_frames(8.0): int(8.0 * sr) // hop.
    let win = (((AC_SIZE_S * sr) as i64) / hop as i64).max(1) as usize;
    let tg = mean_tempogram(onset, win);
    let bpm = |i: usize| {
        if i == 0 {
            f64::INFINITY
        } else {
            60.0 * sr / (hop as f64 * i as f64)
        }
    };
    let max_idx = (0..win).find(|&i| bpm(i) < MAX_TEMPO).unwrap_or(0);
    let mut best = (0usize, f64::NEG_INFINITY);
    for (i, &g) in tg.iter().enumerate() {
        let logprior = if i < max_idx {
            f64::NEG_INFINITY
        } else {
            -0.5 * ((bpm(i).log2() - START_BPM.log2()) / STD_BPM).powi(2)
        };
        let score = (1e6 * g).ln_1p() + logprior;
        if score > best.1 {
            best = (i, score);
        }
    }
    bpm(best.0)
}

/// librosa's tempogram (hann-windowed autocorrelation of `win` onset frames centred on each
/// frame, the envelope padded by linear ramps to 0, each frame scaled by its maximum),
/// averaged over frames.
fn mean_tempogram(onset: &[f32], win: usize) -> Vec<f64> {
    let n = onset.len();
    let half = win / 2;
    let first = onset.first().map_or(0.0, |&v| f64::from(v));
    let last = onset.last().map_or(0.0, |&v| f64::from(v));
    // np.pad(mode="linear_ramp", end_values=0): a ramp from 0 towards the edge value.
    let padded: Vec<f64> = (0..n + 2 * half)
        .map(|j| {
            if j < half {
                j as f64 * (first / half as f64)
            } else if j < half + n {
                f64::from(onset[j - half])
            } else {
                let k = j - half - n; // 0 next to the signal
                (half - 1 - k) as f64 * (last / half as f64)
            }
        })
        .collect();
    let window = hann_periodic(win);
    let n_fft = fast_fft_len(2 * win - 1);
    let mut planner = RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(n_fft);
    let inverse = planner.plan_fft_inverse(n_fft);
    let mut input = forward.make_input_vec();
    let mut spectrum = forward.make_output_vec();
    let mut output = inverse.make_output_vec();
    let mut forward_scratch = forward.make_scratch_vec();
    let mut inverse_scratch = inverse.make_scratch_vec();
    // The inverse transform's 1 / n_fft (as scipy's irfft applies it); each frame is scaled by
    // its own maximum afterwards, so this only matters for librosa's threshold on tiny frames.
    let scale = 1.0 / n_fft as f64;
    let mut sum = vec![0.0; win];
    for t in 0..n {
        window_into(&padded[t..t + win], &window, &mut input);
        if forward
            .process_with_scratch(&mut input, &mut spectrum, &mut forward_scratch)
            .is_err()
        {
            continue; // lengths come from the plans: cannot happen
        }
        power_scaled(&mut spectrum, scale);
        if inverse
            .process_with_scratch(&mut spectrum, &mut output, &mut inverse_scratch)
            .is_err()
        {
            continue;
        }
        add_normalized(&mut sum, &output[..win]);
    }
    let count = n.max(1) as f64;
    sum.iter().map(|&s| s / count).collect()
}

/// The FFT length for an autocorrelation of `min_len` values without wrap-around: the smaller
/// of the next power of two and the next `3 * 2^k` (any length at least `min_len` gives the
/// same autocorrelation; these two are the fastest here: 768 points take 25% less time than
/// 1024 for librosa's default 8-second window).
fn fast_fft_len(min_len: usize) -> usize {
    let power_of_two = min_len.next_power_of_two();
    let three_times = 3 * min_len.div_ceil(3).next_power_of_two();
    power_of_two.min(three_times)
}

crate::simd::multiversion! {
    /// `input = frame * window`, zero-padded to the FFT length.
    fn window_into(frame: &[f64], window: &[f64], input: &mut [f64]) {
        let (head, tail) = input.split_at_mut(frame.len().min(input.len()));
        for ((x, &v), &w) in head.iter_mut().zip(frame).zip(window) {
            *x = v * w;
        }
        tail.iter_mut().for_each(|x| *x = 0.0);
    }
}

crate::simd::multiversion! {
    /// `|X|^2 * scale` of each bin, as a complex number with zero imaginary part.
    fn power_scaled(spectrum: &mut [Complex<f64>], scale: f64) {
        for c in spectrum.iter_mut() {
            *c = Complex::new((c.re * c.re + c.im * c.im) * scale, 0.0);
        }
    }
}

crate::simd::multiversion! {
    /// `sum += ac / max|ac|` (left unscaled when the maximum is below the smallest normal
    /// f64, as librosa's `normalize`). The maximum is taken over eight lanes: the same value
    /// as a sequential maximum, without its chain of dependent comparisons.
    fn add_normalized(sum: &mut [f64], ac: &[f64]) {
        let mut lanes = [0.0f64; 8];
        let chunks = ac.chunks_exact(8);
        for (i, &v) in chunks.remainder().iter().enumerate() {
            lanes[i] = v.abs();
        }
        for c in chunks {
            for l in 0..8 {
                let a = c[l].abs();
                lanes[l] = if a > lanes[l] { a } else { lanes[l] };
            }
        }
        let max = lanes.iter().fold(0.0f64, |m, &v| if v > m { v } else { m });
        let scale = if max < f64::MIN_POSITIVE { 1.0 } else { max };
        for (s, &v) in sum.iter_mut().zip(ac) {
            *s += v / scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_gives_the_prior_peak() {
        let bpm = tempo(&[0.0; 500], 22050.0, 512);
        assert!((bpm - 117.45383522727273).abs() < 1e-9, "{bpm}");
    }

    #[test]
    fn periodic_onsets_give_their_tempo() {
        // An impulse every 21 frames: 2583.98 / 21 = 123.05 bpm.
        let env: Vec<f32> = (0..2000)
            .map(|i| if i % 21 == 0 { 1.0 } else { 0.0 })
            .collect();
        let bpm = tempo(&env, 22050.0, 512);
        assert!(
            (bpm - 60.0 * 22050.0 / (512.0 * 21.0)).abs() < 1e-9,
            "{bpm}"
        );
    }

    #[test]
    fn fft_lengths_are_fast_and_long_enough() {
        assert_eq!(fast_fft_len(687), 768);
        assert_eq!(fast_fft_len(1000), 1024);
        assert_eq!(fast_fft_len(1), 1);
        for m in 1..3000 {
            let n = fast_fft_len(m);
            assert!(n >= m && n < 2 * m.max(1) + 2, "{m} -> {n}");
        }
    }

    #[test]
    fn onset_value_keeps_increases_only() {
        assert_eq!(onset_value(&[0.0, 5.0], &[2.0, 1.0]), 1.0);
    }
}
