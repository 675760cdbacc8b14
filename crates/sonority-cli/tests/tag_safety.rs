//! `sonority tag` and `tag --undo` cannot lose a user's value: a real process killed at each
//! step of a write, undo after a user's own edit, after a second `tag` run and after a
//! forgotten and re-found track. Real files of seven formats (MP3, FLAC, Ogg Vorbis, Opus,
//! M4A, AIFF, WAV) copied from the fixtures, so no external program is needed.

mod common;

use common::{fixtures, sonority};

use rusqlite::Connection;
use sonority_tags::{apply, plan_write, read_field, TagField, WriteOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run sonority");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The files, and the grouping each held before sonority (None: no grouping).
const FILES: &[(&str, Option<&str>)] = &[
    ("real/electronic_freedroid.mp3", Some("My MP3 grouping")),
    (
        "real/orchestral_wesnoth.flac",
        Some("Ünïcode FLAC grouping"),
    ),
    ("real/ambient_freedroid.ogg", None),
    ("real/percussive_etr.opus", Some("opus: mine")),
    ("real/percussive_etr.m4a", Some("M4A grouping")),
    ("real/orchestral_wesnoth.aiff", None),
    ("real/percussive_etr_24.wav", Some("wav grouping")),
    ("synthetic/noise_22k.wav", None),
    ("synthetic/chord_cmaj_22k.wav", Some("chords")),
];

fn set_grouping(path: &Path, value: Option<&str>) {
    let plan = plan_write(path, &TagField::Grouping, value).expect("plan");
    apply(&plan, &WriteOptions::default()).expect("apply");
}

fn grouping(path: &Path) -> Option<String> {
    read_field(path, &TagField::Grouping).expect("read grouping")
}

struct Lib {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
    files: Vec<PathBuf>,
    /// Decoded samples and other tags of each file, as before any `tag`.
    before: Vec<(Vec<f32>, sonority_library::Tags)>,
}

impl Lib {
    /// Copies the files, gives them their original groupings and organizes them.
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("music");
        std::fs::create_dir_all(&root).expect("mkdir");
        let root = root.canonicalize().expect("canonical");
        let mut files = Vec::new();
        for (name, original) in FILES {
            let path = root.join(name.replace('/', "_"));
            std::fs::copy(fixtures().join(name), &path).expect("copy");
            set_grouping(&path, *original);
            files.push(path);
        }
        let db = tmp.path().join("library.db");
        run(sonority(&db).args(["organize", "-q", "-k", "2"]).arg(&root));
        let before = files.iter().map(|p| snapshot(p)).collect();
        Self {
            _tmp: tmp,
            root,
            db,
            files,
            before,
        }
    }

    /// Every file holds its original grouping, the same audio and the same other tags.
    fn assert_original(&self, when: &str) {
        for ((path, (_, original)), before) in self.files.iter().zip(FILES).zip(&self.before) {
            assert_eq!(
                grouping(path).as_deref(),
                *original,
                "{when}: {}",
                path.display()
            );
            let now = snapshot(path);
            assert!(
                now.0 == before.0,
                "{when}: audio changed: {}",
                path.display()
            );
            assert_eq!(now.1, before.1, "{when}: tags changed: {}", path.display());
        }
    }

    fn history_states(&self) -> Vec<(String, String)> {
        let conn = Connection::open(&self.db).expect("sqlite");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(integrity, "ok");
        let mut stmt = conn
            .prepare("SELECT kind, state FROM tag_history ORDER BY id")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }
}

fn snapshot(path: &Path) -> (Vec<f32>, sonority_library::Tags) {
    let audio = sonority_features::decode_file(path)
        .expect("decode")
        .samples;
    (audio, sonority_tags::read_tags(path).expect("tags"))
}

/// `tag` killed (abort, like a crash) at each step of the third file's write; then
/// `tag --undo` restores every original value, and the audio and other tags are unchanged.
#[cfg(unix)]
#[test]
fn tag_killed_at_every_step_then_undo_restores_every_original() {
    let lib = Lib::new();
    for point in [
        "tag:before-history",
        "tag:before-rename",
        "tag:after-rename",
        "tag:after-complete",
    ] {
        let out = sonority(&lib.db)
            .arg("tag")
            .env("SONORITY_FAILPOINT", format!("{point}@3"))
            .output()
            .expect("run sonority");
        assert!(!out.status.success(), "{point}: the failpoint did not fire");
        assert!(stderr(&out).contains(point), "{point}: {}", stderr(&out));
        // The first two files were written completely, the third is where it stopped.
        let written = lib
            .files
            .iter()
            .zip(FILES)
            .filter(|(p, (_, original))| grouping(p).as_deref() != *original)
            .count();
        let expected = match point {
            "tag:before-history" | "tag:before-rename" => 2,
            _ => 3,
        };
        assert_eq!(written, expected, "{point}: files written before the kill");

        let out = run(sonority(&lib.db).args(["tag", "--undo"]));
        let err = stderr(&out);
        if point != "tag:before-history" && point != "tag:after-complete" {
            assert!(err.contains("recovered: "), "{point}: {err}");
        }
        assert!(
            err.contains(&format!("restored {expected} file(s)")),
            "{point}: {err}"
        );
        lib.assert_original(point);
        // A copy the killed process left behind is removed by the next write in its folder.
        let leftovers: Vec<_> = std::fs::read_dir(&lib.root)
            .expect("read dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".sonority-"))
            .collect();
        assert!(leftovers.is_empty(), "{point}: {leftovers:?}");
        let states = lib.history_states();
        assert!(
            states.iter().all(|(_, state)| state != "pending"),
            "{point}: {states:?}"
        );
    }
    // A full run and its undo, after all that.
    run(sonority(&lib.db).arg("tag"));
    run(sonority(&lib.db).args(["tag", "--undo"]));
    lib.assert_original("full run");
    // A second undo has nothing left to do.
    let out = run(sonority(&lib.db).args(["tag", "--undo"]));
    assert!(
        stderr(&out).contains("restored 0 file(s)"),
        "{}",
        stderr(&out)
    );
    lib.assert_original("second undo");
}

/// Undo restores the value from before sonority's latest write where the user changed it in
/// between two `tag` runs, leaves alone a value the user changed after the last one, and
/// finds the history of a track that was forgotten and found again (new track id).
#[test]
fn undo_follows_the_latest_write_and_survives_forget() {
    let lib = Lib::new();
    run(sonority(&lib.db).arg("tag"));
    let written: Vec<Option<String>> = lib.files.iter().map(|p| grouping(p)).collect();
    assert!(written.iter().all(Option::is_some));

    // The user sets their own grouping on file 0 between two tag runs: the second run records
    // it as the previous value, undo must bring it back (not the value before the first run).
    set_grouping(&lib.files[0], Some("changed by the user"));
    // File 1 is forgotten (moved away, analysed) and found again (a new track id).
    let away = lib.root.parent().expect("parent").join("away.flac");
    std::fs::rename(&lib.files[1], &away).expect("move away");
    let out = run(sonority(&lib.db).args(["analyze", "-q"]).arg(&lib.root));
    assert!(stderr(&out).contains("removed 1"), "{}", stderr(&out));
    std::fs::rename(&away, &lib.files[1]).expect("move back");
    run(sonority(&lib.db).args(["analyze", "-q"]).arg(&lib.root));
    // The second run: file 0 is written again, the others hold their value already.
    run(sonority(&lib.db).arg("tag"));
    assert_eq!(grouping(&lib.files[0]), written[0]);
    // After it, the user changes file 2: undo must leave it alone and say so.
    set_grouping(&lib.files[2], Some("the user's, after"));

    let out = run(sonority(&lib.db).args(["tag", "--undo"]));
    let err = stderr(&out);
    assert_eq!(
        grouping(&lib.files[0]).as_deref(),
        Some("changed by the user")
    );
    assert_eq!(
        grouping(&lib.files[1]).as_deref(),
        FILES[1].1,
        "forgotten and re-found"
    );
    assert_eq!(
        grouping(&lib.files[2]).as_deref(),
        Some("the user's, after")
    );
    assert!(
        err.contains("was changed since sonority wrote it") && err.contains("left alone"),
        "{err}"
    );
    for (path, (_, original)) in lib.files.iter().zip(FILES).skip(3) {
        assert_eq!(grouping(path).as_deref(), *original, "{}", path.display());
    }
}

/// A panic inside lofty (injected through the test hook, as a hostile file would cause) is a
/// per-file error in `tag`, `tag --undo` and the analysis's tag reading: the run goes on.
#[test]
fn a_lofty_panic_is_a_per_file_error() {
    let lib = Lib::new();
    let victim = "real_electronic_freedroid.mp3";
    let hook = format!("lofty-panic:{victim}");
    let out = run(sonority(&lib.db)
        .arg("tag")
        .env("SONORITY_FAILPOINT", &hook));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("skipped: {}", lib.root.join(victim).display()))
            && err.contains("the tag library crashed on this file"),
        "{err}"
    );
    assert!(
        err.contains(&format!("tagged {} file(s)", FILES.len() - 1)),
        "{err}"
    );
    assert_eq!(grouping(&lib.files[0]).as_deref(), FILES[0].1);
    // Undo: the others are restored, the crashing file is reported.
    run(sonority(&lib.db).arg("tag"));
    let out = run(sonority(&lib.db)
        .args(["tag", "--undo"])
        .env("SONORITY_FAILPOINT", &hook));
    let err = stderr(&out);
    assert!(
        err.contains("the tag library crashed on this file"),
        "{err}"
    );
    assert!(
        err.contains(&format!("restored {} file(s)", FILES.len() - 1)),
        "{err}"
    );
    for (path, (_, original)) in lib.files.iter().zip(FILES).skip(1) {
        assert_eq!(grouping(path).as_deref(), *original, "{}", path.display());
    }
    run(sonority(&lib.db).args(["tag", "--undo"]));
    lib.assert_original("after the undo without the hook");
    // The analysis reads tags too: the file is analysed, with a warning.
    let other_db = lib.db.with_file_name("other.db");
    run(sonority(&other_db)
        .args(["analyze", "-q"])
        .arg(&lib.root)
        .env("SONORITY_FAILPOINT", &hook));
    let conn = Connection::open(&other_db).expect("sqlite");
    let (error, warnings): (Option<String>, String) = conn
        .query_row(
            "SELECT error, warnings FROM tracks WHERE path = ?1",
            [lib.root.join(victim).to_string_lossy()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the file is stored");
    assert_eq!(error, None);
    assert!(warnings.contains("the tag reader crashed"), "{warnings}");
}

/// Ctrl-C during `tag`: the run stops after the file in progress, says how to go on, and
/// every file is either written (and recorded) or untouched; running `tag` again finishes
/// the rest, and undo restores everything.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_tag_after_the_current_file() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("music");
    std::fs::create_dir_all(&root).expect("mkdir");
    let root = root.canonicalize().expect("canonical");
    let sources = [
        "real/orchestral_wesnoth.flac",
        "real/percussive_etr.ogg",
        "synthetic/noise_22k.wav",
    ];
    let mut files = Vec::new();
    for i in 0..36 {
        let src = sources[i % sources.len()];
        let ext = src.rsplit('.').next().expect("extension");
        let path = root.join(format!("t{i:02}.{ext}"));
        std::fs::copy(fixtures().join(src), &path).expect("copy");
        files.push(path);
    }
    let db = tmp.path().join("library.db");
    run(sonority(&db).args(["organize", "-q", "-k", "2"]).arg(&root));
    let mut child = sonority(&db)
        .arg("tag")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a first line").expect("read");
    assert!(first.starts_with("wrote "), "{first}");
    // SAFETY: kill(2) on our own child's pid, with a valid signal number.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let reported = 1 + lines
        .map_while(Result::ok)
        .filter(|l| l.starts_with("wrote "))
        .count();
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("stopped early (Ctrl-C)") && err.contains("run `sonority tag` again"),
        "{err}"
    );
    let tagged: Vec<bool> = files.iter().map(|p| grouping(p).is_some()).collect();
    let written = tagged.iter().filter(|t| **t).count();
    assert_eq!(written, reported, "{err}");
    assert!(written < files.len(), "the run was not stopped: {err}");
    // Files are written in order: a prefix, nothing half done after it.
    assert!(tagged.iter().skip(written).all(|t| !t), "{tagged:?}");
    let out = run(sonority(&db).arg("tag"));
    assert!(
        stderr(&out).contains(&format!("tagged {} file(s)", files.len() - written)),
        "{}",
        stderr(&out)
    );
    let out = run(sonority(&db).args(["tag", "--undo"]));
    assert!(
        stderr(&out).contains(&format!("restored {} file(s)", files.len())),
        "{}",
        stderr(&out)
    );
    assert!(files.iter().all(|p| grouping(p).is_none()));
}

/// Two sonority processes on one database: while an analysis writes, a second writer
/// (`tag`, another `analyze`) is refused with a message naming the first; a reader
/// (`status`) runs alongside; afterwards the database is intact, every track is there and the
/// tag history is whole.
#[test]
fn a_second_writer_is_refused_and_nothing_is_lost() {
    let lib = Lib::new();
    run(sonority(&lib.db).arg("tag"));
    // A bigger folder for a long analysis into the same database.
    let more = lib.root.parent().expect("parent").join("more");
    std::fs::create_dir_all(&more).expect("mkdir");
    for i in 0..24 {
        let src = ["real/orchestral_wesnoth.flac", "real/percussive_etr.ogg"][i % 2];
        let ext = src.rsplit('.').next().expect("extension");
        std::fs::copy(fixtures().join(src), more.join(format!("m{i:02}.{ext}"))).expect("copy");
    }
    let first = sonority(&lib.db)
        .args(["analyze", "-q", "--jobs", "1"])
        .arg(&more)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until it holds the lock (it writes its pid into the lock file).
    let lock = sonority_store::lock_path(&lib.db);
    let pid = format!("pid {}", first.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.contains(&pid)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the first never locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for second in [vec!["tag"], vec!["analyze", "-q"]] {
        let mut cmd = sonority(&lib.db);
        cmd.args(&second);
        if second[0] == "analyze" {
            cmd.arg(&lib.root);
        }
        let out = cmd.output().expect("run the second");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{second:?}: {err}");
        assert!(
            err.contains(&pid) && err.contains("is writing to the library"),
            "{second:?}: {err}"
        );
    }
    let status = run(sonority(&lib.db).args(["status", "--json"]));
    assert!(!status.stdout.is_empty());
    let out = first.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("analysed 24"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let states = lib.history_states();
    assert_eq!(states.len(), FILES.len(), "{states:?}");
    assert!(states
        .iter()
        .all(|(kind, state)| kind == "tag" && state == "done"));
    let conn = Connection::open(&lib.db).expect("sqlite");
    let tracks: i64 = conn
        .query_row("SELECT COUNT(*) FROM tracks", [], |r| r.get(0))
        .expect("count");
    assert_eq!(tracks as usize, FILES.len() + 24);
    // Once the first is done, the second can write.
    let out = run(sonority(&lib.db).args(["tag", "--undo"]));
    assert!(
        stderr(&out).contains(&format!("restored {} file(s)", FILES.len())),
        "{}",
        stderr(&out)
    );
    lib.assert_original("after the concurrent runs");
}

/// File names with terminal escapes and newlines come out escaped in the progress lines,
/// `tag`, `tag --undo`, `status`, `errors` and error messages: no raw control character
/// reaches the terminal, and no line can be forged.
#[cfg(unix)]
#[test]
fn control_characters_in_file_names_are_escaped() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("music\u{1b}[2J");
    std::fs::create_dir_all(&root).expect("mkdir");
    let evil = root.join("evil\u{1b}[31mred\nfake line.flac");
    std::fs::copy(fixtures().join("real/orchestral_wesnoth.flac"), &evil).expect("copy");
    let locked = root.join("locked\u{1b}]0;title\u{7}\nfake locked.ogg");
    std::fs::copy(fixtures().join("real/percussive_etr.ogg"), &locked).expect("copy");
    std::fs::copy(
        fixtures().join("synthetic/noise_22k.wav"),
        root.join("noise.wav"),
    )
    .expect("copy");
    std::fs::write(root.join("bad\u{1b}[1m\nfake bad.mp3"), b"not audio\n").expect("write");
    let db = tmp.path().join("library.db");
    let clean = |what: &str, out: &Output| {
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{what} {stream}: raw control character in {text:?}"
            );
            assert!(
                !text.lines().any(|l| l.starts_with("fake")),
                "{what} {stream}: a forged line in {text:?}"
            );
        }
    };
    let out = run(sonority(&db).args(["organize", "-k", "2"]).arg(&root));
    clean("organize", &out);
    assert!(
        stderr(&out).contains("bad\\u{1b}[1m\\nfake bad.mp3"),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let out = run(sonority(&db).arg("tag"));
    clean("tag", &out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("evil\\u{1b}[31mred\\nfake line.flac"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("locked\\u{1b}]0;title\\u{7}\\nfake locked.ogg"),
        "{}",
        stderr(&out)
    );
    clean("undo", &run(sonority(&db).args(["tag", "--undo"])));
    clean("status", &run(sonority(&db).arg("status")));
    let out = run(sonority(&db).arg("errors"));
    clean("errors", &out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("bad\\u{1b}[1m\\nfake bad.mp3"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // An error message naming such a folder.
    let out = sonority(&db)
        .arg("analyze")
        .arg(root.join("missing\u{1b}[5m\nfake missing"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    clean("error", &out);
}
