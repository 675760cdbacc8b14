//! Recognising audio from the first bytes of a file, so that a text file or a picture named
//! `.mp3` is reported as "not audio" rather than as a broken audio file.
//!
//! The check is deliberately lenient: it accepts every container that `sonority-features`
//! decodes (whatever the extension says), and a file that passes it but does not decode is
//! reported by the decoder.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// How many bytes are read from the start of a file.
const SNIFF_LEN: usize = 16 * 1024;

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// An audio container or stream: "wav", "aiff", "flac", "ogg", "mp4", "caf", "matroska",
    /// "id3" (ID3-tagged: MP3, or AAC or FLAC behind an ID3 tag), "mpeg" (MPEG audio frames),
    /// "adts" (raw AAC).
    Audio(&'static str),
    /// Something else: "empty file", "text file", "JPEG image", "PNG image", "GIF image",
    /// "PDF document", "ZIP archive", "unrecognised content".
    NotAudio(&'static str),
}

/// Reads the start of `path` and recognises it. Errors are those of opening and reading it.
pub fn sniff_file(path: &Path) -> std::io::Result<Sniffed> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; SNIFF_LEN];
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(sniff_bytes(&buf, filled < SNIFF_LEN))
}

/// Recognises the start of a file. `whole_file` says that `bytes` is the entire file (so a
/// single MPEG frame that runs to its end is accepted).
pub fn sniff_bytes(bytes: &[u8], whole_file: bool) -> Sniffed {
    if bytes.is_empty() {
        return Sniffed::NotAudio("empty file");
    }
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if (at(0, b"RIFF") || at(0, b"RF64") || at(0, b"BW64")) && at(8, b"WAVE") {
        return Sniffed::Audio("wav");
    }
    if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return Sniffed::Audio("aiff");
    }
    if at(0, b"fLaC") {
        return Sniffed::Audio("flac");
    }
    if at(0, b"OggS") {
        return Sniffed::Audio("ogg");
    }
    if at(4, b"ftyp") {
        return Sniffed::Audio("mp4");
    }
    if at(0, b"caff") {
        return Sniffed::Audio("caf");
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Sniffed::Audio("matroska");
    }
    if at(0, b"ID3") {
        return Sniffed::Audio("id3");
    }
    // Formats `sonority-features` reads through ffmpeg (when it is installed).
    if let Some(kind) = ffmpeg_format(bytes) {
        return Sniffed::Audio(kind);
    }
    if at(0, b"MThd") {
        return Sniffed::NotAudio("MIDI file (notes, not sound)");
    }
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Sniffed::NotAudio("JPEG image");
    }
    if at(0, b"\x89PNG") {
        return Sniffed::NotAudio("PNG image");
    }
    if at(0, b"GIF8") {
        return Sniffed::NotAudio("GIF image");
    }
    if at(0, b"%PDF") {
        return Sniffed::NotAudio("PDF document");
    }
    if at(0, b"PK\x03\x04") {
        return Sniffed::NotAudio("ZIP archive");
    }
    if let Some(kind) = find_frames(bytes, whole_file) {
        return Sniffed::Audio(kind);
    }
    if looks_like_text(bytes) {
        Sniffed::NotAudio("text file")
    } else {
        Sniffed::NotAudio("unrecognised content")
    }
}

/// The formats only ffmpeg decodes, by their magic numbers: "asf" (WMA), "ape", "wavpack",
/// "musepack", "tta", "dsf", "dff", "ac3" (and E-AC-3), "dts", "amr", "realaudio".
fn ffmpeg_format(bytes: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    const ASF: [u8; 8] = [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11];
    const DTS: [[u8; 4]; 4] = [
        [0x7F, 0xFE, 0x80, 0x01],
        [0xFE, 0x7F, 0x01, 0x80],
        [0x1F, 0xFF, 0xE8, 0x00],
        [0xFF, 0x1F, 0x00, 0xE8],
    ];
    let kind = if at(0, &ASF) {
        "asf"
    } else if at(0, b"MAC ") {
        "ape"
    } else if at(0, b"wvpk") {
        "wavpack"
    } else if at(0, b"MPCK") || at(0, b"MP+") {
        "musepack"
    } else if at(0, b"TTA1") {
        "tta"
    } else if at(0, b"DSD ") {
        "dsf"
    } else if at(0, b"FRM8") {
        "dff"
    } else if at(0, &[0x0B, 0x77]) {
        "ac3"
    } else if DTS.iter().any(|magic| at(0, magic)) {
        "dts"
    } else if at(0, b"#!AMR") {
        "amr"
    } else if at(0, b".ra\xfd") || at(0, b".RMF") {
        "realaudio"
    } else {
        return None;
    };
    Some(kind)
}

/// Looks for MPEG audio or ADTS frames: a valid frame header followed, at the frame's length,
/// by another header of the same stream (or by the end of the file).
fn find_frames(bytes: &[u8], whole_file: bool) -> Option<&'static str> {
    let n = bytes.len();
    for i in 0..n.saturating_sub(3) {
        if bytes[i] != 0xFF || bytes[i + 1] & 0xE0 != 0xE0 {
            continue;
        }
        let Some(header) = FrameHeader::parse(&bytes[i..]) else {
            continue;
        };
        let next = i + header.len;
        match bytes.get(next..) {
            Some(rest) if rest.len() >= 4 => {
                let next_matches = FrameHeader::parse(rest).is_some_and(|h| h.same_stream(&header));
                if next_matches {
                    return Some(header.kind);
                }
            }
            _ if whole_file => return Some(header.kind),
            _ => {}
        }
    }
    None
}

/// The parts of an MPEG audio or ADTS frame header that matter here.
#[derive(Debug, Clone, Copy)]
struct FrameHeader {
    kind: &'static str,
    /// Bytes 1 and 2 with the bits that change from frame to frame masked off.
    stream: (u8, u8),
    /// Length of the whole frame in bytes.
    len: usize,
}

impl FrameHeader {
    fn parse(b: &[u8]) -> Option<Self> {
        if b.len() < 4 || b[0] != 0xFF || b[1] & 0xE0 != 0xE0 {
            return None;
        }
        let version = (b[1] >> 3) & 3; // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
        let layer = (b[1] >> 1) & 3; // 0: reserved (ADTS), 1: III, 2: II, 3: I
        if layer == 0 {
            return Self::parse_adts(b);
        }
        if version == 1 {
            return None;
        }
        let bitrate_index = usize::from(b[2] >> 4);
        let rate_index = usize::from((b[2] >> 2) & 3);
        if bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
            return None;
        }
        let padding = usize::from((b[2] >> 1) & 1);
        const V1_L1: [usize; 15] = [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ];
        const V1_L2: [usize; 15] = [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ];
        const V1_L3: [usize; 15] = [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ];
        const V2_L1: [usize; 15] = [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ];
        const V2_L23: [usize; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        const RATES: [[usize; 3]; 3] = [
            [11025, 12000, 8000],
            [22050, 24000, 16000],
            [44100, 48000, 32000],
        ];
        let mpeg1 = version == 3;
        let kbps = match (mpeg1, layer) {
            (true, 3) => V1_L1,
            (true, 2) => V1_L2,
            (true, _) => V1_L3,
            (false, 3) => V2_L1,
            (false, _) => V2_L23,
        }[bitrate_index];
        let rates = match version {
            3 => RATES[2],
            2 => RATES[1],
            _ => RATES[0],
        };
        let rate = rates[rate_index];
        let bits = kbps * 1000;
        let len = match layer {
            3 => (12 * bits / rate + padding) * 4,
            2 => 144 * bits / rate + padding,
            _ if mpeg1 => 144 * bits / rate + padding,
            _ => 72 * bits / rate + padding,
        };
        (len >= 4).then_some(Self {
            kind: "mpeg",
            stream: (b[1], b[2] & 0x0C),
            len,
        })
    }

    fn parse_adts(b: &[u8]) -> Option<Self> {
        if b.len() < 7 || b[1] & 0xF6 != 0xF0 {
            return None;
        }
        let rate_index = (b[2] >> 2) & 0x0F;
        if rate_index >= 13 {
            return None;
        }
        let len = (usize::from(b[3] & 3) << 11) | (usize::from(b[4]) << 3) | usize::from(b[5] >> 5);
        (len >= 7).then_some(Self {
            kind: "adts",
            stream: (b[1], b[2] & 0xFC),
            len,
        })
    }

    fn same_stream(&self, other: &Self) -> bool {
        self.kind == other.kind && self.stream == other.stream
    }
}

/// UTF-8 (a character cut at the end allowed) without NUL bytes.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return false;
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_ffmpeg_decodes_are_audio() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ffmpeg");
        for (name, kind) in [
            ("wmav2.wma", "asf"),
            ("wavpack_mono_22k.wv", "wavpack"),
            ("tta_mono_22k.tta", "tta"),
            ("ac3_5_1.ac3", "ac3"),
            ("eac3_stereo.eac3", "ac3"),
            ("dts_stereo.dts", "dts"),
            ("real_144.ra", "realaudio"),
            ("speex_16k.spx", "ogg"),
            ("ac3_in_mka.mka", "matroska"),
        ] {
            assert_eq!(
                sniff_file(&dir.join(name)).expect("read"),
                Sniffed::Audio(kind),
                "{name}"
            );
        }
        for (magic, kind) in [
            (&b"MAC \x96\x0f"[..], "ape"),
            (b"MPCK", "musepack"),
            (b"MP+\x17", "musepack"),
            (b"DSD \x1c\0\0\0", "dsf"),
            (b"FRM8\0\0", "dff"),
            (b"#!AMR\n", "amr"),
        ] {
            assert_eq!(sniff_bytes(magic, true), Sniffed::Audio(kind));
        }
        assert_eq!(
            sniff_bytes(b"MThd\0\0\0\x06", true),
            Sniffed::NotAudio("MIDI file (notes, not sound)")
        );
    }

    #[test]
    fn containers_by_magic() {
        let mut wav = b"RIFF\x24\0\0\0WAVEfmt ".to_vec();
        wav.resize(44, 0);
        assert_eq!(sniff_bytes(&wav, true), Sniffed::Audio("wav"));
        assert_eq!(sniff_bytes(b"fLaC\0\0\0\x22", true), Sniffed::Audio("flac"));
        assert_eq!(sniff_bytes(b"OggS\0\x02", true), Sniffed::Audio("ogg"));
        assert_eq!(
            sniff_bytes(b"\0\0\0\x20ftypM4A ", true),
            Sniffed::Audio("mp4")
        );
        assert_eq!(
            sniff_bytes(b"FORM\0\0\0\0AIFFCOMM", true),
            Sniffed::Audio("aiff")
        );
        assert_eq!(sniff_bytes(b"ID3\x04\0\0", true), Sniffed::Audio("id3"));
    }

    #[test]
    fn not_audio() {
        assert_eq!(sniff_bytes(b"", true), Sniffed::NotAudio("empty file"));
        assert_eq!(
            sniff_bytes("This is not an MP3 file. \u{e9}t\u{e9}".as_bytes(), true),
            Sniffed::NotAudio("text file")
        );
        assert_eq!(
            sniff_bytes(b"\xFF\xD8\xFF\xE0\0\x10JFIF", true),
            Sniffed::NotAudio("JPEG image")
        );
        assert_eq!(
            sniff_bytes(b"\x01\x02\x03\0\x05", true),
            Sniffed::NotAudio("unrecognised content")
        );
        // A lone sync-like pair in binary data is not enough.
        let mut noise = vec![0x11u8; 5000];
        noise[100] = 0xFF;
        noise[101] = 0xFB;
        noise[102] = 0x90;
        assert_eq!(
            sniff_bytes(&noise, false),
            Sniffed::NotAudio("unrecognised content")
        );
    }

    #[test]
    fn mpeg_frames_after_junk() {
        // MPEG-1 layer III, 128 kb/s, 44.1 kHz, no padding: 417-byte frames.
        let header = [0xFF, 0xFB, 0x90, 0x00];
        let mut data = vec![0u8; 300];
        for _ in 0..3 {
            let start = data.len();
            data.extend_from_slice(&header);
            data.resize(start + 417, 0x55);
        }
        assert_eq!(sniff_bytes(&data, true), Sniffed::Audio("mpeg"));
        // ADTS, 7-byte header, frame length 100.
        let len = 100usize;
        let adts = [
            0xFF,
            0xF1,
            0x50,
            0x80 | ((len >> 11) as u8 & 3),
            (len >> 3) as u8,
            ((len & 7) as u8) << 5 | 0x1F,
            0xFC,
        ];
        let mut data = Vec::new();
        for _ in 0..2 {
            let start = data.len();
            data.extend_from_slice(&adts);
            data.resize(start + len, 0x21);
        }
        assert_eq!(sniff_bytes(&data, true), Sniffed::Audio("adts"));
    }

    #[test]
    fn every_decode_fixture_but_text_and_empty_is_audio() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/decode");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                continue;
            }
            let got = sniff_file(&path).expect("readable fixture");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            match name {
                "text.mp3" => assert_eq!(got, Sniffed::NotAudio("text file")),
                "empty.wav" => assert_eq!(got, Sniffed::NotAudio("empty file")),
                _ => assert!(matches!(got, Sniffed::Audio(_)), "{name}: {got:?}"),
            }
        }
    }
}
