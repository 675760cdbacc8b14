//! A file as the store knows it: where it is and the size and modification time that tell a
//! changed file, and what a scan of a folder saw (to forget what is gone).

use serde::Serialize;
use std::path::{Path, PathBuf};

/// One version of an audio file on disk: a track is analysed again when its size or
/// modification time changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileVersion {
    /// Absolute canonical path (symbolic links resolved): the key of the track in the store.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (negative before 1970, 0 when the
    /// platform has none).
    pub mtime_ns: i64,
}

/// What a scan of one folder saw: every audio file under `root`, and the paths under which it
/// may have missed some (folders and files it could not read).
#[derive(Debug, Clone)]
pub struct Seen<'a> {
    /// The scanned folder, canonical.
    pub root: &'a Path,
    /// The audio files found.
    pub files: &'a [FileVersion],
    /// Paths the scan could not read: tracks under them are never forgotten.
    pub unscanned: Vec<PathBuf>,
}

/// Now, in Unix seconds: how the store stamps what it writes.
pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
