//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while decoding a file or computing its features.
///
/// Every variant that concerns a file names it, so a caller can report the error as it is.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// The file could not be opened or read (missing, permission denied, a directory, ...).
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The content is not an audio format this crate decodes.
    #[error("{}: unsupported or unrecognised audio format ({reason})", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Why it was rejected (container not recognised, codec without decoder, ...).
        reason: String,
    },
    /// The audio stream is damaged and nothing usable could be decoded from it.
    #[error("{}: corrupt audio stream{}: {reason}", path.display(), fmt_position(*position_s))]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the damage starts, in seconds from the start, when known.
        position_s: Option<f64>,
        /// What the decoder said.
        reason: String,
    },
    /// The file holds no audio samples (no audio track, or zero frames).
    #[error("{}: contains no audio", path.display())]
    NoAudio {
        /// The file.
        path: PathBuf,
    },
    /// The stream declares a sample rate outside what this crate accepts (1 Hz to 1 MHz).
    #[error("{}: invalid sample rate {sample_rate} Hz", path.display())]
    InvalidSampleRate {
        /// The file.
        path: PathBuf,
        /// The declared rate.
        sample_rate: u32,
    },
    /// The stream declares no channels, or more than this crate accepts.
    #[error("{}: invalid channel count {channels}", path.display())]
    InvalidChannels {
        /// The file.
        path: PathBuf,
        /// The declared count.
        channels: usize,
    },
    /// The decoded samples contain NaN or infinity.
    #[error("{}: non-finite sample (NaN or infinity) at {position_s:.3} s", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// Where the first one is, in seconds.
        position_s: f64,
    },
    /// No native decoder reads this file and no `ffmpeg` executable is on `PATH` (with the
    /// `auto` decoder), or `ffmpeg` was asked for and is not there.
    #[error(
        "{}: {format} is not decoded without ffmpeg ({reason}); install ffmpeg (e.g. `apt install \
         ffmpeg`, `brew install ffmpeg`) to analyse {format} files",
        path.display()
    )]
    NeedsFfmpeg {
        /// The file.
        path: PathBuf,
        /// The format in words ("WMA", "multichannel AAC", "HE-AAC", "MP3 inside WAV", ...).
        format: String,
        /// Why the native decoders refused it.
        reason: String,
    },
    /// ffmpeg ran but decoded nothing from the file, or could not be run.
    #[error("{}: ffmpeg could not decode it: {reason}", path.display())]
    Ffmpeg {
        /// The file.
        path: PathBuf,
        /// What ffmpeg said (its error output), or why it could not be run.
        reason: String,
    },
    /// The resampler failed.
    #[error("resampling from {from_hz} Hz to {to_hz} Hz failed: {reason}")]
    Resample {
        /// Input rate.
        from_hz: u32,
        /// Output rate.
        to_hz: u32,
        /// What the resampler said.
        reason: String,
    },
    /// A [`crate::FeatureConfig`] value is out of range.
    #[error("invalid feature configuration: {0}")]
    Config(String),
    /// A signal handed to the analysis directly (not from a file) is unusable.
    #[error("invalid signal: {0}")]
    Signal(String),
}

fn fmt_position(position_s: Option<f64>) -> String {
    match position_s {
        Some(s) => format!(" at {s:.3} s"),
        None => String::new(),
    }
}

/// The result type of this crate.
pub type Result<T, E = FeatureError> = std::result::Result<T, E>;
