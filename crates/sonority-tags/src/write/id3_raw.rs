//! The ID3v2 tag at the start of an MP3 or AAC file, edited frame by frame: the field's frames
//! are replaced and every other frame is copied byte for byte.
//!
//! lofty re-encodes a whole ID3v2 tag when it writes one, and its ID3v2.3 writer drops the
//! frames ID3v2.3 does not define (`TSOP`, `TSOA`, `TSOT`, `TMOO`, ... which taggers such as
//! Picard and iTunes write into 2.3 tags all the same). Editing the raw frames keeps them all,
//! in their original encoding and order. Tags this simple editor does not handle
//! (unsynchronised, with an extended header, a footer or a CRC, ID3v2.2, a field frame with
//! format flags) are left to lofty; either way the result is verified by reading it back.

use super::TagField;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// The largest tag handled here (the format allows 256 MiB).
const MAX_TAG_LEN: usize = 64 << 20;

/// Padding added when the tag outgrows its old space.
const PADDING: usize = 1024;

/// A parsed ID3v2.3 or 2.4 tag at offset 0.
pub(super) struct RawId3 {
    major: u8,
    revision: u8,
    /// The tag's whole length on disk (header, frames and padding): where the audio starts.
    old_len: usize,
    frames: Vec<RawFrame>,
}

struct RawFrame {
    id: [u8; 4],
    flags: [u8; 2],
    data: Vec<u8>,
}

impl RawId3 {
    /// Reads the tag at the start of `file`, if there is one this editor handles.
    pub(super) fn read(file: &mut (impl Read + Seek)) -> io::Result<Option<Self>> {
        file.seek(SeekFrom::Start(0))?;
        let mut header = [0u8; 10];
        if read_full(file, &mut header)? < header.len() || &header[..3] != b"ID3" {
            return Ok(None);
        }
        let (major, revision, flags) = (header[3], header[4], header[5]);
        // Unsynchronisation, extended header, experimental, footer: not for this editor.
        if !(major == 3 || major == 4) || flags != 0 {
            return Ok(None);
        }
        let Some(size) = syncsafe(&header[6..10]) else {
            return Ok(None);
        };
        if size > MAX_TAG_LEN {
            return Ok(None);
        }
        let mut body = vec![0u8; size];
        if read_full(file, &mut body)? < size {
            return Ok(None);
        }
        let mut frames = Vec::new();
        let mut at = 0;
        while at + 10 <= body.len() && body[at] != 0 {
            let id: [u8; 4] = [body[at], body[at + 1], body[at + 2], body[at + 3]];
            if !id
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return Ok(None);
            }
            let len = if major == 4 {
                match syncsafe(&body[at + 4..at + 8]) {
                    Some(len) => len,
                    None => return Ok(None),
                }
            } else {
                u32::from_be_bytes([body[at + 4], body[at + 5], body[at + 6], body[at + 7]])
                    as usize
            };
            let flags = [body[at + 8], body[at + 9]];
            let start = at + 10;
            let Some(data) = body.get(start..start.saturating_add(len)) else {
                return Ok(None);
            };
            frames.push(RawFrame {
                id,
                flags,
                data: data.to_vec(),
            });
            at = start + len;
        }
        // What follows the frames must be padding.
        if body[at.min(body.len())..].iter().any(|&b| b != 0) {
            return Ok(None);
        }
        Ok(Some(Self {
            major,
            revision,
            old_len: 10 + size,
            frames,
        }))
    }

    /// Whether the field's frames can be recognised: a frame that could be the field but has
    /// format flags (compression, encryption, ...) cannot be decoded here.
    pub(super) fn can_edit(&self, field: &TagField) -> bool {
        self.frames
            .iter()
            .filter(|f| match field {
                TagField::Grouping => &f.id == b"TIT1",
                TagField::Custom(_) => &f.id == b"TXXX",
            })
            .all(|f| f.flags[1] == 0)
    }

    /// Replaces the field's frames by one holding `values` (none: removes them). The new frame
    /// goes where the first old one was, else at the end.
    pub(super) fn set(&mut self, field: &TagField, values: &[String]) {
        let new = (!values.is_empty()).then(|| self.frame(field, &values.join("\0")));
        let position = self.frames.iter().position(|f| matches(f, field));
        self.frames.retain(|f| !matches(f, field));
        if let Some(frame) = new {
            let at = position.unwrap_or(self.frames.len()).min(self.frames.len());
            self.frames.insert(at, frame);
        }
    }

    fn frame(&self, field: &TagField, value: &str) -> RawFrame {
        let (id, mut data) = match field {
            TagField::Grouping => (*b"TIT1", Vec::new()),
            TagField::Custom(_) => (*b"TXXX", Vec::new()),
        };
        let description = match field {
            TagField::Grouping => None,
            TagField::Custom(name) => Some(name.as_str()),
        };
        if self.major == 4 {
            data.push(3); // UTF-8
            if let Some(d) = description {
                data.extend_from_slice(d.as_bytes());
                data.push(0);
            }
            data.extend_from_slice(value.as_bytes());
        } else {
            data.push(1); // UTF-16 with a byte-order mark
            if let Some(d) = description {
                push_utf16(&mut data, d);
                data.extend_from_slice(&[0, 0]);
            }
            push_utf16(&mut data, value);
        }
        RawFrame {
            id,
            flags: [0, 0],
            data,
        }
    }

    /// Writes the edited tag to `out`, then the audio of `original` (everything after the old
    /// tag). When the tag still fits in its old space it keeps that length (the audio does not
    /// move); else it gets [`PADDING`] bytes of padding. An empty tag is left out.
    pub(super) fn write_copy(
        &self,
        original: &mut (impl Read + Seek),
        out: &mut impl Write,
    ) -> io::Result<()> {
        let mut frames = Vec::new();
        for frame in &self.frames {
            frames.extend_from_slice(&frame.id);
            let len = frame.data.len();
            if self.major == 4 {
                frames.extend_from_slice(&to_syncsafe(len)?);
            } else {
                let len = u32::try_from(len)
                    .map_err(|_| io::Error::other("an ID3v2 frame is too large"))?;
                frames.extend_from_slice(&len.to_be_bytes());
            }
            frames.extend_from_slice(&frame.flags);
            frames.extend_from_slice(&frame.data);
        }
        if !frames.is_empty() {
            let body_len = if 10 + frames.len() <= self.old_len {
                self.old_len - 10
            } else {
                frames.len() + PADDING
            };
            if body_len > MAX_TAG_LEN {
                return Err(io::Error::other("the ID3v2 tag would be too large"));
            }
            out.write_all(&[b'I', b'D', b'3', self.major, self.revision, 0])?;
            out.write_all(&to_syncsafe(body_len)?)?;
            out.write_all(&frames)?;
            io::copy(
                &mut io::repeat(0).take((body_len - frames.len()) as u64),
                out,
            )?;
        }
        original.seek(SeekFrom::Start(self.old_len as u64))?;
        io::copy(original, out)?;
        Ok(())
    }
}

fn matches(frame: &RawFrame, field: &TagField) -> bool {
    match field {
        TagField::Grouping => &frame.id == b"TIT1",
        TagField::Custom(name) => {
            &frame.id == b"TXXX"
                && frame.flags[1] == 0
                && txxx_description(&frame.data).is_some_and(|d| d.eq_ignore_ascii_case(name))
        }
    }
}

/// The description of a TXXX frame's content.
fn txxx_description(data: &[u8]) -> Option<String> {
    let (&encoding, rest) = data.split_first()?;
    match encoding {
        0 => Some(
            rest.iter()
                .take_while(|&&b| b != 0)
                .map(|&b| char::from(b))
                .collect(),
        ),
        3 => {
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            String::from_utf8(rest[..end].to_vec()).ok()
        }
        1 | 2 => {
            let units: Vec<[u8; 2]> = rest
                .chunks_exact(2)
                .map(|c| [c[0], c[1]])
                .take_while(|c| c != &[0, 0])
                .collect();
            let (big_endian, units) = match units.first() {
                Some([0xFF, 0xFE]) => (false, &units[1..]),
                Some([0xFE, 0xFF]) => (true, &units[1..]),
                _ => (encoding == 2, &units[..]),
            };
            let units: Vec<u16> = units
                .iter()
                .map(|&u| {
                    if big_endian {
                        u16::from_be_bytes(u)
                    } else {
                        u16::from_le_bytes(u)
                    }
                })
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

fn push_utf16(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&[0xFF, 0xFE]);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

fn syncsafe(bytes: &[u8]) -> Option<usize> {
    if bytes.len() != 4 || bytes.iter().any(|&b| b & 0x80 != 0) {
        return None;
    }
    Some(bytes.iter().fold(0usize, |n, &b| (n << 7) | usize::from(b)))
}

fn to_syncsafe(n: usize) -> io::Result<[u8; 4]> {
    if n >= 1 << 28 {
        return Err(io::Error::other("an ID3v2 size is too large"));
    }
    Ok([
        ((n >> 21) & 0x7F) as u8,
        ((n >> 14) & 0x7F) as u8,
        ((n >> 7) & 0x7F) as u8,
        (n & 0x7F) as u8,
    ])
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn frame(id: &[u8; 4], data: &[u8], major: u8) -> Vec<u8> {
        let mut out = id.to_vec();
        if major == 4 {
            out.extend_from_slice(&to_syncsafe(data.len()).unwrap());
        } else {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        }
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(data);
        out
    }

    fn tag(major: u8, frames: &[Vec<u8>], padding: usize) -> Vec<u8> {
        let body: Vec<u8> = frames.concat();
        let mut out = vec![b'I', b'D', b'3', major, 0, 0];
        out.extend_from_slice(&to_syncsafe(body.len() + padding).unwrap());
        out.extend_from_slice(&body);
        out.extend(std::iter::repeat_n(0, padding));
        out
    }

    #[test]
    fn other_frames_are_kept_byte_for_byte() {
        for major in [3, 4] {
            let tsop = frame(b"TSOP", b"\x00Sort, The", major);
            let tit1 = frame(b"TIT1", b"\x00old", major);
            let txxx = frame(
                b"TXXX",
                b"\x01\xFF\xFEa\x00b\x00\x00\x00\xFF\xFEv\x00",
                major,
            );
            let mut file = tag(major, &[tsop.clone(), tit1, txxx.clone()], 100);
            file.extend_from_slice(b"AUDIO");
            let mut raw = RawId3::read(&mut Cursor::new(&file)).unwrap().unwrap();
            assert!(raw.can_edit(&TagField::Grouping));
            raw.set(&TagField::Grouping, &["new".to_string()]);
            let mut out = Vec::new();
            raw.write_copy(&mut Cursor::new(&file), &mut out).unwrap();
            assert_eq!(out.len(), file.len(), "fits in the padding: same length");
            assert!(out.ends_with(b"AUDIO"));
            let body = &out[10..];
            assert!(body.starts_with(&tsop));
            let reread = RawId3::read(&mut Cursor::new(&out)).unwrap().unwrap();
            assert_eq!(reread.frames.len(), 3);
            assert_eq!(&reread.frames[1].id, b"TIT1");
            assert_eq!(reread.frames[2].data, txxx[10..]);

            // A custom field: TXXX "ab" matched whatever its encoding, then removed.
            let custom = TagField::Custom("AB".into());
            raw.set(&custom, &[]);
            assert_eq!(raw.frames.len(), 2);
            raw.set(&custom, &["x".into()]);
            assert!(matches(&raw.frames[2], &custom));
        }
    }

    #[test]
    fn a_growing_tag_moves_the_audio() {
        let mut file = tag(4, &[frame(b"TIT2", b"\x03t", 4)], 0);
        file.extend_from_slice(b"AUDIO");
        let mut raw = RawId3::read(&mut Cursor::new(&file)).unwrap().unwrap();
        raw.set(&TagField::Grouping, &["g".repeat(50)]);
        let mut out = Vec::new();
        raw.write_copy(&mut Cursor::new(&file), &mut out).unwrap();
        assert!(out.ends_with(b"AUDIO"));
        assert_eq!(out.len(), file.len() + 10 + 1 + 50 + PADDING);
        // Removing everything removes the tag.
        let mut raw = RawId3::read(&mut Cursor::new(&out)).unwrap().unwrap();
        raw.frames.clear();
        let mut bare = Vec::new();
        raw.write_copy(&mut Cursor::new(&out), &mut bare).unwrap();
        assert_eq!(bare, b"AUDIO");
    }

    #[test]
    fn tags_left_to_lofty() {
        let plain = tag(4, &[frame(b"TIT2", b"\x03t", 4)], 0);
        let mut flagged = plain.clone();
        flagged[5] = 0x80; // unsynchronised
        assert!(RawId3::read(&mut Cursor::new(&flagged)).unwrap().is_none());
        let mut v22 = plain.clone();
        v22[3] = 2;
        assert!(RawId3::read(&mut Cursor::new(&v22)).unwrap().is_none());
        let mut junk = plain.clone();
        junk.truncate(12);
        assert!(RawId3::read(&mut Cursor::new(&junk)).unwrap().is_none());
        assert!(RawId3::read(&mut Cursor::new(b"fLaC...."))
            .unwrap()
            .is_none());
        let mut compressed = tag(4, &[frame(b"TIT1", b"\x03t", 4)], 0);
        compressed[10 + 9] = 0x08;
        let raw = RawId3::read(&mut Cursor::new(&compressed))
            .unwrap()
            .unwrap();
        assert!(!raw.can_edit(&TagField::Grouping));
    }
}
