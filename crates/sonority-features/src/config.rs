//! Analysis parameters. The defaults are librosa's.

use crate::error::{FeatureError, Result};
use crate::summary::TIMBRE_DIMS;
use serde::{Deserialize, Serialize};

/// Which resampler brings the decoded signal to [`FeatureConfig::sample_rate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ResamplerKind {
    /// libsoxr at "HQ" quality, as librosa's default `res_type="soxr_hq"`.
    #[default]
    SoxrHq,
    /// rubato's FFT resampler (pure Rust; differs from librosa near Nyquist).
    Rubato,
}

/// Which decoder reads the files.
///
/// `Auto` decodes natively (symphonia, libopus, our WAV reader) and hands a file to an
/// `ffmpeg` executable on `PATH` only when the native decoders cannot read it (WMA, APE,
/// WavPack, Musepack, TTA, DSD, AC-3, DTS, AMR, Speex, multichannel or HE-AAC, MP3 inside WAV,
/// ...). Without ffmpeg such files fail with [`FeatureError::NeedsFfmpeg`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decoder {
    /// Native decoding, ffmpeg for what it cannot read (when ffmpeg is installed).
    #[default]
    Auto,
    /// Native decoding only: never runs ffmpeg.
    Native,
    /// Every file through ffmpeg (an error when ffmpeg is not installed).
    Ffmpeg,
}

impl Decoder {
    /// The name used on the command line and in JSON: "auto", "native" or "ffmpeg".
    pub fn as_str(self) -> &'static str {
        match self {
            Decoder::Auto => "auto",
            Decoder::Native => "native",
            Decoder::Ffmpeg => "ffmpeg",
        }
    }
}

impl std::str::FromStr for Decoder {
    type Err = FeatureError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Decoder::Auto),
            "native" => Ok(Decoder::Native),
            "ffmpeg" => Ok(Decoder::Ffmpeg),
            other => Err(FeatureError::Config(format!(
                "decoder {other:?} is not one of auto, native, ffmpeg"
            ))),
        }
    }
}

/// Parameters of the analysis. `FeatureConfig::default()` reproduces librosa's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Analysis sample rate in Hz; `None` analyses at the file's native rate.
    pub sample_rate: Option<u32>,
    /// FFT size (librosa `n_fft`).
    pub n_fft: usize,
    /// Hop between frames in samples (librosa `hop_length`).
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Number of MFCC coefficients.
    pub n_mfcc: usize,
    /// The resampler.
    pub resampler: ResamplerKind,
    /// Which decoder reads the files (absent in configurations saved before it existed:
    /// `Auto`).
    #[serde(default)]
    pub decoder: Decoder,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            sample_rate: Some(22050),
            n_fft: 2048,
            hop_length: 512,
            n_mels: 128,
            n_mfcc: 20,
            resampler: ResamplerKind::SoxrHq,
            decoder: Decoder::Auto,
        }
    }
}

impl FeatureConfig {
    /// Checks every value, so analysis code can rely on them.
    pub fn check(&self) -> Result<()> {
        if let Some(sr) = self.sample_rate {
            if !(1000..=1_000_000).contains(&sr) {
                return Err(FeatureError::Config(format!(
                    "sample_rate {sr} Hz is outside 1000..=1000000"
                )));
            }
        }
        if self.n_fft < 16 || !self.n_fft.is_multiple_of(2) || self.n_fft > 1 << 16 {
            return Err(FeatureError::Config(format!(
                "n_fft {} must be even and in 16..=65536",
                self.n_fft
            )));
        }
        if self.hop_length == 0 || self.hop_length > self.n_fft {
            return Err(FeatureError::Config(format!(
                "hop_length {} must be in 1..=n_fft ({})",
                self.hop_length, self.n_fft
            )));
        }
        if self.n_mels == 0 || self.n_mels > 1024 {
            return Err(FeatureError::Config(format!(
                "n_mels {} must be in 1..=1024",
                self.n_mels
            )));
        }
        if self.n_mfcc <= TIMBRE_DIMS || self.n_mfcc > self.n_mels {
            return Err(FeatureError::Config(format!(
                "n_mfcc {} must be in {}..=n_mels ({})",
                self.n_mfcc,
                TIMBRE_DIMS + 1,
                self.n_mels
            )));
        }
        Ok(())
    }
}
