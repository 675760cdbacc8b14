//! Progress events of an analysis run, enough to draw a progress bar.

use crate::analyze::scan::ScanError;
use serde::Serialize;
use std::path::PathBuf;

/// What an analysis run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Walking the folder and comparing it with the store.
    Scanning,
    /// Decoding and analysing the new and changed files (results are committed in batches
    /// meanwhile).
    Analysing,
    /// Committing the last results.
    Writing,
}

/// How one file of the analysis ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FileOutcome {
    /// Analysed; its features are (or are about to be) stored.
    Analysed,
    /// Not analysable; the reason is stored with the track and the file is not retried until
    /// it changes (or `retry_failed` is set).
    Failed {
        /// The error message, naming the file.
        reason: String,
    },
    /// Could not be opened at all (permissions, vanished since the scan): nothing is stored,
    /// so it is tried again on the next run.
    Unreadable {
        /// The error message, naming the file.
        reason: String,
    },
}

/// One progress event. Events come in this order: `Phase(Scanning)`, `Scanned`* and
/// `ScanError`*, `Planned`, then `Phase(Analysing)`, `FileDone`* and `BatchCommitted`*
/// interleaved, then `Phase(Writing)` for the last commit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A new phase starts.
    Phase {
        /// The phase.
        phase: Phase,
    },
    /// Scanning found this many audio files so far (sent every few hundred files).
    Scanned {
        /// Files with an audio extension found so far.
        found: usize,
    },
    /// A file or folder could not be scanned; the scan goes on.
    ScanError {
        /// What went wrong.
        error: ScanError,
    },
    /// The scan is compared with the store: what will be done.
    Planned {
        /// Files with an audio extension under the root.
        found: usize,
        /// New or changed files to analyse: the total of the progress bar.
        to_analyse: usize,
        /// Files already analysed with this analysis version and unchanged.
        unchanged: usize,
        /// Unchanged files that failed before and are not retried.
        known_failures: usize,
        /// Tracks forgotten because their file is gone.
        removed: usize,
    },
    /// One file is done (analysed or failed).
    FileDone {
        /// The file (canonical path).
        path: PathBuf,
        /// Files done so far in this run, this one included.
        done: usize,
        /// Files to analyse in this run.
        total: usize,
        /// Seconds of audio in this file (0 when it failed).
        audio_s: f64,
        /// Seconds of audio analysed so far in this run.
        audio_s_done: f64,
        /// How it ended.
        #[serde(flatten)]
        outcome: FileOutcome,
    },
    /// A batch of results is committed to the store: a crash from now on loses none of them.
    BatchCommitted {
        /// Tracks in this batch.
        tracks: usize,
        /// Tracks committed so far in this run.
        committed: usize,
    },
}
