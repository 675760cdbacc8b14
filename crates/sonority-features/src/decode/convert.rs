//! Sample conversion to f32 and the mono downmix, both done the way librosa's loader does them.
//!
//! * Integers are scaled as libsndfile scales them when soundfile reads float32: a signed
//!   `b`-bit sample is divided by 2^(b-1) (i16 / 32768, i24 / 2^23, i32 / 2^31), an unsigned one
//!   is centred first ((u8 - 128) / 128). Dividing by a power of two is exact in f32, so this
//!   equals libsndfile's multiplication by 1/2^(b-1). symphonia's decoders store 24-bit FLAC and
//!   ALAC samples shifted to the top of an i32, which the same rule turns into x / 2^23.
//! * f64 samples are rounded to f32 (libsndfile casts them).
//! * The downmix is numpy's `np.mean(y, axis=0)` on librosa's (channels, frames) array whose
//!   channel axis is the contiguous one (soundfile returns interleaved frames, transposed): numpy
//!   then sums each frame's channels with its pairwise summation in f32 (plain left-to-right
//!   below 8 channels, eight partial sums from 8 channels on), and divides by the count in f32.
//!   Written by hand: no crate reproduces numpy's summation order.

use symphonia::core::audio::sample::{i24, u24};
use symphonia::core::audio::{Audio, AudioBuffer, GenericAudioBufferRef};

/// numpy's block size for pairwise summation (`PW_BLOCKSIZE` in numpy's loops_utils.h).
const PW_BLOCKSIZE: usize = 128;

/// A little-endian sample layout of uncompressed WAV data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleKind {
    /// 8-bit unsigned integer.
    U8,
    /// 16-bit signed integer.
    S16,
    /// 24-bit signed integer in 3 bytes.
    S24,
    /// 32-bit signed integer.
    S32,
    /// IEEE float.
    F32,
    /// IEEE double.
    F64,
}

impl SampleKind {
    /// Bytes per sample.
    pub(crate) fn bytes(self) -> usize {
        match self {
            SampleKind::U8 => 1,
            SampleKind::S16 => 2,
            SampleKind::S24 => 3,
            SampleKind::S32 | SampleKind::F32 => 4,
            SampleKind::F64 => 8,
        }
    }

    /// One sample (exactly `self.bytes()` bytes) as f32, scaled as libsndfile scales it.
    fn to_f32(self, b: &[u8]) -> f32 {
        let byte = |i: usize| b.get(i).copied().unwrap_or(0);
        match self {
            SampleKind::U8 => (f32::from(byte(0)) - 128.0) / 128.0,
            SampleKind::S16 => f32::from(i16::from_le_bytes([byte(0), byte(1)])) / 32768.0,
            SampleKind::S24 => {
                // Sign-extend by placing the 3 bytes at the top of an i32.
                let v = i32::from_le_bytes([0, byte(0), byte(1), byte(2)]) >> 8;
                v as f32 / 8_388_608.0
            }
            SampleKind::S32 => {
                i32::from_le_bytes([byte(0), byte(1), byte(2), byte(3)]) as f32 / 2_147_483_648.0
            }
            SampleKind::F32 => f32::from_le_bytes([byte(0), byte(1), byte(2), byte(3)]),
            SampleKind::F64 => {
                let a = [
                    byte(0),
                    byte(1),
                    byte(2),
                    byte(3),
                    byte(4),
                    byte(5),
                    byte(6),
                    byte(7),
                ];
                f64::from_le_bytes(a) as f32
            }
        }
    }
}

/// Reusable per-channel f32 buffers.
#[derive(Debug, Default)]
pub(crate) struct Planes {
    planes: Vec<Vec<f32>>,
    frames: usize,
}

impl Planes {
    /// Converts every channel of `buf` to f32 with libsndfile's scaling.
    pub(crate) fn fill(&mut self, buf: &GenericAudioBufferRef<'_>) {
        match buf {
            GenericAudioBufferRef::U8(b) => self.fill_with(b, |x| (f32::from(x) - 128.0) / 128.0),
            GenericAudioBufferRef::U16(b) => {
                self.fill_with(b, |x| (i32::from(x) - 32768) as f32 / 32768.0)
            }
            GenericAudioBufferRef::U24(b) => self.fill_with(b, |x: u24| {
                (x.inner() as i32 - (1 << 23)) as f32 / 8_388_608.0
            }),
            GenericAudioBufferRef::U32(b) => {
                self.fill_with(b, |x| (i64::from(x) - (1 << 31)) as f32 / 2_147_483_648.0)
            }
            GenericAudioBufferRef::S8(b) => self.fill_with(b, |x| f32::from(x) / 128.0),
            GenericAudioBufferRef::S16(b) => self.fill_with(b, |x| f32::from(x) / 32768.0),
            GenericAudioBufferRef::S24(b) => {
                self.fill_with(b, |x: i24| x.inner() as f32 / 8_388_608.0)
            }
            GenericAudioBufferRef::S32(b) => self.fill_with(b, |x| x as f32 / 2_147_483_648.0),
            GenericAudioBufferRef::F32(b) => self.fill_with(b, |x| x),
            GenericAudioBufferRef::F64(b) => self.fill_with(b, |x| x as f32),
        }
    }

    fn fill_with<S, F>(&mut self, buf: &AudioBuffer<S>, convert: F)
    where
        S: symphonia::core::audio::sample::Sample,
        F: Fn(S) -> f32,
    {
        let channels = buf.num_planes();
        self.frames = buf.frames();
        self.planes.resize_with(channels, Vec::new);
        self.planes.truncate(channels);
        for (ch, plane) in self.planes.iter_mut().enumerate() {
            plane.clear();
            if let Some(src) = buf.plane(ch) {
                plane.extend(src.iter().take(self.frames).map(|&x| convert(x)));
            }
            // A plane shorter than the frame count (never seen) is padded with silence.
            plane.resize(self.frames, 0.0);
        }
    }

    /// Converts interleaved little-endian samples (whole frames) with libsndfile's scaling.
    pub(crate) fn fill_interleaved(&mut self, bytes: &[u8], channels: usize, kind: SampleKind) {
        let width = kind.bytes();
        let frame_len = channels * width;
        self.frames = bytes.len().checked_div(frame_len).unwrap_or(0);
        self.planes.resize_with(channels, Vec::new);
        self.planes.truncate(channels);
        for (ch, plane) in self.planes.iter_mut().enumerate() {
            plane.clear();
            plane.extend(
                bytes
                    .chunks_exact(frame_len)
                    .map(|frame| kind.to_f32(&frame[ch * width..(ch + 1) * width])),
            );
        }
    }

    /// Number of channels of the last buffer.
    pub(crate) fn channels(&self) -> usize {
        self.planes.len()
    }

    /// Number of frames of the last buffer.
    pub(crate) fn frames(&self) -> usize {
        self.frames
    }

    /// Appends the mono downmix of the last buffer to `out`.
    pub(crate) fn append_mono(&self, out: &mut Vec<f32>) {
        downmix(&self.planes, self.frames, out);
    }
}

/// Appends `np.mean(planes, axis=0)` (in numpy's summation order, see the module doc) to `out`.
pub(crate) fn downmix(planes: &[Vec<f32>], frames: usize, out: &mut Vec<f32>) {
    let start = out.len();
    match planes {
        [] => out.resize(start + frames, 0.0),
        [mono] => out.extend_from_slice(&mono[..frames.min(mono.len())]),
        _ if planes.len() < 8 => {
            // Left to right from 0.0, one channel at a time (vectorises well).
            out.resize(start + frames, 0.0);
            let acc = &mut out[start..];
            for plane in planes {
                for (a, &x) in acc.iter_mut().zip(plane) {
                    *a += x;
                }
            }
            let count = planes.len() as f32;
            acc.iter_mut().for_each(|a| *a /= count);
        }
        _ => {
            let count = planes.len() as f32;
            let mut frame = vec![0.0f32; planes.len()];
            out.reserve(frames);
            for i in 0..frames {
                for (v, plane) in frame.iter_mut().zip(planes) {
                    *v = plane.get(i).copied().unwrap_or(0.0);
                }
                out.push(numpy_pairwise_sum(&frame) / count);
            }
        }
    }
}

/// numpy's pairwise summation of float32 values (`pairwise_sum` in numpy's loops_utils.h),
/// reproduced operation for operation so the rounding is the same.
pub(crate) fn numpy_pairwise_sum(a: &[f32]) -> f32 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0f32, |res, &x| res + x)
    } else if n <= PW_BLOCKSIZE {
        let (blocks, rest) = a.split_at(n - n % 8);
        let mut chunks = blocks.chunks_exact(8);
        let mut r = [0.0f32; 8];
        if let Some(first) = chunks.next() {
            r.copy_from_slice(first);
        }
        for chunk in chunks {
            for (acc, &x) in r.iter_mut().zip(chunk) {
                *acc += x;
            }
        }
        let [r0, r1, r2, r3, r4, r5, r6, r7] = r;
        let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
        rest.iter().fold(res, |res, &x| res + x)
    } else {
        let half = n / 2;
        let split = half - half % 8;
        numpy_pairwise_sum(&a[..split]) + numpy_pairwise_sum(&a[split..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mono(planes: &[Vec<f32>]) -> Vec<f32> {
        let mut out = Vec::new();
        downmix(planes, planes[0].len(), &mut out);
        out
    }

    #[test]
    fn mono_passes_through() {
        let x = vec![0.1, -0.2, 0.3];
        assert_eq!(mono(std::slice::from_ref(&x)), x);
    }

    #[test]
    fn stereo_is_the_f32_mean() {
        let l = vec![1.0f32, 0.1, -0.5];
        let r = vec![0.0f32, 0.2, 0.25];
        let m = mono(&[l.clone(), r.clone()]);
        for i in 0..3 {
            assert_eq!(m[i], (l[i] + r[i]) / 2.0);
        }
    }

    #[test]
    fn few_channels_sum_left_to_right() {
        // 1e8 + 1 - 1e8 in f32 depends on the order: left to right gives 0, not 1.
        let planes = vec![vec![1.0e8f32], vec![1.0], vec![-1.0e8]];
        assert_eq!(mono(&planes), vec![0.0]);
    }

    #[test]
    fn eight_or_more_channels_use_numpy_pairwise_order() {
        // numpy adds eight channels as ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)):
        // here (1e8 + 1) + (-1e8 + 1) = 0 in f32, then + 4; left to right would give 5.
        let values = [1.0e8f32, 1.0, -1.0e8, 1.0, 1.0, 1.0, 1.0, 1.0];
        let sequential = values.iter().fold(0.0f32, |a, &x| a + x);
        assert_eq!(sequential, 5.0);
        assert_eq!(numpy_pairwise_sum(&values), 4.0);
        let planes: Vec<Vec<f32>> = values.iter().map(|&v| vec![v]).collect();
        assert_eq!(mono(&planes), vec![4.0 / 8.0]);
    }

    #[test]
    fn pairwise_sum_recurses_above_the_block_size() {
        let values: Vec<f32> = (0..300).map(|i| (i as f32 * 0.37).sin()).collect();
        let (a, b) = values.split_at(144); // n/2 = 150, rounded down to a multiple of 8
        assert_eq!(
            numpy_pairwise_sum(&values),
            numpy_pairwise_sum(a) + numpy_pairwise_sum(b)
        );
        let exact: f64 = values.iter().map(|&v| f64::from(v)).sum();
        assert!((f64::from(numpy_pairwise_sum(&values)) - exact).abs() < 1e-4);
    }

    #[test]
    fn integer_scaling_matches_libsndfile() {
        use symphonia::core::audio::{AudioMut, AudioSpec, Channels};
        let spec = AudioSpec::new(44100, Channels::Discrete(1));
        let mut buf = AudioBuffer::<i16>::new(spec.clone(), 3);
        buf.render_uninit(Some(3));
        if let Some(p) = buf.plane_mut(0) {
            p.copy_from_slice(&[i16::MIN, 0, i16::MAX]);
        }
        let mut planes = Planes::default();
        planes.fill(&GenericAudioBufferRef::S16(&buf));
        let mut out = Vec::new();
        planes.append_mono(&mut out);
        assert_eq!(out, vec![-1.0, 0.0, 32767.0 / 32768.0]);

        let mut buf = AudioBuffer::<u8>::new(spec, 3);
        buf.render_uninit(Some(3));
        if let Some(p) = buf.plane_mut(0) {
            p.copy_from_slice(&[0, 128, 255]);
        }
        planes.fill(&GenericAudioBufferRef::U8(&buf));
        out.clear();
        planes.append_mono(&mut out);
        assert_eq!(out, vec![-1.0, 0.0, 127.0 / 128.0]);
    }
}
