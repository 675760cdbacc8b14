//! Runs that always end and files that cannot kill reruns, with the real binary: files whose
//! analysis hangs (as many as there are workers, and more), Ctrl-C with hung workers, and a
//! file that aborts the process. The hangs and the abort come from the test hooks of
//! `sonority_library::pipeline` (`SONORITY_TEST_HANG`, `SONORITY_TEST_ABORT`: the analysis of
//! a file whose name contains the value sleeps forever, or aborts the process).

mod common;

use common::{fixtures, sonority};

use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary folder with a database path and a library of the fixtures under `names`.
fn library(names: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.db");
    let root = dir.path().join("music");
    std::fs::create_dir_all(&root).expect("mkdir");
    let sources = [
        "sweep_22k.wav",
        "noise_22k.wav",
        "chord_cmaj_22k.wav",
        "click120_22k.wav",
    ];
    for (i, name) in names.iter().enumerate() {
        let from = fixtures()
            .join("synthetic")
            .join(sources[i % sources.len()]);
        std::fs::copy(from, root.join(name)).expect("copy");
    }
    (dir, db, root)
}

/// Waits for `child` at most `limit`; kills it and fails when it does not end.
fn wait_at_most(child: &mut Child, limit: Duration, what: &str) -> (ExitStatus, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status, started.elapsed());
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn output(child: Child) -> Output {
    child.wait_with_output().expect("output")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn failed_reasons(report: &Value) -> Vec<(String, String)> {
    report["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().expect("path");
            let name = Path::new(path).file_name().expect("name");
            (
                name.to_string_lossy().into_owned(),
                f["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect()
}

/// The database is whole: integrity check, every track either analysed or failed, and no
/// file left marked in progress.
fn assert_consistent(db: &Path) {
    let conn = Connection::open(db).expect("sqlite");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    let with_features = count("SELECT COUNT(*) FROM features");
    let analysed = count("SELECT COUNT(*) FROM tracks WHERE error IS NULL");
    assert_eq!(with_features, analysed);
    let marked = count("SELECT COUNT(*) FROM analysis_in_progress");
    assert_eq!(marked, 0, "files left marked in progress");
}

/// `sonority analyze --jobs 2 --file-timeout TIMEOUT --json ROOT` with the files named
/// `hang-*` hanging.
fn analyze_with_hangs(db: &Path, root: &Path, timeout: &str) -> Child {
    sonority(db)
        .args([
            "analyze",
            "--jobs",
            "2",
            "--file-timeout",
            timeout,
            "--json",
        ])
        .arg(root)
        .env("SONORITY_TEST_HANG", "hang-")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

#[test]
fn as_many_hung_files_as_workers_time_out_and_the_run_ends() {
    // Three hung files for two workers: without a replacement for each stuck worker, the
    // files after them would never start.
    let (_dir, db, root) = library(&[
        "hang-1.wav",
        "hang-2.wav",
        "hang-3.wav",
        "a.wav",
        "b.wav",
        "c.wav",
    ]);
    let mut child = analyze_with_hangs(&db, &root, "1");
    let (status, took) = wait_at_most(&mut child, Duration::from_secs(90), "analyze");
    let out = output(child);
    assert!(
        status.success(),
        "{status}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["analysed"], 3, "{report}");
    let mut failed = failed_reasons(&report);
    failed.sort();
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["hang-1.wav", "hang-2.wav", "hang-3.wav"]);
    for (_, reason) in &failed {
        assert!(reason.contains("timed out after 1 s"), "{reason}");
    }
    eprintln!("three hung files, two workers: the run ended in {took:.1?}");
    assert_consistent(&db);
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_run_with_hung_workers_promptly() {
    let (_dir, db, root) = library(&["hang-1.wav", "hang-2.wav", "a.wav", "b.wav", "c.wav"]);
    // No file timeout: only Ctrl-C can end this run.
    let mut child = analyze_with_hangs(&db, &root, "0");
    // Both workers are in a hung file once both are marked in progress.
    let started = Instant::now();
    loop {
        let marked = Connection::open(&db).ok().and_then(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM analysis_in_progress WHERE path LIKE '%hang-%'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .ok()
        });
        if marked == Some(2) {
            break;
        }
        assert!(child.try_wait().expect("wait").is_none(), "the run ended");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the hung files never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let (status, took) = wait_at_most(&mut child, Duration::from_secs(20), "after Ctrl-C");
    let out = output(child);
    assert!(
        status.success(),
        "{status}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["cancelled"], true, "{report}");
    assert_eq!(
        report["failed"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    eprintln!("Ctrl-C with two hung workers: the run ended {took:.1?} after it");
    assert_consistent(&db);

    // The interrupted files were not crashes: the next run analyses them.
    let out = sonority(&db)
        .args(["analyze", "--json"])
        .arg(&root)
        .output()
        .expect("rerun");
    assert!(out.status.success());
    let report = json(&out);
    assert_eq!(report["analysed"], 2, "{report}");
    assert_eq!(
        report["failed"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
}

#[cfg(unix)]
#[test]
fn a_file_that_aborts_the_process_is_failed_by_the_next_run() {
    use std::os::unix::process::ExitStatusExt;
    let (_dir, db, root) = library(&["a.wav", "boom.wav", "c.wav", "d.wav"]);
    let analyze = |extra: &[&str]| {
        sonority(&db)
            .args(["analyze", "--jobs", "1", "--json"])
            .args(extra)
            .arg(&root)
            .env("SONORITY_TEST_ABORT", "boom")
            .output()
            .expect("run")
    };
    // The first run dies in boom.wav.
    let first = analyze(&[]);
    assert_eq!(first.status.signal(), Some(6), "{:?}", first.status);

    // The second runs to the end: boom.wav is recorded as failed, the others are analysed.
    let second = analyze(&[]);
    assert!(
        second.status.success(),
        "{}: {}",
        second.status,
        String::from_utf8_lossy(&second.stderr)
    );
    let report = json(&second);
    let failed = failed_reasons(&report);
    assert_eq!(failed.len(), 1, "{report}");
    assert_eq!(failed[0].0, "boom.wav");
    assert!(
        failed[0]
            .1
            .contains("the previous run died while analysing this file"),
        "{}",
        failed[0].1
    );
    assert_consistent(&db);
    let conn = Connection::open(&db).expect("sqlite");
    let analysed: i64 = conn
        .query_row("SELECT COUNT(*) FROM features", [], |r| r.get(0))
        .expect("count");
    assert_eq!(analysed, 3);
    drop(conn);

    // Left alone by the next run; --retry-failed tries it again (and dies again).
    let third = analyze(&[]);
    assert!(third.status.success());
    assert_eq!(json(&third)["known_failures"], 1);
    let retried = analyze(&["--retry-failed"]);
    assert_eq!(retried.status.signal(), Some(6), "{:?}", retried.status);
}
