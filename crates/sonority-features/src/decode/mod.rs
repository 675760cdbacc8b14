//! Decoding any supported file to a mono f32 signal at its native rate.
//!
//! Formats are recognised from the content (the extension is only a hint): WAV (integer PCM of
//! 8 to 32 bits, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE), AIFF, FLAC, MP3, Ogg Vorbis, Ogg
//! Opus (libopus), AAC and ALAC in MP4/M4A, and whatever else symphonia 0.6 decodes (CAF,
//! Matroska/WebM audio, ADTS AAC, ADPCM WAV); with the [`Decoder::Auto`] choice (the
//! default), anything else an `ffmpeg` executable on `PATH` decodes (the `ffmpeg` module).
//!
//! The signal is what `librosa.load(path, sr=None)` gives: libsndfile's integer scaling, the
//! channels averaged in float32 in numpy's summation order, encoder delay and padding removed
//! as ffmpeg removes them (the lengths equal ffmpeg's for every fixture).
//!
//! [`AudioStream`] decodes packet by packet; [`decode_file`] collects a whole file at its native
//! rate; [`decode_file_resampled`] streams straight into the resampler, so only the resampled
//! signal is ever held in memory.

mod aac_config;
mod codecs;
mod convert;
mod end_trims;
mod ffmpeg;
mod mp4;
mod mpa;
mod ogg;
mod opus_channels;
mod stream;
mod wav;

pub use ffmpeg::ffmpeg_available;
pub use stream::AudioStream;

use crate::config::{Decoder, ResamplerKind};
use crate::error::Result;
use crate::resample::Resampler;
use std::path::Path;

/// Something went wrong but decoding went on (a damaged packet skipped, a truncated end).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DecodeWarning {
    /// Where, in seconds from the start, when known.
    pub position_s: Option<f64>,
    /// What happened, in words.
    pub message: String,
}

/// A decoded file: the channels averaged to mono, at the file's own sample rate.
#[derive(Debug, Clone)]
pub struct DecodedAudio {
    /// Mono samples, nominally in [-1, 1].
    pub samples: Vec<f32>,
    /// The file's sample rate in Hz.
    pub sample_rate: u32,
    /// The file's channel count before the downmix.
    pub channels: usize,
    /// Short codec name, e.g. "flac", "mp3", "aac", "opus", "pcm_s16le".
    pub codec: String,
    /// The decoder that read the file: [`Decoder::Native`] or [`Decoder::Ffmpeg`].
    pub decoder: Decoder,
    /// Problems that did not stop decoding.
    pub warnings: Vec<DecodeWarning>,
}

/// A decoded file brought to an analysis rate by [`decode_file_resampled`].
#[derive(Debug, Clone)]
pub struct ResampledAudio {
    /// Mono samples at `sample_rate`: exactly `ceil(native_frames * sample_rate /
    /// native_sample_rate)` of them, as librosa's `fix_length` leaves them.
    pub samples: Vec<f32>,
    /// The rate of `samples` in Hz.
    pub sample_rate: u32,
    /// The file's own sample rate in Hz.
    pub native_sample_rate: u32,
    /// The number of mono frames decoded at the native rate.
    pub native_frames: u64,
    /// The file's channel count before the downmix.
    pub channels: usize,
    /// Short codec name, as in [`DecodedAudio::codec`].
    pub codec: String,
    /// The decoder that read the file: [`Decoder::Native`] or [`Decoder::Ffmpeg`].
    pub decoder: Decoder,
    /// Problems that did not stop decoding.
    pub warnings: Vec<DecodeWarning>,
}

/// Decodes `path` completely with the [`Decoder::Auto`] choice and averages its channels to
/// mono.
///
/// Errors are those of [`AudioStream::open`] and [`AudioStream::next_chunk`]; every one names
/// the file. A truncated file or isolated damaged packets give the audio that could be decoded
/// plus [`DecodeWarning`]s.
pub fn decode_file(path: &Path) -> Result<DecodedAudio> {
    decode_file_with(path, Decoder::Auto)
}

/// [`decode_file`] with a choice of decoder (see [`AudioStream::open_with`]).
pub fn decode_file_with(path: &Path, decoder: Decoder) -> Result<DecodedAudio> {
    let mut stream = AudioStream::open_with(path, decoder)?;
    let capacity = stream.frames_hint().unwrap_or(0).min(1 << 28) as usize;
    let mut samples = Vec::with_capacity(capacity);
    while let Some(chunk) = stream.next_chunk()? {
        samples.extend_from_slice(chunk);
    }
    Ok(DecodedAudio {
        samples,
        sample_rate: stream.sample_rate(),
        channels: stream.channels(),
        codec: stream.codec().to_string(),
        decoder: stream.decoder(),
        warnings: stream.into_warnings(),
    })
}

/// Decodes `path` and resamples it to `to_hz` on the fly (librosa's `load(path, sr=to_hz)`).
///
/// The result equals `resample(&decode_file(path)?.samples, native, to_hz, kind)` sample for
/// sample, but the native-rate signal is never held in memory. A file already at `to_hz` is not
/// resampled.
pub fn decode_file_resampled(
    path: &Path,
    to_hz: u32,
    kind: ResamplerKind,
) -> Result<ResampledAudio> {
    decode_file_resampled_with(path, to_hz, kind, Decoder::Auto)
}

/// [`decode_file_resampled`] with a choice of decoder (see [`AudioStream::open_with`]).
pub fn decode_file_resampled_with(
    path: &Path,
    to_hz: u32,
    kind: ResamplerKind,
    decoder: Decoder,
) -> Result<ResampledAudio> {
    let mut stream = AudioStream::open_with(path, decoder)?;
    let native = stream.sample_rate();
    let mut resampler = Resampler::new(native, to_hz, kind)?;
    let hint = stream.frames_hint().unwrap_or(0).min(1 << 30);
    let capacity = crate::resample::output_len(hint as usize, native, to_hz);
    let mut samples = Vec::with_capacity(capacity);
    while let Some(chunk) = stream.next_chunk()? {
        samples.extend_from_slice(resampler.push(chunk)?);
    }
    samples.extend_from_slice(resampler.finish()?);
    Ok(ResampledAudio {
        samples,
        sample_rate: to_hz,
        native_sample_rate: native,
        native_frames: stream.frames_decoded(),
        channels: stream.channels(),
        codec: stream.codec().to_string(),
        decoder: stream.decoder(),
        warnings: stream.into_warnings(),
    })
}
