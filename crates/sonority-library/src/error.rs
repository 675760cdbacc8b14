//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in scanning, storing and analysing a library.
///
/// Every variant that concerns a file or a database names it, so a caller can show the error
/// as it is.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// A file or folder could not be read or written.
    #[error("cannot access {}: {source}", crate::terminal::shown(path))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The folder to scan does not exist or cannot be opened.
    #[error("cannot scan {}: {source}", crate::terminal::shown(path))]
    Root {
        /// The folder as given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A database operation failed.
    #[error("database {}: {source}", crate::terminal::shown(path))]
    Database {
        /// The database file (`:memory:` for an in-memory store).
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The database file is damaged or is not an SQLite database at all.
    #[error(
        "database {} is damaged or is not an SQLite database ({detail}); \
         move it away to start a new library",
        crate::terminal::shown(path)
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The database cannot be written (file permissions, a read-only mount, or a store opened
    /// with [`crate::Store::open_read_only`]).
    #[error("database {} is read-only: {detail}", crate::terminal::shown(path))]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// Another sonority process is writing to the library (it holds the writer lock).
    #[error(
        "{holder} is writing to the library {}; wait for it to finish (or stop it) and run \
         this command again",
        crate::terminal::shown(path)
    )]
    Busy {
        /// The database file.
        path: PathBuf,
        /// Who holds the lock, as it wrote it into the lock file.
        holder: String,
    },
    /// The file is an SQLite database of another program.
    #[error(
        "database {} is not a sonority library (it belongs to another program)",
        crate::terminal::shown(path)
    )]
    Foreign {
        /// The database file.
        path: PathBuf,
    },
    /// The database was written by a newer sonority whose schema this one does not know.
    #[error(
        "database {} has schema version {found}, but this sonority knows versions up to \
         {supported}; use a newer sonority",
        crate::terminal::shown(path)
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The database's `user_version`.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// [`crate::Store::default_path`] found neither `$SONORITY_DB` nor a data directory.
    #[error("no data directory is known for this platform; set SONORITY_DB to the database path")]
    NoDataDir,
    /// A file with an audio extension whose content is not audio.
    #[error("{}: not audio ({what})", crate::terminal::shown(path))]
    NotAudio {
        /// The file.
        path: PathBuf,
        /// What it looks like instead ("empty file", "text file", ...).
        what: String,
    },
    /// The tags of a file could not be read (the track is analysed anyway).
    #[error("{}: cannot read tags: {message}", crate::terminal::shown(path))]
    Tags {
        /// The file.
        path: PathBuf,
        /// What the tag reader said.
        message: String,
    },
    /// The feature layout of an analysis version differs from the one stored for it earlier,
    /// which means the analysis code changed without changing its version.
    #[error(
        "the feature layout of analysis version {analysis_version} differs from the one already \
         stored for it"
    )]
    LayoutMismatch {
        /// The analysis version.
        analysis_version: String,
    },
    /// A stored value could not be decoded (a JSON column, a feature vector of the wrong size).
    #[error(
        "database {}: invalid stored {what}: {detail}",
        crate::terminal::shown(path)
    )]
    InvalidData {
        /// The database file.
        path: PathBuf,
        /// Which value.
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A track id that is not in the store.
    #[error("no track with id {0} in the library")]
    UnknownTrack(i64),
    /// An analysis option is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The feature configuration is invalid.
    #[error(transparent)]
    Feature(#[from] sonority_features::FeatureError),
    /// The analysis threads could not be started.
    #[error("cannot start the analysis threads: {0}")]
    ThreadPool(String),
    /// Clustering failed (too few tracks for the requested k, a degenerate table, ...).
    #[error("clustering: {0}")]
    Cluster(#[from] sonority_cluster::ClusterError),
    /// There is nothing to cluster or describe yet.
    #[error("{0}")]
    Nothing(String),
    /// Writing playlists failed.
    #[error(transparent)]
    Playlist(#[from] crate::playlist::PlaylistError),
    /// A command that reads the latest clustering (report, similar, export, ...) found none.
    #[error("the library has no clustering yet: run `sonority organize` first")]
    NoClustering,
    /// A report or one of its pictures could not be made.
    #[error("report: {0}")]
    Report(String),
}

/// The result type of this crate.
pub type Result<T, E = LibraryError> = std::result::Result<T, E>;
