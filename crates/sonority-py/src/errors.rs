//! Rust errors as the Python exceptions of `sonority._errors`, each naming its file or
//! database (`path` attribute) when it has one.

use pyo3::prelude::*;
use sonority_cluster::ClusterError;
use sonority_features::FeatureError;
use sonority_library::{LibraryError, StoreError};
use std::path::Path;

/// An instance of the exception class `class` of `sonority._errors` with this message and path.
pub fn raise(py: Python<'_>, class: &str, message: String, path: Option<&Path>) -> PyErr {
    let path = path.map(|p| p.to_string_lossy().into_owned());
    match py
        .import("sonority._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|cls| cls.call1((message, path)))
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// The exception for an error of the analysis of one file.
pub fn feature_error(py: Python<'_>, e: &FeatureError) -> PyErr {
    let (class, path): (&str, Option<&Path>) = match e {
        FeatureError::Io { path, .. } => ("ReadError", Some(path)),
        FeatureError::Unsupported { path, .. } | FeatureError::NeedsFfmpeg { path, .. } => {
            ("UnsupportedFormatError", Some(path))
        }
        FeatureError::Corrupt { path, .. }
        | FeatureError::NoAudio { path }
        | FeatureError::InvalidSampleRate { path, .. }
        | FeatureError::InvalidChannels { path, .. }
        | FeatureError::NonFinite { path, .. }
        | FeatureError::Ffmpeg { path, .. } => ("DecodeError", Some(path)),
        FeatureError::Resample { .. } => ("DecodeError", None),
        FeatureError::Config(_) | FeatureError::Signal(_) => ("SonorityError", None),
    };
    raise(py, class, e.to_string(), path)
}

/// The exception for an error of a model.
pub fn cluster_error(py: Python<'_>, e: &ClusterError) -> PyErr {
    raise(py, "ModelError", e.to_string(), None)
}

/// The exception for an error of a library (database, analysis, clustering).
pub fn library_error(py: Python<'_>, e: &LibraryError) -> PyErr {
    let (class, path): (&str, Option<&Path>) = match e {
        LibraryError::Io { path, .. } | LibraryError::Root { path, .. } => {
            ("ReadError", Some(path))
        }
        LibraryError::Parquet { path, .. } => ("SonorityError", Some(path)),
        LibraryError::Store(s) => return store_error(py, s),
        LibraryError::NotAudio { path, .. } => ("UnsupportedFormatError", Some(path)),
        LibraryError::Feature(f) => return feature_error(py, f),
        LibraryError::Cluster(c) => return cluster_error(py, c),
        LibraryError::UnknownDims(_)
        | LibraryError::NoClustering
        | LibraryError::NothingAnalysed
        | LibraryError::TooFewTracks { .. }
        | LibraryError::StaleClustering { .. }
        | LibraryError::ImportedForOtherAnalysis { .. }
        | LibraryError::CannotExtend(_) => ("ModelError", None),
        LibraryError::NotInLibrary(path) => ("TrackNotFoundError", Some(path)),
        LibraryError::UnknownArtist(_) => ("TrackNotFoundError", None),
        LibraryError::NotAnalysed { path, .. } => ("DecodeError", Some(path)),
        LibraryError::NotAFolder(path) => ("ReadError", Some(path)),
        LibraryError::LabelFile { path, .. } | LibraryError::NoLabelMatches(path) => {
            ("SonorityError", Some(path))
        }
        LibraryError::NoGenreTags
        | LibraryError::InvalidOption(_)
        | LibraryError::Serialize { .. }
        | LibraryError::ThreadPool(_)
        | LibraryError::Playlist(_)
        | LibraryError::Draw { .. } => ("SonorityError", None),
    };
    raise(py, class, e.to_string(), path)
}

/// The exception for an error of a library's database.
pub fn store_error(py: Python<'_>, e: &StoreError) -> PyErr {
    let (class, path): (&str, Option<&Path>) = match e {
        StoreError::Io { path, .. } => ("ReadError", Some(path)),
        StoreError::Database { path, .. }
        | StoreError::Corrupt { path, .. }
        | StoreError::ReadOnly { path, .. }
        | StoreError::Busy { path, .. }
        | StoreError::Foreign { path }
        | StoreError::InvalidData { path, .. } => ("DatabaseError", Some(path)),
        StoreError::SchemaTooNew { path, .. } => ("SchemaVersionError", Some(path)),
        StoreError::NoDataDir | StoreError::LayoutMismatch { .. } => ("DatabaseError", None),
        StoreError::UnknownTrack(_) => ("TrackNotFoundError", None),
        StoreError::UnreadableModel { .. } | StoreError::NonFiniteCentroid(_) => {
            ("ModelError", None)
        }
        StoreError::Serialize { .. } => ("SonorityError", None),
    };
    raise(py, class, e.to_string(), path)
}
