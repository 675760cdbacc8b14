//! Decoding the fixtures of `fixtures/decode/` (built by `scripts/make_decode_fixtures.py`)
//! and comparing with what ffmpeg made of the same files (`fixtures/decode/expected.json`).
//!
//! Every good file must give ffmpeg's sample rate, channel count, codec name and exact frame
//! count (encoder delay and padding removed as ffmpeg removes them: MP3 by the LAME/Xing header,
//! Vorbis and Opus by the Ogg granule positions and pre-skip, AAC by the MP4 edit list with
//! ffmpeg's whole-packet rule at the end), and soundfile's count where soundfile reads the file.
//! The mono signal is compared with what `librosa.load` reads (soundfile, or ffmpeg for MP4),
//! averaged by numpy as librosa does: bit-exact for lossless codecs, within a tolerance for lossy
//! ones (different decoders, see `LOSSY_PROBE_TOL`).

use serde_json::Value;
use sonority_features::{
    decode_file, decode_file_with, resample, Decoder, FeatureError, ResamplerKind,
};
use sonority_features::{decode_file_resampled, AudioStream};
use std::path::{Path, PathBuf};

/// Largest difference allowed between our and the reference sample values for lossy codecs.
/// The decoders are different implementations of the same standards (symphonia's MP3 vs
/// mpg123 in libsndfile, symphonia's Vorbis vs libvorbis, symphonia's AAC vs ffmpeg's; Opus is
/// libopus on both sides): they round differently inside the inverse transforms. Measured:
/// MP3 up to 5.7e-7, Vorbis 1.2e-7, Opus 1.2e-7, AAC 6e-8. A shift by one sample would move
/// the probes of these 220-600 Hz sines by 0.02 or more, so the alignment is checked too.
const LOSSY_PROBE_TOL: f64 = 2e-6;
/// Relative tolerance on the 16 block RMS values for lossy codecs (same cause).
const LOSSY_RMS_REL_TOL: f64 = 1e-5;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/decode")
}

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    let doc: Value = serde_json::from_str(&text).expect("valid json");
    doc["files"].as_array().expect("files").clone()
}

fn good_files() -> Vec<Value> {
    expected()
        .into_iter()
        .filter(|e| e.get("expect").is_none())
        .collect()
}

fn bad_files() -> Vec<Value> {
    expected()
        .into_iter()
        .filter(|e| e.get("expect").is_some())
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn good_files_match_ffmpeg_lengths_and_parameters() {
    let files = good_files();
    assert!(files.len() >= 25, "fixtures missing: {}", files.len());
    for e in &files {
        let name = e["file"].as_str().unwrap();
        let audio =
            decode_file(&fixtures().join(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(
            u64::from(audio.sample_rate),
            e["sample_rate"].as_u64().unwrap(),
            "{name}: rate"
        );
        assert_eq!(
            audio.channels as u64,
            e["channels"].as_u64().unwrap(),
            "{name}: channels"
        );
        assert_eq!(audio.codec, e["codec"].as_str().unwrap(), "{name}: codec");
        assert_eq!(
            audio.samples.len() as u64,
            e["frames"].as_u64().unwrap(),
            "{name}: frames"
        );
        // Where libsndfile stops early (a VBR MP3 without a Xing frame), ffmpeg's length,
        // checked above, is what players play.
        let sf_frames = e
            .get("soundfile_frames")
            .and_then(Value::as_u64)
            .filter(|_| e.get("soundfile_differs").is_none());
        if let Some(sf_frames) = sf_frames {
            assert_eq!(
                audio.samples.len() as u64,
                sf_frames,
                "{name}: soundfile frames"
            );
        }
        assert!(
            audio.warnings.is_empty(),
            "{name}: unexpected warnings {:?}",
            audio.warnings
        );
    }
}

#[test]
fn good_files_match_ffmpeg_signal() {
    for e in good_files() {
        let name = e["file"].as_str().unwrap();
        let audio = decode_file(&fixtures().join(name)).unwrap();
        let mono = &e["mono"];
        let lossless = e["lossless"].as_bool().unwrap();
        let index = mono["probe_index"].as_array().unwrap();
        let value = mono["probe_value"].as_array().unwrap();
        let mut worst = 0.0f64;
        for (i, v) in index.iter().zip(value) {
            let ours = f64::from(audio.samples[i.as_u64().unwrap() as usize]);
            let diff = (ours - num(v)).abs();
            worst = worst.max(diff);
            if lossless {
                // libsndfile's scaling to f32 and numpy's mean are reproduced exactly.
                assert_eq!(
                    ours,
                    num(v),
                    "{name}: sample {i} differs from the reference"
                );
            }
        }
        if !lossless {
            assert!(
                worst <= LOSSY_PROBE_TOL,
                "{name}: probe differs by {worst:e}"
            );
        }
        let blocks = block_rms(&audio.samples, 16);
        for (ours, theirs) in blocks.iter().zip(mono["block_rms"].as_array().unwrap()) {
            let theirs = num(theirs);
            let tol = if lossless {
                1e-9
            } else {
                LOSSY_RMS_REL_TOL * theirs.max(1e-3)
            };
            assert!(
                (ours - theirs).abs() <= tol,
                "{name}: block rms {ours} vs {theirs}"
            );
        }
        let reference = e["reference"].as_str().unwrap();
        println!("{name:24} worst probe difference from {reference} {worst:.2e}");
    }
}

/// RMS of each of `n` blocks split as `np.array_split` splits.
fn block_rms(x: &[f32], n: usize) -> Vec<f64> {
    let (base, extra) = (x.len() / n, x.len() % n);
    let mut out = Vec::new();
    let mut start = 0;
    for b in 0..n {
        let len = base + usize::from(b < extra);
        let block = &x[start..start + len];
        let energy: f64 = block.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        out.push((energy / len.max(1) as f64).sqrt());
        start += len;
    }
    out
}

#[test]
fn bad_files_give_the_right_error_or_warning() {
    for e in bad_files() {
        let name = e["file"].as_str().unwrap();
        let expect = &e["expect"];
        // The native decoders' verdict (`auto` hands what they refuse to ffmpeg, when it is
        // installed: tests/ffmpeg.rs).
        let result = decode_file_with(&fixtures().join(name), Decoder::Native);
        if let Some(kind) = expect.get("error").and_then(Value::as_str) {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{name}: decoded, expected {kind}"));
            assert_eq!(variant(&err), kind, "{name}: {err}");
            assert!(
                err.to_string().contains(name),
                "{name}: error does not name the file: {err}"
            );
            if let (FeatureError::NonFinite { position_s, .. }, Some(want)) =
                (&err, expect.get("position_s"))
            {
                assert!(
                    (position_s - num(want)).abs() < 1e-9,
                    "{name}: at {position_s}"
                );
            }
        } else {
            let audio = result.unwrap_or_else(|err| panic!("{name}: {err}"));
            assert!(!audio.warnings.is_empty(), "{name}: no warning");
            let full = e["frames"].as_u64().map(|f| f as f64);
            let min_fraction = num(&expect["min_fraction"]);
            let n = audio.samples.len() as f64;
            // ffmpeg's count for the damaged file itself, when it decoded it.
            if let Some(ffmpeg_frames) = full {
                assert!(
                    n >= min_fraction * ffmpeg_frames.max(1.0) * 0.5,
                    "{name}: only {n} frames"
                );
            }
            assert!(n > 0.0, "{name}: nothing decoded");
            println!(
                "{name:24} {n} frames (ffmpeg {full:?}); warnings {:?}",
                audio.warnings
            );
        }
    }
}

fn variant(err: &FeatureError) -> &'static str {
    match err {
        FeatureError::Io { .. } => "Io",
        FeatureError::Unsupported { .. } => "Unsupported",
        FeatureError::Corrupt { .. } => "Corrupt",
        FeatureError::NoAudio { .. } => "NoAudio",
        FeatureError::InvalidSampleRate { .. } => "InvalidSampleRate",
        FeatureError::InvalidChannels { .. } => "InvalidChannels",
        FeatureError::NonFinite { .. } => "NonFinite",
        _ => "other",
    }
}

#[test]
fn truncated_and_damaged_files_match_ffmpeg_or_soundfile() {
    // Decoders recover from damage in their own ways; ours agrees exactly with one of the two
    // readers librosa may use: ffmpeg (WAV, FLAC, M4A, Ogg) or libsndfile/mpg123 (MP3: both
    // drop the partial last frame and resynchronise after garbage the same way).
    for e in bad_files()
        .into_iter()
        .filter(|e| e["expect"].get("warning").is_some())
    {
        let name = e["file"].as_str().unwrap();
        let ours = decode_file(&fixtures().join(name)).unwrap().samples.len() as u64;
        let ffmpeg = e["frames"].as_u64();
        let soundfile = e.get("soundfile_frames").and_then(Value::as_u64);
        assert!(
            Some(ours) == ffmpeg || Some(ours) == soundfile,
            "{name}: {ours} frames, ffmpeg {ffmpeg:?}, soundfile {soundfile:?}"
        );
    }
}

#[test]
fn paths_that_are_not_files_give_io_errors() {
    let dir = std::env::temp_dir().join(format!("sonority-decode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.wav");
    assert!(matches!(
        decode_file(&missing),
        Err(FeatureError::Io { .. })
    ));
    assert!(matches!(decode_file(&dir), Err(FeatureError::Io { .. })));

    #[cfg(unix)]
    {
        let dangling = dir.join("dangling.flac");
        let to_dir = dir.join("to_dir.flac");
        let good = dir.join("good.flac");
        for link in [&dangling, &to_dir, &good] {
            let _ = std::fs::remove_file(link);
        }
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        std::os::unix::fs::symlink(&dir, &to_dir).unwrap();
        std::os::unix::fs::symlink(fixtures().join("flac_s16.flac"), &good).unwrap();
        assert!(matches!(
            decode_file(&dangling),
            Err(FeatureError::Io { .. })
        ));
        assert!(matches!(decode_file(&to_dir), Err(FeatureError::Io { .. })));
        // A symlink to a good file is followed.
        assert_eq!(decode_file(&good).unwrap().samples.len(), 22050);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn content_decides_the_format_not_the_extension() {
    let dir = std::env::temp_dir().join(format!("sonority-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let renamed = dir.join("actually_flac.mp3");
    std::fs::copy(fixtures().join("flac_s16.flac"), &renamed).unwrap();
    let audio = decode_file(&renamed).unwrap();
    assert_eq!((audio.codec.as_str(), audio.samples.len()), ("flac", 22050));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_prefix_of_a_file_decodes_or_fails_cleanly() {
    // No input may panic: cut each format at many points and decode what is left.
    for name in [
        "wav_s16.wav",
        "flac_s16.flac",
        "mp3_cbr.mp3",
        "m4a_aac.m4a",
        "opus_mono.opus",
        "aiff_s16.aiff",
    ] {
        let data = std::fs::read(fixtures().join(name)).unwrap();
        let dir = std::env::temp_dir().join(format!("sonority-cut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cut_path = dir.join(name);
        for cut in (0..data.len()).step_by((data.len() / 40).max(1)) {
            std::fs::write(&cut_path, &data[..cut]).unwrap();
            match decode_file(&cut_path) {
                Ok(audio) => assert!(audio.samples.iter().all(|x| x.is_finite())),
                Err(err) => assert!(err.to_string().contains(name), "{err}"),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn streaming_chunks_equal_the_whole_decode() {
    for name in [
        "wav_5_1.wav",
        "flac_s16.flac",
        "mp3_vbr.mp3",
        "m4a_aac.m4a",
        "opus_stereo.opus",
    ] {
        let path = fixtures().join(name);
        let whole = decode_file(&path).unwrap();
        let mut stream = AudioStream::open(&path).unwrap();
        assert_eq!(stream.sample_rate(), whole.sample_rate);
        assert_eq!(stream.channels(), whole.channels);
        assert_eq!(stream.codec(), whole.codec);
        let mut joined = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = stream.next_chunk().unwrap() {
            joined.extend_from_slice(chunk);
            chunks += 1;
        }
        assert!(chunks > 1, "{name}: one chunk only");
        assert_eq!(joined, whole.samples, "{name}");
        assert_eq!(stream.frames_decoded(), whole.samples.len() as u64);
    }
}

#[test]
fn streamed_resampling_equals_decode_then_resample() {
    for name in ["flac_s16.flac", "opus_mono.opus", "wav_8k_mono.wav"] {
        let path = fixtures().join(name);
        let whole = decode_file(&path).unwrap();
        for kind in [ResamplerKind::SoxrHq, ResamplerKind::Rubato] {
            let expected = resample(&whole.samples, whole.sample_rate, 22050, kind).unwrap();
            let streamed = decode_file_resampled(&path, 22050, kind).unwrap();
            assert_eq!(streamed.native_sample_rate, whole.sample_rate);
            assert_eq!(streamed.native_frames, whole.samples.len() as u64);
            assert_eq!(streamed.samples, expected, "{name} {kind:?}");
        }
    }
}

/// CRC-32 of an Ogg page (polynomial 0x04c11db7, no reflection, initial value 0), computed over
/// the page with its checksum field zeroed.
fn ogg_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &byte in page {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The byte offsets of the pages of an Ogg file.
fn ogg_pages(bytes: &[u8]) -> Vec<usize> {
    let mut pages = Vec::new();
    let mut at = 0;
    while at + 27 <= bytes.len() && &bytes[at..at + 4] == b"OggS" {
        pages.push(at);
        let segments = usize::from(bytes[at + 26]);
        let body: usize = bytes[at + 27..at + 27 + segments]
            .iter()
            .map(|&s| usize::from(s))
            .sum();
        at += 27 + segments + body;
    }
    pages
}

/// Some encoders (a real ffmpeg/libvorbis file was seen) write granule positions that run
/// behind the packets in the middle of a stream. symphonia's Ogg reader would trim those pages'
/// last packets; libvorbis and ffmpeg trim only at the end of the stream, and so do we: a file
/// whose middle page's granule is set back decodes to exactly the samples of the intact file.
#[test]
fn granule_positions_behind_the_packets_mid_stream_trim_nothing() {
    for name in ["real/percussive_etr.ogg", "real/percussive_etr.opus"] {
        let path = fixtures().join("..").join(name);
        let intact = decode_file(&path).expect("intact file decodes");
        let mut bytes = std::fs::read(&path).expect("read");
        let pages = ogg_pages(&bytes);
        assert!(pages.len() > 6, "{name}: {} pages", pages.len());
        let page = pages[pages.len() / 2];
        let granule = u64::from_le_bytes(bytes[page + 6..page + 14].try_into().expect("8 bytes"));
        bytes[page + 6..page + 14].copy_from_slice(&(granule - 320).to_le_bytes());
        let end = pages
            .iter()
            .find(|&&p| p > page)
            .copied()
            .unwrap_or(bytes.len());
        bytes[page + 22..page + 26].copy_from_slice(&[0; 4]);
        let crc = ogg_crc(&bytes[page..end]);
        bytes[page + 22..page + 26].copy_from_slice(&crc.to_le_bytes());
        let dir = tempfile::tempdir().expect("tempdir");
        let changed = dir.path().join(path.file_name().expect("name"));
        std::fs::write(&changed, &bytes).expect("write");
        let decoded = decode_file(&changed).expect("changed file decodes");
        assert_eq!(decoded.samples.len(), intact.samples.len(), "{name}");
        assert!(decoded.samples == intact.samples, "{name}: samples differ");
    }
}

/// A chained Ogg file (one Ogg file appended to another, as stream recorders write) decodes as
/// the first stream followed by the second, each exactly as on its own; libsndfile cannot read
/// such files and ffmpeg reads on too. A chain at another sample rate stops with a warning.
#[test]
fn chained_ogg_streams_decode_one_after_the_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = fixtures().join("..").join("real");
    for (first, second) in [
        ("percussive_etr.ogg", "electronic_freedroid.ogg"),
        ("ambient_freedroid.opus", "orchestral_wesnoth.opus"),
    ] {
        let (a, b) = (real.join(first), real.join(second));
        let mut bytes = std::fs::read(&a).expect("read");
        bytes.extend(std::fs::read(&b).expect("read"));
        let chained = dir.path().join(format!("chained_{first}"));
        std::fs::write(&chained, &bytes).expect("write");
        let (a, b) = (decode_file(&a).expect("a"), decode_file(&b).expect("b"));
        let both = decode_file(&chained).expect("chained file decodes");
        assert!(both.warnings.is_empty(), "{first}: {:?}", both.warnings);
        assert_eq!(
            both.samples.len(),
            a.samples.len() + b.samples.len(),
            "{first}"
        );
        assert!(
            both.samples[..a.samples.len()] == a.samples[..],
            "{first}: first part"
        );
        assert!(
            both.samples[a.samples.len()..] == b.samples[..],
            "{first}: second part"
        );
    }
    // Vorbis at 44.1 kHz followed by Opus at 48 kHz: the first stream, and a warning.
    let mut bytes = std::fs::read(real.join("percussive_etr.ogg")).expect("read");
    bytes.extend(std::fs::read(real.join("percussive_etr.opus")).expect("read"));
    let mixed = dir.path().join("mixed.ogg");
    std::fs::write(&mixed, &bytes).expect("write");
    let first = decode_file(&real.join("percussive_etr.ogg")).expect("first");
    let decoded = decode_file(&mixed).expect("mixed chain decodes");
    assert_eq!(decoded.samples.len(), first.samples.len());
    assert!(decoded
        .warnings
        .iter()
        .any(|w| w.message.contains("chained stream")));
}
