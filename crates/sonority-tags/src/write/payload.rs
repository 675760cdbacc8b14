//! The audio of a file, byte for byte, as the format's own structure locates it: what a tag
//! write must not change. [`difference`] compares the original with the written copy before
//! the copy replaces it.
//!
//! Per format, the payload is hashed (SHA-256, streamed):
//!
//! * **FLAC**: the STREAMINFO block (which holds the MD5 of the decoded audio) and every byte
//!   after the last metadata block (the frames).
//! * **Ogg** (Vorbis, Opus, Speex, FLAC in Ogg): every packet but the second (the comment
//!   header), in order; pages may be renumbered and re-checksummed when the comments grow.
//! * **WAV / AIFF**: every chunk but the `ID3 ` chunk, in order.
//! * **MP4**: the content of every `mdat` box, and each track's sample table (`stbl`) with the
//!   chunk offsets taken relative to the `mdat` that holds them (they move when the `moov`
//!   before the audio grows).
//! * **Anything else** (MP3, AAC in ADTS, Monkey's Audio, WavPack, Musepack): the file
//!   without its ID3v2 tags at the start and its APEv2 and ID3v1 tags at the end.
//!
//! ID3v2 tags before any of these are skipped too.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// What differs between the audio of `original` and of `copy`, if anything.
pub(super) fn difference(original: &mut File, copy: &mut File) -> io::Result<Option<String>> {
    let (format, before) = payload(original)?;
    let (_, after) = payload(copy)?;
    Ok((before != after).then(|| {
        format!(
            "the audio ({format}) would change: its bytes differ between the original and the copy"
        )
    }))
}

/// The format's name and the hash of its payload.
fn payload(file: &mut File) -> io::Result<(&'static str, Vec<u8>)> {
    let len = file.metadata()?.len();
    let start = skip_id3v2(file, 0, len)?;
    let magic = read_at(file, start, 12.min(len.saturating_sub(start)) as usize)?;
    let mut hash = Sha256::new();
    let format = if magic.starts_with(b"fLaC") {
        flac(file, start + 4, len, &mut hash)?;
        "FLAC"
    } else if magic.starts_with(b"OggS") {
        ogg(file, start, &mut hash)?;
        "Ogg"
    } else if magic.starts_with(b"RIFF") || magic.starts_with(b"RF64") {
        iff(file, start + 12, len, Endian::Little, &mut hash)?;
        "RIFF"
    } else if magic.starts_with(b"FORM") {
        iff(file, start + 12, len, Endian::Big, &mut hash)?;
        "AIFF"
    } else if magic.get(4..8) == Some(b"ftyp") {
        mp4(file, start, len, &mut hash)?;
        "MP4"
    } else {
        let end = trailing_tags_start(file, start, len)?;
        hash_range(file, start, end, &mut hash)?;
        "MPEG / APE family"
    };
    Ok((format, hash.finalize().to_vec()))
}

#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

fn u32_of(bytes: &[u8], endian: Endian) -> u64 {
    let b = [bytes[0], bytes[1], bytes[2], bytes[3]];
    u64::from(match endian {
        Endian::Little => u32::from_le_bytes(b),
        Endian::Big => u32::from_be_bytes(b),
    })
}

fn read_at(file: &mut File, at: u64, n: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::with_capacity(n);
    file.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Hashes bytes `from..to` (clamped to the file).
fn hash_range(file: &mut File, from: u64, to: u64, hash: &mut Sha256) -> io::Result<()> {
    if to <= from {
        return Ok(());
    }
    file.seek(SeekFrom::Start(from))?;
    let mut reader = file.take(to - from);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        hash.update(&buf[..n]);
    }
}

/// The offset after the ID3v2 tags that start at `at`.
fn skip_id3v2(file: &mut File, mut at: u64, len: u64) -> io::Result<u64> {
    loop {
        let header = read_at(file, at, 10)?;
        if header.len() < 10 || &header[..3] != b"ID3" {
            return Ok(at);
        }
        let size = header[6..10]
            .iter()
            .fold(0u64, |n, &b| (n << 7) | u64::from(b & 0x7f));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        let next = at + 10 + size + footer;
        if next > len {
            return Ok(at);
        }
        at = next;
    }
}

/// Where the APEv2 and ID3v1 tags at the end of the file start (or `len`).
fn trailing_tags_start(file: &mut File, start: u64, len: u64) -> io::Result<u64> {
    let mut end = len;
    if end >= start + 128 && read_at(file, end - 128, 3)? == b"TAG" {
        end -= 128;
    }
    if end >= start + 32 {
        let footer = read_at(file, end - 32, 32)?;
        if footer.len() == 32 && &footer[..8] == b"APETAGEX" {
            let size = u32_of(&footer[12..16], Endian::Little);
            let has_header = footer[23] & 0x80 != 0;
            let total = size + if has_header { 32 } else { 0 };
            if total <= end - start {
                end -= total;
            }
        }
    }
    Ok(end)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn flac(file: &mut File, mut at: u64, len: u64, hash: &mut Sha256) -> io::Result<()> {
    loop {
        let header = read_at(file, at, 4)?;
        if header.len() < 4 {
            return Err(invalid("truncated FLAC metadata"));
        }
        let last = header[0] & 0x80 != 0;
        let kind = header[0] & 0x7f;
        let size =
            (u64::from(header[1]) << 16) | (u64::from(header[2]) << 8) | u64::from(header[3]);
        if kind == 0 {
            hash_range(file, at + 4, at + 4 + size, hash)?;
        }
        at += 4 + size;
        if last || at >= len {
            break;
        }
    }
    hash_range(file, at, len, hash)
}

fn ogg(file: &mut File, start: u64, hash: &mut Sha256) -> io::Result<()> {
    file.seek(SeekFrom::Start(start))?;
    let packets = ogg_pager::Packets::read(file).map_err(|e| invalid(&e.to_string()))?;
    for (i, packet) in packets.iter().enumerate() {
        if i != 1 {
            hash.update((packet.len() as u64).to_le_bytes());
            hash.update(packet);
        }
    }
    Ok(())
}

fn iff(
    file: &mut File,
    mut at: u64,
    len: u64,
    endian: Endian,
    hash: &mut Sha256,
) -> io::Result<()> {
    while at + 8 <= len {
        let header = read_at(file, at, 8)?;
        let size = u32_of(&header[4..8], endian);
        let end = (at + 8 + size).min(len);
        if !header[..4].eq_ignore_ascii_case(b"ID3 ") {
            hash.update(&header[..4]);
            hash.update(size.to_le_bytes());
            hash_range(file, at + 8, end, hash)?;
        }
        at = end + (size & 1);
    }
    Ok(())
}

/// A box: its type, where its content starts and where it ends.
struct Mp4Box {
    kind: [u8; 4],
    content: u64,
    end: u64,
}

fn mp4_boxes(file: &mut File, mut at: u64, end: u64) -> io::Result<Vec<Mp4Box>> {
    let mut boxes = Vec::new();
    while at + 8 <= end {
        let header = read_at(file, at, 16)?;
        let mut size = u32_of(&header[..4], Endian::Big);
        let mut content = at + 8;
        if size == 1 && header.len() == 16 {
            size = u64::from_be_bytes([
                header[8], header[9], header[10], header[11], header[12], header[13], header[14],
                header[15],
            ]);
            content = at + 16;
        } else if size == 0 {
            size = end - at;
        }
        if size < content - at {
            return Err(invalid("MP4 box smaller than its header"));
        }
        let box_end = (at + size).min(end);
        boxes.push(Mp4Box {
            kind: [header[4], header[5], header[6], header[7]],
            content,
            end: box_end,
        });
        at = box_end;
    }
    Ok(boxes)
}

fn mp4(file: &mut File, start: u64, len: u64, hash: &mut Sha256) -> io::Result<()> {
    let top = mp4_boxes(file, start, len)?;
    let mdats: Vec<(u64, u64)> = top
        .iter()
        .filter(|b| &b.kind == b"mdat")
        .map(|b| (b.content, b.end))
        .collect();
    for &(from, to) in &mdats {
        hash.update(b"mdat");
        hash_range(file, from, to, hash)?;
    }
    for moov in top.iter().filter(|b| &b.kind == b"moov") {
        for trak in mp4_boxes(file, moov.content, moov.end)?
            .iter()
            .filter(|b| &b.kind == b"trak")
        {
            let mut stbl = Vec::new();
            let mut level = vec![(trak.content, trak.end)];
            for path in [b"mdia", b"minf", b"stbl"] {
                let mut next = Vec::new();
                for (from, to) in level {
                    for b in mp4_boxes(file, from, to)? {
                        if &b.kind == path {
                            next.push((b.content, b.end));
                        }
                    }
                }
                level = next;
            }
            for (from, to) in level {
                stbl.extend(mp4_boxes(file, from, to)?);
            }
            for b in stbl {
                hash.update(b.kind);
                match &b.kind {
                    b"stco" | b"co64" => {
                        let wide = &b.kind == b"co64";
                        let body = read_at(file, b.content, (b.end - b.content) as usize)?;
                        let entries = body.get(8..).unwrap_or_default();
                        let step = if wide { 8 } else { 4 };
                        for entry in entries.chunks_exact(step) {
                            let offset = if wide {
                                u64::from_be_bytes([
                                    entry[0], entry[1], entry[2], entry[3], entry[4], entry[5],
                                    entry[6], entry[7],
                                ])
                            } else {
                                u32_of(entry, Endian::Big)
                            };
                            // Which mdat, and where in it.
                            let place = mdats
                                .iter()
                                .position(|&(from, to)| offset >= from && offset < to)
                                .map_or((u64::MAX, offset), |i| (i as u64, offset - mdats[i].0));
                            hash.update(place.0.to_le_bytes());
                            hash.update(place.1.to_le_bytes());
                        }
                    }
                    _ => hash_range(file, b.content, b.end, hash)?,
                }
            }
        }
    }
    Ok(())
}
