//! End-to-end tests of the `sonority` binary on a small library built from the fixtures:
//! three clearly different kinds of audio (real music excerpts, noise, tonal chords and
//! sweeps) in mixed formats, plus a truncated file, a zero-byte file and a text file named .mp3.

mod common;

use common::{fixtures, sonority};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run sonority");
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The kinds of the test library: (label, file names under fixtures/).
const KINDS: &[(&str, &[&str])] = &[
    (
        "music",
        &[
            "real/ambient_freedroid.ogg",
            "real/electronic_freedroid.mp3",
            "real/orchestral_wesnoth.flac",
            "real/percussive_etr.m4a",
            "real/electronic_freedroid.opus",
            "real/orchestral_wesnoth.ogg",
        ],
    ),
    (
        "noise",
        &["synthetic/noise_22k.wav", "synthetic/click120_22k.wav"],
    ),
    (
        "tonal",
        &[
            "synthetic/chord_cmaj_22k.wav",
            "synthetic/chord_cmaj_detuned30c_22k.wav",
            "synthetic/sweep_22k.wav",
            "synthetic/stereo_44k.wav",
        ],
    ),
];

/// Builds the library in `dir` and returns the labels CSV path.
fn build_library(dir: &Path) -> PathBuf {
    let mut csv = String::from("path,label\n");
    for (kind, files) in KINDS {
        let sub = dir.join(kind);
        std::fs::create_dir_all(&sub).expect("mkdir");
        for f in *files {
            let src = fixtures().join(f);
            let name = f.replace('/', "_");
            std::fs::copy(&src, sub.join(&name)).expect("copy fixture");
            csv.push_str(&format!("{kind}/{name},{kind}\n"));
        }
    }
    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).expect("mkdir");
    std::fs::copy(
        fixtures().join("decode/trunc_flac.flac"),
        broken.join("truncated.flac"),
    )
    .expect("copy");
    std::fs::write(broken.join("empty.flac"), b"").expect("write");
    std::fs::write(
        broken.join("notes.mp3"),
        b"this is a text file, not an mp3\n",
    )
    .expect("write");
    let labels = dir.join("labels.csv");
    std::fs::write(&labels, csv).expect("write csv");
    labels
}

const TRACKS: usize = 12; // audio files in KINDS
const ANALYSABLE: usize = TRACKS + 1; // plus the truncated one (decoded up to the damage)

#[test]
fn organize_then_query_then_rerun() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("music");
    let labels = build_library(&lib);
    let db = tmp.path().join("library.db");

    // The main job.
    let out = run(sonority(&db).args(["organize", "-q", "-k", "3"]).arg(&lib));
    let err = stderr(&out);
    assert!(err.contains(&format!("analysed {ANALYSABLE}")), "{err}");
    assert!(err.contains("failed 2"), "{err}");
    let table = stdout(&out);
    assert!(table.contains("quality: silhouette"), "{table}");
    // One folder per family, the playlists inside.
    let families: Vec<PathBuf> = std::fs::read_dir(lib.join("sonority-playlists"))
        .expect("playlists folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert!(!families.is_empty(), "no family folder");
    let playlists: Vec<PathBuf> = families
        .iter()
        .flat_map(|f| std::fs::read_dir(f).expect("family folder").flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "m3u8"))
        .collect();
    assert_eq!(playlists.len(), 3, "{playlists:?}");
    let mut entries = 0;
    for p in &playlists {
        let text = std::fs::read_to_string(p).expect("read playlist");
        assert!(text.starts_with("#EXTM3U"), "{text}");
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let target = p.parent().expect("dir").join(line);
            assert!(
                target.is_file(),
                "{} -> {line} does not resolve",
                p.display()
            );
            entries += 1;
        }
    }
    assert_eq!(entries, ANALYSABLE);

    // status and errors.
    let status = stdout(&run(sonority(&db).args(["status", "--json"])));
    let status: serde_json::Value = serde_json::from_str(&status).expect("status json");
    assert_eq!(status["analysed"], ANALYSABLE);
    assert_eq!(status["failed"], 2);
    let errors = stdout(&run(sonority(&db).arg("errors")));
    assert!(
        errors.contains("empty.flac") && errors.contains("notes.mp3"),
        "{errors}"
    );
    assert!(errors.contains("not audio"), "{errors}");

    // similar: the seed is left out, n is respected.
    let seed = lib.join("noise/synthetic_noise_22k.wav");
    let sim = stdout(&run(sonority(&db)
        .args(["similar", "-n", "5", "--json"])
        .arg(&seed)));
    let lines: Vec<serde_json::Value> = sim
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines
        .iter()
        .all(|l| !l["path"].as_str().unwrap_or("").ends_with("noise_22k.wav")));
    let distances: Vec<f64> = lines
        .iter()
        .filter_map(|l| l["distance"].as_f64())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");

    // evaluate against the kinds.
    let eval = stdout(&run(sonority(&db)
        .arg("evaluate")
        .arg("--labels")
        .arg(&labels)
        .arg("--json")));
    let eval: serde_json::Value = serde_json::from_str(&eval).expect("evaluate json");
    assert_eq!(eval["labelled"], TRACKS);
    let v = eval["agreement"]["v_measure"].as_f64().expect("v");
    assert!((0.0..=1.0).contains(&v), "{v}");

    // export: a header, one row per analysed track, every feature column.
    let csv = stdout(&run(sonority(&db).args(["export", "--format", "csv"])));
    let mut rows = csv.lines();
    let header = rows.next().expect("header");
    assert!(header.starts_with(
        "path,artist,album,title,genre,duration_s,family_id,family_name,cluster_id,cluster_name"
    ));
    assert!(header.contains("timbre_cov_11_11") && header.contains("tempo_bpm"));
    assert_eq!(rows.count(), ANALYSABLE);
    let json = stdout(&run(sonority(&db).args(["export", "--format", "json"])));
    let json: serde_json::Value = serde_json::from_str(&json).expect("export json");
    assert_eq!(json.as_array().map(Vec::len), Some(ANALYSABLE));

    // Rerun: nothing to analyse, same clustering.
    let started = Instant::now();
    let out = run(sonority(&db).args(["organize", "-q", "-k", "3"]).arg(&lib));
    let err = stderr(&out);
    assert!(err.contains("analysed 0"), "{err}");
    assert!(err.contains(&format!("unchanged {ANALYSABLE}")), "{err}");
    assert!(err.contains("up to date"), "{err}");
    eprintln!("rerun took {:?}", started.elapsed());

    // A new track joins the existing clusters.
    std::fs::copy(
        fixtures().join("real/percussive_etr.ogg"),
        lib.join("music/new_track.ogg"),
    )
    .expect("copy");
    let out = run(sonority(&db).args(["organize", "-q", "-k", "3"]).arg(&lib));
    let err = stderr(&out);
    assert!(err.contains("analysed 1"), "{err}");
    assert!(err.contains("placed 1 new track"), "{err}");
}

#[test]
fn bad_arguments_give_clear_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.db");
    let out = sonority(&db)
        .args(["organize", "/nonexistent/folder"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a folder"), "{}", stderr(&out));

    // Commands that read a library do not create one where --db points by mistake.
    let missing = tmp.path().join("typo").join("librray.db");
    for args in [
        &["status"][..],
        &["export"],
        &["similar", "x.flac"],
        &["tag", "--dry-run"],
    ] {
        let out = sonority(&missing).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("no library database at"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!tmp.path().join("typo").exists(), "{args:?} created files");
    }

    // No clustering yet: a hint, not a crash.
    let out = sonority(&db).args(["export"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("sonority organize"),
        "{}",
        stderr(&out)
    );

    // A database that is not ours is refused and left alone.
    let foreign = tmp.path().join("foreign.db");
    std::fs::write(&foreign, b"definitely not sqlite").expect("write");
    let out = sonority(&foreign).arg("status").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&foreign).expect("read"),
        b"definitely not sqlite"
    );

    // features: per-file errors, the others go on, exit 1.
    let out = Command::new(env!("CARGO_BIN_EXE_sonority"))
        .args(["features", "--json"])
        .arg(fixtures().join("decode/text.mp3"))
        .arg(fixtures().join("synthetic/silence_22k.wav"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("text.mp3")));
    assert_eq!(lines[1]["schema"], "afx-features/1");
    assert!((lines[1]["summary"]["tempo"]["bpm"].as_f64().unwrap_or(0.0) - 117.45).abs() < 0.01);
}

#[test]
fn killed_analysis_resumes_without_redoing_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("music");
    std::fs::create_dir_all(&lib).expect("mkdir");
    // 48 distinct files (copies get distinct paths), enough for several batches.
    for i in 0..48 {
        let src = match i % 3 {
            0 => "real/orchestral_wesnoth.flac",
            1 => "real/percussive_etr.ogg",
            _ => "real/electronic_freedroid.mp3",
        };
        let ext = Path::new(src)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("ogg");
        std::fs::copy(fixtures().join(src), lib.join(format!("t{i:02}.{ext}"))).expect("copy");
    }
    let db = tmp.path().join("library.db");
    let mut child = sonority(&db)
        .args(["analyze", "-q", "--jobs", "1"])
        .arg(&lib)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until some tracks are committed, then SIGKILL.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut committed = 0;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(out) = sonority(&db).args(["status", "--json"]).output() {
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) {
                committed = v["analysed"].as_u64().unwrap_or(0);
                if committed > 0 {
                    break;
                }
            }
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let status: serde_json::Value =
        serde_json::from_slice(&run(sonority(&db).args(["status", "--json"])).stdout)
            .expect("status");
    let before = status["analysed"].as_u64().expect("analysed");
    assert!(before >= committed && before <= 48, "{before}");

    let out = run(sonority(&db).args(["analyze", "-q", "--json"]).arg(&lib));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(
        report["unchanged"].as_u64(),
        Some(before),
        "committed work was redone"
    );
    // The file the killed run was in (one worker: at most one) may have killed it: it is
    // recorded as failed, not analysed again; --retry-failed analyses it.
    let failed = report["failed"].as_array().expect("failed");
    assert!(failed.len() <= 1, "{failed:?}");
    for f in failed {
        let reason = f["reason"].as_str().expect("reason");
        assert!(reason.contains("the previous run died"), "{reason}");
    }
    let crashed = failed.len() as u64;
    assert_eq!(report["analysed"].as_u64(), Some(48 - before - crashed));
    let out = run(sonority(&db)
        .args(["analyze", "-q", "--json", "--retry-failed"])
        .arg(&lib));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["analysed"].as_u64(), Some(crashed));
    assert_eq!(report["failed"].as_array().map(Vec::len), Some(0));
}

#[test]
fn tags_round_trip_and_undo() {
    use sonority_tags::{read_field, TagField};
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("music");
    build_library(&lib);
    let db = tmp.path().join("library.db");
    run(sonority(&db).args(["organize", "-q", "-k", "3"]).arg(&lib));

    let mut files: Vec<PathBuf> = Vec::new();
    for (kind, names) in KINDS {
        for f in *names {
            files.push(lib.join(kind).join(f.replace('/', "_")));
        }
    }
    let snapshot = |p: &Path| {
        let bytes = std::fs::read(p).expect("read");
        let meta = std::fs::metadata(p).expect("stat");
        let audio = sonority_features::decode_file(p).expect("decode").samples;
        let tags = sonority_tags::read_tags(p).expect("tags");
        (bytes, meta.modified().expect("mtime"), audio, tags)
    };
    let before: Vec<_> = files.iter().map(|p| snapshot(p)).collect();

    // A dry run changes nothing.
    let out = run(sonority(&db).args(["tag", "--dry-run"]));
    assert!(stderr(&out).contains("would change"), "{}", stderr(&out));
    for (p, b) in files.iter().zip(&before) {
        assert_eq!(
            std::fs::read(p).expect("read"),
            b.0,
            "dry run changed {}",
            p.display()
        );
    }

    // Write: every clustered file gets its cluster's name; audio, other tags, mtime stay.
    let out = run(sonority(&db).arg("tag"));
    assert!(
        stderr(&out).contains(&format!("tagged {ANALYSABLE} file(s)")),
        "{}",
        stderr(&out)
    );
    let export: serde_json::Value =
        serde_json::from_slice(&run(sonority(&db).args(["export", "--format", "json"])).stdout)
            .expect("export");
    let cluster_name: std::collections::HashMap<String, String> = export
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| {
            Some((
                r["path"].as_str()?.to_string(),
                r["cluster_name"].as_str()?.to_string(),
            ))
        })
        .collect();
    for (p, b) in files.iter().zip(&before) {
        let canonical = p
            .canonicalize()
            .expect("canonical")
            .to_string_lossy()
            .into_owned();
        let grouping = read_field(p, &TagField::Grouping).expect("read grouping");
        assert_eq!(
            grouping.as_ref(),
            cluster_name.get(&canonical),
            "{}",
            p.display()
        );
        let after = snapshot(p);
        assert_eq!(after.1, b.1, "mtime changed: {}", p.display());
        assert!(after.2 == b.2, "audio changed: {}", p.display());
        assert_eq!(after.3, b.3, "other tags changed: {}", p.display());
    }
    // The store was told: nothing is analysed again.
    let out = run(sonority(&db).args(["analyze", "-q"]).arg(&lib));
    assert!(stderr(&out).contains("analysed 0"), "{}", stderr(&out));

    // Undo restores the files' original tags (the grouping is gone again).
    let out = run(sonority(&db).args(["tag", "--undo"]));
    assert!(
        stderr(&out).contains(&format!("restored {ANALYSABLE} file(s)")),
        "{}",
        stderr(&out)
    );
    for (p, b) in files.iter().zip(&before) {
        assert_eq!(
            read_field(p, &TagField::Grouping).expect("read"),
            None,
            "{}",
            p.display()
        );
        let after = snapshot(p);
        assert!(after.2 == b.2 && after.3 == b.3, "{}", p.display());
    }
}

#[test]
fn ctrl_c_stops_after_the_current_batch_and_keeps_the_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("music");
    std::fs::create_dir_all(&lib).expect("mkdir");
    for i in 0..60 {
        let src = if i % 2 == 0 {
            "real/orchestral_wesnoth.flac"
        } else {
            "real/percussive_etr.ogg"
        };
        let ext = if i % 2 == 0 { "flac" } else { "ogg" };
        std::fs::copy(fixtures().join(src), lib.join(format!("t{i:02}.{ext}"))).expect("copy");
    }
    let db = tmp.path().join("library.db");
    let child = sonority(&db)
        .args(["analyze", "--jobs", "1"])
        .arg(&lib)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Interrupt once the first batch is committed.
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let out = sonority(&db)
            .args(["status", "--json"])
            .output()
            .expect("status");
        let analysed = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .ok()
            .and_then(|v| v["analysed"].as_u64())
            .unwrap_or(0);
        if analysed > 0 {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let status: serde_json::Value =
        serde_json::from_slice(&run(sonority(&db).args(["status", "--json"])).stdout)
            .expect("status");
    let kept = status["analysed"].as_u64().expect("analysed");
    if kept < 60 {
        assert!(err.contains("stopped early"), "{err}");
    }
    // The rerun does only the rest.
    let out = run(sonority(&db).args(["analyze", "-q", "--json"]).arg(&lib));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["unchanged"].as_u64(), Some(kept));
    assert_eq!(report["analysed"].as_u64(), Some(60 - kept));
}

/// A file name that is not UTF-8 (byte 0xFF) does not break `analyze --json`, `errors --json`
/// or `tag --json`: the path comes out lossy, with its raw bytes in `path_bytes`.
#[cfg(unix)]
#[test]
fn json_output_survives_non_utf8_file_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("music");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let db = tmp.path().join("library.db");
    let good_name: &[u8] = b"\xffchord.wav";
    let bad_name: &[u8] = b"\xffbroken.wav";
    let good = lib.join(OsStr::from_bytes(good_name));
    let bad = lib.join(OsStr::from_bytes(bad_name));
    if std::fs::write(&bad, b"not audio at all").is_err() {
        eprintln!("skipped: the file system refuses non-UTF-8 names");
        return;
    }
    std::fs::copy(fixtures().join("synthetic/chord_cmaj_22k.wav"), &good).expect("copy");
    for f in [
        "synthetic/noise_22k.wav",
        "synthetic/sweep_22k.wav",
        "synthetic/click120_22k.wav",
        "synthetic/stereo_44k.wav",
    ] {
        let name = f.replace('/', "_");
        std::fs::copy(fixtures().join(f), lib.join(name)).expect("copy");
    }
    let canonical = std::fs::canonicalize(&lib).expect("canonical");
    let bytes_of = |name: &[u8]| -> Vec<u8> {
        let mut b = canonical.as_os_str().as_bytes().to_vec();
        b.push(b'/');
        b.extend_from_slice(name);
        b
    };
    let path_bytes = |v: &serde_json::Value| -> Option<Vec<u8>> {
        serde_json::from_value(v.get("path_bytes")?.clone()).ok()
    };

    // analyze --json: the broken file is in `failed`, with its bytes.
    let out = run(sonority(&db).args(["analyze", "-q", "--json"]).arg(&lib));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("analyze json");
    let failed = report["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(path_bytes(&failed[0]), Some(bytes_of(bad_name)));
    assert!(failed[0]["path"]
        .as_str()
        .expect("lossy path")
        .ends_with("\u{fffd}broken.wav"));
    assert!(report["root"].is_string() && report.get("root_bytes").is_none());

    // errors --json: one line per failed file.
    let out = run(sonority(&db).args(["errors", "--json"]));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("errors json line"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(path_bytes(&lines[0]), Some(bytes_of(bad_name)));
    assert!(lines[0]["error"].is_string());

    // tag --dry-run --json: every analysed file has a line; the odd name keeps its bytes and
    // the others have no `path_bytes`.
    run(sonority(&db).args(["organize", "-q", "-k", "2"]).arg(&lib));
    let out = run(sonority(&db).args(["tag", "--dry-run", "--json"]));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("tag json line"))
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    let odd: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l.get("path_bytes").is_some())
        .collect();
    assert_eq!(odd.len(), 1, "{lines:?}");
    assert_eq!(path_bytes(odd[0]), Some(bytes_of(good_name)));
    assert!(lines
        .iter()
        .all(|l| l["path"].is_string() && l["outcome"]["outcome"].is_string()));
}

/// A library folder that scans empty (a drive that is not mounted) forgets nothing and says
/// what to do; `--force-forget` forgets.
#[test]
fn an_empty_library_folder_forgets_nothing_without_force() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("music");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let file = lib.join("noise.wav");
    std::fs::copy(fixtures().join("synthetic/noise_22k.wav"), &file).expect("copy");
    let db = tmp.path().join("library.db");
    run(sonority(&db).args(["analyze", "-q"]).arg(&lib));
    std::fs::remove_file(&file).expect("rm");
    let out = run(sonority(&db).args(["analyze", "-q"]).arg(&lib));
    let err = stderr(&out);
    assert!(err.contains("removed 0"), "{err}");
    assert!(
        err.contains("holds no audio file at all")
            && err.contains("kept the 1 track(s)")
            && err.contains("--force-forget"),
        "{err}"
    );
    let status: serde_json::Value =
        serde_json::from_slice(&run(sonority(&db).args(["status", "--json"])).stdout)
            .expect("status");
    assert_eq!(status["tracks"].as_u64(), Some(1));
    let out = run(sonority(&db)
        .args(["analyze", "-q", "--force-forget"])
        .arg(&lib));
    assert!(stderr(&out).contains("removed 1"), "{}", stderr(&out));
}
