//! Which database a command uses: `--db`, else `$SONORITY_DB`, else the platform default.

use anyhow::{Context, Result};
use sonority_library::Store;
use std::path::{Path, PathBuf};

/// The database path for this run.
pub fn db_path(arg: Option<&Path>) -> Result<PathBuf> {
    match arg {
        Some(p) => Ok(p.to_path_buf()),
        None => Store::default_path().context(
            "no database location: pass --db PATH or set SONORITY_DB (the platform data \
             directory could not be determined)",
        ),
    }
}

/// Opens (creating if needed) the database for this run: for the commands that analyse.
pub fn open(arg: Option<&Path>) -> Result<Store> {
    let path = db_path(arg)?;
    Store::open(&path).with_context(|| {
        format!(
            "opening the library database {}",
            sonority_library::shown(&path)
        )
    })
}

/// Opens the database for this run, which must exist: for the commands that read what an
/// analysis stored (a mistyped `--db` must not create an empty library somewhere).
pub fn open_existing(arg: Option<&Path>) -> Result<Store> {
    let path = db_path(arg)?;
    if !path.exists() {
        anyhow::bail!(
            "no library database at {}: analyse a music folder first (`sonority organize DIR`), \
             or give the database with --db PATH or SONORITY_DB",
            sonority_library::shown(&path)
        );
    }
    open(Some(&path))
}

/// Takes the library's writer lock for this command: a second command that writes to the same
/// library is refused with a message naming the first (readers need no lock).
pub fn lock_for_writing(store: &Store) -> Result<sonority_store::WriterLock> {
    let command: Vec<String> = std::env::args()
        .map(|a| sonority_library::shown(std::path::Path::new(&a)))
        .collect();
    Ok(store.lock_for_writing(&command.join(" "))?)
}
