//! The frame count of an Ogg stream from its last page, written by hand: symphonia's Ogg reader
//! finds it only when its scan of the file end succeeds, and resynchronises silently past a
//! damaged page, so this count is what reveals lost pages.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// How far from the end to look for the last page (the largest Ogg page is 65,307 bytes).
const TAIL: u64 = 70_000;

/// The granule position of the last page of logical stream `serial`, if one is found in the
/// file's last 70 kB.
pub(crate) fn last_granule(path: &Path, serial: u32) -> io::Result<Option<u64>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    file.take(TAIL).read_to_end(&mut tail)?;
    Ok(find_last_granule(&tail, serial))
}

/// Scans `data` backwards for a page header ("OggS", version 0) of stream `serial` with a
/// valid granule position.
fn find_last_granule(data: &[u8], serial: u32) -> Option<u64> {
    (0..data.len().saturating_sub(26)).rev().find_map(|i| {
        let head = data.get(i..i + 27)?;
        if &head[0..4] != b"OggS" || head[4] != 0 {
            return None;
        }
        let page_serial = u32::from_le_bytes(head[14..18].try_into().ok()?);
        let granule = i64::from_le_bytes(head[6..14].try_into().ok()?);
        (page_serial == serial && granule >= 0).then_some(granule as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(serial: u32, granule: i64) -> Vec<u8> {
        let mut p = b"OggS\0\x04".to_vec();
        p.extend_from_slice(&granule.to_le_bytes());
        p.extend_from_slice(&serial.to_le_bytes());
        p.extend_from_slice(&[0u8; 9]);
        p
    }

    #[test]
    fn finds_the_last_page_of_the_stream() {
        let mut data = page(7, 1000);
        data.extend(page(7, 5000));
        data.extend(page(9, 9000));
        data.extend_from_slice(b"junk");
        assert_eq!(find_last_granule(&data, 7), Some(5000));
        assert_eq!(find_last_granule(&data, 9), Some(9000));
        assert_eq!(find_last_granule(&data, 8), None);
        assert_eq!(find_last_granule(&data[..10], 7), None);
        let mut unknown = page(7, 4000);
        unknown.extend(page(7, -1));
        assert_eq!(find_last_granule(&unknown, 7), Some(4000));
    }
}
