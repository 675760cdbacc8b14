//! Resampling a mono signal to the analysis rate.
//!
//! The default, [`ResamplerKind::SoxrHq`], is librosa's: `soxr.resample(y, sr, target,
//! quality="soxr_hq")` from python-soxr (libsoxr 0.1.3, "HQ" = 20-bit precision, one thread),
//! followed by `librosa.util.fix_length` to `ceil(n * to / from)` samples. The libsoxr calls are
//! those of python-soxr's `csoxr_divide_proc`: float32 in and out, input fed in blocks of
//! `max(1000, 48000 * from / to)` samples, then one flush. [`ResamplerKind::Rubato`] is
//! rubato's synchronous FFT resampler, kept for comparison.
//!
//! [`Resampler`] works on a stream ([`Resampler::push`] then [`Resampler::finish`]);
//! [`resample`] is the one-shot form and gives the same samples.
//!
//! Specification: `docs/features.md#signal`.

use crate::config::ResamplerKind;
use crate::error::{FeatureError, Result};

/// The number of samples librosa keeps: `ceil(n * to_hz / from_hz)` (`fix_length` after
/// `resample`). Computed in integers; equal to librosa's float computation for every rate pair
/// in use (checked for n up to 2,000,000 and the rates 8 kHz to 384 kHz).
pub fn output_len(n: usize, from_hz: u32, to_hz: u32) -> usize {
    if from_hz == 0 {
        return 0;
    }
    let num = n as u128 * u128::from(to_hz);
    let len = num.div_ceil(u128::from(from_hz));
    usize::try_from(len).unwrap_or(usize::MAX)
}

/// Resamples `samples` from `from_hz` to `to_hz`; the result has exactly
/// `ceil(len * to_hz / from_hz)` samples (librosa's `fix_length`). Equal rates return a copy.
pub fn resample(
    samples: &[f32],
    from_hz: u32,
    to_hz: u32,
    kind: ResamplerKind,
) -> Result<Vec<f32>> {
    if from_hz == to_hz && from_hz > 0 {
        return Ok(samples.to_vec());
    }
    let mut resampler = Resampler::new(from_hz, to_hz, kind)?;
    let mut out = Vec::with_capacity(output_len(samples.len(), from_hz, to_hz));
    out.extend_from_slice(resampler.push(samples)?);
    out.extend_from_slice(resampler.finish()?);
    Ok(out)
}

/// A streaming resampler for one mono signal.
///
/// Push the input in chunks of any size; each [`push`](Resampler::push) returns the output that
/// became available, and [`finish`](Resampler::finish) the rest. The concatenated output is the
/// same, sample for sample, whatever the chunking, and has `ceil(n * to / from)` samples for `n`
/// input samples in all. Equal rates pass the input through unchanged.
pub struct Resampler {
    engine: Engine,
    from_hz: u32,
    to_hz: u32,
    /// Input samples pushed so far.
    consumed: usize,
    /// Output samples handed out so far.
    produced: usize,
    /// Output made by the engine but not yet handed out (it would exceed the final length).
    held: Vec<f32>,
    /// The output of the last call.
    out: Vec<f32>,
    finished: bool,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("from_hz", &self.from_hz)
            .field("to_hz", &self.to_hz)
            .field("consumed", &self.consumed)
            .field("produced", &self.produced)
            .finish_non_exhaustive()
    }
}

enum Engine {
    Identity,
    Soxr(soxr::Soxr),
    Rubato(Box<rubato_stream::RubatoStream>),
}

impl Resampler {
    /// A resampler from `from_hz` to `to_hz` of the given kind.
    ///
    /// Errors: [`FeatureError::Resample`] when a rate is 0 or the engine cannot be created.
    pub fn new(from_hz: u32, to_hz: u32, kind: ResamplerKind) -> Result<Self> {
        if from_hz == 0 || to_hz == 0 {
            return Err(FeatureError::Resample {
                from_hz,
                to_hz,
                reason: "sample rates must be positive".to_string(),
            });
        }
        let engine = if from_hz == to_hz {
            Engine::Identity
        } else {
            let made = match kind {
                ResamplerKind::SoxrHq => soxr::Soxr::new(from_hz, to_hz).map(Engine::Soxr),
                ResamplerKind::Rubato => rubato_stream::RubatoStream::new(from_hz, to_hz)
                    .map(|r| Engine::Rubato(Box::new(r))),
            };
            made.map_err(|reason| FeatureError::Resample {
                from_hz,
                to_hz,
                reason,
            })?
        };
        Ok(Resampler {
            engine,
            from_hz,
            to_hz,
            consumed: 0,
            produced: 0,
            held: Vec::new(),
            out: Vec::new(),
            finished: false,
        })
    }

    /// Feeds `input` and returns the output that is ready (possibly none).
    pub fn push(&mut self, input: &[f32]) -> Result<&[f32]> {
        if self.finished {
            return Err(self.error("push after finish".to_string()));
        }
        self.consumed += input.len();
        let mut made = std::mem::take(&mut self.held);
        match &mut self.engine {
            Engine::Identity => made.extend_from_slice(input),
            Engine::Soxr(s) => s.process(input, &mut made).map_err(|r| self.error(r))?,
            Engine::Rubato(r) => r.process(input, &mut made).map_err(|e| self.error(e))?,
        }
        // Never hand out more than the final length can be (it only grows with the input).
        let allowed = output_len(self.consumed, self.from_hz, self.to_hz) - self.produced;
        let ready = made.len().min(allowed);
        self.held = made.split_off(ready);
        self.produced += ready;
        self.out = made;
        Ok(&self.out)
    }

    /// Flushes the engine and returns the last samples, so that the whole output has exactly
    /// `ceil(n * to / from)` samples (zero-padded or trimmed like librosa's `fix_length`).
    pub fn finish(&mut self) -> Result<&[f32]> {
        if self.finished {
            self.out.clear();
            return Ok(&self.out);
        }
        self.finished = true;
        let mut made = std::mem::take(&mut self.held);
        let total = output_len(self.consumed, self.from_hz, self.to_hz);
        match &mut self.engine {
            Engine::Identity => {}
            Engine::Soxr(s) => s.flush(&mut made).map_err(|r| self.error(r))?,
            Engine::Rubato(r) => r.flush(total, &mut made).map_err(|e| self.error(e))?,
        }
        made.resize(total - self.produced, 0.0);
        self.produced = total;
        self.out = made;
        Ok(&self.out)
    }

    fn error(&self, reason: String) -> FeatureError {
        FeatureError::Resample {
            from_hz: self.from_hz,
            to_hz: self.to_hz,
            reason,
        }
    }
}

/// A safe wrapper around one libsoxr resampler (the FFI of `soxr-sys`).
mod soxr {
    use sonority_soxr_sys as ffi;
    use std::ffi::CStr;
    use std::ptr::NonNull;

    /// `SOXR_HQ` of soxr.h (= `SOXR_20_BITQ`); `soxr-sys` does not export it.
    const SOXR_HQ: std::os::raw::c_ulong = 4;

    /// One mono float32 libsoxr stream at "HQ" quality.
    ///
    /// Safety: `ptr` comes from a successful `soxr_create`, is used only through `&mut self`
    /// (libsoxr objects are not thread-safe but carry no thread affinity, so moving one between
    /// threads is fine: hence `Send`), and is freed exactly once, in `Drop`.
    pub(super) struct Soxr {
        ptr: NonNull<ffi::soxr>,
        /// python-soxr's block length: `max(1000, 48000 * from / to)` input samples.
        block_len: usize,
        /// Input waiting for a full block.
        pending: Vec<f32>,
        ratio: f64,
    }

    // SAFETY: see the type's documentation; the resampler is only touched through `&mut self`.
    unsafe impl Send for Soxr {}

    impl Soxr {
        pub(super) fn new(from_hz: u32, to_hz: u32) -> Result<Self, String> {
            let (from, to) = (f64::from(from_hz), f64::from(to_hz));
            let mut error: ffi::soxr_error_t = std::ptr::null();
            // SAFETY: the spec constructors only fill plain structs; soxr_create reads the
            // three specs during the call and reports failure through `error` (a static C
            // string) and a null return.
            let ptr = unsafe {
                let io = ffi::soxr_io_spec(
                    ffi::soxr_datatype_t_SOXR_FLOAT32_I,
                    ffi::soxr_datatype_t_SOXR_FLOAT32_I,
                );
                let quality = ffi::soxr_quality_spec(SOXR_HQ, 0);
                let runtime = ffi::soxr_runtime_spec(1);
                ffi::soxr_create(from, to, 1, &mut error, &io, &quality, &runtime)
            };
            if let Some(message) = error_text(error) {
                if let Some(p) = NonNull::new(ptr) {
                    // SAFETY: a non-null pointer from soxr_create, not used afterwards.
                    unsafe { ffi::soxr_delete(p.as_ptr()) };
                }
                return Err(message);
            }
            let ptr = NonNull::new(ptr).ok_or_else(|| "soxr_create returned null".to_string())?;
            // `size_t div_len = std::max(1000., 48000 * in_rate / out_rate)` in python-soxr.
            let block_len = (48000.0 * from / to).max(1000.0) as usize;
            Ok(Soxr {
                ptr,
                block_len,
                pending: Vec::new(),
                ratio: to / from,
            })
        }

        /// Feeds `input`, processing it in python-soxr's blocks; appends the output to `out`.
        pub(super) fn process(
            &mut self,
            mut input: &[f32],
            out: &mut Vec<f32>,
        ) -> Result<(), String> {
            if !self.pending.is_empty() {
                let take = (self.block_len - self.pending.len()).min(input.len());
                self.pending.extend_from_slice(&input[..take]);
                input = &input[take..];
                if self.pending.len() < self.block_len {
                    return Ok(());
                }
                let block = std::mem::take(&mut self.pending);
                self.run(Some(&block), out)?;
            }
            let mut blocks = input.chunks_exact(self.block_len);
            for block in &mut blocks {
                self.run(Some(block), out)?;
            }
            self.pending.extend_from_slice(blocks.remainder());
            Ok(())
        }

        /// Processes the last partial block, then drains libsoxr (input `NULL`).
        pub(super) fn flush(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
            if !self.pending.is_empty() {
                let block = std::mem::take(&mut self.pending);
                self.run(Some(&block), out)?;
            }
            self.run(None, out)
        }

        /// One `soxr_process` call with `input` (or the end-of-input flush for `None`), then
        /// further calls without input until libsoxr has nothing more to give.
        fn run(&mut self, input: Option<&[f32]>, out: &mut Vec<f32>) -> Result<(), String> {
            let ilen = input.map_or(0, <[f32]>::len);
            let room = (ilen as f64 * self.ratio).ceil() as usize + 1024;
            let mut first = true;
            loop {
                let start = out.len();
                out.resize(start + room, 0.0);
                let mut done = 0usize;
                let in_ptr = match (input, first) {
                    (Some(block), true) => block.as_ptr().cast(),
                    // Without input: a non-null pointer with length 0 asks only for output;
                    // a null pointer is the end-of-input flush.
                    (Some(_), false) => NonNull::<f32>::dangling().as_ptr().cast_const().cast(),
                    (None, _) => std::ptr::null(),
                };
                let in_len = if first { ilen } else { 0 };
                // SAFETY: `self.ptr` is live; `in_ptr` is null or points to `in_len` readable
                // f32 (the block, or 0 samples); `out[start..]` holds `room` writable f32;
                // a null `idone` makes libsoxr consume the whole input; `done` is written
                // before the call returns.
                let error = unsafe {
                    ffi::soxr_process(
                        self.ptr.as_ptr(),
                        in_ptr,
                        in_len,
                        std::ptr::null_mut(),
                        out[start..].as_mut_ptr().cast(),
                        room,
                        &mut done,
                    )
                };
                out.truncate(start + done.min(room));
                if let Some(message) = error_text(error) {
                    return Err(message);
                }
                first = false;
                if done < room {
                    return Ok(());
                }
            }
        }
    }

    impl Drop for Soxr {
        fn drop(&mut self) {
            // SAFETY: the pointer came from soxr_create and is freed only here.
            unsafe { ffi::soxr_delete(self.ptr.as_ptr()) }
        }
    }

    /// libsoxr's error strings are static C strings; null means no error.
    fn error_text(error: ffi::soxr_error_t) -> Option<String> {
        if error.is_null() {
            return None;
        }
        // SAFETY: non-null libsoxr errors point to NUL-terminated static strings.
        let text = unsafe { CStr::from_ptr(error) };
        Some(format!("libsoxr: {}", text.to_string_lossy()))
    }
}

/// rubato's synchronous FFT resampler behind the same push/flush interface.
mod rubato_stream {
    use rubato::{FftFixedInOut, Resampler as _};

    /// Input chunk length asked of rubato (it rounds it to a multiple of `from / gcd`).
    const CHUNK: usize = 1024;

    pub(super) struct RubatoStream {
        inner: FftFixedInOut<f32>,
        /// Input waiting for a full chunk.
        pending: Vec<f32>,
        /// Output samples still to drop: rubato's delay.
        to_drop: usize,
        /// Output handed over so far (after the delay).
        made: usize,
        out_buf: Vec<Vec<f32>>,
    }

    impl RubatoStream {
        pub(super) fn new(from_hz: u32, to_hz: u32) -> Result<Self, String> {
            let inner = FftFixedInOut::<f32>::new(from_hz as usize, to_hz as usize, CHUNK, 1)
                .map_err(|e| format!("rubato: {e}"))?;
            let to_drop = inner.output_delay();
            let out_buf = inner.output_buffer_allocate(true);
            Ok(RubatoStream {
                inner,
                pending: Vec::new(),
                to_drop,
                made: 0,
                out_buf,
            })
        }

        pub(super) fn process(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
            self.pending.extend_from_slice(input);
            let chunk = self.inner.input_frames_next();
            let full = self.pending.len() - self.pending.len() % chunk;
            let pending = std::mem::take(&mut self.pending);
            for block in pending[..full].chunks_exact(chunk) {
                self.run(block, out)?;
            }
            self.pending = pending[full..].to_vec();
            Ok(())
        }

        /// Zero-pads the input until `total` samples (after the delay) have been made.
        pub(super) fn flush(&mut self, total: usize, out: &mut Vec<f32>) -> Result<(), String> {
            let chunk = self.inner.input_frames_next();
            let mut block = std::mem::take(&mut self.pending);
            block.resize(chunk, 0.0);
            self.run(&block, out)?;
            block.iter_mut().for_each(|x| *x = 0.0);
            while self.made < total {
                self.run(&block, out)?;
            }
            Ok(())
        }

        fn run(&mut self, block: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
            let (_, written) = self
                .inner
                .process_into_buffer(&[block], &mut self.out_buf, None)
                .map_err(|e| format!("rubato: {e}"))?;
            let produced = self
                .out_buf
                .first()
                .map_or(&[][..], |b| &b[..written.min(b.len())]);
            let drop = self.to_drop.min(produced.len());
            self.to_drop -= drop;
            out.extend_from_slice(&produced[drop..]);
            self.made += produced.len() - drop;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rule_is_ceil() {
        assert_eq!(output_len(44100, 44100, 22050), 22050);
        assert_eq!(output_len(44101, 44100, 22050), 22051);
        assert_eq!(output_len(1, 48000, 22050), 1);
        assert_eq!(output_len(0, 48000, 22050), 0);
        assert_eq!(output_len(320, 48000, 22050), 147);
        assert_eq!(output_len(321, 48000, 22050), 148);
        assert_eq!(output_len(10, 8000, 22050), 28); // 27.5625 -> 28
    }

    #[test]
    fn zero_rates_are_errors() {
        assert!(matches!(
            Resampler::new(0, 22050, ResamplerKind::SoxrHq),
            Err(FeatureError::Resample { .. })
        ));
        assert!(resample(&[0.0; 10], 44100, 0, ResamplerKind::Rubato).is_err());
    }

    #[test]
    fn empty_input_gives_empty_output() {
        for kind in [ResamplerKind::SoxrHq, ResamplerKind::Rubato] {
            assert!(resample(&[], 44100, 22050, kind).unwrap().is_empty());
        }
    }

    #[test]
    fn push_after_finish_is_an_error() {
        let mut r = Resampler::new(44100, 22050, ResamplerKind::SoxrHq).unwrap();
        r.push(&[0.0; 100]).unwrap();
        assert_eq!(r.finish().unwrap().len(), 50);
        assert!(r.finish().unwrap().is_empty());
        assert!(r.push(&[0.0]).is_err());
    }
}
