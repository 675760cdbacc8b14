//! # sonority-library
//!
//! The application: a music folder as a library. [`scan()`] walks it, [`analyze_library`]
//! analyses the new and changed files in parallel (with `sonority-features`) and keeps the
//! results in the SQLite [`Store`] (`sonority-store`), [`organize()`] clusters them (with
//! `sonority-cluster`) and writes playlists; the outputs (tags, similar tracks, evaluation,
//! export, the HTML report) read the latest clustering.
//!
//! ```no_run
//! use sonority_library::{analyze_library, AnalyzeOptions, Store};
//! use std::sync::atomic::AtomicBool;
//!
//! # fn main() -> sonority_library::Result<()> {
//! let mut store = Store::open(&Store::default_path()?)?;
//! let cancel = AtomicBool::new(false);
//! let report = analyze_library(
//!     &mut store,
//!     "/music".as_ref(),
//!     &AnalyzeOptions::default(),
//!     &mut |event| { let _ = event; /* drive a progress bar */ },
//!     &cancel,
//! )?;
//! let table = store.features_table(&report.analysis_version)?;
//! # let _ = table;
//! # Ok(()) }
//! ```
//!
//! The library never prints: it reports progress through a callback and returns
//! [`LibraryError`]s.

#![warn(missing_docs)]

pub mod analyze;
pub mod clustering;
pub mod dim_words;
pub mod error;
pub mod failpoint;
mod files;
pub mod imported;
pub mod latest;
pub mod organize;
pub mod output;
pub mod overview;
pub mod query;

pub use analyze::batch::{analyze_files, AnalysedFile, FileResult};
pub use analyze::pipeline::{analyze_library, AnalyzeOptions, AnalyzeReport, FailedFile};
pub use analyze::progress::{FileOutcome, Phase, ProgressEvent};
pub use analyze::scan::{
    has_audio_extension, scan, ScanError, ScanErrorKind, ScanOptions, ScanResult, AUDIO_EXTENSIONS,
};
pub use clustering::{
    analysis_dims, cluster_library, layout_dims, ClusterMode, ClusterOptions, ClusterOutcome,
    DEFAULT_GROUPS,
};
pub use dim_words::DIM_WORDS;
pub use error::{LibraryError, Result};
pub use imported::{model_from_centroids, save_imported_model};
pub use latest::LatestClustering;
pub use organize::{organize, OrganizeOptions, Organized, DEFAULT_PLAYLISTS_FOLDER};
pub use output::cluster_playlists::{cluster_playlists, write_cluster_playlists};
pub use output::cluster_tags::{
    tag_clusters, undo_tags, TagFileReport, TagOutcome, TagRun, TagRunOptions,
};
pub use output::export::{
    export, export_parquet, neutralise_csv_text, ExportFormat, ExportOptions,
};
pub use overview::{display_name, ClusterLine, FamilyLine, Overview};
pub use query::evaluate::{evaluate, Evaluation, LabelSource};
pub use query::similar::{similar_artists, similar_tracks, SimilarArtistRow, SimilarTrackRow};
/// The store lives in `sonority-store`: these are the items front ends use with the library.
pub use sonority_store::{
    ClusterRow, ClusteringData, ClusteringId, ClusteringSummary, FamilyRow, FeatureMatrix,
    FileVersion, FitSelection, ForgetOutcome, ForgetWithheld, ImportedSelection, SavedClustering,
    Selection, Store, StoreError, StoreStatus, StoredModel, TagChange, TagHistoryEntry, TagWrite,
    TrackAssignment, TrackId, TrackRow, WithheldReason, DB_ENV, SCHEMA_VERSION,
};

pub use sonority_cluster::{Algorithm, FamilyCount, KChoice};
pub use sonority_features::{DecodeWarning, FeatureConfig, FeatureDim, FeatureLayout};
/// Tag reading and writing live in `sonority-tags`: these are the items of the library's own
/// API ([`TrackRow::tags`], [`TagRunOptions::field`]) and the terminal escaping every front end
/// uses.
pub use sonority_tags::{one_line, shown, shown_text, TagField, Tags};
