//! The resamplers: librosa's length rule, identity at equal rates, a sine's amplitude and
//! frequency through 44.1 kHz -> 22.05 kHz, and streaming equal to one-shot.

use sonority_features::{resample, ResamplerKind};
use sonority_features::{resampled_len as output_len, Resampler};

const KINDS: [ResamplerKind; 2] = [ResamplerKind::SoxrHq, ResamplerKind::Rubato];

fn sine(freq: f64, sr: u32, n: usize, amp: f64) -> Vec<f32> {
    (0..n)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(sr)).sin()) as f32
        })
        .collect()
}

fn noise(n: usize) -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5
        })
        .collect()
}

#[test]
fn length_is_ceil_of_n_times_ratio() {
    let rates = [
        8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000, 384000,
    ];
    for &from in &rates {
        for n in [0usize, 1, 2, 99, 1000, 4097, 44_101] {
            for kind in KINDS {
                let y = resample(&noise(n), from, 22050, kind).unwrap();
                let want = (n as u128 * 22050).div_ceil(u128::from(from)) as usize;
                assert_eq!(y.len(), want, "{from} Hz, n = {n}, {kind:?}");
                assert_eq!(output_len(n, from, 22050), want);
            }
        }
    }
}

#[test]
fn equal_rates_return_the_input_unchanged() {
    let x = noise(12345);
    for kind in KINDS {
        assert_eq!(resample(&x, 22050, 22050, kind).unwrap(), x);
        let mut r = Resampler::new(44100, 44100, kind).unwrap();
        let mut y = r.push(&x[..100]).unwrap().to_vec();
        y.extend_from_slice(r.push(&x[100..]).unwrap());
        y.extend_from_slice(r.finish().unwrap());
        assert_eq!(y, x);
    }
}

/// Amplitude and frequency of the best-fitting sine near `freq` (least squares on sin/cos).
fn fit(y: &[f32], sr: f64, freq: f64) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for (i, &v) in y.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq * i as f64 / sr;
        s += f64::from(v) * ph.sin();
        c += f64::from(v) * ph.cos();
    }
    2.0 * (s * s + c * c).sqrt() / y.len() as f64
}

/// Frequency from the first and last rising zero crossings (linearly interpolated).
fn frequency(y: &[f32], sr: f64) -> f64 {
    let crossings: Vec<f64> = y
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, w)| i as f64 + f64::from(w[0]) / f64::from(w[0] - w[1]))
        .collect();
    let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
    (crossings.len() - 1) as f64 * sr / (last - first)
}

#[test]
fn a_sine_keeps_its_amplitude_and_frequency() {
    let sr_in = 44100;
    for freq in [440.0, 1000.0, 5000.0, 9000.0] {
        let x = sine(freq, sr_in, 44100, 0.5);
        for kind in KINDS {
            let y = resample(&x, sr_in, 22050, kind).unwrap();
            // Leave out the edges (filter transients), then fit at the input frequency.
            let mid = &y[2000..y.len() - 2000];
            let amp = fit(mid, 22050.0, freq);
            assert!(
                (amp - 0.5).abs() < 1e-3,
                "{freq} Hz {kind:?}: amplitude {amp}"
            );
            let measured = frequency(mid, 22050.0);
            assert!(
                (measured / freq - 1.0).abs() < 1e-5,
                "{freq} Hz {kind:?}: {measured} Hz"
            );
            // Aligned in time: libsoxr and rubato compensate their delay, so the output follows
            // the input sample for sample (y[i] ~ x[2i]).
            let err = (2000..y.len() - 2000)
                .map(|i| (f64::from(y[i]) - f64::from(x[2 * i])).abs())
                .fold(0.0, f64::max);
            assert!(
                err < 5e-3,
                "{freq} Hz {kind:?}: differs from the input by {err}"
            );
        }
    }
}

#[test]
fn content_above_the_new_nyquist_is_removed() {
    let x = sine(15000.0, 44100, 44100, 0.5);
    for kind in KINDS {
        let y = resample(&x, 44100, 22050, kind).unwrap();
        let mid = &y[2000..y.len() - 2000];
        let rms =
            (mid.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
        assert!(rms < 1e-3, "{kind:?}: 15 kHz leaks through with rms {rms}");
    }
}

#[test]
fn streaming_equals_one_shot_for_any_chunking() {
    let x = noise(200_003);
    for (from, to) in [
        (44100, 22050),
        (48000, 22050),
        (8000, 22050),
        (96000, 22050),
    ] {
        for kind in KINDS {
            let whole = resample(&x, from, to, kind).unwrap();
            for chunk in [1usize, 17, 1000, 4096, 65_536, 150_000] {
                let mut r = Resampler::new(from, to, kind).unwrap();
                let mut y = Vec::new();
                for part in x.chunks(chunk) {
                    y.extend_from_slice(r.push(part).unwrap());
                }
                y.extend_from_slice(r.finish().unwrap());
                assert_eq!(y, whole, "{from}->{to} {kind:?} in chunks of {chunk}");
            }
        }
    }
}

/// Raw little-endian float32 from `fixtures/resample/`.
fn read_f32(name: &str) -> Vec<f32> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/resample")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes.len() % 4, 0, "{}", path.display());
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The README's claim: libsoxr HQ as sonority builds it gives librosa's resampled signal sample
/// for sample. `fixtures/resample/` holds an input (chirp, noise, a click, digital silence) and
/// python-soxr 1.1.0's `resample(..., quality="soxr_hq")` of it from six rates to 22050 Hz,
/// fixed to librosa's length (`scripts/gen_resample_reference.py`, exactly what
/// `librosa.resample(res_type="soxr_hq")` does). Equality is bitwise, in one piece and
/// streamed in chunks as files are decoded.
#[test]
fn soxr_hq_equals_python_soxr_sample_for_sample() {
    let input = read_f32("input.f32");
    assert_eq!(input.len(), 6_000);
    for from in [8000u32, 11025, 16000, 44100, 48000, 96000] {
        let want = read_f32(&format!("from_{from}.f32"));
        let whole = resample(&input, from, 22050, ResamplerKind::SoxrHq).unwrap();
        assert_eq!(whole.len(), want.len(), "{from} Hz: length");
        let differing = whole
            .iter()
            .zip(&want)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        let worst = whole
            .iter()
            .zip(&want)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
            .fold(0.0, f64::max);
        assert_eq!(
            differing, 0,
            "{from} Hz: {differing} samples differ from python-soxr's, by up to {worst:.3e}"
        );
        for chunk in [1usize, 1000, 4096] {
            let mut r = Resampler::new(from, 22050, ResamplerKind::SoxrHq).unwrap();
            let mut y = Vec::new();
            for part in input.chunks(chunk) {
                y.extend_from_slice(r.push(part).unwrap());
            }
            y.extend_from_slice(r.finish().unwrap());
            assert!(
                y.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits())
                    && y.len() == want.len(),
                "{from} Hz in chunks of {chunk}: differs from python-soxr's"
            );
        }
    }
}
