//! Whether an MPEG audio file (MP3, MP2, MP1) states its exact frame count in a Xing/Info or
//! VBRI frame at its start. Written by hand: symphonia reads these tags but does not say
//! whether it found one.
//!
//! Without such a frame, symphonia estimates the frame count from the first 16 frames and
//! trims every packet past the estimate. A VBR file whose start is louder than its rest then
//! loses its end: a 60-second file decoded as 16.5 seconds, without a warning. ffmpeg,
//! libsndfile (librosa's loader) and players decode such files to their last frame, so the
//! stream drops those trims (see `stream.rs`).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// How far past the ID3v2 tag the first frame is looked for.
const SEARCH_LEN: usize = 64 * 1024;

/// True when the first MPEG audio frame of `path` is a Xing, Info or VBRI frame.
pub(crate) fn states_frame_count(path: &Path) -> io::Result<bool> {
    let mut file = File::open(path)?;
    let mut head = [0u8; 10];
    let start = match file.read_exact(&mut head) {
        Ok(()) if &head[..3] == b"ID3" => {
            let size = head[6..10]
                .iter()
                .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7f));
            let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
            10 + size + footer
        }
        _ => 0,
    };
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity(SEARCH_LEN);
    file.take(SEARCH_LEN as u64).read_to_end(&mut buf)?;
    Ok(first_frame_states_count(&buf))
}

/// The frame-count test on the bytes that follow the ID3v2 tag.
fn first_frame_states_count(buf: &[u8]) -> bool {
    let Some(at) = (0..buf.len().saturating_sub(4)).find(|&i| header_at(&buf[i..]).is_some())
    else {
        return false;
    };
    let Some(h) = header_at(&buf[at..]) else {
        return false;
    };
    let frame = &buf[at..];
    let tag_at = |offset: usize, ids: &[&[u8; 4]]| {
        frame
            .get(offset..offset + 4)
            .is_some_and(|id| ids.iter().any(|&want| id == want))
    };
    // Xing/Info follows the side information (layer III only); VBRI sits 32 bytes after the
    // 4-byte header whatever the mode.
    (h.layer3 && tag_at(4 + h.side_info_len, &[b"Xing", b"Info"])) || tag_at(4 + 32, &[b"VBRI"])
}

/// What the tag test needs from a frame header.
struct Header {
    layer3: bool,
    side_info_len: usize,
}

/// Parses a frame header at the start of `b`, refusing the bit patterns that are not valid.
fn header_at(b: &[u8]) -> Option<Header> {
    if b.len() < 4 || b[0] != 0xff || b[1] & 0xe0 != 0xe0 {
        return None;
    }
    let version = (b[1] >> 3) & 0b11; // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
    let layer = (b[1] >> 1) & 0b11; // 1: III, 2: II, 3: I, 0: reserved
    let bitrate = b[2] >> 4;
    let rate = (b[2] >> 2) & 0b11;
    if version == 1 || layer == 0 || bitrate == 0b1111 || rate == 0b11 {
        return None;
    }
    let mono = b[3] >> 6 == 0b11;
    let side_info_len = match (version == 3, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    Some(Header {
        layer3: layer == 1,
        side_info_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MPEG-1 layer III stereo frame header followed by `body`.
    fn frame(body: &[u8]) -> Vec<u8> {
        let mut f = vec![0xff, 0xfb, 0x90, 0x00];
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn tags_are_found_at_their_offsets() {
        let mut xing = vec![0u8; 32];
        xing.extend_from_slice(b"Xing\0\0\0\x0f");
        assert!(first_frame_states_count(&frame(&xing)));
        let mut info = vec![0u8; 32];
        info.extend_from_slice(b"Info\0\0\0\x0f");
        assert!(first_frame_states_count(&frame(&info)));
        let mut vbri = vec![0u8; 32];
        vbri.extend_from_slice(b"VBRI\0\x01");
        assert!(first_frame_states_count(&frame(&vbri)));
        // Audio data, or a tag at the wrong place, states nothing.
        assert!(!first_frame_states_count(&frame(&[0x55; 400])));
        let mut misplaced = vec![0u8; 17];
        misplaced.extend_from_slice(b"Xing");
        assert!(!first_frame_states_count(&frame(&misplaced)));
        assert!(!first_frame_states_count(b"no frame here at all"));
    }

    #[test]
    fn invalid_headers_are_refused() {
        assert!(header_at(&[0xff, 0xfb, 0x90, 0x00]).is_some());
        assert!(
            header_at(&[0xff, 0xeb, 0x90, 0x00]).is_none(),
            "reserved version"
        );
        assert!(
            header_at(&[0xff, 0xf9, 0x90, 0x00]).is_none(),
            "reserved layer"
        );
        assert!(
            header_at(&[0xff, 0xfb, 0xf0, 0x00]).is_none(),
            "bad bitrate"
        );
        assert!(
            header_at(&[0xff, 0xfb, 0x9c, 0x00]).is_none(),
            "reserved rate"
        );
    }
}
