//! [`Overview`]: the clusters of a clustering as people read them: families, playlists,
//! sizes and the example tracks nearest each centre. The table `cluster` and `organize` print
//! and their `--json` document are both made from it.

use crate::clustering::{ClusterMode, ClusterOutcome};
use crate::error::Result;
use serde::Serialize;
use sonority_cluster::Quality;
use sonority_store::{ClusteringId, Store, TrackRow};
use sonority_tags::{one_line, shown};
use std::collections::HashMap;

/// Example tracks shown per cluster.
pub const EXAMPLES_PER_CLUSTER: usize = 3;

/// One cluster (a playlist with the default algorithm).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterLine {
    /// Cluster id.
    pub id: i64,
    /// Its family.
    pub family_id: Option<i64>,
    /// Its name ("" when unnamed).
    pub name: String,
    /// Tracks in it.
    pub size: usize,
    /// The tracks nearest its centre, best first, as [`display_name`] shows them.
    pub examples: Vec<String>,
}

/// One family of clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyLine {
    /// Family id.
    pub id: i64,
    /// Its name.
    pub name: Option<String>,
    /// Tracks in it.
    pub size: usize,
    /// Its clusters' ids.
    pub clusters: Vec<i64>,
}

/// A clustering with its families and example tracks; serialises as the `--json` document of
/// `cluster` and `organize`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// The saved clustering.
    pub clustering_id: ClusteringId,
    /// How it came about.
    pub mode: ClusterMode,
    /// The algorithm's name.
    pub algorithm: String,
    /// Number of clusters.
    pub k: usize,
    /// Quality figures (silhouette, Calinski-Harabasz, Davies-Bouldin).
    pub quality: Quality,
    /// The families, by id.
    pub families: Vec<FamilyLine>,
    /// The clusters, in the clustering's order.
    pub clusters: Vec<ClusterLine>,
    /// Tracks clustered.
    #[serde(skip)]
    pub tracks: usize,
    /// Tracks left out as outliers (density-based clustering).
    #[serde(skip)]
    pub unassigned: usize,
}

impl Overview {
    /// The overview of `outcome`, with example tracks read from `store`.
    pub fn of(store: &Store, outcome: &ClusterOutcome) -> Result<Self> {
        let tracks: HashMap<i64, TrackRow> =
            store.tracks()?.into_iter().map(|t| (t.id, t)).collect();
        let data = &outcome.data;
        let clusters: Vec<ClusterLine> = data
            .clusters
            .iter()
            .map(|c| {
                let mut members: Vec<_> = data
                    .assignments
                    .iter()
                    .filter(|a| a.cluster_id == Some(c.cluster_id))
                    .collect();
                members.sort_by(|a, b| {
                    a.distance
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.distance.unwrap_or(f64::INFINITY))
                });
                ClusterLine {
                    id: c.cluster_id,
                    family_id: c.family_id,
                    name: c.name.clone().unwrap_or_default(),
                    size: c.size,
                    examples: members
                        .iter()
                        .take(EXAMPLES_PER_CLUSTER)
                        .filter_map(|a| tracks.get(&a.track_id))
                        .map(display_name)
                        .collect(),
                }
            })
            .collect();
        let mut families: Vec<FamilyLine> = data
            .families
            .iter()
            .map(|f| FamilyLine {
                id: f.family_id,
                name: f.name.clone(),
                size: f.size,
                clusters: clusters
                    .iter()
                    .filter(|l| l.family_id == Some(f.family_id))
                    .map(|l| l.id)
                    .collect(),
            })
            .collect();
        families.sort_by_key(|f| f.id);
        Ok(Self {
            clustering_id: outcome.id,
            mode: outcome.mode.clone(),
            algorithm: data.algorithm.clone(),
            k: data.k,
            quality: data.quality.clone(),
            families,
            clusters,
            tracks: data.assignments.len(),
            unassigned: data
                .assignments
                .iter()
                .filter(|a| a.cluster_id.is_none())
                .count(),
        })
    }
}

/// "Artist - Title", or the file name for untagged files, on one line (control characters
/// escaped, see [`one_line`]).
pub fn display_name(t: &TrackRow) -> String {
    let name = match (&t.tags.artist, &t.tags.title) {
        (Some(a), Some(title)) => format!("{a} - {title}"),
        (None, Some(title)) => title.clone(),
        _ => t
            .path
            .file_name()
            .map_or_else(|| shown(&t.path), |n| n.to_string_lossy().into_owned()),
    };
    one_line(&name)
}
