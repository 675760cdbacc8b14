//! Gapless trimming of audio in MP4/M4A files (AAC above all), written by hand: symphonia 0.6
//! parses the edit list (`elst`) but neither applies it nor exposes it, and ignores iTunes'
//! `iTunSMPB` tag, so its AAC output keeps the encoder's priming frames.
//!
//! The rule reproduces ffmpeg's (the decoder behind `librosa.load` for these files):
//! * the frames to skip at the start are the `iTunSMPB` priming count when that tag is present
//!   and plausible (0 < priming < 16384), otherwise the `media_time` of the track's edit;
//! * at the end, a packet that starts at or after the end of the edit is dropped, but the packet
//!   that straddles the end is kept whole (ffmpeg discards whole packets only, so up to one
//!   packet of encoder padding remains, exactly as in ffmpeg's output).
//!
//! Only the box headers of the file and the `moov` box are read.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Refuse `moov` boxes larger than this (a 3-hour AAC file has a `moov` of about 2 MB).
const MAX_MOOV_BYTES: u64 = 64 << 20;

/// What to trim from the decoded frames of one track, in frames at the track's sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mp4Trim {
    /// Frames to drop at the start of the decoded output (encoder priming).
    pub skip: u64,
    /// Drop every packet that starts at or after this decoded-frame position (counted from the
    /// first decoded frame, before `skip`).
    pub end: Option<u64>,
}

/// The trimming that applies to track `track_id` of the MP4 file at `path`, or `None` when the
/// file says nothing about priming or edits.
pub(crate) fn read_trim(
    path: &Path,
    track_id: u32,
    sample_rate: u32,
) -> io::Result<Option<Mp4Trim>> {
    let mut file = File::open(path)?;
    let Some(moov) = read_moov(&mut file)? else {
        return Ok(None);
    };
    Ok(trim_from_moov(&moov, track_id, sample_rate))
}

/// Whether `file` is an MP4 (`ftyp` first) whose `moov` comes before a last box that runs past
/// the end of the file: a file cut short after its header.
pub(crate) fn is_truncated(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    let mut pos = 0u64;
    let mut seen_moov = false;
    while pos + 8 <= len {
        file.seek(SeekFrom::Start(pos))?;
        let mut head = [0u8; 16];
        file.read_exact(&mut head[..8])?;
        let kind = head.get(4..8).unwrap_or_default();
        if pos == 0 && kind != b"ftyp" {
            return Ok(false);
        }
        seen_moov |= kind == b"moov";
        let size = match be_u32(&head, 0).unwrap_or(0) {
            0 => return Ok(false),
            1 if pos + 16 <= len => {
                file.read_exact(&mut head[8..16])?;
                be_u64(&head, 8).unwrap_or(0)
            }
            n => u64::from(n),
        };
        if size < 8 {
            return Ok(false);
        }
        if pos.saturating_add(size) > len {
            return Ok(seen_moov);
        }
        pos += size;
    }
    Ok(false)
}

/// Walks the top-level boxes and returns the body of `moov`.
fn read_moov(file: &mut File) -> io::Result<Option<Vec<u8>>> {
    let len = file.metadata()?.len();
    let mut pos = 0u64;
    while pos + 8 <= len {
        file.seek(SeekFrom::Start(pos))?;
        let mut head = [0u8; 16];
        file.read_exact(&mut head[..8])?;
        let (mut size, kind) = (
            u64::from(be_u32(&head, 0).unwrap_or(0)),
            [head[4], head[5], head[6], head[7]],
        );
        let mut header = 8u64;
        if size == 1 {
            file.read_exact(&mut head[8..16])?;
            size = be_u64(&head, 8).unwrap_or(0);
            header = 16;
        } else if size == 0 {
            size = len - pos;
        }
        if size < header {
            return Ok(None);
        }
        if &kind == b"moov" {
            let body = size - header;
            if body > MAX_MOOV_BYTES || pos + size > len {
                return Ok(None);
            }
            let mut buf = vec![0u8; body as usize];
            file.read_exact(&mut buf)?;
            return Ok(Some(buf));
        }
        pos = pos.saturating_add(size);
    }
    Ok(None)
}

/// The boxes of one `trak` that matter here.
#[derive(Debug, Default)]
struct TrakInfo {
    track_id: Option<u32>,
    media_timescale: Option<u32>,
    /// (segment_duration in movie timescale, media_time in media timescale)
    edits: Vec<(u64, i64)>,
}

fn trim_from_moov(moov: &[u8], track_id: u32, sample_rate: u32) -> Option<Mp4Trim> {
    let mut movie_timescale = None;
    let mut trak = None;
    let mut priming = None;
    for (kind, body) in boxes(moov) {
        match &kind {
            b"mvhd" => movie_timescale = header_timescale(body),
            b"trak" => {
                let info = parse_trak(body);
                if info.track_id == Some(track_id) {
                    trak = Some(info);
                }
            }
            b"udta" => priming = priming.or_else(|| find_itunsmpb(body)),
            _ => {}
        }
    }
    let trak = trak?;
    let edit_trim = edit_trim(&trak, movie_timescale, sample_rate);
    let skip = match priming {
        Some(p) => Some(p),
        None => edit_trim.map(|t| t.skip),
    };
    match (skip, edit_trim.and_then(|t| t.end)) {
        (None, None) => None,
        (skip, end) => Some(Mp4Trim {
            skip: skip.unwrap_or(0),
            end,
        }),
    }
}

/// The trim given by the track's edit list: a single non-empty edit (leading empty edits, which
/// only delay the track, are ignored). Lists with several non-empty edits are left alone.
fn edit_trim(trak: &TrakInfo, movie_timescale: Option<u32>, sample_rate: u32) -> Option<Mp4Trim> {
    let mut edits = trak.edits.iter().filter(|(_, media_time)| *media_time >= 0);
    let &(duration, media_time) = edits.next()?;
    if edits.next().is_some() {
        return None;
    }
    let media_ts = trak.media_timescale.filter(|&t| t > 0)?;
    let skip = rescale(media_time as u64, media_ts, sample_rate);
    let end = match movie_timescale.filter(|&t| t > 0) {
        Some(movie_ts) if duration > 0 => Some(skip + rescale(duration, movie_ts, sample_rate)),
        _ => None,
    };
    Some(Mp4Trim { skip, end })
}

/// `value` ticks of `from` Hz as ticks of `to` Hz, rounded to nearest.
fn rescale(value: u64, from: u32, to: u32) -> u64 {
    if from == to {
        return value;
    }
    let scaled = (u128::from(value) * u128::from(to) + u128::from(from) / 2) / u128::from(from);
    u64::try_from(scaled).unwrap_or(u64::MAX)
}

fn parse_trak(trak: &[u8]) -> TrakInfo {
    let mut info = TrakInfo::default();
    for (kind, body) in boxes(trak) {
        match &kind {
            b"tkhd" => info.track_id = tkhd_track_id(body),
            b"edts" => {
                for (kind, body) in boxes(body) {
                    if &kind == b"elst" {
                        info.edits = parse_elst(body);
                    }
                }
            }
            b"mdia" => {
                for (kind, body) in boxes(body) {
                    if &kind == b"mdhd" {
                        info.media_timescale = header_timescale(body);
                    }
                }
            }
            _ => {}
        }
    }
    info
}

/// The timescale field of `mvhd` and `mdhd`, which share their layout.
fn header_timescale(body: &[u8]) -> Option<u32> {
    match body.first()? {
        0 => be_u32(body, 12),
        1 => be_u32(body, 20),
        _ => None,
    }
}

fn tkhd_track_id(body: &[u8]) -> Option<u32> {
    match body.first()? {
        0 => be_u32(body, 12),
        1 => be_u32(body, 20),
        _ => None,
    }
}

fn parse_elst(body: &[u8]) -> Vec<(u64, i64)> {
    let (Some(&version), Some(count)) = (body.first(), be_u32(body, 4)) else {
        return Vec::new();
    };
    let entry_len = if version == 1 { 20 } else { 12 };
    let mut edits = Vec::new();
    for i in 0..count as usize {
        let at = 8 + i * entry_len;
        let entry = if version == 1 {
            be_u64(body, at).zip(be_u64(body, at + 8).map(|t| t as i64))
        } else {
            be_u32(body, at)
                .map(u64::from)
                .zip(be_u32(body, at + 4).map(|t| i64::from(t as i32)))
        };
        match entry {
            Some(e) => edits.push(e),
            None => break,
        }
    }
    edits
}

/// The priming frame count of an `iTunSMPB` tag under `udta/meta/ilst/----`.
fn find_itunsmpb(udta: &[u8]) -> Option<u64> {
    let meta = boxes(udta).find(|(kind, _)| kind == b"meta")?.1;
    // `meta` is a full box (4 bytes of version and flags) in MP4, a plain box in QuickTime.
    let ilst_in = |skip: usize| {
        meta.get(skip..).and_then(|body| {
            boxes(body)
                .find(|(kind, _)| kind == b"ilst")
                .map(|(_, b)| b)
        })
    };
    let ilst = ilst_in(4).or_else(|| ilst_in(0))?;
    boxes(ilst)
        .filter(|(kind, _)| kind == b"----")
        .find_map(|(_, item)| itunsmpb_priming(item))
}

/// Reads one `----` item: `mean`, `name` = "iTunSMPB", `data` = " 00000000 PPPPPPPP ...".
fn itunsmpb_priming(item: &[u8]) -> Option<u64> {
    let mut is_smpb = false;
    let mut text = None;
    for (kind, body) in boxes(item) {
        match &kind {
            b"name" => is_smpb = body.get(4..) == Some(b"iTunSMPB".as_slice()),
            b"data" => text = body.get(8..),
            _ => {}
        }
    }
    if !is_smpb {
        return None;
    }
    let text = std::str::from_utf8(text?).ok()?;
    let priming = u64::from_str_radix(text.split_whitespace().nth(1)?, 16).ok()?;
    (priming > 0 && priming < 16384).then_some(priming)
}

/// Iterates over the boxes in `data` as (type, body); stops at the first malformed header.
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let size32 = be_u32(data, pos)?;
        let kind: [u8; 4] = data.get(pos + 4..pos + 8)?.try_into().ok()?;
        let (header, size) = match size32 {
            0 => (8, data.len() - pos),
            1 => (16, usize::try_from(be_u64(data, pos + 8)?).ok()?),
            n => (8, n as usize),
        };
        let body = data.get(pos + header..pos.checked_add(size)?)?;
        pos += size;
        Some((kind, body))
    })
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

fn be_u64(data: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn timescale_box(kind: &[u8; 4], timescale: u32) -> Vec<u8> {
        let mut body = vec![0u8; 12];
        body.extend_from_slice(&timescale.to_be_bytes());
        body.extend_from_slice(&[0u8; 8]);
        boxed(kind, &body)
    }

    fn trak(track_id: u32, media_ts: u32, edits: &[(u32, i32)]) -> Vec<u8> {
        let mut tkhd = vec![0u8; 12];
        tkhd.extend_from_slice(&track_id.to_be_bytes());
        tkhd.extend_from_slice(&[0u8; 60]);
        let mut elst = vec![0u8, 0, 0, 0];
        elst.extend_from_slice(&(edits.len() as u32).to_be_bytes());
        for &(dur, time) in edits {
            elst.extend_from_slice(&dur.to_be_bytes());
            elst.extend_from_slice(&time.to_be_bytes());
            elst.extend_from_slice(&[0, 1, 0, 0]);
        }
        let mut body = boxed(b"tkhd", &tkhd);
        body.extend(boxed(b"edts", &boxed(b"elst", &elst)));
        body.extend(boxed(b"mdia", &timescale_box(b"mdhd", media_ts)));
        boxed(b"trak", &body)
    }

    fn smpb_udta(priming: u32) -> Vec<u8> {
        let text = format!(" 00000000 {priming:08X} 00000196 0000000000010266");
        let mut data = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data.extend_from_slice(text.as_bytes());
        let mut item = boxed(b"mean", b"\0\0\0\0com.apple.iTunes");
        item.extend(boxed(b"name", b"\0\0\0\0iTunSMPB"));
        item.extend(boxed(b"data", &data));
        let ilst = boxed(b"ilst", &boxed(b"----", &item));
        let mut meta = vec![0u8; 4];
        meta.extend(ilst);
        boxed(b"udta", &boxed(b"meta", &meta))
    }

    #[test]
    fn edit_list_gives_skip_and_end() {
        // ffmpeg's AAC: 1.5 s at 44.1 kHz, movie timescale 1000, priming 1024.
        let mut moov = timescale_box(b"mvhd", 1000);
        moov.extend(trak(1, 44100, &[(1500, 1024)]));
        let trim = trim_from_moov(&moov, 1, 44100);
        assert_eq!(
            trim,
            Some(Mp4Trim {
                skip: 1024,
                end: Some(1024 + 66150)
            })
        );
        assert_eq!(trim_from_moov(&moov, 2, 44100), None);
    }

    #[test]
    fn empty_edits_are_ignored_and_media_timescale_rescaled() {
        let mut moov = timescale_box(b"mvhd", 600);
        moov.extend(trak(7, 88200, &[(300, -1), (600, 4224)]));
        let trim = trim_from_moov(&moov, 7, 44100);
        assert_eq!(
            trim,
            Some(Mp4Trim {
                skip: 2112,
                end: Some(2112 + 44100)
            })
        );
    }

    #[test]
    fn itunsmpb_priming_overrides_the_edit_start() {
        let mut moov = timescale_box(b"mvhd", 1000);
        moov.extend(trak(1, 44100, &[(1500, 1024)]));
        moov.extend(smpb_udta(2112));
        let trim = trim_from_moov(&moov, 1, 44100);
        assert_eq!(
            trim,
            Some(Mp4Trim {
                skip: 2112,
                end: Some(1024 + 66150)
            })
        );
    }

    #[test]
    fn itunsmpb_alone_gives_skip_only() {
        let mut moov = timescale_box(b"mvhd", 1000);
        moov.extend(trak(1, 44100, &[]));
        moov.extend(smpb_udta(1024));
        assert_eq!(
            trim_from_moov(&moov, 1, 44100),
            Some(Mp4Trim {
                skip: 1024,
                end: None
            })
        );
    }

    #[test]
    fn malformed_boxes_do_not_panic() {
        let mut moov = timescale_box(b"mvhd", 1000);
        moov.extend(trak(1, 44100, &[(1500, 1024)]));
        for cut in 0..moov.len() {
            let _ = trim_from_moov(&moov[..cut], 1, 44100);
        }
        let mut bad = moov.clone();
        bad[0] = 0xff;
        let _ = trim_from_moov(&bad, 1, 44100);
        assert_eq!(
            trim_from_moov(&[0, 0, 0, 1, b'm', b'v', b'h', b'd'], 1, 44100),
            None
        );
    }
}
