//! What every end-to-end test of the binary needs: the fixtures folder and the `sonority`
//! command on a given database, with none of the caller's sonority environment (the default
//! database, the test hooks) leaking in.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The project's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The built `sonority` with `--db db`; a test sets a hook itself after this.
pub fn sonority(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sonority"));
    c.arg("--db").arg(db);
    for var in [
        "SONORITY_DB",
        "SONORITY_FAILPOINT",
        "SONORITY_TEST_HANG",
        "SONORITY_TEST_ABORT",
    ] {
        c.env_remove(var);
    }
    c
}
