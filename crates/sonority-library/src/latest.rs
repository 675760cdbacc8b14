//! The latest clustering with its model and the feature table it was fitted on: what the
//! query commands (similar, evaluate, export, report) read.

use crate::error::{LibraryError, Result};
use sonority_cluster::{FeatureTable, Model};
use sonority_store::{SavedClustering, Store, TrackId, TrackRow};
use std::collections::HashMap;

/// The latest clustering, its model and the current feature table.
pub struct LatestClustering {
    /// The saved clustering.
    pub saved: SavedClustering,
    /// Its model.
    pub model: Model<TrackId>,
    /// Every track analysed with the clustering's analysis version, keyed by track id.
    pub table: FeatureTable<TrackId>,
    /// The tracks of `table`, in the same order.
    pub tracks: Vec<TrackRow>,
}

impl LatestClustering {
    /// Loads it; [`LibraryError::NoClustering`] when there is none.
    pub fn load(store: &Store) -> Result<Self> {
        let saved = store
            .latest_clustering()?
            .ok_or(LibraryError::NoClustering)?;
        let model = saved
            .data
            .model
            .require(saved.id)?
            .clone()
            .with_words(crate::dim_words::DIM_WORDS);
        let matrix = store
            .features_table(&saved.data.analysis_version)?
            .ok_or_else(|| LibraryError::StaleClustering {
                analysis_version: saved.data.analysis_version.clone(),
            })?;
        let table = crate::clustering::feature_table(&matrix)?;
        Ok(Self {
            saved,
            model,
            table,
            tracks: matrix.tracks,
        })
    }

    /// Cluster id of each track id in the clustering (`None` = unassigned outlier).
    pub fn cluster_of(&self) -> HashMap<i64, Option<i64>> {
        self.saved
            .data
            .assignments
            .iter()
            .map(|a| (a.track_id, a.cluster_id))
            .collect()
    }

    /// Cluster names by id.
    pub fn names(&self) -> HashMap<i64, String> {
        self.saved
            .data
            .clusters
            .iter()
            .map(|c| (c.cluster_id, c.name.clone().unwrap_or_default()))
            .collect()
    }

    /// Family id of each cluster id that has one.
    pub fn family_of_cluster(&self) -> HashMap<i64, i64> {
        self.saved
            .data
            .clusters
            .iter()
            .filter_map(|c| Some((c.cluster_id, c.family_id?)))
            .collect()
    }

    /// Family names by id.
    pub fn family_names(&self) -> HashMap<i64, String> {
        self.saved
            .data
            .families
            .iter()
            .map(|f| (f.family_id, f.name.clone().unwrap_or_default()))
            .collect()
    }
}
