//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong opening, reading or writing a library database.
///
/// Every variant about the database names its file, so a caller can show the error as it is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or folder next to the database (its folder, the writer lock) could not be read
    /// or written.
    #[error("cannot access {}: {source}", sonority_tags::shown(path))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A database operation failed.
    #[error("database {}: {source}", sonority_tags::shown(path))]
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
        sonority_tags::shown(path)
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The database cannot be written (file permissions, a read-only mount, or a store opened
    /// with [`crate::Store::open_read_only`]).
    #[error("database {} is read-only: {detail}", sonority_tags::shown(path))]
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
        sonority_tags::shown(path)
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
        sonority_tags::shown(path)
    )]
    Foreign {
        /// The database file.
        path: PathBuf,
    },
    /// The database was written by a newer sonority whose schema this one does not know.
    #[error(
        "database {} has schema version {found}, but this sonority knows versions up to \
         {supported}; use a newer sonority",
        sonority_tags::shown(path)
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
        sonority_tags::shown(path)
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
    /// A value could not be serialised for storage (a clustering or model as JSON).
    #[error("cannot serialise the {what}: {source}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// A cluster centre with NaN or infinity cannot be saved.
    #[error("the centroid of cluster {0} is not finite")]
    NonFiniteCentroid(i64),
    /// The latest clustering's model cannot be read by this build (saved by another version,
    /// or damaged).
    #[error(
        "the model of clustering #{clustering} cannot be read ({reason}): run `sonority organize \
         --recluster` to fit a new one"
    )]
    UnreadableModel {
        /// The clustering.
        clustering: i64,
        /// Why.
        reason: String,
    },
}

/// The result of every fallible operation of this crate.
pub type Result<T> = std::result::Result<T, StoreError>;
