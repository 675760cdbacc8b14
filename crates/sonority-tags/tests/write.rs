//! Tag writes checked on real files of every format ffmpeg makes: the field reads back (with lofty and with ffprobe), every other tag and every
//! audio sample stays, the mtime is restored, undo restores the original, and every refusal
//! leaves the file untouched.
//!
//! Needs `ffmpeg`/`ffprobe`; a test whose program is missing prints a notice and passes,
//! except under `CI=true`, where it fails (`scripts/setup.sh --test` installs them).

mod common;

use common::{ffmpeg, skip_without, temp_files};
use lofty::file::TaggedFileExt;
use sonority_tags::{
    apply, apply_with, apply_with_fault, plan_write, preflight, read_field, AppliedChange,
    ChangedSince, Fault, FileStamp, TagError, TagField, WriteOptions,
};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------------------------
// helpers

/// A tiny PNG to embed as cover art.
fn cover(dir: &Path) -> PathBuf {
    let path = dir.join("cover.png");
    if !path.exists() {
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=16x16",
            "-frames:v",
            "1",
            path.to_str().expect("utf-8 path"),
        ]);
    }
    path
}

const TAGS: [(&str, &str); 7] = [
    ("title", "Ünïcode Title"),
    ("artist", "The Artist"),
    ("album", "An Album"),
    ("genre", "Ambient"),
    ("comment", "a comment, kept"),
    ("date", "2001"),
    ("track", "3"),
];

/// A test file per format, made by ffmpeg with the tags of [`TAGS`] (and a cover picture where
/// the container takes one).
struct Format {
    name: &'static str,
    file: &'static str,
    codec: &'static [&'static str],
    /// A cover as an attached picture stream (MP3, FLAC, MP4).
    cover: bool,
    /// A cover as a METADATA_BLOCK_PICTURE comment (Ogg).
    vorbis_picture: bool,
}

const FORMATS: &[Format] = &[
    Format {
        name: "MP3 (ID3v2.4 + ID3v1 + APIC)",
        file: "t.mp3",
        codec: &[
            "-c:a",
            "libmp3lame",
            "-b:a",
            "96k",
            "-id3v2_version",
            "4",
            "-write_id3v1",
            "1",
        ],
        cover: true,
        vorbis_picture: false,
    },
    Format {
        name: "MP3 (ID3v2.3)",
        file: "t23.mp3",
        codec: &["-c:a", "libmp3lame", "-b:a", "96k", "-id3v2_version", "3"],
        cover: true,
        vorbis_picture: false,
    },
    Format {
        name: "FLAC (Vorbis comments + PICTURE)",
        file: "t.flac",
        codec: &["-c:a", "flac"],
        cover: true,
        vorbis_picture: false,
    },
    Format {
        name: "Ogg Vorbis (+ METADATA_BLOCK_PICTURE)",
        file: "t.ogg",
        codec: &["-c:a", "libvorbis", "-q:a", "2"],
        cover: false,
        vorbis_picture: true,
    },
    Format {
        name: "Opus (+ METADATA_BLOCK_PICTURE)",
        file: "t.opus",
        codec: &["-c:a", "libopus", "-b:a", "48k"],
        cover: false,
        vorbis_picture: true,
    },
    Format {
        name: "M4A (AAC, ilst + covr)",
        file: "t.m4a",
        codec: &["-c:a", "aac", "-b:a", "96k"],
        cover: true,
        vorbis_picture: false,
    },
    Format {
        name: "M4A (moov before mdat)",
        file: "tfast.m4a",
        codec: &["-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart"],
        cover: true,
        vorbis_picture: false,
    },
    Format {
        name: "WAV (RIFF INFO)",
        file: "t.wav",
        codec: &["-c:a", "pcm_s16le"],
        cover: false,
        vorbis_picture: false,
    },
    Format {
        name: "AIFF (ID3 chunk)",
        file: "t.aiff",
        codec: &["-c:a", "pcm_s16be", "-write_id3v2", "1"],
        cover: false,
        vorbis_picture: false,
    },
    Format {
        name: "Speex",
        file: "t.spx",
        codec: &["-c:a", "libspeex", "-ar", "16000", "-ac", "1"],
        cover: false,
        vorbis_picture: false,
    },
    Format {
        name: "AAC (ADTS + ID3v2)",
        file: "t.aac",
        codec: &[
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-f",
            "adts",
            "-write_id3v2",
            "1",
        ],
        cover: false,
        vorbis_picture: false,
    },
    Format {
        name: "WavPack (APEv2)",
        file: "t.wv",
        codec: &["-c:a", "wavpack"],
        cover: false,
        vorbis_picture: false,
    },
];

fn make(dir: &Path, format: &Format) -> PathBuf {
    let path = dir.join(format.file);
    let mut args: Vec<String> = vec![
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        "sine=f=330:d=1.5,aformat=channel_layouts=stereo".into(),
    ];
    if format.cover {
        args.extend([
            "-i".into(),
            cover(dir).to_string_lossy().into_owned(),
            "-map".into(),
            "0:a".into(),
            "-map".into(),
            "1:v".into(),
            "-c:v".into(),
            "copy".into(),
            "-disposition:v".into(),
            "attached_pic".into(),
            "-metadata:s:v".into(),
            "comment=Cover (front)".into(),
        ]);
    }
    if format.vorbis_picture {
        args.push("-metadata".into());
        args.push(format!(
            "METADATA_BLOCK_PICTURE={}",
            flac_picture_base64(&cover(dir))
        ));
    }
    args.extend(format.codec.iter().map(|s| s.to_string()));
    for (key, value) in TAGS {
        args.push("-metadata".into());
        args.push(format!("{key}={value}"));
    }
    args.push(path.to_string_lossy().into_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ffmpeg(&args);
    path
}

/// A FLAC PICTURE block (front cover, PNG) in base64, as Ogg files carry pictures.
fn flac_picture_base64(png: &Path) -> String {
    let data = fs::read(png).expect("cover");
    let mut block = Vec::new();
    let mut push = |n: u32| block.extend_from_slice(&n.to_be_bytes());
    push(3);
    push(9);
    block.extend_from_slice(b"image/png");
    let mut push = |n: u32| block.extend_from_slice(&n.to_be_bytes());
    push(5);
    block.extend_from_slice(b"front");
    for n in [16u32, 16, 24, 0, data.len() as u32] {
        block.extend_from_slice(&n.to_be_bytes());
    }
    block.extend_from_slice(&data);
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in block.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every item of every tag lofty reads, and the pictures, as sorted lines; items whose key is
/// the grouping or whose value contains `marker` (a custom field's value) are left out.
fn lofty_items(path: &Path, marker: &str) -> Vec<String> {
    let tagged = lofty::read_from_path(path).expect("lofty reads the file");
    let mut items = Vec::new();
    for tag in tagged.tags() {
        for item in tag.items() {
            if item.key() == lofty::tag::ItemKey::ContentGroup {
                continue;
            }
            let value = format!("{:?}", item.value());
            if !marker.is_empty() && value.contains(marker) {
                continue;
            }
            items.push(format!("{:?} {:?} {value}", tag.tag_type(), item.key()));
        }
        for picture in tag.pictures() {
            items.push(format!(
                "{:?} picture {:?} {:?} {:?} {} bytes {:016x}",
                tag.tag_type(),
                picture.pic_type(),
                picture.mime_type(),
                picture.description(),
                picture.data().len(),
                fnv(picture.data())
            ));
        }
    }
    items.sort();
    items
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// ffprobe's tags of the container and of every stream (an independent reader).
fn ffprobe_tags(path: &Path) -> BTreeMap<String, String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream_tags",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(out.status.success(), "ffprobe {}", path.display());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ffprobe json");
    let mut tags = BTreeMap::new();
    let mut add = |scope: &str, object: &serde_json::Value| {
        if let Some(map) = object.get("tags").and_then(|t| t.as_object()) {
            for (k, v) in map {
                tags.insert(
                    format!("{scope}:{}", k.to_lowercase()),
                    v.as_str().unwrap_or_default().to_string(),
                );
            }
        }
    };
    add("format", &json["format"]);
    if let Some(streams) = json["streams"].as_array() {
        for (i, s) in streams.iter().enumerate() {
            add(&format!("stream{i}"), s);
        }
    }
    tags
}

fn without(mut tags: BTreeMap<String, String>, keys: &[&str]) -> BTreeMap<String, String> {
    tags.retain(|k, _| {
        let name = k.rsplit(':').next().unwrap_or_default();
        !keys.iter().any(|key| name.eq_ignore_ascii_case(key))
    });
    tags
}

/// MD5s of the audio: the compressed packets as stored, and the decoded PCM (ffmpeg).
fn audio_md5(path: &Path) -> (String, String) {
    let md5 = |extra: &[&str]| {
        let out = Command::new("ffmpeg")
            .args(["-hide_banner", "-v", "error", "-i"])
            .arg(path)
            .args(["-map", "0:a"])
            .args(extra)
            .args(["-f", "md5", "-"])
            .output()
            .expect("run ffmpeg");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    (md5(&["-c", "copy"]), md5(&[]))
}

/// The samples as sonority decodes them (bit patterns, so NaN-safe), or None where it does not.
fn decoded(path: &Path) -> Option<(u32, usize, Vec<u32>)> {
    let audio = sonority_features::decode_file(path).ok()?;
    Some((
        audio.sample_rate,
        audio.channels,
        audio.samples.iter().map(|s| s.to_bits()).collect(),
    ))
}

fn set_old_mtime(path: &Path) -> SystemTime {
    let t = SystemTime::UNIX_EPOCH
        + Duration::from_secs(1_000_000_000)
        + Duration::from_nanos(123_456_789);
    let file = fs::OpenOptions::new().write(true).open(path).expect("open");
    file.set_modified(t).expect("set mtime");
    fs::metadata(path).expect("stat").modified().expect("mtime")
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path).expect("stat").modified().expect("mtime")
}

fn write(
    path: &Path,
    field: &TagField,
    value: Option<&str>,
    options: &WriteOptions,
) -> AppliedChange {
    let plan =
        plan_write(path, field, value).unwrap_or_else(|e| panic!("plan {}: {e}", path.display()));
    apply(&plan, options).unwrap_or_else(|e| panic!("apply {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// tag writing, per format

/// Everything the issue asks of a tag write, on one file.
fn check_format(dir: &Path, format: &Format) {
    let path = make(dir, format);
    let what = format.name;
    let original_mtime = set_old_mtime(&path);
    let stamp = FileStamp::of(&path).expect("stamp");
    let items_before = lofty_items(&path, "");
    let probe_before = ffprobe_tags(&path);
    let audio_before = audio_md5(&path);
    let samples_before = decoded(&path);
    let bytes_before = fs::read(&path).expect("read");
    assert!(
        items_before.len() >= 4,
        "{what}: lofty read only {items_before:?}"
    );

    // Dry run: what would change, and nothing changes.
    let value = "03 - bright · noisy · fast";
    let plan = plan_write(&path, &TagField::Grouping, Some(value)).expect("plan");
    assert_eq!(plan.previous, None, "{what}");
    assert_eq!(plan.new.as_deref(), Some(value));
    assert!(plan.changes_file());
    assert_eq!(
        fs::read(&path).expect("read"),
        bytes_before,
        "{what}: dry run changed the file"
    );
    assert_eq!(mtime(&path), original_mtime);

    // Write, with the analysis stamp.
    let options = WriteOptions {
        preserve_mtime: true,
        expected: Some(stamp),
    };
    let applied = apply(&plan, &options).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(applied.written);
    assert_eq!(applied.previous, None);
    assert_eq!(applied.after, FileStamp::of(&path).expect("stamp"));
    assert_eq!(
        read_field(&path, &TagField::Grouping)
            .expect("read")
            .as_deref(),
        Some(value),
        "{what}"
    );
    // Other readers see it too: lofty's generic reader, and ffprobe, which calls the grouping
    // "grouping" in every format (but ignores a WAV's ID3 chunk when it has RIFF INFO: checked
    // on a WAV without INFO below).
    let generic = lofty::read_from_path(&path).expect("lofty reads the file");
    assert!(
        generic
            .tags()
            .iter()
            .any(|t| t.get_string(lofty::tag::ItemKey::ContentGroup) == Some(value)),
        "{what}: lofty's generic reader does not see the grouping"
    );
    let probe_after = ffprobe_tags(&path);
    if format.file != "t.wav" {
        assert!(
            probe_after
                .iter()
                .any(|(k, v)| k.ends_with(":grouping") && v == value),
            "{what}: ffprobe does not see the grouping: {probe_after:?}"
        );
    }
    // Everything else stays.
    assert_eq!(
        lofty_items(&path, ""),
        items_before,
        "{what}: lofty items changed"
    );
    assert_eq!(
        without(probe_after, &["grouping"]),
        without(probe_before.clone(), &["grouping"]),
        "{what}: ffprobe tags changed"
    );
    assert_eq!(audio_md5(&path), audio_before, "{what}: audio changed");
    assert_eq!(
        decoded(&path),
        samples_before,
        "{what}: decoded samples changed"
    );
    assert_eq!(mtime(&path), original_mtime, "{what}: mtime not restored");
    assert!(temp_files(dir).is_empty(), "{what}: {:?}", temp_files(dir));

    // Writing the same value again leaves the file alone.
    let again = write(
        &path,
        &TagField::Grouping,
        Some(value),
        &WriteOptions::default(),
    );
    assert!(!again.written);

    // Several values survive a round trip.
    let multi = write(
        &path,
        &TagField::Grouping,
        Some("one\0two"),
        &WriteOptions::default(),
    );
    assert_eq!(multi.previous.as_deref(), Some(value));
    assert_eq!(
        read_field(&path, &TagField::Grouping)
            .expect("read")
            .as_deref(),
        Some("one\0two"),
        "{what}"
    );
    write(
        &path,
        &TagField::Grouping,
        Some(value),
        &WriteOptions::default(),
    );

    // A custom field, next to the grouping.
    let custom = TagField::parse("SONORITY_CLUSTER").expect("field");
    write(
        &path,
        &custom,
        Some("SONO-MARK 7"),
        &WriteOptions::default(),
    );
    assert_eq!(
        read_field(&path, &custom).expect("read").as_deref(),
        Some("SONO-MARK 7"),
        "{what}"
    );
    assert_eq!(
        read_field(&path, &TagField::Grouping)
            .expect("read")
            .as_deref(),
        Some(value)
    );
    assert_eq!(
        lofty_items(&path, "SONO-MARK"),
        items_before,
        "{what}: custom field moved other items"
    );
    let undo_custom = write(&path, &custom, None, &WriteOptions::default());
    assert_eq!(undo_custom.previous.as_deref(), Some("SONO-MARK 7"));
    assert_eq!(read_field(&path, &custom).expect("read"), None);

    // Undo: the previous value (none) comes back, and the file reads as it did.
    let stamp = FileStamp::of(&path).expect("stamp");
    let undone = write(
        &path,
        &TagField::Grouping,
        applied.previous.as_deref(),
        &WriteOptions {
            preserve_mtime: true,
            expected: Some(stamp),
        },
    );
    assert!(undone.written);
    assert_eq!(undone.previous.as_deref(), Some(value));
    assert_eq!(
        read_field(&path, &TagField::Grouping).expect("read"),
        None,
        "{what}"
    );
    assert_eq!(lofty_items(&path, ""), items_before, "{what}: after undo");
    assert_eq!(
        ffprobe_tags(&path),
        probe_before,
        "{what}: ffprobe tags after undo"
    );
    assert_eq!(audio_md5(&path), audio_before, "{what}: audio after undo");
    assert_eq!(mtime(&path), original_mtime, "{what}: mtime after undo");
    eprintln!(
        "{what}: grouping written to {}; {} other items, audio packets, decoded samples{} and mtime unchanged; undo ok",
        applied.location,
        items_before.len(),
        if samples_before.is_some() { " (sonority and ffmpeg)" } else { " (ffmpeg)" }
    );
}

#[test]
fn grouping_round_trips_in_every_format() {
    if skip_without("ffmpeg") || skip_without("ffprobe") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for format in FORMATS {
        let dir = tmp.path().join(format.file.replace('.', "_"));
        fs::create_dir_all(&dir).expect("mkdir");
        check_format(&dir, format);
    }
}

#[test]
fn ffmpeg_reads_the_grouping_of_a_wav_without_riff_info() {
    if skip_without("ffmpeg") || skip_without("ffprobe") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("bare.wav");
    // Bit-exact: without the encoder name, ffmpeg writes no LIST INFO chunk.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=0.3",
        "-fflags",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        path.to_str().expect("utf-8 path"),
    ]);
    let audio = audio_md5(&path);
    write(
        &path,
        &TagField::Grouping,
        Some("groupé"),
        &WriteOptions::default(),
    );
    assert_eq!(
        ffprobe_tags(&path)
            .get("format:grouping")
            .map(String::as_str),
        Some("groupé")
    );
    assert_eq!(audio_md5(&path), audio);
}

/// An ID3v2.3 frame with Latin-1 text.
fn id3v23_frame(id: &[u8; 4], text: &str) -> Vec<u8> {
    let mut data = vec![0u8];
    data.extend(text.chars().map(|c| c as u8));
    let mut frame = id.to_vec();
    frame.extend_from_slice(&(data.len() as u32).to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(&data);
    frame
}

#[test]
fn id3v23_frames_that_lofty_would_drop_are_kept_byte_for_byte() {
    if skip_without("ffmpeg") || skip_without("ffprobe") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let plain = tmp.path().join("plain.mp3");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
        "-c:a",
        "libmp3lame",
        "-id3v2_version",
        "0",
        plain.to_str().expect("utf-8 path"),
    ]);
    let audio = fs::read(&plain).expect("read");
    assert!(!audio.starts_with(b"ID3"));
    // TSOP and TMOO are ID3v2.4 frames that taggers put into 2.3 tags all the same; lofty's
    // 2.3 writer would drop them.
    let keep = [
        id3v23_frame(b"TIT2", "Title"),
        id3v23_frame(b"TSOP", "Artist, The"),
        id3v23_frame(b"TMOO", "calm"),
        id3v23_frame(b"TYER", "1999"),
    ];
    let frames = keep.concat();
    let n = frames.len() + 64;
    let mut file = vec![b'I', b'D', b'3', 3, 0, 0];
    file.extend([
        (n >> 21) as u8 & 0x7F,
        (n >> 14) as u8 & 0x7F,
        (n >> 7) as u8 & 0x7F,
        n as u8 & 0x7F,
    ]);
    file.extend_from_slice(&frames);
    file.extend(std::iter::repeat_n(0u8, 64));
    file.extend_from_slice(&audio);
    let path = tmp.path().join("v23.mp3");
    fs::write(&path, &file).expect("write");
    let probe_before = ffprobe_tags(&path);
    assert_eq!(
        probe_before.get("format:artist-sort").map(String::as_str),
        Some("Artist, The")
    );

    let applied = write(
        &path,
        &TagField::Grouping,
        Some("grüppe"),
        &WriteOptions::default(),
    );
    assert_eq!(applied.location, "ID3v2.3 TIT1");
    let bytes = fs::read(&path).expect("read");
    for frame in &keep {
        assert!(
            bytes.windows(frame.len()).any(|w| w == frame.as_slice()),
            "a frame changed"
        );
    }
    assert!(bytes.ends_with(&audio), "the audio moved or changed");
    let probe = ffprobe_tags(&path);
    assert_eq!(
        probe.get("format:grouping").map(String::as_str),
        Some("grüppe")
    );
    assert_eq!(without(probe, &["grouping"]), probe_before);

    write(&path, &TagField::Grouping, None, &WriteOptions::default());
    assert_eq!(ffprobe_tags(&path), probe_before);
    assert_eq!(
        fs::read(&path).expect("read"),
        file,
        "undo restores the file byte for byte"
    );
}

#[test]
fn locations_per_format() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let expected = [
        ("t.mp3", "ID3v2.4 TIT1", "ID3v2.4 TXXX:SONORITY_CLUSTER"),
        ("t23.mp3", "ID3v2.3 TIT1", "ID3v2.3 TXXX:SONORITY_CLUSTER"),
        (
            "t.flac",
            "Vorbis comment GROUPING",
            "Vorbis comment SONORITY_CLUSTER",
        ),
        (
            "t.ogg",
            "Vorbis comment GROUPING",
            "Vorbis comment SONORITY_CLUSTER",
        ),
        (
            "t.opus",
            "Vorbis comment GROUPING",
            "Vorbis comment SONORITY_CLUSTER",
        ),
        (
            "t.m4a",
            "MP4 ©grp",
            "MP4 ----:com.apple.iTunes:SONORITY_CLUSTER",
        ),
        ("t.wav", "ID3v2.4 TIT1", "ID3v2.4 TXXX:SONORITY_CLUSTER"),
        ("t.aiff", "ID3v2.4 TIT1", "ID3v2.4 TXXX:SONORITY_CLUSTER"),
        (
            "t.spx",
            "Vorbis comment GROUPING",
            "Vorbis comment SONORITY_CLUSTER",
        ),
        ("t.aac", "ID3v2.4 TIT1", "ID3v2.4 TXXX:SONORITY_CLUSTER"),
        ("t.wv", "APEv2 Grouping", "APEv2 SONORITY_CLUSTER"),
    ];
    let custom = TagField::parse("SONORITY_CLUSTER").expect("field");
    for (file, grouping, other) in expected {
        let format = FORMATS.iter().find(|f| f.file == file).expect("format");
        let path = make(tmp.path(), format);
        // The extension is not what decides: rename everything to .bin.
        let renamed = path.with_extension("bin");
        fs::rename(&path, &renamed).expect("rename");
        let plan = plan_write(&renamed, &TagField::Grouping, Some("x")).expect("plan");
        assert_eq!(plan.location, grouping, "{file}");
        let plan = plan_write(&renamed, &custom, Some("x")).expect("plan");
        assert_eq!(plan.location, other, "{file}");
        eprintln!("{file} ({}): {grouping} / {other}", plan.format);
    }
}

// ---------------------------------------------------------------------------------------------
// refusals

fn mp3(dir: &Path) -> PathBuf {
    make(dir, &FORMATS[0])
}

#[test]
fn read_only_file_is_refused_untouched() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = mp3(tmp.path());
    let before = fs::read(&path).expect("read");
    let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
    let mut permissions = fs::metadata(&path).expect("stat").permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions.clone()).expect("chmod");
    assert!(matches!(
        preflight(&path, &WriteOptions::default()),
        Err(TagError::ReadOnly { .. })
    ));
    let err = apply(&plan, &WriteOptions::default()).expect_err("read-only must be refused");
    assert!(matches!(err, TagError::ReadOnly { .. }), "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(fs::read(&path).expect("read"), before);
    assert!(fs::metadata(&path).expect("stat").permissions().readonly());
    assert!(temp_files(tmp.path()).is_empty());
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&path, permissions).expect("chmod");
}

#[test]
fn file_changed_since_analysis_or_plan_is_refused() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = mp3(tmp.path());
    let analysed = FileStamp::of(&path).expect("stamp");

    // Modified after "analysis": size and mtime differ.
    let mut bytes = fs::read(&path).expect("read");
    bytes.extend_from_slice(&[0; 16]);
    fs::write(&path, &bytes).expect("write");
    let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
    let err = apply(
        &plan,
        &WriteOptions {
            preserve_mtime: true,
            expected: Some(analysed),
        },
    )
    .expect_err("changed");
    assert!(
        matches!(
            err,
            TagError::Changed {
                since: ChangedSince::Analysis,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fs::read(&path).expect("read"), bytes);

    // Only the mtime differs.
    let stamp = FileStamp::of(&path).expect("stamp");
    let touched = FileStamp {
        size: stamp.size,
        mtime_ns: stamp.mtime_ns - 1_000_000_000,
    };
    let err = apply(
        &plan,
        &WriteOptions {
            preserve_mtime: true,
            expected: Some(touched),
        },
    )
    .expect_err("changed");
    assert!(
        matches!(
            err,
            TagError::Changed {
                since: ChangedSince::Analysis,
                ..
            }
        ),
        "{err}"
    );

    // Modified after the plan.
    set_old_mtime(&path);
    let err = apply(&plan, &WriteOptions::default()).expect_err("changed since plan");
    assert!(
        matches!(
            err,
            TagError::Changed {
                since: ChangedSince::Plan,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fs::read(&path).expect("read"), bytes);
    assert!(temp_files(tmp.path()).is_empty());
}

#[test]
fn files_that_are_not_writable_audio_are_refused_cleanly() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = tmp.path().join("notes.mp3");
    fs::write(&text, "just some text, not audio\n").expect("write");
    for result in [
        plan_write(&text, &TagField::Grouping, Some("x")).map(|_| ()),
        read_field(&text, &TagField::Grouping).map(|_| ()),
    ] {
        let err = result.expect_err("text refused");
        assert!(matches!(err, TagError::NotAudio { .. }), "{err}");
        assert!(err.to_string().contains("text file"), "{err}");
    }
    assert_eq!(
        fs::read_to_string(&text).expect("read"),
        "just some text, not audio\n"
    );

    let empty = tmp.path().join("empty.flac");
    fs::write(&empty, b"").expect("write");
    let err = plan_write(&empty, &TagField::Grouping, Some("x")).expect_err("empty refused");
    assert!(matches!(err, TagError::NotAudio { .. }), "{err}");

    // Matroska audio: lofty cannot write it.
    let mka = tmp.path().join("t.mka");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=d=0.5",
        "-c:a",
        "flac",
        "-metadata",
        "title=x",
        mka.to_str().expect("utf-8"),
    ]);
    let err = plan_write(&mka, &TagField::Grouping, Some("x")).expect_err("mka refused");
    assert!(matches!(err, TagError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("Matroska"), "{err}");

    // A damaged file: an MP3 cut in its ID3v2 tag.
    let cut = tmp.path().join("cut.mp3");
    let bytes = fs::read(mp3(tmp.path())).expect("read");
    fs::write(&cut, &bytes[..60]).expect("write");
    let err = plan_write(&cut, &TagField::Grouping, Some("x")).expect_err("damaged refused");
    assert!(
        matches!(
            err,
            TagError::Parse { .. } | TagError::Unsupported { .. } | TagError::NotAudio { .. }
        ),
        "{err}"
    );
    assert_eq!(fs::read(&cut).expect("read"), &bytes[..60]);

    // Ogg Vorbis and Opus with one damaged page in the middle: players drop that page; a
    // rewrite would give it a valid checksum and change what they decode, so it is refused.
    for (name, codec) in [("damaged.ogg", "libvorbis"), ("damaged.opus", "libopus")] {
        let path = tmp.path().join(name);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=3",
            "-c:a",
            codec,
            path.to_str().expect("utf-8"),
        ]);
        let intact = plan_write(&path, &TagField::Grouping, Some("x"));
        assert!(intact.is_ok(), "{name} intact: {:?}", intact.err());
        let mut bytes = fs::read(&path).expect("read");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x5a;
        fs::write(&path, &bytes).expect("write");
        let err = plan_write(&path, &TagField::Grouping, Some("x")).expect_err("damaged refused");
        assert!(matches!(err, TagError::Damaged { .. }), "{name}: {err}");
        assert!(err.to_string().contains("checksum"), "{err}");
        assert_eq!(fs::read(&path).expect("read"), bytes, "{name} untouched");
    }

    // A folder.
    let err = preflight(tmp.path(), &WriteOptions::default()).expect_err("folder refused");
    assert!(matches!(err, TagError::NotAFile { .. }), "{err}");
    assert!(temp_files(tmp.path()).is_empty());
}

#[test]
fn a_failure_at_any_stage_leaves_the_original_intact() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for format in [&FORMATS[0], &FORMATS[2], &FORMATS[5]] {
        let path = make(tmp.path(), format);
        let before = fs::read(&path).expect("read");
        let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
        for fault in [
            Fault::AfterTempCreated,
            Fault::AfterTagWritten,
            Fault::BeforeRename,
            Fault::Panic,
        ] {
            let err = apply_with_fault(&plan, &WriteOptions::default(), fault).expect_err("fault");
            if fault == Fault::Panic {
                // A panic inside the write (lofty's, in real life) is a per-file error.
                assert!(matches!(err, TagError::Crashed { .. }), "{err}");
            } else {
                assert!(matches!(err, TagError::Io { .. }), "{err}");
            }
            assert_eq!(
                fs::read(&path).expect("read"),
                before,
                "{}: {fault:?}",
                format.name
            );
            assert!(
                temp_files(tmp.path()).is_empty(),
                "{fault:?}: {:?}",
                temp_files(tmp.path())
            );
        }
        // And it still works afterwards.
        apply(&plan, &WriteOptions::default()).expect("apply");
        assert_eq!(
            read_field(&path, &TagField::Grouping)
                .expect("read")
                .as_deref(),
            Some("x")
        );
    }
}

#[cfg(unix)]
#[test]
fn read_only_folder_stops_the_write_before_anything_changes() {
    use std::os::unix::fs::PermissionsExt;
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("locked");
    fs::create_dir(&dir).expect("mkdir");
    let path = mp3(&dir);
    let before = fs::read(&path).expect("read");
    let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = dir.join("probe");
    if fs::write(&probe, b"").is_ok() {
        // Running as root: permissions do not stop root (the fault-injection test covers this).
        let _ = fs::remove_file(&probe);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        eprintln!(
            "NOTICE: running as root, a read-only folder does not stop writes; skipping this part"
        );
        return;
    }
    let err = apply(&plan, &WriteOptions::default()).expect_err("locked folder");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(matches!(err, TagError::Io { .. }), "{err}");
    assert!(err.to_string().contains("temporary file"), "{err}");
    assert_eq!(fs::read(&path).expect("read"), before);
    assert!(temp_files(&dir).is_empty());
}

#[cfg(unix)]
#[test]
fn symbolic_links_stay_links() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let real_dir = tmp.path().join("real");
    fs::create_dir(&real_dir).expect("mkdir");
    let target = make(&real_dir, &FORMATS[2]);
    let link = tmp.path().join("link.flac");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    write(
        &link,
        &TagField::Grouping,
        Some("linked"),
        &WriteOptions::default(),
    );
    assert!(fs::symlink_metadata(&link)
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert_eq!(
        read_field(&target, &TagField::Grouping)
            .expect("read")
            .as_deref(),
        Some("linked")
    );
    assert!(temp_files(tmp.path()).is_empty() && temp_files(&real_dir).is_empty());
}

#[cfg(unix)]
#[test]
fn permissions_are_kept_and_mtime_can_be_updated() {
    use std::os::unix::fs::PermissionsExt;
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = make(tmp.path(), &FORMATS[3]);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
    let old = set_old_mtime(&path);
    write(
        &path,
        &TagField::Grouping,
        Some("x"),
        &WriteOptions {
            preserve_mtime: false,
            expected: None,
        },
    );
    assert_eq!(
        fs::metadata(&path).expect("stat").permissions().mode() & 0o7777,
        0o640
    );
    assert!(mtime(&path) > old, "mtime should be new when not preserved");
}

/// A copy whose audio bytes differ from the original's is never renamed over it, in every
/// format family the comparison knows (a byte in the middle of the copy is flipped after the
/// tag was written, as a writer that damaged the audio would).
#[test]
fn a_copy_whose_audio_differs_is_refused() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for format in FORMATS {
        let dir = tmp.path().join(format.file.replace('.', "_"));
        fs::create_dir_all(&dir).expect("mkdir");
        let path = make(&dir, format);
        let before = fs::read(&path).expect("read");
        let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
        let err = apply_with_fault(&plan, &WriteOptions::default(), Fault::CorruptAudio)
            .expect_err(format.name);
        assert!(
            matches!(err, TagError::Verify { .. }),
            "{}: {err}",
            format.name
        );
        // Ogg pages carry checksums: the damaged page is caught when the copy is read back;
        // elsewhere only the comparison of the audio bytes sees it.
        let ogg = [".ogg", ".opus", ".spx"]
            .iter()
            .any(|ext| format.file.ends_with(ext));
        assert!(
            ogg || err.to_string().contains("the audio"),
            "{}: {err}",
            format.name
        );
        assert_eq!(fs::read(&path).expect("read"), before, "{}", format.name);
        assert!(temp_files(&dir).is_empty(), "{}", format.name);
        // Without the fault the same write goes through: the comparison finds no difference
        // where there is none.
        apply(&plan, &WriteOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", format.name));
    }
}

/// A file written by another program while sonority prepared the copy is refused, even when
/// that program kept the size and the modification time (the change time gives it away), and
/// so is a file replaced by another one (a new inode).
#[cfg(unix)]
#[test]
fn a_file_changed_or_replaced_meanwhile_is_refused() {
    use std::io::{Seek, SeekFrom, Write};
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = mp3(tmp.path());
    let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
    // In place, same size, mtime put back: only the change time moves.
    let err = apply_with(&plan, &WriteOptions::default(), |_| {
        let mtime = fs::metadata(&path)
            .expect("stat")
            .modified()
            .expect("mtime");
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        file.seek(SeekFrom::Start(20)).expect("seek");
        file.write_all(b"\0").expect("write");
        file.set_modified(mtime).expect("mtime");
        Ok(())
    })
    .expect_err("changed in place");
    assert!(matches!(err, TagError::Replaced { .. }), "{err}");
    assert!(err.to_string().contains("change time"), "{err}");
    // Replaced by a copy with the same size and mtime: a new inode.
    let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
    let err = apply_with(&plan, &WriteOptions::default(), |_| {
        let other = tmp.path().join("other.mp3");
        fs::copy(&path, &other).expect("copy");
        let mtime = fs::metadata(&path)
            .expect("stat")
            .modified()
            .expect("mtime");
        fs::OpenOptions::new()
            .write(true)
            .open(&other)
            .expect("open")
            .set_modified(mtime)
            .expect("mtime");
        fs::rename(&other, &path).expect("replace");
        Ok(())
    })
    .expect_err("replaced");
    assert!(matches!(err, TagError::Replaced { .. }), "{err}");
    assert!(err.to_string().contains("inode"), "{err}");
    assert_eq!(read_field(&path, &TagField::Grouping).expect("read"), None);
    assert!(temp_files(tmp.path()).is_empty());
}

/// A file with several hard links is refused, with a message; both names keep the file.
#[cfg(unix)]
#[test]
fn hard_linked_files_are_refused() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = mp3(tmp.path());
    let link = tmp.path().join("link.mp3");
    fs::hard_link(&path, &link).expect("hard link");
    let before = fs::read(&path).expect("read");
    let plan = plan_write(&path, &TagField::Grouping, Some("x")).expect("plan");
    let err = preflight(&path, &WriteOptions::default()).expect_err("preflight");
    assert!(
        matches!(err, TagError::HardLinked { links: 2, .. }),
        "{err}"
    );
    let err = apply(&plan, &WriteOptions::default()).expect_err("apply");
    assert!(
        matches!(err, TagError::HardLinked { links: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("hard links"), "{err}");
    assert_eq!(fs::read(&path).expect("read"), before);
    assert_eq!(fs::read(&link).expect("read"), before);
}

/// Extended attributes and a POSIX ACL (an extended attribute on Linux) are carried over to
/// the written file. Runs in the target folder (a real file system; /tmp may be tmpfs);
/// under CI=true a file system without user attributes fails the test.
#[cfg(target_os = "linux")]
#[test]
fn extended_attributes_and_acls_are_kept() {
    if skip_without("ffmpeg") {
        return;
    }
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let path = make(tmp.path(), &FORMATS[2]);
    if let Err(e) = xattr::set(&path, "user.sonority.test", b"kept value") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the file system of {} has no user extended attributes ({e}) and CI=true",
            env!("CARGO_TARGET_TMPDIR")
        );
        eprintln!("NOTICE: no user extended attributes here ({e}); skipping this test");
        return;
    }
    // user::rw-, user:1000:rw-, group::r--, mask::rw-, other::r--
    let mut acl = vec![2u8, 0, 0, 0];
    for (tag, perm, id) in [
        (0x01u16, 6u16, u32::MAX),
        (0x02, 6, 1000),
        (0x04, 4, u32::MAX),
        (0x10, 6, u32::MAX),
        (0x20, 4, u32::MAX),
    ] {
        acl.extend_from_slice(&tag.to_le_bytes());
        acl.extend_from_slice(&perm.to_le_bytes());
        acl.extend_from_slice(&id.to_le_bytes());
    }
    xattr::set(&path, "system.posix_acl_access", &acl).expect("set an ACL");
    let attributes = |p: &Path| -> BTreeMap<String, Vec<u8>> {
        xattr::list(p)
            .expect("list")
            .map(|name| {
                let value = xattr::get(p, &name).expect("get").unwrap_or_default();
                (name.to_string_lossy().into_owned(), value)
            })
            .collect()
    };
    let before = attributes(&path);
    assert!(before.contains_key("system.posix_acl_access"), "{before:?}");
    let mode = fs::metadata(&path).expect("stat").permissions();
    let applied = write(
        &path,
        &TagField::Grouping,
        Some("x"),
        &WriteOptions::default(),
    );
    assert!(applied.written);
    assert!(applied.not_kept.is_empty(), "{:?}", applied.not_kept);
    assert_eq!(attributes(&path), before);
    assert_eq!(fs::metadata(&path).expect("stat").permissions(), mode);
}
