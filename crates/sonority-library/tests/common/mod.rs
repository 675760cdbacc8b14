//! Test libraries built in a temporary folder from the project's fixtures.
#![allow(dead_code)]

use sonority_library::{
    analyze_library, has_audio_extension, AnalyzeOptions, AnalyzeReport, FileOutcome,
    ProgressEvent, Store,
};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

// The external programs (ffmpeg, ...) and the temporary files of writes: shared with
// sonority-tags' tests.
#[path = "../../../sonority-tags/tests/common/mod.rs"]
mod programs;
pub use programs::*;

/// The project's `fixtures/`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A music folder and a database path in a temporary folder.
pub struct Library {
    pub dir: tempfile::TempDir,
    /// The music folder, canonical.
    pub root: PathBuf,
    /// The database file (not created yet).
    pub db: PathBuf,
}

impl Library {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("music");
        fs::create_dir_all(&root).expect("mkdir");
        let root = fs::canonicalize(&root).expect("canonical root");
        let db = dir.path().join("db").join("library.db");
        Self { dir, root, db }
    }

    /// Copies the audio-named files of `fixtures/<from>` into `<root>/<to>`.
    pub fn copy(&self, from: &str, to: &str, keep: impl Fn(&str) -> bool) -> usize {
        let target = self.root.join(to);
        fs::create_dir_all(&target).expect("mkdir");
        let mut n = 0;
        for entry in fs::read_dir(fixtures().join(from)).expect("fixtures") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if path.is_file() && has_audio_extension(&path) && keep(&name) {
                fs::copy(&path, target.join(&name)).expect("copy");
                n += 1;
            }
        }
        n
    }

    /// The ten synthetic WAVs in `synthetic/`, `text.mp3` in `junk/`, a zero-byte
    /// `junk/zero.flac`, a hidden `.hidden/sweep.wav` and a symbolic link loop `loop -> .`.
    pub fn small() -> Self {
        let lib = Self::new();
        lib.copy("synthetic", "synthetic", |_| true);
        lib.copy("decode", "junk", |n| n == "text.mp3");
        fs::write(lib.root.join("junk/zero.flac"), b"").expect("zero-byte file");
        lib.copy("synthetic", ".hidden", |n| n == "sweep_22k.wav");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&lib.root, lib.root.join("loop")).expect("symlink loop");
        lib
    }

    /// [`Library::small`] plus every real excerpt and every decode fixture.
    pub fn full() -> Self {
        let lib = Self::small();
        lib.copy("real", "real", |_| true);
        lib.copy("decode", "decode", |_| true);
        lib
    }

    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("open store")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

/// Options for tests: two workers, small batches.
pub fn options() -> AnalyzeOptions {
    AnalyzeOptions {
        jobs: 2,
        batch_size: 4,
        batch_interval: Duration::from_millis(500),
        ..AnalyzeOptions::default()
    }
}

/// A run's report and events.
pub struct Run {
    pub report: AnalyzeReport,
    pub events: Vec<ProgressEvent>,
    pub secs: f64,
}

impl Run {
    /// Paths with a `FileDone` event, whatever the outcome.
    pub fn done_paths(&self) -> BTreeSet<PathBuf> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ProgressEvent::FileDone { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect()
    }

    /// Paths analysed successfully in this run.
    pub fn analysed_paths(&self) -> BTreeSet<PathBuf> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ProgressEvent::FileDone {
                    path,
                    outcome: FileOutcome::Analysed,
                    ..
                } => Some(path.clone()),
                _ => None,
            })
            .collect()
    }
}

pub fn run(store: &mut Store, root: &Path, options: &AnalyzeOptions) -> Run {
    let cancel = AtomicBool::new(false);
    let mut events = Vec::new();
    let started = std::time::Instant::now();
    let report = analyze_library(store, root, options, &mut |e| events.push(e), &cancel)
        .expect("analysis run");
    Run {
        report,
        events,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// True when file permissions are not enforced for this user (root, or any process with
/// CAP_DAC_OVERRIDE): a file with mode 000 can still be opened.
pub fn permissions_ignored() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let probe = dir.path().join("permission-probe");
        fs::write(&probe, b"x").expect("probe");
        fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).expect("chmod");
        let ignored = fs::File::open(&probe).is_ok();
        fs::set_permissions(&probe, fs::Permissions::from_mode(0o644)).expect("chmod");
        ignored
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Set in the child that [`run_unprivileged`] starts.
const UNPRIVILEGED_CHILD: &str = "SONORITY_UNPRIVILEGED_CHILD";

/// For a test of unreadable or unwritable files, which means nothing where permissions are
/// not enforced (CI runs as root): when they are not, runs the test `name` (the caller) again
/// in a child process as user and group 65534 (nobody) through `setpriv` (util-linux), with a
/// temporary folder that user owns, and asserts that it passed. Returns true when the caller
/// must return (the child ran the test); false when permissions are enforced here and the
/// caller goes on. Without `setpriv` the test fails under `CI=true` and is skipped elsewhere
/// (see [`skip_missing_tool`]). The child needs read access to the test binary and
/// `fixtures/` (the usual 755 folders).
#[cfg(unix)]
pub fn run_unprivileged(name: &str) -> bool {
    use std::os::unix::fs::{chown, PermissionsExt};
    use std::process::Command;
    if !permissions_ignored() {
        return false;
    }
    assert!(
        std::env::var_os(UNPRIVILEGED_CHILD).is_none(),
        "permissions are still not enforced as user 65534"
    );
    let found = Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        return skip_missing_tool("setpriv");
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    chown(tmp.path(), Some(65534), Some(65534)).expect("chown the child's temporary folder");
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).expect("chmod");
    let exe = std::env::current_exe().expect("test binary");
    let status = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(UNPRIVILEGED_CHILD, "1")
        .env("TMPDIR", tmp.path())
        .status()
        .expect("run setpriv");
    assert!(
        status.success(),
        "{name} as user 65534 (setpriv): {status}; see its output above"
    );
    true
}

/// Writes `title` into the file's primary tag (made if missing) with lofty.
pub fn set_title(path: &Path, title: &str) {
    use lofty::prelude::*;
    let mut tagged = lofty::read_from_path(path).expect("lofty reads the fixture");
    if tagged.primary_tag().is_none() {
        let kind = tagged.primary_tag_type();
        tagged.insert_tag(lofty::tag::Tag::new(kind));
    }
    let tag = tagged.primary_tag_mut().expect("a tag");
    tag.set_title(title.to_string());
    tagged
        .save_to_path(path, lofty::config::WriteOptions::default())
        .expect("lofty writes the tag");
}

/// The header and rows of a CSV export.
pub fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The library analysed (with [`options`]) and clustered into playlists of about 4 tracks.
pub fn analysed_and_clustered(lib: &Library) -> Store {
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    sonority_library::cluster_library(
        &mut store,
        &sonority_library::ClusterOptions {
            playlist_size: 4,
            ..sonority_library::ClusterOptions::default()
        },
    )
    .expect("cluster");
    store
}
