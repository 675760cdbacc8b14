//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong in `sonority-cluster`.
///
/// Errors caused by a caller's data name the offending track, column or parameter so that a
/// user-facing tool can print them as they are.
#[derive(Debug, Error)]
pub enum ClusterError {
    /// A NaN or infinite value in the input table.
    #[error("track {track:?}, column {column:?}: value {value} is not finite")]
    NonFinite {
        /// Id of the track holding the value.
        track: String,
        /// Name of the column holding the value.
        column: String,
        /// The offending value (NaN or ±infinity).
        value: f64,
    },
    /// The pieces of a table do not fit together (row/column counts, empty names, ...).
    #[error("table shape: {0}")]
    Shape(String),
    /// Two tracks share an id.
    #[error("duplicate track id {0:?}")]
    DuplicateTrack(String),
    /// Two columns share a name.
    #[error("duplicate column name {0:?}")]
    DuplicateDim(String),
    /// A feature group asked for is not in the table.
    #[error("unknown feature group {group:?}; the table has: {known}")]
    UnknownGroup {
        /// The group asked for.
        group: String,
        /// The groups the table has, comma separated.
        known: String,
    },
    /// A column a scaler or model needs is missing from the table given to it.
    #[error("column {0:?} is missing from the table")]
    MissingDim(String),
    /// A track id that is not in the table.
    #[error("unknown track id {0:?}")]
    UnknownTrack(String),
    /// An algorithm name that is not one of [`crate::Algorithm::ALL`].
    #[error("unknown algorithm {name:?}; choose one of: {known}")]
    UnknownAlgorithm {
        /// The name given.
        name: String,
        /// The algorithm names, comma separated.
        known: String,
    },
    /// A parameter out of range; the message names it.
    #[error("invalid parameter: {0}")]
    InvalidParam(String),
    /// Too few rows (or clusters) for what was asked.
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// A numerical failure, e.g. a covariance matrix that is not positive definite.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A saved model written by an incompatible version of this crate.
    #[error("model format version {found} is not supported (this build reads version {expected})")]
    ModelVersion {
        /// Version found in the file.
        found: u32,
        /// Version this build reads and writes.
        expected: u32,
    },
    /// JSON (de)serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, ClusterError>;

pub(crate) fn invalid(msg: impl Into<String>) -> ClusterError {
    ClusterError::InvalidParam(msg.into())
}
