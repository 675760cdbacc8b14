//! What the tests of sonority-tags and sonority-library (which includes this file in its
//! own `tests/common`) need of external programs: ffmpeg to make test files, the one rule for
//! a program that is missing, and the names of sonority's temporary files.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::Command;

/// The one rule for a test whose external program (`tool`) is missing: under `CI=true` the
/// test fails, naming the program and how to install it (`scripts/setup.sh --test`); elsewhere
/// it prints a notice and the caller skips the test. Returns true when the caller must skip.
pub fn skip_missing_tool(tool: &str) -> bool {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    assert!(
        !ci,
        "`{tool}` is not installed and CI=true: a missing tool fails the test here \
         (install it with scripts/setup.sh --test)"
    );
    eprintln!(
        "NOTICE: `{tool}` is not installed; skipping this test (scripts/setup.sh --test installs it)"
    );
    true
}

/// True when `program` runs (with `-version` or `--version`).
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
        || Command::new(program)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
}

/// True when `program` is missing and the test must be skipped (under `CI=true` a missing
/// program fails the test instead: `skip_missing_tool`).
pub fn skip_without(program: &str) -> bool {
    !have(program) && skip_missing_tool(program)
}

pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A short tone as WAV.
pub fn tone(path: &Path, freq: u32, seconds: f64) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("sine=f={freq}:d={seconds}"),
        "-c:a",
        "pcm_s16le",
        path.to_str().expect("utf-8 path"),
    ]);
}

/// Names in `dir` that look like our temporary files.
pub fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".sonority-") && n.ends_with(".tmp"))
        .collect()
}
