//! Checks that every page of an Ogg file (Vorbis, Opus, Speex) is intact before its tags are
//! written.
//!
//! lofty rewrites an Ogg file's pages after the comment header (new sequence numbers, new
//! checksums). A page that was damaged on disk, whose wrong checksum makes players drop it,
//! would come out with a valid checksum, and players would then decode the damaged data: the
//! audio would change. So a file with a damaged page is left alone.

use ogg_pager::{Page, PageError};
use std::io::{self, Read, Seek, SeekFrom};

/// The first damaged page of the Ogg stream in `reader`, described for a message; `None` when
/// every page reads completely and carries the right checksum up to the end of the file.
pub(super) fn first_damage(reader: &mut (impl Read + Seek)) -> io::Result<Option<String>> {
    let len = reader.seek(SeekFrom::End(0))?;
    reader.seek(SeekFrom::Start(0))?;
    let mut index = 0u64;
    loop {
        let start = reader.stream_position()?;
        if start >= len {
            return Ok(None);
        }
        let mut page = match Page::read(reader) {
            Ok(page) => page,
            Err(PageError::Io(e)) if e.kind() != io::ErrorKind::UnexpectedEof => return Err(e),
            Err(e) => {
                let why = match e {
                    PageError::Io(_) => "it is cut short (truncated file)".to_string(),
                    other => other.to_string(),
                };
                return Ok(Some(format!(
                    "Ogg page {index} at byte {start} is damaged: {why}"
                )));
            }
        };
        let stored = page.header().checksum();
        page.gen_crc();
        if page.header().checksum() != stored {
            return Ok(Some(format!(
                "Ogg page {index} at byte {start} has a wrong checksum"
            )));
        }
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A valid two-page stream: raw pages checksummed by ogg_pager itself.
    fn two_pages() -> Vec<u8> {
        let mut out = Vec::new();
        for (seq, content) in [(0u32, b"first".as_slice()), (1, b"second")] {
            let mut raw = b"OggS".to_vec();
            raw.extend([0, if seq == 0 { 2 } else { 0 }]); // version, flags (BOS on the first)
            raw.extend(0u64.to_le_bytes()); // granule position
            raw.extend(7u32.to_le_bytes()); // serial
            raw.extend(seq.to_le_bytes());
            raw.extend(0u32.to_le_bytes()); // checksum, computed below
            raw.extend([1, content.len() as u8]); // one segment
            raw.extend(content);
            let mut page = Page::read(&mut Cursor::new(raw)).expect("page");
            page.gen_crc();
            out.extend(page.as_bytes());
        }
        out
    }

    #[test]
    fn intact_pages_pass() {
        assert_eq!(
            first_damage(&mut Cursor::new(two_pages())).expect("io"),
            None
        );
    }

    #[test]
    fn a_flipped_byte_is_found() {
        let mut bytes = two_pages();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let found = first_damage(&mut Cursor::new(bytes)).expect("io");
        assert!(found.is_some_and(|m| m.contains("page 1") && m.contains("checksum")));
    }

    #[test]
    fn truncation_and_junk_are_found() {
        let bytes = two_pages();
        let cut = first_damage(&mut Cursor::new(bytes[..bytes.len() - 2].to_vec())).expect("io");
        assert!(cut.is_some_and(|m| m.contains("page 1") && m.contains("truncated")));
        let mut junk = bytes.clone();
        junk.extend(b"garbage at the end");
        let found = first_damage(&mut Cursor::new(junk)).expect("io");
        assert!(found.is_some_and(|m| m.contains("page 2")));
    }
}
