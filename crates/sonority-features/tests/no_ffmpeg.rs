//! Without ffmpeg: this test binary empties `PATH` first (it is its own process, so no other
//! test sees that), then checks that files needing ffmpeg fail with an error that names the
//! file, the format and how to install ffmpeg, and that everything else decodes as before.

use sonority_features::ffmpeg_available;
use sonority_features::FeatureError;
use sonority_features::{analyze_file, decode_file, decode_file_with, Decoder, FeatureConfig};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

#[test]
fn without_ffmpeg_the_error_says_which_format_needs_it_and_how_to_install_it() {
    let empty = tempfile::tempdir().expect("tempdir");
    // SAFETY of the environment change: this binary has this one test, so no other thread
    // reads the environment meanwhile.
    std::env::set_var("PATH", empty.path());
    assert!(!ffmpeg_available());
    for (name, format) in [
        ("ffmpeg/wmav2.wma", "WMA"),
        ("ffmpeg/wavpack_mono_22k.wv", "WavPack"),
        ("ffmpeg/tta_mono_22k.tta", "TTA"),
        ("ffmpeg/ac3_5_1.ac3", "AC-3"),
        ("ffmpeg/dts_stereo.dts", "DTS"),
        ("ffmpeg/speex_16k.spx", "Speex"),
        ("ffmpeg/real_144.ra", "RealAudio"),
        ("ffmpeg/aac_5_1.m4a", "multichannel AAC"),
        ("ffmpeg/mp3_in_wav.wav", "MP3 inside WAV"),
        ("ffmpeg/ac3_in_mka.mka", "AC-3"),
        ("decode/aac_implicit_sbr.aac", "HE-AAC"),
    ] {
        let err = decode_file(&fixture(name)).expect_err(name);
        let message = err.to_string();
        match &err {
            FeatureError::NeedsFfmpeg { format: f, .. } => assert_eq!(f, format, "{message}"),
            other => panic!("{name}: not NeedsFfmpeg: {other}"),
        }
        let file = Path::new(name)
            .file_name()
            .and_then(|f| f.to_str())
            .expect("name");
        assert!(message.contains(file), "{message}");
        assert!(
            message.contains("install ffmpeg (e.g. `apt install ffmpeg`"),
            "{message}"
        );
        assert!(
            message.contains(&format!("to analyse {format} files")),
            "{message}"
        );
        // The analysis reports the same error.
        let err = analyze_file(&fixture(name), &FeatureConfig::default()).expect_err(name);
        assert!(matches!(err, FeatureError::NeedsFfmpeg { .. }), "{err}");
    }
    // Native decoding is untouched; `native` gives the decoders' own refusal; `ffmpeg` asked
    // for without ffmpeg is the same NeedsFfmpeg error.
    let vorbis = decode_file(&fixture("ffmpeg/vorbis_5_1.ogg")).expect("native file");
    assert_eq!(vorbis.decoder, Decoder::Native);
    let err = decode_file_with(&fixture("ffmpeg/wmav2.wma"), Decoder::Native).expect_err("wma");
    assert!(matches!(err, FeatureError::Unsupported { .. }), "{err}");
    let err = decode_file_with(&fixture("decode/flac_s16.flac"), Decoder::Ffmpeg).expect_err("");
    assert!(matches!(err, FeatureError::NeedsFfmpeg { .. }), "{err}");
    // Garbage with the extension of a native format is "unrecognised", not a request to
    // install ffmpeg.
    let err = decode_file(&fixture("decode/text.mp3")).expect_err("text");
    assert!(matches!(err, FeatureError::Unsupported { .. }), "{err}");
}
