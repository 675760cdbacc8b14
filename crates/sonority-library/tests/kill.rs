//! Crash safety: a real SIGKILL in the middle of an analysis, then a rerun.
//!
//! The test re-runs its own binary as a child that analyses a library (one worker, batches of
//! two), kills it as soon as some tracks are committed, checks the database, then finishes the
//! analysis and checks that nothing committed was analysed again (the file in progress at the
//! kill is recorded as failed by the rerun, as for a file that crashes the process).

mod common;

use common::*;
use rusqlite::Connection;
use sonority_library::{analyze_library, AnalyzeOptions, Store};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const DB_VAR: &str = "SONORITY_KILL_TEST_DB";
const ROOT_VAR: &str = "SONORITY_KILL_TEST_ROOT";

fn child_options() -> AnalyzeOptions {
    AnalyzeOptions {
        jobs: 1,
        batch_size: 2,
        ..AnalyzeOptions::default()
    }
}

/// The child: does nothing unless started by `sigkill_mid_run_loses_nothing_committed`.
#[test]
fn kill_child() {
    let (Some(db), Some(root)) = (std::env::var_os(DB_VAR), std::env::var_os(ROOT_VAR)) else {
        return;
    };
    let mut store = Store::open(&PathBuf::from(db)).expect("open");
    let cancel = AtomicBool::new(false);
    analyze_library(
        &mut store,
        &PathBuf::from(root),
        &child_options(),
        &mut |_| {},
        &cancel,
    )
    .expect("child run");
}

fn committed_tracks(db: &std::path::Path) -> Option<usize> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row("SELECT COUNT(*) FROM tracks", [], |r| r.get::<_, i64>(0))
        .ok()
        .map(|n| n as usize)
}

#[cfg(unix)]
#[test]
fn sigkill_mid_run_loses_nothing_committed() {
    let lib = Library::small();
    lib.copy("real", "real", |n| !n.ends_with(".m4a"));
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", "kill_child", "--nocapture", "--test-threads=1"])
        .env(DB_VAR, &lib.db)
        .env(ROOT_VAR, &lib.root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = 0;
    while Instant::now() < deadline {
        seen = committed_tracks(&lib.db).unwrap_or(0);
        if seen >= 4 {
            break;
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = child.try_wait().expect("wait").is_none();
    child.kill().ok(); // SIGKILL
    child.wait().expect("reap");
    assert!(seen >= 4, "the child committed {seen} tracks");

    // The database is intact and every committed track is whole.
    {
        let conn = Connection::open(&lib.db).expect("sqlite");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(integrity, "ok");
        let half_written: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM tracks t LEFT JOIN features f ON f.track_id = t.id \
                 WHERE (t.error IS NULL) != (f.track_id IS NOT NULL)",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(half_written, 0);
    }
    let mut store = lib.store();
    let status = store.status().expect("status");
    assert_eq!(status.analysed + status.failed, status.tracks);
    let committed: BTreeSet<PathBuf> = store
        .tracks()
        .expect("tracks")
        .into_iter()
        .map(|t| t.path)
        .collect();

    let rerun = run(&mut store, &lib.root, &child_options());
    let redone = rerun.done_paths();
    assert!(
        committed.is_disjoint(&redone),
        "analysed again: {:?}",
        committed.intersection(&redone).collect::<Vec<_>>()
    );
    // The file the killed run was analysing (one worker: at most one) is taken for one that
    // killed it and recorded as failed, not analysed again; a retry analyses it.
    let crashed: BTreeSet<PathBuf> = rerun
        .report
        .failed
        .iter()
        .filter(|f| f.reason.contains("the previous run died"))
        .map(|f| f.path.clone())
        .collect();
    assert!(crashed.len() <= 1, "{crashed:?}");
    assert!(crashed.is_disjoint(&committed) && crashed.is_disjoint(&redone));
    let total = rerun.report.found;
    assert_eq!(committed.len() + redone.len() + crashed.len(), total);
    assert_eq!(store.status().expect("status").tracks, total);
    if killed {
        assert!(
            !redone.is_empty() || !crashed.is_empty(),
            "the kill interrupted the run"
        );
    }
    let retry = AnalyzeOptions {
        retry_failed: true,
        ..child_options()
    };
    let retried = run(&mut store, &lib.root, &retry);
    assert!(crashed.is_subset(&retried.analysed_paths()));
    eprintln!(
        "killed after {} of {total} tracks committed; the rerun did the other {}",
        committed.len(),
        redone.len()
    );
}
