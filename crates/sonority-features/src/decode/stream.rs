//! [`AudioStream`]: packet-by-packet decoding of one file to mono chunks.

use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::well_known::CODEC_ID_AAC;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::well_known::{
    FORMAT_ID_CAF, FORMAT_ID_ISOMP4, FORMAT_ID_MP1, FORMAT_ID_MP2, FORMAT_ID_MP3, FORMAT_ID_OGG,
};
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{
    MediaSource, MediaSourceStream, MediaSourceStreamOptions, ReadOnlySource,
};
use symphonia::core::meta::MetadataOptions;

use super::aac_config::{config_sample_rate, he_aac};
use super::codecs;
use super::convert::Planes;
use super::end_trims::{untrim_end, EndTrims, OggEndTrim};
use super::ffmpeg::{self, FfmpegRead, FfmpegSource};
use super::mp4::{self, Mp4Trim};
use super::mpa;
use super::ogg;
use super::wav::{self, Sniff, WavHeader, WavRead, WavSource};
use super::DecodeWarning;
use crate::config::Decoder;
use crate::error::{FeatureError, Result};

/// Highest sample rate accepted, in Hz (as [`FeatureError::InvalidSampleRate`] documents).
const MAX_SAMPLE_RATE: u32 = 1_000_000;
/// Highest channel count accepted.
const MAX_CHANNELS: usize = 1024;
/// Undecodable packets reported one by one; beyond this, one summary warning.
const MAX_SKIP_WARNINGS: usize = 3;
/// After this many undecodable packets in a row, the stream is given up.
const MAX_ERRORS_IN_A_ROW: usize = 200;

/// A file being decoded packet by packet: each [`AudioStream::next_chunk`] yields the mono
/// downmix of the next decoded packet(s), so a long file never has to be held in memory at its
/// native rate.
///
/// Encoder delay and padding are removed: MP3 (LAME/Xing header), Vorbis and Opus (Ogg
/// granule positions and pre-skip) by symphonia, AAC/ALAC in MP4 by the edit list or
/// `iTunSMPB` tag following ffmpeg's rule (see the `mp4` module).
pub struct AudioStream {
    path: PathBuf,
    source: Source,
    sample_rate: u32,
    channels: usize,
    codec: String,
    /// Which decoder produces the samples: [`Decoder::Native`] or [`Decoder::Ffmpeg`].
    decoder: Decoder,
    /// The frame count the container announces (after gapless trimming), when it does.
    expected_frames: Option<u64>,
    /// ffmpeg's duration as frames: a capacity hint, not checked against the decode.
    duration_hint: Option<u64>,
    trim: Mp4Trim,
    /// Frames decoded so far, before the MP4 start trim.
    decoded: u64,
    /// The most frames one packet decoded to.
    largest_packet: u64,
    /// The container counts whole packets (CAF): the length check allows one packet.
    counts_whole_packets: bool,
    /// Mono frames handed out so far.
    emitted: u64,
    planes: Planes,
    chunk: Vec<f32>,
    warnings: Vec<DecodeWarning>,
    skipped_packets: usize,
    errors_in_a_row: usize,
    /// The first error that made a packet undecodable (reported if nothing decodes).
    first_error: Option<String>,
    /// The stream has ended (normally or not).
    done: bool,
}

/// Where the samples come from.
enum Source {
    /// symphonia's demuxer and decoder for the default audio track.
    Symphonia {
        reader: Box<dyn FormatReader>,
        decoder: Box<dyn AudioDecoder>,
        track_id: u32,
        /// What is done with the end trims symphonia puts on packets.
        end_trims: EndTrims,
    },
    /// Uncompressed WAV, read by hand (see the `wav` module).
    Wav(WavSource),
    /// An ffmpeg child process (see the `ffmpeg` module).
    Ffmpeg(FfmpegSource),
}

/// The outcome of reading one packet or block.
enum Step {
    /// Samples are in `planes`.
    Data,
    /// A packet of another track.
    Ignore,
    /// The decoder rejected a packet.
    Skip(SymError),
    /// The decoder's output changed to another sample rate.
    RateChange(u32),
    /// The stream ended, normally (`None`) or on an error of the container.
    End(Option<SymError>),
    /// ffmpeg ended: whether it exited successfully, and what it said on stderr.
    FfmpegEnd(bool, String),
}

impl std::fmt::Debug for AudioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStream")
            .field("path", &self.path)
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("codec", &self.codec)
            .field("decoder", &self.decoder)
            .field("emitted", &self.emitted)
            .finish_non_exhaustive()
    }
}

impl AudioStream {
    /// Opens `path` with the [`Decoder::Auto`] choice: see [`AudioStream::open_with`].
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, Decoder::Auto)
    }

    /// Opens `path` for decoding by `decoder`:
    ///
    /// * [`Decoder::Native`]: recognises the format from the content (the extension is only a
    ///   hint) and prepares a native decoder for its default audio track;
    /// * [`Decoder::Ffmpeg`]: starts ffmpeg on the file's first audio stream;
    /// * [`Decoder::Auto`]: native, and ffmpeg when no native decoder reads the file
    ///   ([`FeatureError::Unsupported`], HE-AAC included) and ffmpeg is installed.
    ///
    /// Errors: [`FeatureError::NeedsFfmpeg`] when the file needs ffmpeg and it is not on
    /// `PATH` (`Auto`, `Ffmpeg`), [`FeatureError::Ffmpeg`] when ffmpeg cannot decode it either
    /// (`Ffmpeg`; `Auto` then reports the native error with ffmpeg's message added), and those
    /// of the native opening:
    ///
    /// Errors: [`FeatureError::Io`] when the path cannot be read (missing, a directory, a
    /// dangling symlink), [`FeatureError::NoAudio`] for an empty file or one without an audio
    /// track, [`FeatureError::Unsupported`] for unrecognised content or a codec without decoder,
    /// [`FeatureError::Corrupt`] for a damaged header, [`FeatureError::InvalidSampleRate`] and
    /// [`FeatureError::InvalidChannels`] for impossible stream parameters.
    pub fn open_with(path: &Path, decoder: Decoder) -> Result<Self> {
        match decoder {
            Decoder::Native => Self::open_native(path),
            Decoder::Ffmpeg => {
                open_regular_file(path)?;
                let format = format_name(path, "").unwrap_or_else(|| "audio".to_string());
                Self::open_ffmpeg(path, &format)
            }
            Decoder::Auto => match Self::open_native_checked(path) {
                Err(FeatureError::Unsupported { reason, .. }) => {
                    let named = format_name(path, &reason);
                    if !ffmpeg::ffmpeg_available() {
                        return Err(match named {
                            Some(format) => FeatureError::NeedsFfmpeg {
                                path: path.to_path_buf(),
                                format,
                                reason,
                            },
                            None => FeatureError::Unsupported {
                                path: path.to_path_buf(),
                                reason,
                            },
                        });
                    }
                    let format = named.unwrap_or_else(|| "audio".to_string());
                    Self::open_ffmpeg(path, &format).map_err(|e| match e {
                        FeatureError::Ffmpeg { reason: said, .. } => FeatureError::Unsupported {
                            path: path.to_path_buf(),
                            reason: format!("{reason}; ffmpeg: {said}"),
                        },
                        other => other,
                    })
                }
                other => other,
            },
        }
    }

    /// Starts ffmpeg on `path` (`format` names the format in words for the error without it).
    fn open_ffmpeg(path: &Path, format: &str) -> Result<Self> {
        let info = ffmpeg::probe(path)?;
        let source = FfmpegSource::spawn(path, format)?;
        let (rate, channels) = (source.sample_rate, source.channels);
        if rate > MAX_SAMPLE_RATE {
            return Err(FeatureError::InvalidSampleRate {
                path: path.to_path_buf(),
                sample_rate: rate,
            });
        }
        if channels > MAX_CHANNELS {
            return Err(FeatureError::InvalidChannels {
                path: path.to_path_buf(),
                channels,
            });
        }
        let info = info.unwrap_or_default();
        let codec = info.codec.unwrap_or_else(|| "unknown".to_string());
        let expected = info
            .duration_s
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(|d| (d * f64::from(rate)).round() as u64);
        let mut stream = Self::new(path, Source::Ffmpeg(source), rate, channels, codec, None);
        stream.decoder = Decoder::Ffmpeg;
        // A capacity hint only: ffmpeg's own decode decides the length.
        stream.duration_hint = expected;
        Ok(stream)
    }

    /// [`AudioStream::open_native`], plus a look at the first AAC packet: implicitly signalled
    /// HE-AAC shows only there (the native decoder refuses it then), and `auto` must hand such
    /// a file to ffmpeg before decoding starts.
    fn open_native_checked(path: &Path) -> Result<Self> {
        let stream = Self::open_native(path)?;
        if stream.codec == "aac" {
            let mut first = Self::open_native(path)?;
            if let Err(e @ FeatureError::Unsupported { .. }) = first.next_chunk() {
                return Err(e);
            }
        }
        Ok(stream)
    }

    fn open_native(path: &Path) -> Result<Self> {
        let mut file = open_regular_file(path)?;
        let io_err = |source| FeatureError::Io {
            path: path.to_path_buf(),
            source,
        };
        match wav::sniff(&mut file).map_err(io_err)? {
            Sniff::Wav(header) => return Self::from_wav(path, file, header),
            Sniff::Invalid { sample_rate: 0, .. } => {
                return Err(FeatureError::InvalidSampleRate {
                    path: path.to_path_buf(),
                    sample_rate: 0,
                })
            }
            Sniff::Invalid { channels, .. } => {
                return Err(FeatureError::InvalidChannels {
                    path: path.to_path_buf(),
                    channels,
                })
            }
            Sniff::NotHandled => {}
        }
        // A truncated MP4 whose `moov` comes first is readable as a stream; symphonia's seekable
        // mode gives up on it (the `mdat` box runs past the end of the file).
        let streaming = mp4::is_truncated(&mut file).map_err(io_err)?;
        let (reader, retried) = match probe(path, file, streaming) {
            Ok(reader) => (reader, false),
            // Unrecognised content: reading it as a stream will not help.
            Err(Some(e @ SymError::Unsupported(_))) => return Err(open_error(path, e)),
            // Seekable mode also reads the end of the file (Ogg looks for the last page); a
            // damaged end makes it fail where reading as a stream works.
            Err(first) if !streaming => {
                match probe(path, File::open(path).map_err(io_err)?, true) {
                    Ok(reader) => (reader, true),
                    Err(_) => return Err(probe_error(path, first)),
                }
            }
            Err(first) => return Err(probe_error(path, first)),
        };
        let mut stream = Self::from_reader(path, reader)?;
        if retried || streaming {
            stream.warn(
                None,
                "the end of the file is damaged or missing; read as a stream".to_string(),
            );
        }
        Ok(stream)
    }

    fn from_wav(path: &Path, file: File, header: WavHeader) -> Result<Self> {
        let sample_rate = header.sample_rate;
        if sample_rate > MAX_SAMPLE_RATE {
            return Err(FeatureError::InvalidSampleRate {
                path: path.to_path_buf(),
                sample_rate,
            });
        }
        if header.channels > MAX_CHANNELS {
            let channels = header.channels;
            return Err(FeatureError::InvalidChannels {
                path: path.to_path_buf(),
                channels,
            });
        }
        let expected_frames = header.data_len.map(|n| n / header.block_align as u64);
        let (channels, codec) = (header.channels, header.codec_name().to_string());
        let source = WavSource::new(file, header).map_err(|source| FeatureError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::new(
            path,
            Source::Wav(source),
            sample_rate,
            channels,
            codec,
            expected_frames,
        ))
    }

    fn new(
        path: &Path,
        source: Source,
        sample_rate: u32,
        channels: usize,
        codec: String,
        expected_frames: Option<u64>,
    ) -> Self {
        AudioStream {
            path: path.to_path_buf(),
            source,
            sample_rate,
            channels,
            codec,
            decoder: Decoder::Native,
            expected_frames,
            duration_hint: None,
            trim: Mp4Trim::default(),
            decoded: 0,
            largest_packet: 0,
            counts_whole_packets: false,
            emitted: 0,
            planes: Planes::default(),
            chunk: Vec::new(),
            warnings: Vec::new(),
            skipped_packets: 0,
            errors_in_a_row: 0,
            first_error: None,
            done: false,
        }
    }

    fn from_reader(path: &Path, reader: Box<dyn FormatReader>) -> Result<Self> {
        let no_audio = || FeatureError::NoAudio {
            path: path.to_path_buf(),
        };
        let track = reader
            .default_track(TrackType::Audio)
            .ok_or_else(no_audio)?;
        let mut params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(no_audio)?
            .clone();
        let (track_id, mut expected_frames, delay) = (track.id, track.num_frames, track.delay);
        if params.codec == CODEC_ID_AAC && params.sample_rate.is_none_or(|r| r == 0) {
            // An MP4 sample entry cannot hold 88.2 or 96 kHz; the AAC configuration can.
            if let Some(rate) = params.extra_data.as_deref().and_then(config_sample_rate) {
                params.sample_rate = Some(rate);
            }
        }
        if params.codec == CODEC_ID_AAC {
            // symphonia decodes AAC-LC only: never analyse the half-rate core of HE-AAC.
            if let Some(he) = params.extra_data.as_deref().and_then(he_aac) {
                return Err(FeatureError::Unsupported {
                    path: path.to_path_buf(),
                    reason: format!(
                        "{} (spectral band replication{}) is signalled in the AAC \
                         configuration; the native AAC decoder reads AAC-LC only",
                        he.name(),
                        if he == super::aac_config::HeAac::SbrPs {
                            ", parametric stereo"
                        } else {
                            ""
                        }
                    ),
                });
            }
        }
        let sample_rate = check_sample_rate(path, &params)?;
        let channels = check_channels(path, &params)?;
        let codec = codecs::short_name(params.codec);
        let decoder = codecs::registry()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| match e {
                // symphonia's AAC decoder says "aac too complex" for what it cannot decode.
                SymError::Unsupported(_) if params.codec == CODEC_ID_AAC => {
                    FeatureError::Unsupported {
                        path: path.to_path_buf(),
                        reason: format!(
                            "AAC with {} channel(s) or a program config element: the native AAC \
                             decoder reads AAC-LC mono and stereo only",
                            params.channels.as_ref().map_or(0, |c| c.count())
                        ),
                    }
                }
                // A codec symphonia's containers know but nothing here decodes.
                SymError::Unsupported(_) if codecs::undecoded_name(params.codec).is_some() => {
                    FeatureError::Unsupported {
                        path: path.to_path_buf(),
                        reason: format!(
                            "{} audio in a container read natively: no native decoder",
                            codecs::undecoded_name(params.codec).unwrap_or("this")
                        ),
                    }
                }
                e => decoder_error(path, &codec, e),
            })?;
        let format = reader.format_info().format;
        if format == FORMAT_ID_OGG && expected_frames.is_none() {
            // The last granule position counts the pre-skip (Opus) too.
            let granule = ogg::last_granule(path, track_id).ok().flatten();
            expected_frames = granule.map(|g| g.saturating_sub(u64::from(delay.unwrap_or(0))));
        }
        let is_mp4 = format == FORMAT_ID_ISOMP4;
        let is_caf = format == FORMAT_ID_CAF;
        let end_trims = if format == FORMAT_ID_OGG {
            EndTrims::LastPacketOnly(OggEndTrim::default())
        } else if [FORMAT_ID_MP1, FORMAT_ID_MP2, FORMAT_ID_MP3].contains(&format)
            && !mpa::states_frame_count(path).unwrap_or(true)
        {
            // symphonia's frame count is an estimate from the first frames: neither a length to
            // check against nor a place to cut (see the `mpa` module).
            expected_frames = None;
            EndTrims::Ignore
        } else {
            EndTrims::Keep
        };
        let source = Source::Symphonia {
            reader,
            decoder,
            track_id,
            end_trims,
        };
        let mut stream = Self::new(path, source, sample_rate, channels, codec, expected_frames);
        stream.counts_whole_packets = is_caf;
        if is_mp4 {
            stream.read_mp4_trim(track_id);
        }
        Ok(stream)
    }

    fn read_mp4_trim(&mut self, track_id: u32) {
        match mp4::read_trim(&self.path, track_id, self.sample_rate) {
            Ok(Some(trim)) => {
                self.trim = trim;
                if let Some(end) = trim.end {
                    self.expected_frames = Some(end.saturating_sub(trim.skip));
                }
            }
            Ok(None) => {}
            Err(e) => self.warn(
                None,
                format!("cannot read the MP4 edit list ({e}); encoder delay kept"),
            ),
        }
    }

    /// The file's sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The file's channel count (before the downmix).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Short codec name as ffmpeg spells it ("pcm_s16le", "flac", "mp3", "aac", "opus", ...).
    pub fn codec(&self) -> &str {
        &self.codec
    }

    /// The file being decoded.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of frames the container announces, when it does (a hint: damaged or
    /// truncated files yield fewer).
    pub fn frames_hint(&self) -> Option<u64> {
        self.expected_frames.or(self.duration_hint)
    }

    /// The decoder that produces the samples: [`Decoder::Native`] or [`Decoder::Ffmpeg`].
    pub fn decoder(&self) -> Decoder {
        self.decoder
    }

    /// Mono frames yielded so far.
    pub fn frames_decoded(&self) -> u64 {
        self.emitted
    }

    /// Problems met so far that did not stop decoding.
    pub fn warnings(&self) -> &[DecodeWarning] {
        &self.warnings
    }

    /// Consumes the stream and returns its warnings.
    pub fn into_warnings(self) -> Vec<DecodeWarning> {
        self.warnings
    }

    /// The mono samples of the next decoded packet(s), or `None` at the end of the stream.
    ///
    /// Undecodable packets are skipped (with a [`DecodeWarning`]); a truncated or damaged
    /// container ends the stream with a warning. Errors: [`FeatureError::NonFinite`] when a
    /// sample is NaN or infinite, [`FeatureError::NoAudio`] or [`FeatureError::Corrupt`] when
    /// the stream ends without a single decodable frame, [`FeatureError::Io`] when reading
    /// fails for a reason other than the end of the file.
    pub fn next_chunk(&mut self) -> Result<Option<&[f32]>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let before = self.decoded;
            if self.trim.end.is_some_and(|end| before >= end) {
                // ffmpeg drops whole packets that start after the end of the MP4 edit.
                self.end_of_stream(None)?;
                continue;
            }
            match self.read_block() {
                Step::Data => {
                    self.errors_in_a_row = 0;
                    if self.fill_chunk(before)? {
                        return Ok(Some(&self.chunk));
                    }
                }
                Step::Ignore => {}
                // Patched symphonia-codec-aac: SBR data in an AAC-LC stream (vendor/README.md).
                Step::Skip(SymError::Unsupported(what)) if what.contains("SBR") => {
                    self.done = true;
                    return Err(FeatureError::Unsupported {
                        path: self.path.clone(),
                        reason: "HE-AAC (spectral band replication found in the AAC bitstream, \
                                 signalled implicitly); the native AAC decoder reads AAC-LC only"
                            .to_string(),
                    });
                }
                Step::Skip(e) => self.skip_packet(e)?,
                Step::RateChange(rate) => {
                    let message = format!(
                        "sample rate changes from {} Hz to {rate} Hz; decoding stopped",
                        self.sample_rate
                    );
                    self.warn_here(message);
                    self.end_of_stream(None)?;
                }
                Step::End(Some(SymError::ResetRequired)) if self.continue_chain() => {}
                Step::FfmpegEnd(success, stderr) => self.ffmpeg_end(success, stderr)?,
                Step::End(error) => self.end_of_stream(error)?,
            }
        }
    }

    /// After symphonia's Ogg reader met the start of a chained stream (another Ogg file
    /// appended, as stream recorders write): decodes on with a new decoder when the new
    /// stream has our sample rate, as ffmpeg does. Returns whether decoding goes on.
    fn continue_chain(&mut self) -> bool {
        let Source::Symphonia {
            reader,
            decoder,
            track_id,
            ..
        } = &mut self.source
        else {
            return false;
        };
        let Some((id, params)) = reader.default_track(TrackType::Audio).and_then(|track| {
            let params = track.codec_params.as_ref()?.audio()?.clone();
            Some((track.id, params))
        }) else {
            return false;
        };
        if check_sample_rate(&self.path, &params).ok() != Some(self.sample_rate) {
            return false;
        }
        // symphonia's decoders are not panic-free on hostile input.
        let made = catch_unwind(AssertUnwindSafe(|| {
            codecs::registry().make_audio_decoder(&params, &AudioDecoderOptions::default())
        }));
        match made {
            Ok(Ok(next)) => {
                *decoder = next;
                *track_id = id;
                true
            }
            _ => false,
        }
    }

    /// Reads the next packet (symphonia) or block (WAV) into `self.planes`.
    fn read_block(&mut self) -> Step {
        let planes = &mut self.planes;
        match &mut self.source {
            Source::Wav(wav) => match wav.read(planes) {
                Ok(WavRead::Frames) => Step::Data,
                Ok(WavRead::End) => Step::End(None),
                Ok(WavRead::Truncated) => {
                    Step::End(Some(SymError::IoError(io::ErrorKind::UnexpectedEof.into())))
                }
                Err(e) => Step::End(Some(SymError::IoError(e))),
            },
            Source::Ffmpeg(ffmpeg) => match ffmpeg.read(planes) {
                Ok(FfmpegRead::Frames) => Step::Data,
                Ok(FfmpegRead::End { success, stderr }) => Step::FfmpegEnd(success, stderr),
                Err(e) => Step::End(Some(SymError::IoError(e))),
            },
            Source::Symphonia {
                reader,
                decoder,
                track_id,
                end_trims,
            } => {
                let rate = self.sample_rate;
                // symphonia is not panic-free on hostile input: a panic ends the stream.
                let step = catch_unwind(AssertUnwindSafe(|| {
                    let next = match end_trims {
                        EndTrims::LastPacketOnly(ogg) => {
                            ogg.next_packet(reader.as_mut(), *track_id)
                        }
                        EndTrims::Keep | EndTrims::Ignore => reader.next_packet(),
                    };
                    let mut packet = match next {
                        Ok(Some(packet)) => packet,
                        Ok(None) => return Step::End(None),
                        Err(e) => return Step::End(Some(e)),
                    };
                    if matches!(end_trims, EndTrims::Ignore) {
                        untrim_end(&mut packet);
                    }
                    if packet.track_id != *track_id {
                        return Step::Ignore;
                    }
                    match decoder.decode(&packet) {
                        Ok(buf) if buf.spec().rate() != rate && buf.frames() > 0 => {
                            Step::RateChange(buf.spec().rate())
                        }
                        Ok(buf) => {
                            planes.fill(&buf);
                            Step::Data
                        }
                        Err(e) => Step::Skip(e),
                    }
                }));
                step.unwrap_or(Step::End(Some(SymError::DecodeError(
                    "the decoder panicked",
                ))))
            }
        }
    }

    /// Downmixes the decoded packet into `self.chunk`, applying the MP4 start trim. Returns
    /// whether anything is left to hand out.
    fn fill_chunk(&mut self, before: u64) -> Result<bool> {
        let frames = self.planes.frames();
        self.decoded += frames as u64;
        self.largest_packet = self.largest_packet.max(frames as u64);
        if self.planes.channels() != self.channels && frames > 0 {
            if self.channels != 0 {
                let message = format!(
                    "channel count changes from {} to {}",
                    self.channels,
                    self.planes.channels()
                );
                self.warn_here(message);
            }
            self.channels = self.planes.channels();
        }
        self.chunk.clear();
        self.planes.append_mono(&mut self.chunk);
        let skip = self.trim.skip.saturating_sub(before).min(frames as u64) as usize;
        self.chunk.drain(..skip.min(self.chunk.len()));
        if let Some(i) = self.chunk.iter().position(|x| !x.is_finite()) {
            return Err(FeatureError::NonFinite {
                path: self.path.clone(),
                position_s: (self.emitted + i as u64) as f64 / f64::from(self.sample_rate),
            });
        }
        self.emitted += self.chunk.len() as u64;
        Ok(!self.chunk.is_empty())
    }

    /// The end of ffmpeg's output: what it said becomes a warning, or the error when it decoded
    /// nothing.
    fn ffmpeg_end(&mut self, success: bool, stderr: String) -> Result<()> {
        let said = match (success, stderr.is_empty()) {
            (true, true) => None,
            (false, true) => Some("ffmpeg exited with an error".to_string()),
            (_, false) => Some(stderr),
        };
        if let Some(said) = said {
            if self.emitted == 0 {
                self.done = true;
                return Err(FeatureError::Ffmpeg {
                    path: self.path.clone(),
                    reason: said,
                });
            }
            self.warn_here(format!("ffmpeg: {said}"));
        }
        self.end_of_stream(None)
    }

    /// Skips a packet the decoder rejected; gives up after too many in a row.
    fn skip_packet(&mut self, error: SymError) -> Result<()> {
        if let SymError::ResetRequired = error {
            if let Source::Symphonia { decoder, .. } = &mut self.source {
                decoder.reset();
            }
            return Ok(());
        }
        // Any other error, "I/O" ones included (decoders read packets from memory, so these
        // mean a malformed packet), skips the packet.
        let message = error.to_string();
        self.first_error.get_or_insert_with(|| message.clone());
        self.skipped_packets += 1;
        self.errors_in_a_row += 1;
        if self.skipped_packets <= MAX_SKIP_WARNINGS {
            self.warn_here(format!("undecodable packet skipped: {message}"));
        }
        if self.errors_in_a_row >= MAX_ERRORS_IN_A_ROW {
            self.warn_here(format!(
                "{MAX_ERRORS_IN_A_ROW} undecodable packets in a row; decoding stopped"
            ));
            self.end_of_stream(None)?;
        }
        Ok(())
    }

    /// Ends the stream: turns a demuxer error into a warning (truncation, damage), adds the
    /// summary warnings, and fails when nothing at all was decoded.
    fn end_of_stream(&mut self, error: Option<SymError>) -> Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        let mut truncated = false;
        match error {
            None => {}
            Some(SymError::IoError(e)) if is_eof(&e) => {
                truncated = true;
                self.warn_here("the file ends unexpectedly (truncated?)".to_string());
            }
            Some(SymError::IoError(e)) if is_os_error(&e) => {
                return Err(FeatureError::Io {
                    path: self.path.clone(),
                    source: e,
                });
            }
            Some(SymError::ResetRequired) => {
                self.warn_here(
                    "a chained stream of another sample rate or codec follows; decoding stopped"
                        .to_string(),
                );
            }
            Some(e) => {
                let message = e.to_string();
                self.first_error.get_or_insert_with(|| message.clone());
                self.warn_here(format!("damaged stream, decoding stopped: {message}"));
            }
        }
        if self.skipped_packets > MAX_SKIP_WARNINGS {
            let more = self.skipped_packets - MAX_SKIP_WARNINGS;
            self.warn(
                None,
                format!(
                    "{more} more undecodable packets skipped ({} in all)",
                    self.skipped_packets
                ),
            );
        }
        if self.emitted == 0 {
            return Err(self.nothing_decoded_error());
        }
        if !truncated {
            self.check_length();
        }
        Ok(())
    }

    /// Warns when the container announced clearly more frames than were decoded.
    fn check_length(&mut self) {
        let Some(expected) = self.expected_frames else {
            return;
        };
        // About an MP3 frame of slack: containers count the edges differently. A CAF counts
        // whole packets (4096 frames for ALAC), the last one partly padding: one packet there.
        let slack = if self.counts_whole_packets {
            self.largest_packet.max(1152)
        } else {
            1152
        };
        if self.emitted + slack < expected {
            let message = format!(
                "decoded {} frames but the container announces {expected} (truncated or damaged?)",
                self.emitted
            );
            self.warn_here(message);
        }
    }

    /// NoAudio for a stream that is really empty; Corrupt when packets failed or the container
    /// announced frames that never came.
    fn nothing_decoded_error(&self) -> FeatureError {
        let reason = match (&self.first_error, self.expected_frames) {
            (Some(reason), _) => reason.clone(),
            (None, Some(n)) if n > 0 => {
                format!("no decodable audio although the container announces {n} frames")
            }
            (None, _) => {
                return FeatureError::NoAudio {
                    path: self.path.clone(),
                }
            }
        };
        FeatureError::Corrupt {
            path: self.path.clone(),
            position_s: Some(0.0),
            reason,
        }
    }

    /// Records a warning at the current decoding position.
    fn warn_here(&mut self, message: String) {
        let position = self.decoded as f64 / f64::from(self.sample_rate);
        self.warn(Some(position), message);
    }

    fn warn(&mut self, position_s: Option<f64>, message: String) {
        log::debug!("{}: {message}", self.path.display());
        self.warnings.push(DecodeWarning {
            position_s,
            message,
        });
    }
}

/// Runs symphonia's probe on `file`, as a seekable source or as a plain stream. `Err(None)`
/// means the probe panicked.
fn probe(
    path: &Path,
    mut file: File,
    streaming: bool,
) -> std::result::Result<Box<dyn FormatReader>, Option<SymError>> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Some(SymError::IoError(e)))?;
    let source: Box<dyn MediaSource> = if streaming {
        Box::new(ReadOnlySource::new(file))
    } else {
        Box::new(file)
    };
    let mss = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probe = symphonia::default::get_probe();
    // symphonia is not panic-free on hostile input: a panic is reported as damage.
    catch_unwind(AssertUnwindSafe(|| {
        probe.probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
    }))
    .map_err(|_| None)?
    .map_err(Some)
}

fn probe_error(path: &Path, error: Option<SymError>) -> FeatureError {
    match error {
        Some(e) => open_error(path, e),
        None => panic_error(path, None),
    }
}

/// Opens `path` for reading if it is a non-empty regular file (symlinks are followed).
fn open_regular_file(path: &Path) -> Result<File> {
    let io_err = |source: io::Error| FeatureError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    if !meta.is_file() {
        return Err(FeatureError::Unsupported {
            path: path.to_path_buf(),
            reason: "not a regular file".to_string(),
        });
    }
    if meta.len() == 0 {
        return Err(FeatureError::NoAudio {
            path: path.to_path_buf(),
        });
    }
    File::open(path).map_err(io_err)
}

fn check_sample_rate(path: &Path, params: &AudioCodecParameters) -> Result<u32> {
    match params.sample_rate {
        Some(rate) if (1..=MAX_SAMPLE_RATE).contains(&rate) => Ok(rate),
        other => Err(FeatureError::InvalidSampleRate {
            path: path.to_path_buf(),
            sample_rate: other.unwrap_or(0),
        }),
    }
}

/// The declared channel count; 0 (filled in from the first decoded packet) when undeclared.
fn check_channels(path: &Path, params: &AudioCodecParameters) -> Result<usize> {
    match params.channels.as_ref().map(|c| c.count()) {
        None => Ok(0),
        Some(n) if (1..=MAX_CHANNELS).contains(&n) => Ok(n),
        Some(n) => Err(FeatureError::InvalidChannels {
            path: path.to_path_buf(),
            channels: n,
        }),
    }
}

fn is_eof(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::UnexpectedEof
}

/// A real error of the operating system, as opposed to symphonia's parsers reporting malformed
/// data ("unexpected end of bitstream") through `io::Error`.
fn is_os_error(e: &io::Error) -> bool {
    e.raw_os_error().is_some()
}

/// Maps an error of the probe (format recognition and header parsing).
fn open_error(path: &Path, error: SymError) -> FeatureError {
    let path = path.to_path_buf();
    match error {
        SymError::IoError(e) if is_eof(&e) => FeatureError::Unsupported {
            path,
            reason: "no audio format recognised before the end of the file".to_string(),
        },
        SymError::IoError(source) if is_os_error(&source) => FeatureError::Io { path, source },
        SymError::Unsupported(what) => FeatureError::Unsupported {
            path,
            reason: what.to_string(),
        },
        SymError::DecodeError(what) => FeatureError::Corrupt {
            path,
            position_s: None,
            reason: what.to_string(),
        },
        other => FeatureError::Corrupt {
            path,
            position_s: None,
            reason: other.to_string(),
        },
    }
}

/// Maps an error of the decoder's construction.
fn decoder_error(path: &Path, codec: &str, error: SymError) -> FeatureError {
    let path = path.to_path_buf();
    match error {
        SymError::Unsupported(what) => FeatureError::Unsupported {
            path,
            reason: format!("codec {codec}: {what}"),
        },
        SymError::IoError(source) if is_os_error(&source) => FeatureError::Io { path, source },
        other => FeatureError::Corrupt {
            path,
            position_s: None,
            reason: format!("codec {codec}: {other}"),
        },
    }
}

/// The error for a panic inside symphonia.
fn panic_error(path: &Path, position_s: Option<f64>) -> FeatureError {
    FeatureError::Corrupt {
        path: path.to_path_buf(),
        position_s,
        reason: "the demuxer panicked on this file".to_string(),
    }
}

/// The format of a file no native decoder reads, in words, for [`FeatureError::NeedsFfmpeg`]:
/// from the native decoder's `reason` (AAC variants) or the content (compressed WAV), else the
/// extension. `None` when nothing says it is a format ffmpeg reads and we do not (an
/// unrecognised `.mp3` is damaged or not audio: installing ffmpeg is no advice for it).
fn format_name(path: &Path, reason: &str) -> Option<String> {
    if reason.starts_with("HE-AAC") {
        return Some(reason.split(' ').next().unwrap_or("HE-AAC").to_string());
    }
    if reason.starts_with("AAC") {
        return Some("multichannel AAC".to_string());
    }
    if let Some(codec) =
        reason.strip_suffix(" audio in a container read natively: no native decoder")
    {
        return Some(codec.to_string());
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let named = match ext.as_str() {
        "wma" | "asf" => "WMA",
        "ape" => "Monkey's Audio (APE)",
        "wv" => "WavPack",
        "mpc" | "mp+" => "Musepack",
        "tta" => "TTA",
        "dsf" | "dff" => "DSD",
        "ac3" => "AC-3",
        "eac3" | "ec3" => "E-AC-3",
        "dts" => "DTS",
        "amr" => "AMR",
        "spx" => "Speex",
        "ra" | "rm" => "RealAudio",
        "mid" | "midi" => "MIDI",
        "wav" | "wave" => {
            return wav::format_tag(path).map(|tag| match tag {
                0x0055 => "MP3 inside WAV".to_string(),
                0x2000 => "AC-3 inside WAV".to_string(),
                0x0031 => "GSM inside WAV".to_string(),
                tag => format!("WAV format 0x{tag:04x}"),
            })
        }
        _ => return None,
    };
    Some(named.to_string())
}
