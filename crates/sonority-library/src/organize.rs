//! [`organize()`]: the main job, for any front end. Analyse a music folder (only what is new or
//! changed), organise the library into playlists grouped in families, and write one folder of
//! playlists per family.

use crate::analyze::pipeline::{analyze_library, AnalyzeOptions, AnalyzeReport};
use crate::analyze::progress::ProgressEvent;
use crate::clustering::{cluster_library, ClusterOptions, ClusterOutcome};
use crate::error::{LibraryError, Result};
use crate::latest::LatestClustering;
use crate::output::cluster_playlists::write_cluster_playlists;
use crate::output::playlist::{PlaylistOptions, PlaylistReport};
use sonority_store::Store;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The folder name of the playlists inside the music folder, when no other is given.
pub const DEFAULT_PLAYLISTS_FOLDER: &str = "sonority-playlists";

/// How [`organize()`] runs.
#[derive(Debug, Clone, Default)]
pub struct OrganizeOptions {
    /// The analysis.
    pub analyze: AnalyzeOptions,
    /// The clustering (its `features` are replaced by the analysis's, so the two agree).
    pub cluster: ClusterOptions,
    /// How playlists are written.
    pub playlists: PlaylistOptions,
    /// Where the playlists go (default: [`DEFAULT_PLAYLISTS_FOLDER`] inside the music folder).
    pub playlists_dir: Option<PathBuf>,
}

/// What [`organize()`] did.
#[derive(Debug, Clone)]
pub struct Organized {
    /// The analysis run.
    pub analysis: AnalyzeReport,
    /// The clustering; `None` when the analysis was interrupted (nothing is clustered from a
    /// half-analysed folder: the next run finishes it).
    pub clustering: Option<ClusterOutcome>,
    /// The playlists written (with the clustering).
    pub playlists: Option<PlaylistReport>,
    /// The folder of the playlists.
    pub playlists_dir: PathBuf,
}

/// Analyses `dir` into `store`, clusters the library and writes its playlists.
///
/// Progress of the analysis goes to `progress`; setting `cancel` stops the analysis early
/// (what finished is saved) and skips the rest.
pub fn organize(
    store: &mut Store,
    dir: &Path,
    options: &OrganizeOptions,
    progress: &mut dyn FnMut(ProgressEvent),
    cancel: &AtomicBool,
) -> Result<Organized> {
    if !dir.is_dir() {
        return Err(LibraryError::NotAFolder(dir.to_path_buf()));
    }
    let playlists_dir = options
        .playlists_dir
        .clone()
        .unwrap_or_else(|| dir.join(DEFAULT_PLAYLISTS_FOLDER));
    let analysis = analyze_library(store, dir, &options.analyze, progress, cancel)?;
    if analysis.cancelled {
        return Ok(Organized {
            analysis,
            clustering: None,
            playlists: None,
            playlists_dir,
        });
    }
    let cluster_options = ClusterOptions {
        features: options.analyze.features.clone(),
        ..options.cluster.clone()
    };
    let clustering = cluster_library(store, &cluster_options)?;
    let latest = LatestClustering::load(store)?;
    let playlists = write_cluster_playlists(&latest, &playlists_dir, &options.playlists)?;
    Ok(Organized {
        analysis,
        clustering: Some(clustering),
        playlists: Some(playlists),
        playlists_dir,
    })
}
