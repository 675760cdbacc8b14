//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in scanning, storing and analysing a library.
///
/// Every variant that concerns a file or a database names it, so a caller can show the error
/// as it is.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// A file or folder could not be read or written.
    #[error("cannot access {}: {source}", sonority_tags::shown(path))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The folder to scan does not exist or cannot be opened.
    #[error("cannot scan {}: {source}", sonority_tags::shown(path))]
    Root {
        /// The folder as given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The music folder to organise is not a folder (missing, or a file).
    #[error("{} is not a folder: give the folder that holds your music", .0.display())]
    NotAFolder(PathBuf),
    /// A file with an audio extension whose content is not audio.
    #[error("{}: not audio ({what})", sonority_tags::shown(path))]
    NotAudio {
        /// The file.
        path: PathBuf,
        /// What it looks like instead ("empty file", "text file", ...).
        what: String,
    },
    /// Dim names that no analysis of this sonority produces (in a model built elsewhere).
    #[error(
        "unknown feature dim(s) {}: use the dim names of `sonority export` or \
         `sonority.analyze` (e.g. spectral_centroid_mean_0, mfcc_mean_3, tempo_bpm, \
         duration_log_s)",
        .0.join(", ")
    )]
    UnknownDims(Vec<String>),
    /// An analysis option is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A value could not be serialised for storage (a clustering or model as JSON).
    #[error("cannot serialise the {what}: {source}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The library database.
    #[error(transparent)]
    Store(#[from] sonority_store::StoreError),
    /// The feature configuration is invalid.
    #[error(transparent)]
    Feature(#[from] sonority_features::FeatureError),
    /// The analysis threads could not be started.
    #[error("cannot start the analysis threads: {0}")]
    ThreadPool(String),
    /// Clustering failed (too few tracks for the requested k, a degenerate table, ...).
    #[error("clustering: {0}")]
    Cluster(#[from] sonority_cluster::ClusterError),
    /// An imported clustering was made for another analysis than the library's.
    #[error(
        "the library's clustering #{clustering} was imported for the analysis {imported}, not \
         {current}: analyse with the same options, or pass --recluster to replace it"
    )]
    ImportedForOtherAnalysis {
        /// The clustering.
        clustering: sonority_store::ClusteringId,
        /// The analysis version it was imported for.
        imported: String,
        /// The library's analysis version.
        current: String,
    },
    /// A saved clustering could not take the library's new tracks.
    #[error("clustering #{0} could not be extended: run with --recluster")]
    CannotExtend(sonority_store::ClusteringId),
    /// No track of the library has been analysed (with the current analysis settings).
    #[error("no analysed tracks in the library yet: run `sonority analyze DIR` first")]
    NothingAnalysed,
    /// Too few analysed tracks to cluster.
    #[error("only {found} analysed track(s): clustering needs at least {needed}")]
    TooFewTracks {
        /// Analysed tracks.
        found: usize,
        /// Tracks needed.
        needed: usize,
    },
    /// The latest clustering was made from an analysis the library no longer holds.
    #[error("no tracks analysed with {analysis_version} any more: run `sonority organize` again")]
    StaleClustering {
        /// The analysis version of the clustering.
        analysis_version: String,
    },
    /// A file that is not a track of the library.
    #[error("{} is not in the library: run `sonority analyze` on its folder first", .0.display())]
    NotInLibrary(PathBuf),
    /// A track of the library whose analysis failed.
    #[error("{} could not be analysed: {reason}", path.display())]
    NotAnalysed {
        /// The file.
        path: PathBuf,
        /// Why its analysis failed.
        reason: String,
    },
    /// No track of the latest clustering has this artist.
    #[error(
        "no track of the latest clustering has the artist {0:?} (artist tags are compared \
         ignoring case)"
    )]
    UnknownArtist(String),
    /// `evaluate` found no clustered track with a genre tag.
    #[error("no clustered track has a genre tag: give labels with --labels FILE.csv (rows of path,label)")]
    NoGenreTags,
    /// `evaluate` found no path of a label file among the clustered tracks.
    #[error(
        "no path in {} matches a clustered track (paths are compared after resolving them \
         relative to the CSV's folder)",
        .0.display()
    )]
    NoLabelMatches(PathBuf),
    /// A line of a label file could not be read.
    #[error("{} line {line}: {detail}", path.display())]
    LabelFile {
        /// The CSV file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// What the CSV reader said.
        detail: String,
    },
    /// Writing playlists failed.
    #[error(transparent)]
    Playlist(#[from] crate::output::playlist::PlaylistError),
    /// A command that reads the latest clustering (report, similar, export, ...) found none.
    #[error("the library has no clustering yet: run `sonority organize` first")]
    NoClustering,
    /// A picture of the report could not be drawn.
    #[error("report: cannot draw {what}: {detail}")]
    Draw {
        /// Which picture.
        what: String,
        /// What the plotting library said.
        detail: String,
    },
    /// A Parquet export could not be encoded or written.
    #[error("writing Parquet to {}: {source}", path.display())]
    Parquet {
        /// The output file (`<export output>` for a stream).
        path: PathBuf,
        /// What the Parquet writer said.
        #[source]
        source: parquet::errors::ParquetError,
    },
}

/// The result type of this crate.
pub type Result<T, E = LibraryError> = std::result::Result<T, E>;
