//! The one error type of this crate, and what its variants carry.

use crate::FileStamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in reading a file's tags and in reading or writing a field.
/// Every variant that concerns a file names it as the caller gave it.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    /// The descriptive tags of a file could not be read ([`crate::read_tags`]; a library
    /// analyses the track anyway and keeps this as a warning). A panic inside lofty is such
    /// an error too.
    #[error("{}: cannot read tags: {message}", crate::terminal::shown(path))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the tag reader said.
        message: String,
    },
    /// The file could not be read, copied or renamed (the original is unchanged).
    #[error("{}: {action}: {source}", crate::terminal::shown(path))]
    Io {
        /// The file (or its folder).
        path: PathBuf,
        /// What was being done ("cannot read", "cannot create a temporary file", ...).
        action: &'static str,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file (a folder, a device, ...).
    #[error("{}: not a regular file", crate::terminal::shown(path))]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is read-only (no write permission bit, or the user may not write it): it is
    /// skipped, since the user protected it.
    #[error("{}: the file is read-only; skipped", crate::terminal::shown(path))]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// The file's size or modification time differs from what the caller expected: it changed
    /// since it was analysed (or since the change was planned, or while it was being written).
    #[error(
        "{}: the file changed since {since} (size {} → {}, mtime {} → {} ns); skipped — \
         analyse the library again",
        crate::terminal::shown(path), expected.size, found.size, expected.mtime_ns, found.mtime_ns
    )]
    Changed {
        /// The file.
        path: PathBuf,
        /// Since when.
        since: ChangedSince,
        /// Size and mtime expected.
        expected: FileStamp,
        /// Size and mtime found.
        found: FileStamp,
    },
    /// The content is not audio at all (a text file or a picture named `.mp3`).
    #[error("{}: not audio ({what}); skipped", crate::terminal::shown(path))]
    NotAudio {
        /// The file.
        path: PathBuf,
        /// What it looks like ("text file", "PNG image", ...).
        what: String,
    },
    /// lofty cannot write tags to this format.
    #[error(
        "{}: cannot write tags to {format} files; skipped",
        crate::terminal::shown(path)
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The format ("CAF", "Matroska", "unrecognised audio", ...).
        format: String,
    },
    /// The file's tags cannot be read without losing something (or the file is damaged).
    #[error(
        "{}: cannot read the tags safely: {message}; skipped",
        crate::terminal::shown(path)
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// What lofty said.
        message: String,
    },
    /// The file is damaged in a way that rewriting its tags would change what players decode
    /// (an Ogg page with a wrong checksum would get a valid one): it is left alone.
    #[error(
        "{}: the file is damaged ({detail}); sonority does not write into damaged files; skipped",
        crate::terminal::shown(path)
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Where and how.
        detail: String,
    },
    /// lofty failed to write the tag into the temporary copy (the original is unchanged).
    #[error("{}: cannot write the tag: {message}", crate::terminal::shown(path))]
    Write {
        /// The file.
        path: PathBuf,
        /// What lofty said.
        message: String,
    },
    /// The written copy did not read back as expected, so it was discarded (the original is
    /// unchanged).
    #[error(
        "{}: the written copy failed verification ({detail}); the file was not changed",
        crate::terminal::shown(path)
    )]
    Verify {
        /// The file.
        path: PathBuf,
        /// What differed.
        detail: String,
    },
    /// The file was replaced or modified while sonority worked on it: its device, inode,
    /// change time, size or modification time differ from what was read (a tagger that keeps
    /// the timestamps and fits its edit into the padding shows only in the change time).
    #[error(
        "{}: the file changed while sonority was writing it ({detail}); skipped, the file is as \
         the other program left it — run the command again",
        crate::terminal::shown(path)
    )]
    Replaced {
        /// The file.
        path: PathBuf,
        /// What differs.
        detail: String,
    },
    /// The file has several hard links: replacing it by a rename would leave the other links
    /// with the old content, and writing it in place cannot be atomic.
    #[error(
        "{}: the file has {links} hard links; sonority does not write it, since the other links \
         would keep the old tags (copy it to a file of its own first if you want it tagged)",
        crate::terminal::shown(path)
    )]
    HardLinked {
        /// The file.
        path: PathBuf,
        /// How many names it has.
        links: u64,
    },
    /// The caller refused the write at the last moment (the previous value could not be
    /// recorded durably): the original is unchanged.
    #[error(
        "{}: {message}; the file was not changed",
        crate::terminal::shown(path)
    )]
    NotRecorded {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// lofty panicked on this file (a bug in lofty, usually on damaged data): the file is
    /// skipped and the run goes on.
    #[error(
        "{}: the tag library crashed on this file ({message}); skipped",
        crate::terminal::shown(path)
    )]
    Crashed {
        /// The file.
        path: PathBuf,
        /// The panic message.
        message: String,
    },
    /// A field name that cannot be used.
    #[error("invalid tag field {name:?}: {reason}")]
    InvalidField {
        /// The name as given.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// A value that cannot be written.
    #[error("invalid tag value {value:?}: {reason}")]
    InvalidValue {
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = TagError> = std::result::Result<T, E>;

/// Which moment a [`TagError::Changed`] file changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedSince {
    /// Since the analysis ([`crate::WriteOptions::expected`]).
    Analysis,
    /// Since [`crate::plan_write`] read it.
    Plan,
    /// While it was being copied and written (another program wrote it meanwhile).
    Start,
}

impl fmt::Display for ChangedSince {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Analysis => "it was analysed",
            Self::Plan => "the change was planned",
            Self::Start => "the write started",
        })
    }
}

/// The message of a caught panic (lofty's panics are caught and reported as errors).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
