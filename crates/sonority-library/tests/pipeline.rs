//! The incremental analysis pipeline on small libraries built from the fixtures.

mod common;

use common::*;
use sonority_library::{
    analyze_library, AnalyzeOptions, FeatureConfig, FeatureLayout, FileOutcome, LibraryError,
    Phase, ProgressEvent, ScanErrorKind, ScanOptions, Store,
};
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The decode fixtures that need ffmpeg (5.1 AAC, implicit HE-AAC) and their channel counts:
/// analysed through it when it is installed, else failed with an error asking for it.
const NEEDS_FFMPEG: &[(&str, u32)] = &[
    ("decode/m4a_aac_5_1.m4a", 6),
    ("decode/aac_implicit_sbr.aac", 2),
];

/// The decode fixtures that cannot give features, and why.
const BAD_DECODE: &[(&str, &str)] = &[
    ("decode/channels0.wav", "invalid channel count"),
    ("decode/empty.wav", "not audio (empty file)"),
    ("decode/header_only.wav", "contains no audio"),
    ("decode/inf_f32.wav", "non-finite sample"),
    ("decode/nan_f32.wav", "non-finite sample"),
    ("decode/rate0.wav", "invalid sample rate"),
    ("decode/text.mp3", "not audio (text file)"),
    ("junk/text.mp3", "not audio (text file)"),
    ("junk/zero.flac", "not audio (empty file)"),
];

fn touch(path: &std::path::Path, seconds_later: u64) {
    let file = fs::File::options().write(true).open(path).expect("open");
    let mtime = file
        .metadata()
        .expect("metadata")
        .modified()
        .expect("mtime");
    file.set_modified(mtime + Duration::from_secs(seconds_later))
        .expect("set mtime");
}

#[test]
fn first_run_analyses_audio_records_failures_and_rerun_skips_everything() {
    let lib = Library::full();
    let mut store = lib.store();
    let first = run(&mut store, &lib.root, &options());
    let report = &first.report;
    let found = report.found;
    assert_eq!(found, 85, "10 synthetic + 2 junk + 24 real + 49 decode");
    assert_eq!(report.analysed + report.failed.len(), found);
    assert_eq!(report.unchanged + report.known_failures + report.removed, 0);
    assert!(!report.cancelled);

    let failed: BTreeSet<PathBuf> = report.failed.iter().map(|f| f.path.clone()).collect();
    let mut expected: BTreeSet<PathBuf> = BAD_DECODE.iter().map(|(p, _)| lib.path(p)).collect();
    for &(rel, channels) in NEEDS_FFMPEG {
        let aac = store
            .track_by_path(&lib.path(rel))
            .expect("query")
            .expect("stored");
        if sonority_features::ffmpeg_available() {
            assert_eq!(
                aac.codec.as_deref(),
                Some("aac via ffmpeg"),
                "{:?}",
                aac.error
            );
            assert_eq!(aac.channels, Some(channels));
        } else {
            let error = aac.error.expect("error stored");
            assert!(error.contains("install ffmpeg"), "{error}");
            expected.insert(lib.path(rel));
        }
    }
    assert_eq!(failed, expected);
    for (rel, why) in BAD_DECODE {
        let row = store
            .track_by_path(&lib.path(rel))
            .expect("query")
            .expect("failed file is stored");
        let error = row.error.expect("error stored");
        assert!(error.contains(why), "{rel}: {error}");
        assert!(
            error.contains(&*lib.path(rel).to_string_lossy()),
            "names the file: {error}"
        );
    }
    let errors = store.errors().expect("errors");
    assert_eq!(errors.len(), expected.len());

    // The symbolic link loop is reported, not followed; the hidden folder is skipped.
    assert!(report
        .scan_errors
        .iter()
        .any(|e| e.kind == ScanErrorKind::Loop && e.path.as_deref() == Some(&*lib.path("loop"))));
    assert!(store
        .tracks()
        .expect("tracks")
        .iter()
        .all(|t| !t.path.to_string_lossy().contains(".hidden")));

    // Progress: phases in order, one FileDone per file, audio seconds add up.
    let phases: Vec<Phase> = first
        .events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::Phase { phase } => Some(*phase),
            _ => None,
        })
        .collect();
    assert_eq!(phases, [Phase::Scanning, Phase::Analysing, Phase::Writing]);
    assert_eq!(first.done_paths().len(), found);
    let last_done = first.events.iter().rev().find_map(|e| match e {
        ProgressEvent::FileDone {
            done,
            total,
            audio_s_done,
            ..
        } => Some((*done, *total, *audio_s_done)),
        _ => None,
    });
    assert_eq!(last_done.map(|d| (d.0, d.1)), Some((found, found)));
    assert!((last_done.map_or(0.0, |d| d.2) - report.audio_s).abs() < 1e-9);
    let committed: usize = first
        .events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::BatchCommitted { tracks, .. } => Some(*tracks),
            _ => None,
        })
        .sum();
    assert_eq!(committed, found);

    let status = store.status().expect("status");
    assert_eq!(status.tracks, found);
    assert_eq!(status.analysed, report.analysed);
    assert_eq!(status.failed, expected.len());
    assert!((status.total_duration_s - report.audio_s).abs() < 1e-6);
    let version = FeatureConfig::default().analysis_version();
    assert_eq!(
        status.by_analysis_version,
        [(version.clone(), report.analysed)]
    );
    let table = store
        .features_table(&version)
        .expect("table")
        .expect("some features");
    assert_eq!(table.tracks.len(), report.analysed);
    assert!(table
        .values
        .iter()
        .all(|v| v.len() == table.layout.len() && v.iter().all(|x| x.is_finite())));
    assert!(table.tracks.windows(2).all(|w| w[0].path < w[1].path));

    // The rerun skips everything: no file is opened, nothing analysed or retried.
    let second = run(&mut store, &lib.root, &options());
    let r = &second.report;
    assert_eq!((r.analysed, r.failed.len(), r.removed), (0, 0, 0));
    assert_eq!(r.unchanged, report.analysed);
    assert_eq!(r.known_failures, expected.len());
    assert!(second.done_paths().is_empty());
    eprintln!(
        "full test library ({found} files, {:.1} s of audio, 2 jobs): first run {:.3} s, \
         rerun {:.4} s",
        report.audio_s, first.secs, second.secs
    );
    assert!(
        second.secs < first.secs / 5.0,
        "rerun {:.3} s vs first {:.3} s",
        second.secs,
        first.secs
    );

    // retry_failed retries only the failures (and they fail again).
    let retry = AnalyzeOptions {
        retry_failed: true,
        ..options()
    };
    let third = run(&mut store, &lib.root, &retry);
    assert_eq!(third.report.failed.len(), expected.len());
    assert_eq!(third.report.analysed, 0);
    assert_eq!(third.report.unchanged, report.analysed);
}

#[test]
fn touched_file_is_reanalysed_alone_and_keeps_its_id() {
    let lib = Library::small();
    let mut store = lib.store();
    let first = run(&mut store, &lib.root, &options());
    assert_eq!(first.report.analysed, 10);
    let target = lib.path("synthetic/noise_22k.wav");
    let before = store.track_by_path(&target).expect("q").expect("row");

    touch(&target, 10);
    let second = run(&mut store, &lib.root, &options());
    assert_eq!(second.report.analysed, 1);
    assert_eq!(second.report.unchanged, 9);
    assert_eq!(second.analysed_paths(), BTreeSet::from([target.clone()]));
    let after = store.track_by_path(&target).expect("q").expect("row");
    assert_eq!(after.id, before.id);
    assert_eq!(after.mtime_ns, before.mtime_ns + 10_000_000_000);

    // A changed size is a change too; so is a known-bad file that changed.
    let text = lib.path("junk/text.mp3");
    fs::write(&text, b"still not audio, but different").expect("write");
    let third = run(&mut store, &lib.root, &options());
    assert_eq!(third.done_paths(), BTreeSet::from([text]));
    assert_eq!(third.report.failed.len(), 1);
}

#[test]
fn deleted_file_is_forgotten_only_under_its_root() {
    let lib = Library::new();
    lib.copy("synthetic", "a", |n| {
        n.starts_with("chord") || n == "sweep_22k.wav"
    });
    lib.copy("synthetic", "a2", |n| n == "noise_22k.wav");
    let mut store = lib.store();
    let a = lib.path("a");
    let a2 = lib.path("a2");
    assert_eq!(run(&mut store, &a, &options()).report.analysed, 3);
    assert_eq!(run(&mut store, &a2, &options()).report.analysed, 1);

    let gone = lib.path("a/sweep_22k.wav");
    fs::remove_file(&gone).expect("rm");
    let r = run(&mut store, &a, &options()).report;
    assert_eq!((r.removed, r.unchanged, r.analysed), (1, 2, 0));
    assert!(store.track_by_path(&gone).expect("q").is_none());
    // "a2" starts with the characters "a" but is not under it.
    assert!(store
        .track_by_path(&lib.path("a2/noise_22k.wav"))
        .expect("q")
        .is_some());
    assert_eq!(store.status().expect("status").tracks, 3);

    // Scanning a sub-folder forgets nothing outside it.
    fs::create_dir_all(lib.path("a/sub")).expect("mkdir");
    let r = run(&mut store, &lib.path("a/sub"), &options()).report;
    assert_eq!((r.found, r.removed), (0, 0));
    assert_eq!(store.status().expect("status").tracks, 3);
}

#[test]
fn analysis_version_change_reanalyses_everything() {
    let lib = Library::small();
    let mut store = lib.store();
    let first = run(&mut store, &lib.root, &options());
    let old_version = first.report.analysis_version.clone();
    let changed = AnalyzeOptions {
        features: FeatureConfig {
            n_mels: 64,
            ..FeatureConfig::default()
        },
        ..options()
    };
    let second = run(&mut store, &lib.root, &changed);
    assert_ne!(second.report.analysis_version, old_version);
    assert_eq!(second.report.analysed, first.report.analysed);
    // Failures are retried under a new version (the decoder may have changed).
    assert_eq!(second.report.failed.len(), first.report.failed.len());
    assert_eq!(second.report.unchanged, 0);

    let new = store
        .features_table(&second.report.analysis_version)
        .expect("q")
        .expect("table");
    assert_eq!(new.tracks.len(), 10);
    assert!(new.layout.len() < FeatureLayout::for_config(&FeatureConfig::default()).len());
    let old = store
        .features_table(&old_version)
        .expect("q")
        .expect("table");
    assert!(old.tracks.is_empty());
    assert!(store
        .features_table("no such version")
        .expect("q")
        .is_none());
    // And back: the old layout is reused.
    let third = run(&mut store, &lib.root, &options());
    assert_eq!(third.report.analysed, 10);
}

#[test]
fn hidden_files_are_analysed_on_request() {
    let lib = Library::small();
    let mut store = lib.store();
    let hidden = lib.path(".hidden/sweep_22k.wav");
    run(&mut store, &lib.root, &options());
    assert!(store.track_by_path(&hidden).expect("q").is_none());
    let with_hidden = AnalyzeOptions {
        scan: ScanOptions {
            include_hidden: true,
            ..ScanOptions::default()
        },
        ..options()
    };
    let r = run(&mut store, &lib.root, &with_hidden);
    assert_eq!(r.analysed_paths(), BTreeSet::from([hidden.clone()]));
    // Hidden again: the track is forgotten, as any file no longer in the scan.
    let r = run(&mut store, &lib.root, &options());
    assert_eq!(r.report.removed, 1);
}

#[test]
fn cancelled_run_keeps_committed_tracks_and_resume_does_the_rest() {
    let lib = Library::small();
    lib.copy("real", "real", |n| n.ends_with(".flac"));
    let mut store = lib.store();
    let options = AnalyzeOptions {
        jobs: 1,
        batch_size: 2,
        ..options()
    };
    let cancel = AtomicBool::new(false);
    let mut events = Vec::new();
    let report = analyze_library(
        &mut store,
        &lib.root,
        &options,
        &mut |e| {
            if matches!(e, ProgressEvent::BatchCommitted { .. }) {
                cancel.store(true, Ordering::Relaxed);
            }
            events.push(e);
        },
        &cancel,
    )
    .expect("run");
    assert!(report.cancelled);
    let total = report.found;
    assert_eq!(total, 16);
    let done_first: BTreeSet<PathBuf> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::FileDone { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    assert!(
        done_first.len() >= 2 && done_first.len() < total,
        "{}",
        done_first.len()
    );
    assert_eq!(report.not_started, total - done_first.len());
    // Everything reported done was committed.
    let stored: BTreeSet<PathBuf> = store
        .tracks()
        .expect("tracks")
        .into_iter()
        .map(|t| t.path)
        .collect();
    assert_eq!(stored, done_first);

    let resumed = run(&mut store, &lib.root, &options);
    assert!(!resumed.report.cancelled);
    let done_second = resumed.done_paths();
    assert!(
        done_first.is_disjoint(&done_second),
        "nothing committed is redone"
    );
    assert_eq!(done_first.len() + done_second.len(), total);
    assert_eq!(store.status().expect("status").tracks, total);
}

#[test]
fn cancel_before_start_analyses_nothing() {
    let lib = Library::small();
    let mut store = lib.store();
    let cancel = AtomicBool::new(true);
    let report =
        analyze_library(&mut store, &lib.root, &options(), &mut |_| {}, &cancel).expect("run");
    assert!(report.cancelled);
    assert_eq!(report.not_started, report.found);
    assert_eq!(store.status().expect("status").tracks, 0);
}

#[test]
fn stored_features_and_tags_are_those_of_the_file() {
    let lib = Library::new();
    lib.copy("real", "", |n| {
        n == "percussive_etr.flac" || n == "ambient_freedroid.mp3"
    });
    let tagged = lib.path("percussive_etr.flac");
    {
        use lofty::prelude::*;
        let mut file = lofty::read_from_path(&tagged).expect("read");
        let mut tag = lofty::tag::Tag::new(file.primary_tag_type());
        tag.set_artist("Kristian Picon".into());
        tag.set_album("Extreme Tux Racer".into());
        tag.set_title("Credits Ballad".into());
        tag.set_genre("Soundtrack".into());
        tag.set_track(3);
        file.insert_tag(tag);
        file.save_to_path(&tagged, lofty::config::WriteOptions::default())
            .expect("save");
    }
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let config = FeatureConfig::default();
    let table = store
        .features_table(&config.analysis_version())
        .expect("q")
        .expect("table");
    assert_eq!(table.tracks.len(), 2);
    for (track, values) in table.tracks.iter().zip(&table.values) {
        let direct = sonority_features::analyze_file(&track.path, &config).expect("analysis");
        let expected = direct.track_features(&config);
        assert!(values == &expected.values, "{}", track.path.display());
        assert_eq!(*table.layout, *expected.layout);
        assert_eq!(track.duration_s, Some(direct.source.duration_s));
        assert_eq!(track.sample_rate, Some(direct.source.sample_rate));
        assert_eq!(track.codec.as_deref(), Some(direct.source.codec.as_str()));
    }
    let row = store.track_by_path(&tagged).expect("q").expect("row");
    assert_eq!(row.tags.artist.as_deref(), Some("Kristian Picon"));
    assert_eq!(row.tags.album.as_deref(), Some("Extreme Tux Racer"));
    assert_eq!(row.tags.title.as_deref(), Some("Credits Ballad"));
    assert_eq!(row.tags.genre.as_deref(), Some("Soundtrack"));
    assert_eq!(row.tags.track_no, Some(3));
    assert_eq!(row.channels, Some(2));
    assert!(row.error.is_none() && row.analyzed_at > 0);
}

#[test]
fn unreadable_tags_are_a_warning_not_a_failure() {
    // An ID3v2.3 tag whose TIT2 frame holds an odd number of UTF-16 bytes, in front of a good
    // MP3: lofty refuses the tag, the audio decodes.
    let lib = Library::new();
    let mut bytes = b"ID3\x03\x00\x00\x00\x00\x00\x20TIT2\x00\x00\x7f\x00\x00\x00\x01abc".to_vec();
    bytes.resize(42, 0);
    bytes.extend(fs::read(fixtures().join("real/ambient_freedroid.mp3")).expect("fixture"));
    let path = lib.path("odd.mp3");
    fs::write(&path, &bytes).expect("write");
    assert!(sonority_tags::read_tags(&path).is_err());
    let mut store = lib.store();
    let r = run(&mut store, &lib.root, &options());
    assert_eq!((r.report.analysed, r.report.failed.len()), (1, 0));
    let row = store.track_by_path(&path).expect("q").expect("row");
    assert!(row.error.is_none() && row.tags.is_empty());
    assert!(
        row.warnings
            .iter()
            .any(|w| w.message.starts_with("tags: ") && w.message.contains("TIT2")),
        "{:?}",
        row.warnings
    );
}

#[cfg(unix)]
#[test]
fn unreadable_folder_is_reported_and_its_tracks_kept() {
    use std::os::unix::fs::PermissionsExt;
    // As root (CI) the test runs again as an unprivileged user.
    if run_unprivileged("unreadable_folder_is_reported_and_its_tracks_kept") {
        return;
    }
    let lib = Library::new();
    lib.copy("synthetic", "open", |n| n == "sweep_22k.wav");
    lib.copy("synthetic", "closed", |n| n == "noise_22k.wav");
    let mut store = lib.store();
    assert_eq!(run(&mut store, &lib.root, &options()).report.analysed, 2);
    let closed = lib.path("closed");
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).expect("chmod");
    let r = run(&mut store, &lib.root, &options()).report;
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(r
        .scan_errors
        .iter()
        .any(|e| e.kind == ScanErrorKind::Unreadable && e.path.as_deref() == Some(&*closed)));
    assert_eq!(r.removed, 0, "an unreadable folder is not a deleted one");
    assert_eq!(store.status().expect("status").tracks, 2);

    // An unreadable file is reported and not stored, so it is tried again next time.
    let file = lib.path("open/locked.wav");
    fs::copy(fixtures().join("synthetic/chord_cmaj_22k.wav"), &file).expect("copy");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).expect("chmod");
    let r = run(&mut store, &lib.root, &options());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
    assert!(r.events.iter().any(|e| matches!(
        e,
        ProgressEvent::FileDone {
            outcome: FileOutcome::Unreadable { .. },
            ..
        }
    )));
    assert!(store.track_by_path(&file).expect("q").is_none());
    assert_eq!(run(&mut store, &lib.root, &options()).report.analysed, 1);
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_round_trip() {
    use std::os::unix::ffi::OsStrExt;
    let lib = Library::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.wav");
    let path = lib.root.join(name);
    if fs::copy(fixtures().join("synthetic/sweep_22k.wav"), &path).is_err() {
        eprintln!("skipped: the file system refuses non-UTF-8 names");
        return;
    }
    let mut store = lib.store();
    let r = run(&mut store, &lib.root, &options());
    assert_eq!(r.report.analysed, 1);
    let row = store.track_by_path(&path).expect("q").expect("row");
    assert_eq!(row.path, path);
    assert_eq!(run(&mut store, &lib.root, &options()).report.unchanged, 1);
    fs::remove_file(&path).expect("rm");
    // It was the only file: an empty root forgets nothing unless forced.
    let kept = run(&mut store, &lib.root, &options()).report;
    assert_eq!(kept.removed, 0);
    assert!(kept.forget_withheld.is_some());
    let forced = AnalyzeOptions {
        force_forget: true,
        ..options()
    };
    assert_eq!(run(&mut store, &lib.root, &forced).report.removed, 1);
}

#[test]
fn missing_root_and_bad_options_are_errors() {
    let lib = Library::new();
    let mut store = lib.store();
    let cancel = AtomicBool::new(false);
    let err = analyze_library(
        &mut store,
        &lib.path("nowhere"),
        &options(),
        &mut |_| {},
        &cancel,
    );
    assert!(matches!(err, Err(LibraryError::Root { .. })), "{err:?}");
    let bad = AnalyzeOptions {
        batch_size: 0,
        ..options()
    };
    let err = analyze_library(&mut store, &lib.root, &bad, &mut |_| {}, &cancel);
    assert!(matches!(err, Err(LibraryError::InvalidOption(_))));
    let bad = AnalyzeOptions {
        features: FeatureConfig {
            n_fft: 3,
            ..FeatureConfig::default()
        },
        ..options()
    };
    let err = analyze_library(&mut store, &lib.root, &bad, &mut |_| {}, &cancel);
    assert!(matches!(err, Err(LibraryError::Feature(_))));
}

#[test]
fn a_single_file_can_be_the_root() {
    let lib = Library::small();
    let mut store = lib.store();
    let file = lib.path("synthetic/click120_22k.wav");
    let r = run(&mut store, &file, &options());
    assert_eq!((r.report.found, r.report.analysed), (1, 1));
    let r = run(&mut store, &lib.root, &options());
    assert_eq!(r.report.unchanged, 1);
}

#[test]
fn default_jobs_use_every_core() {
    let opts = AnalyzeOptions::default();
    assert_eq!(opts.jobs, 0);
    assert!(opts.effective_jobs() >= 1);
    let _ = Store::default_path();
}

/// A file that never answers (here a FIFO without a writer, as a read from a network share
/// that stopped responding, or a decoder stuck in a loop) is given up after the file timeout:
/// the run finishes, every other file is analysed and committed, and the file is recorded as
/// failed with the reason.
#[cfg(unix)]
#[test]
fn a_file_that_never_answers_is_given_up_and_the_run_finishes() {
    use std::os::unix::fs::OpenOptionsExt;
    let lib = Library::small();
    let mut store = lib.store();
    let stuck = lib.path("stuck.wav");
    fs::copy(lib.path("synthetic/click120_22k.wav"), &stuck).expect("copy");
    let options = AnalyzeOptions {
        file_timeout: Some(Duration::from_secs(2)),
        ..options()
    };
    let cancel = AtomicBool::new(false);
    let mut swapped = false;
    // Regular at scan time; a FIFO once the run has planned, so opening it blocks.
    let report = analyze_library(
        &mut store,
        &lib.root,
        &options,
        &mut |e| {
            if matches!(e, ProgressEvent::Planned { .. }) && !swapped {
                fs::remove_file(&stuck).expect("remove");
                let made = std::process::Command::new("mkfifo")
                    .arg(&stuck)
                    .status()
                    .expect("mkfifo runs");
                assert!(made.success());
                swapped = true;
            }
        },
        &cancel,
    )
    .expect("the run finishes");
    assert!(swapped);
    assert!(!report.cancelled);
    // The small library's two junk files fail as always; the stuck file is the third.
    let failed: BTreeSet<PathBuf> = report.failed.iter().map(|f| f.path.clone()).collect();
    let expected: BTreeSet<PathBuf> = [lib.path("junk/text.mp3"), lib.path("junk/zero.flac")]
        .into_iter()
        .chain([stuck.clone()])
        .collect();
    assert_eq!(failed, expected);
    let reason = &report
        .failed
        .iter()
        .find(|f| f.path == stuck)
        .expect("stuck")
        .reason;
    assert!(reason.contains("timed out after 2 s"), "{reason}");
    assert_eq!(report.analysed, report.found - 3);
    let row = store
        .track_by_path(&stuck)
        .expect("query")
        .expect("the stuck file is recorded");
    assert!(row.error.is_some_and(|e| e.contains("did not finish")));
    assert_eq!(store.errors().expect("errors").len(), 3);
    // Let the abandoned worker go: a writer opening the FIFO ends its wait (O_NONBLOCK, so
    // this never blocks even if the worker were gone).
    let _ = fs::OpenOptions::new()
        .write(true)
        .custom_flags(0o4000)
        .open(&stuck);
}
