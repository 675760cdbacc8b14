//! Decoding through an `ffmpeg` executable, for what the native decoders cannot read (WMA, APE,
//! WavPack, Musepack, TTA, DSD, AC-3, DTS, AMR, Speex, multichannel and HE-AAC, MP3 inside
//! WAV, ...).
//!
//! Nothing is linked: ffmpeg runs as a child process and writes 32-bit float WAV to a pipe,
//! `ffmpeg -nostdin -v error -i file:PATH -map 0:a:0 -c:a pcm_f32le -f wav -`, whose header
//! states the channel count and rate of what it actually decodes (an HE-AACv2 file comes out
//! as stereo at the SBR rate, whatever its container says). The samples then go through the
//! same downmix, resampling and features as every other file; lengths and trimming are
//! ffmpeg's. `ffprobe` (shipped with ffmpeg) names the codec, when it is there. The child is
//! killed when the stream is dropped, so an abandoned analysis leaves no process behind;
//! ffmpeg's error output is collected on a thread (so a chatty ffmpeg cannot block on a full
//! pipe) and reported in the error or the warnings.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;

use super::convert::{Planes, SampleKind};
use crate::error::{FeatureError, Result};

/// Frames read from the pipe at a time.
const BLOCK_FRAMES: usize = 4096;
/// The most bytes of ffmpeg's error output kept.
const MAX_STDERR: usize = 16 * 1024;
/// The largest header chunk accepted before the data (ffmpeg writes a few dozen bytes).
const MAX_HEADER_CHUNK: u32 = 1 << 20;
/// WAVE format tags: IEEE float, and extensible (whose sub-format then says float).
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// The executable `name` (`ffmpeg`, `ffprobe`) found in a folder of `PATH`, if any.
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let file = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join(&file))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Whether an `ffmpeg` executable is on `PATH` (what the `auto` decoder falls back to).
pub fn ffmpeg_available() -> bool {
    find_program("ffmpeg").is_some()
}

/// `file:PATH`: ffmpeg reads a plain file even when the name looks like a protocol
/// (`concat:...`, `http:...`) or an option (`-x.wav`).
fn file_url(path: &Path) -> OsString {
    let mut url = OsString::from("file:");
    url.push(path.as_os_str());
    url
}

/// What ffprobe says about the first audio stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ProbeInfo {
    /// ffmpeg's codec name ("wmav2", "ape", "ac3", ...).
    pub codec: Option<String>,
    /// ffmpeg's profile name ("HE-AAC", "HE-AACv2", "LC", ...), when the codec has profiles.
    pub profile: Option<String>,
    /// The stream's duration in seconds, when stated.
    pub duration_s: Option<f64>,
}

/// Runs ffprobe on `path`. `Ok(None)` when ffprobe is not installed; `Err` with ffprobe's
/// message when it cannot read the file.
pub(crate) fn probe(path: &Path) -> Result<Option<ProbeInfo>> {
    let Some(ffprobe) = find_program("ffprobe") else {
        return Ok(None);
    };
    let output = Command::new(ffprobe)
        .args(["-v", "error", "-select_streams", "a:0", "-show_entries"])
        .arg("stream=codec_name,profile,duration")
        .args(["-of", "json", "-i"])
        .arg(file_url(path))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ffmpeg_error(path, format!("cannot run ffprobe: {e}")))?;
    if !output.status.success() {
        let message = first_lines(&String::from_utf8_lossy(&output.stderr));
        return Err(ffmpeg_error(path, message));
    }
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| ffmpeg_error(path, format!("ffprobe's output is not JSON: {e}")))?;
    let Some(stream) = doc["streams"].as_array().and_then(|s| s.first()) else {
        return Err(FeatureError::NoAudio {
            path: path.to_path_buf(),
        });
    };
    let text = |key: &str| stream[key].as_str().map(str::to_string);
    Ok(Some(ProbeInfo {
        codec: text("codec_name"),
        profile: text("profile"),
        duration_s: text("duration").and_then(|d| d.parse().ok()),
    }))
}

/// One read from the pipe.
pub(crate) enum FfmpegRead {
    /// Samples are in the planes.
    Frames,
    /// ffmpeg has finished: whether it exited successfully, and its error output.
    End {
        /// It exited with status 0.
        success: bool,
        /// What it wrote to stderr (a few lines; empty when it said nothing).
        stderr: String,
    },
}

/// An ffmpeg child process decoding one file to float WAV on its stdout.
pub(crate) struct FfmpegSource {
    child: Child,
    stdout: ChildStdout,
    stderr: Option<JoinHandle<String>>,
    /// The channel count and rate of ffmpeg's output (from its WAV header).
    pub channels: usize,
    /// The sample rate of ffmpeg's output.
    pub sample_rate: u32,
    buf: Vec<u8>,
    /// Bytes of an incomplete frame at the start of `buf`, left from the last read.
    carry: usize,
    finished: bool,
}

impl std::fmt::Debug for FfmpegSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FfmpegSource")
            .field("pid", &self.child.id())
            .field("channels", &self.channels)
            .field("sample_rate", &self.sample_rate)
            .finish_non_exhaustive()
    }
}

impl Drop for FfmpegSource {
    fn drop(&mut self) {
        // Stopped early (an error downstream, an abandoned analysis): do not leave it running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FfmpegSource {
    /// Starts ffmpeg on `path` and reads the WAV header it writes. Errors:
    /// [`FeatureError::NeedsFfmpeg`] when ffmpeg is not installed (`format` names the format
    /// in words), [`FeatureError::Ffmpeg`] with ffmpeg's message when it cannot decode the file.
    pub(crate) fn spawn(path: &Path, format: &str) -> Result<Self> {
        let Some(ffmpeg) = find_program("ffmpeg") else {
            return Err(FeatureError::NeedsFfmpeg {
                path: path.to_path_buf(),
                format: format.to_string(),
                reason: "no ffmpeg executable on PATH".to_string(),
            });
        };
        let mut child = Command::new(ffmpeg)
            .args(ffmpeg_args(&file_url(path)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ffmpeg_error(path, format!("cannot run ffmpeg: {e}")))?;
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read to the end (so ffmpeg never blocks on a full pipe), keep the start.
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    let room = MAX_STDERR.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
                String::from_utf8_lossy(&kept).into_owned()
            })
        });
        let Some(mut stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ffmpeg_error(path, "no output pipe".to_string()));
        };
        let header = read_wav_header(&mut stdout);
        let mut source = FfmpegSource {
            child,
            stdout,
            stderr,
            channels: 0,
            sample_rate: 0,
            buf: Vec::new(),
            carry: 0,
            finished: false,
        };
        if let Ok(Some((channels, sample_rate))) = header {
            source.channels = channels;
            source.sample_rate = sample_rate;
            return Ok(source);
        }
        // Nothing usable came out: ffmpeg has ended (or ends on the closed pipe when `source`
        // is dropped), and its own message says why.
        let (status, stderr) = source.finish();
        if stderr.contains("matches no streams") {
            return Err(FeatureError::NoAudio {
                path: path.to_path_buf(),
            });
        }
        let message = if stderr.is_empty() {
            format!("ffmpeg wrote no WAV header ({status})")
        } else {
            stderr
        };
        Err(ffmpeg_error(path, message))
    }

    /// Reads the next block of frames into `planes`.
    pub(crate) fn read(&mut self, planes: &mut Planes) -> io::Result<FfmpegRead> {
        if self.finished {
            return Ok(FfmpegRead::End {
                success: true,
                stderr: String::new(),
            });
        }
        let frame = self.channels * 4;
        let want = BLOCK_FRAMES * frame;
        self.buf.resize(want, 0);
        let mut filled = self.carry;
        while filled < want {
            match self.stdout.read(&mut self.buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let whole = filled - filled % frame;
        if whole == 0 {
            // The pipe is closed (a partial last frame, never seen, is dropped).
            self.finished = true;
            let (success, stderr) = self.finish();
            return Ok(FfmpegRead::End {
                success: success.success(),
                stderr,
            });
        }
        planes.fill_interleaved(&self.buf[..whole], self.channels, SampleKind::F32);
        self.buf.copy_within(whole..filled, 0);
        self.carry = filled - whole;
        Ok(FfmpegRead::Frames)
    }

    /// Waits for the child and collects its error output.
    fn finish(&mut self) -> (ExitStatus, String) {
        let status = match self.child.wait() {
            Ok(status) => status,
            Err(_) => {
                let _ = self.child.kill();
                self.child.wait().unwrap_or_default()
            }
        };
        let stderr = self
            .stderr
            .take()
            .and_then(|handle| handle.join().ok())
            .map(|text| first_lines(&text))
            .unwrap_or_default();
        (status, stderr)
    }
}

/// ffmpeg's arguments: the first audio stream of `input` as 32-bit float WAV on stdout.
fn ffmpeg_args(input: &OsStr) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-nostdin", "-hide_banner", "-v", "error", "-i"]
        .iter()
        .map(OsString::from)
        .collect();
    args.push(input.to_os_string());
    args.extend(
        [
            "-map",
            "0:a:0",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-c:a",
            "pcm_f32le",
            "-f",
            "wav",
            "-",
        ]
        .iter()
        .map(OsString::from),
    );
    args
}

/// Reads a RIFF/WAVE header up to the start of the `data` chunk and returns the channel count
/// and rate of its 32-bit float samples. `Ok(None)` when the stream ends first or is not float
/// WAV (ffmpeg failed before writing anything).
fn read_wav_header(r: &mut impl Read) -> io::Result<Option<(usize, u32)>> {
    let mut riff = [0u8; 12];
    if !read_full(r, &mut riff)? || &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Ok(None);
    }
    let mut format = None;
    loop {
        let mut head = [0u8; 8];
        if !read_full(r, &mut head)? {
            return Ok(None);
        }
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if &head[0..4] == b"data" {
            return Ok(format);
        }
        if size > MAX_HEADER_CHUNK {
            return Ok(None);
        }
        let mut body = vec![0u8; size as usize + (size as usize & 1)];
        if !read_full(r, &mut body)? {
            return Ok(None);
        }
        if &head[0..4] == b"fmt " {
            format = parse_fmt(&body);
            if format.is_none() {
                return Ok(None);
            }
        }
    }
}

/// Channels and rate of a `fmt ` chunk of 32-bit IEEE float samples.
fn parse_fmt(body: &[u8]) -> Option<(usize, u32)> {
    let u16_at = |i: usize| Some(u16::from_le_bytes([*body.get(i)?, *body.get(i + 1)?]));
    let tag = u16_at(0)?;
    let channels = usize::from(u16_at(2)?);
    let rate = u32::from_le_bytes(body.get(4..8)?.try_into().ok()?);
    let bits = u16_at(14)?;
    let float = match tag {
        WAVE_FORMAT_IEEE_FLOAT => true,
        // The sub-format GUID starts with the format tag.
        WAVE_FORMAT_EXTENSIBLE => u16_at(24)? == WAVE_FORMAT_IEEE_FLOAT,
        _ => false,
    };
    (float && bits == 32 && channels > 0 && rate > 0).then_some((channels, rate))
}

/// Fills `buf` completely; `false` when the stream ends first.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match r.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The first few lines of ffmpeg's error output, trimmed.
fn first_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = lines.iter().take(4).copied().collect::<Vec<_>>().join("; ");
    if lines.len() > 4 {
        out.push_str(&format!(" (and {} more lines)", lines.len() - 4));
    }
    out
}

fn ffmpeg_error(path: &Path, reason: String) -> FeatureError {
    FeatureError::Ffmpeg {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav_head(tag: u16, channels: u16, rate: u32, extra: &[u8]) -> Vec<u8> {
        let mut fmt = Vec::new();
        fmt.extend(tag.to_le_bytes());
        fmt.extend(channels.to_le_bytes());
        fmt.extend(rate.to_le_bytes());
        fmt.extend((rate * 4 * u32::from(channels)).to_le_bytes());
        fmt.extend((4 * channels).to_le_bytes());
        fmt.extend(32u16.to_le_bytes());
        fmt.extend_from_slice(extra);
        let mut out = b"RIFF\xff\xff\xff\xffWAVE".to_vec();
        out.extend(b"LIST\x03\0\0\0abc\0");
        out.extend(b"fmt ");
        out.extend((fmt.len() as u32).to_le_bytes());
        out.extend(fmt);
        out.extend(b"data\xff\xff\xff\xff");
        out
    }

    #[test]
    fn float_wav_headers_are_read() {
        let plain = wav_head(3, 2, 44100, &[0, 0]);
        assert_eq!(
            read_wav_header(&mut plain.as_slice()).unwrap(),
            Some((2, 44100))
        );
        // Extensible, sub-format IEEE float (3), as ffmpeg writes for more than 2 channels.
        let mut ext = vec![22, 0, 32, 0, 0x3f, 0, 0, 0, 3, 0];
        ext.extend([0u8; 14]);
        let six = wav_head(0xFFFE, 6, 48000, &ext);
        assert_eq!(
            read_wav_header(&mut six.as_slice()).unwrap(),
            Some((6, 48000))
        );
        // Integer PCM, a cut header, and no header at all are refused.
        let pcm = wav_head(1, 2, 44100, &[0, 0]);
        assert_eq!(read_wav_header(&mut pcm.as_slice()).unwrap(), None);
        assert_eq!(read_wav_header(&mut &plain[..30]).unwrap(), None);
        assert_eq!(read_wav_header(&mut &b""[..]).unwrap(), None);
    }

    #[test]
    fn input_is_a_file_url() {
        let args = ffmpeg_args(&file_url(Path::new("concat:a.wav|b.wav")));
        assert!(args.contains(&OsString::from("file:concat:a.wav|b.wav")));
    }

    #[test]
    fn error_output_is_shortened() {
        assert_eq!(first_lines("a\n\n b \nc"), "a; b; c");
        assert_eq!(
            first_lines("1\n2\n3\n4\n5\n6"),
            "1; 2; 3; 4 (and 2 more lines)"
        );
    }
}
