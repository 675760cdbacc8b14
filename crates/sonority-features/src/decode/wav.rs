//! A small reader for uncompressed WAV (RIFF and RF64), written by hand.
//!
//! symphonia's WAV reader maps channels to speaker positions and so refuses more than 26
//! channels (and overflows on a WAVE_FORMAT_EXTENSIBLE header with 32 channels and an empty
//! channel mask); hound has no 64-bit float and scales by the "valid bits" instead of the
//! container. This reader takes what libsndfile (librosa's reader) takes for PCM WAV: integer
//! samples of 1 to 4 bytes (8-bit unsigned, wider signed, scaled by the container width) and
//! 32/64-bit IEEE float, plain or WAVE_FORMAT_EXTENSIBLE, any channel count. Other WAV codecs
//! (ADPCM, A-law, mu-law, ...) are left to symphonia.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::convert::{Planes, SampleKind};

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// The last 14 bytes of the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs.
const GUID_TAIL: [u8; 14] = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71];
/// Frames read per call.
const FRAMES_PER_READ: usize = 4096;
/// Chunks looked at before `data` (a WAV with more is not worth reading).
const MAX_CHUNKS: usize = 1024;

/// What the header of a WAV file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WavHeader {
    pub kind: SampleKind,
    pub channels: usize,
    pub sample_rate: u32,
    /// Bytes per frame.
    pub block_align: usize,
    /// File offset of the first sample.
    pub data_start: u64,
    /// Bytes of sample data declared by the header (`None`: up to the end of the file).
    pub data_len: Option<u64>,
}

impl WavHeader {
    /// The ffmpeg-style codec name.
    pub(crate) fn codec_name(&self) -> &'static str {
        match self.kind {
            SampleKind::U8 => "pcm_u8",
            SampleKind::S16 => "pcm_s16le",
            SampleKind::S24 => "pcm_s24le",
            SampleKind::S32 => "pcm_s32le",
            SampleKind::F32 => "pcm_f32le",
            SampleKind::F64 => "pcm_f64le",
        }
    }
}

/// The outcome of looking at a file's first bytes.
#[derive(Debug)]
pub(crate) enum Sniff {
    /// Not a RIFF/RF64 WAVE file, or a WAV codec this reader leaves to symphonia.
    NotHandled,
    /// A PCM or float WAV this reader decodes.
    Wav(WavHeader),
    /// A WAV header with an impossible field (0 channels, 0 Hz).
    Invalid { sample_rate: u32, channels: usize },
}

/// Reads the header of `file` (from its start) if it is a WAV this module handles.
pub(crate) fn sniff(file: &mut File) -> io::Result<Sniff> {
    let file_len = file.metadata()?.len();
    file.seek(SeekFrom::Start(0))?;
    let mut r = BufReader::new(file);
    let mut head = [0u8; 12];
    if read_full(&mut r, &mut head)? < 12 || &head[8..12] != b"WAVE" {
        return Ok(Sniff::NotHandled);
    }
    let rf64 = match &head[0..4] {
        b"RIFF" => false,
        b"RF64" => true,
        _ => return Ok(Sniff::NotHandled),
    };
    let mut pos = 12u64;
    let mut fmt: Option<Fmt> = None;
    let mut rf64_data_len = None;
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        if read_full(&mut r, &mut chunk)? < 8 {
            return Ok(Sniff::NotHandled);
        }
        let size = u64::from(le_u32(&chunk[4..8]));
        let id = &chunk[0..4];
        pos += 8;
        match id {
            b"fmt " => {
                let mut body = vec![0u8; size.min(256) as usize];
                let got = read_full(&mut r, &mut body)?;
                fmt = Some(match Fmt::parse(&body[..got]) {
                    Some(f) => f,
                    None => return Ok(Sniff::NotHandled),
                });
                skip(&mut r, size.saturating_sub(got as u64) + (size & 1))?;
            }
            b"ds64" if rf64 => {
                let mut body = [0u8; 16];
                let got = read_full(&mut r, &mut body)?;
                if got == 16 {
                    rf64_data_len = Some(le_u64(&body[8..16]));
                }
                skip(&mut r, size.saturating_sub(got as u64) + (size & 1))?;
            }
            b"data" => {
                let Some(fmt) = fmt else {
                    return Ok(Sniff::NotHandled);
                };
                let declared = if rf64 && size == 0xFFFF_FFFF {
                    rf64_data_len
                } else {
                    Some(size)
                };
                let data_len = declared.filter(|&n| n != 0xFFFF_FFFF || file_len > pos + n);
                return Ok(fmt.into_sniff(pos, data_len));
            }
            _ => skip(&mut r, size + (size & 1))?,
        }
        pos += size + (size & 1);
    }
    Ok(Sniff::NotHandled)
}

/// The format tag of a RIFF/WAVE file's `fmt ` chunk (the sub-format's for an extensible one),
/// when one is found in the file's first 64 kB: names a compressed WAV in error messages.
pub(crate) fn format_tag(path: &Path) -> Option<u16> {
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    if !matches!(head.get(0..4)?, b"RIFF" | b"RF64") || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12usize;
    while let Some(chunk) = head.get(at..at + 8) {
        let size = le_u32(&chunk[4..8]) as usize;
        if &chunk[0..4] == b"fmt " {
            let body = head.get(at + 8..(at + 8 + size).min(head.len()))?;
            let tag = le_u16(body.get(0..2)?);
            return if tag == WAVE_FORMAT_EXTENSIBLE {
                body.get(24..26).map(le_u16)
            } else {
                Some(tag)
            };
        }
        at = at.checked_add(8 + size + (size & 1))?;
    }
    None
}

/// The `fmt ` chunk.
#[derive(Debug, Clone, Copy)]
struct Fmt {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
}

impl Fmt {
    fn parse(body: &[u8]) -> Option<Fmt> {
        if body.len() < 16 {
            return None;
        }
        let mut fmt = Fmt {
            tag: le_u16(&body[0..2]),
            channels: le_u16(&body[2..4]),
            sample_rate: le_u32(&body[4..8]),
            block_align: le_u16(&body[12..14]),
            bits: le_u16(&body[14..16]),
        };
        if fmt.tag == WAVE_FORMAT_EXTENSIBLE {
            // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): the GUID's first two
            // bytes are the real format tag.
            let guid = body.get(24..40)?;
            if guid[2..] != GUID_TAIL {
                return None;
            }
            fmt.tag = le_u16(&guid[0..2]);
        }
        Some(fmt)
    }

    fn into_sniff(self, data_start: u64, data_len: Option<u64>) -> Sniff {
        let kind = match self.kind() {
            Some(kind) => kind,
            None => return Sniff::NotHandled,
        };
        if self.channels == 0 || self.sample_rate == 0 {
            return Sniff::Invalid {
                sample_rate: self.sample_rate,
                channels: usize::from(self.channels),
            };
        }
        let channels = usize::from(self.channels);
        if usize::from(self.block_align) != channels * kind.bytes() {
            return Sniff::NotHandled;
        }
        Sniff::Wav(WavHeader {
            kind,
            channels,
            sample_rate: self.sample_rate,
            block_align: usize::from(self.block_align),
            data_start,
            data_len,
        })
    }

    /// The sample layout, from the container width (block_align / channels) as libsndfile
    /// reads it, or from the bit depth when the channel count is 0.
    fn kind(&self) -> Option<SampleKind> {
        let bytes = match self.channels {
            0 => usize::from(self.bits).div_ceil(8),
            n => usize::from(self.block_align) / usize::from(n),
        };
        match (self.tag, bytes) {
            (WAVE_FORMAT_PCM, 1) => Some(SampleKind::U8),
            (WAVE_FORMAT_PCM, 2) => Some(SampleKind::S16),
            (WAVE_FORMAT_PCM, 3) => Some(SampleKind::S24),
            (WAVE_FORMAT_PCM, 4) => Some(SampleKind::S32),
            (WAVE_FORMAT_IEEE_FLOAT, 4) if self.bits == 32 => Some(SampleKind::F32),
            (WAVE_FORMAT_IEEE_FLOAT, 8) if self.bits == 64 => Some(SampleKind::F64),
            _ => None,
        }
    }
}

/// Reads the sample data of a WAV file block by block.
pub(crate) struct WavSource {
    reader: BufReader<File>,
    header: WavHeader,
    /// Bytes of sample data still expected (`None`: read to the end of the file).
    remaining: Option<u64>,
    buf: Vec<u8>,
}

/// The result of one [`WavSource::read`].
pub(crate) enum WavRead {
    /// Whole frames were converted into the planes.
    Frames,
    /// The data ended where the header said it would (or at the end of an open-ended file).
    End,
    /// The file ended before the declared data did (a partial frame is dropped).
    Truncated,
}

impl WavSource {
    pub(crate) fn new(mut file: File, header: WavHeader) -> io::Result<WavSource> {
        file.seek(SeekFrom::Start(header.data_start))?;
        Ok(WavSource {
            reader: BufReader::with_capacity(1 << 16, file),
            remaining: header.data_len,
            buf: Vec::new(),
            header,
        })
    }

    /// Reads up to [`FRAMES_PER_READ`] frames into `planes`.
    pub(crate) fn read(&mut self, planes: &mut Planes) -> io::Result<WavRead> {
        let block = self.header.block_align;
        let mut want = (FRAMES_PER_READ * block) as u64;
        if let Some(left) = self.remaining {
            want = want.min(left - left % block as u64);
            if want == 0 {
                return Ok(WavRead::End);
            }
        }
        self.buf.resize(want as usize, 0);
        let got = read_full(&mut self.reader, &mut self.buf)?;
        let frames = got / block;
        if let Some(left) = self.remaining.as_mut() {
            *left -= got as u64;
        }
        if frames == 0 {
            let declared_more = self.remaining.is_some_and(|left| left >= block as u64);
            return Ok(if declared_more || got > 0 {
                WavRead::Truncated
            } else {
                WavRead::End
            });
        }
        planes.fill_interleaved(
            &self.buf[..frames * block],
            self.header.channels,
            self.header.kind,
        );
        if got % block != 0 {
            // A partial frame at the very end: keep the whole frames, report the damage next.
            self.remaining = Some(block as u64);
        }
        Ok(WavRead::Frames)
    }
}

/// Reads until `buf` is full or the input ends; returns the number of bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn skip(r: &mut BufReader<&mut File>, n: u64) -> io::Result<()> {
    r.seek_relative(i64::try_from(n).unwrap_or(i64::MAX))
}

fn le_u16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits.div_ceil(8);
        let mut b = Vec::new();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        b.extend_from_slice(&align.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b
    }

    fn header(fmt: &[u8]) -> Sniff {
        Fmt::parse(fmt).map_or(Sniff::NotHandled, |f| f.into_sniff(44, Some(0)))
    }

    #[test]
    fn formats_map_to_sample_kinds() {
        let kind = |tag, bits| match header(&fmt_body(tag, 2, 44100, bits)) {
            Sniff::Wav(h) => Some(h.kind),
            _ => None,
        };
        assert_eq!(kind(1, 8), Some(SampleKind::U8));
        assert_eq!(kind(1, 16), Some(SampleKind::S16));
        assert_eq!(kind(1, 20), Some(SampleKind::S24));
        assert_eq!(kind(1, 24), Some(SampleKind::S24));
        assert_eq!(kind(1, 32), Some(SampleKind::S32));
        assert_eq!(kind(3, 32), Some(SampleKind::F32));
        assert_eq!(kind(3, 64), Some(SampleKind::F64));
        assert_eq!(kind(2, 4), None); // ADPCM: symphonia's job
        assert_eq!(kind(6, 8), None); // A-law: symphonia's job
    }

    #[test]
    fn extensible_uses_the_subformat_and_any_channel_count() {
        let mut b = fmt_body(WAVE_FORMAT_EXTENSIBLE, 32, 8000, 16);
        b.extend_from_slice(&22u16.to_le_bytes());
        b.extend_from_slice(&16u16.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&GUID_TAIL);
        match header(&b) {
            Sniff::Wav(h) => {
                assert_eq!(
                    (h.kind, h.channels, h.block_align),
                    (SampleKind::S16, 32, 64)
                );
            }
            other => panic!("{other:?}"),
        }
        let last = b.len() - 1;
        b[last] ^= 0xFF; // not the PCM GUID any more
        assert!(matches!(header(&b), Sniff::NotHandled));
    }

    #[test]
    fn zero_channels_or_rate_are_invalid() {
        assert!(matches!(
            header(&fmt_body(1, 0, 44100, 16)),
            Sniff::Invalid { channels: 0, .. }
        ));
        assert!(matches!(
            header(&fmt_body(1, 1, 0, 16)),
            Sniff::Invalid { sample_rate: 0, .. }
        ));
        assert!(matches!(header(&[1, 0, 2]), Sniff::NotHandled));
    }
}
