//! What the report shows, as one serialisable [`ReportData`] (gathered by [`super::collect`]):
//! the HTML page embeds it as JSON, and the SVG pictures are drawn from it.

use super::words::WordExplanation;
use serde::{Deserialize, Serialize};
use sonority_cluster::Model;
use sonority_cluster::{KRule, ModelParams};
use sonority_store::{FeatureMatrix, Selection, TrackId};
use std::path::PathBuf;

/// Everything the report shows. Build it from a store with [`super::collect_report`], or by
/// hand (every field is public), and turn it into a page with [`super::render_html`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// The page's title.
    pub title: String,
    /// When the report was made, in Unix seconds.
    pub generated_at: i64,
    /// The clustering run: algorithm, parameters, sizes.
    pub run: RunInfo,
    /// How the 2-D map was made.
    pub map: MapInfo,
    /// The clusters in cluster-id order, then a pseudo-cluster for noise if any track has none.
    pub clusters: Vec<ReportCluster>,
    /// The families the clusters are grouped into, in family-id order; empty for clusterings
    /// saved without families (the page then shows the clusters alone).
    #[serde(default)]
    pub families: Vec<ReportFamily>,
    /// Every track of the clustering still in the library.
    pub tracks: Vec<ReportTrack>,
    /// Cluster × most distinguishing dims, z-scored; `None` without features or dims.
    pub heatmap: Option<Heatmap>,
    /// The choice of k; `None` when k was given (or the sweep did not parse).
    pub sweep: Option<SweepInfo>,
    /// Quality figures of the clustering; `None` when they did not parse.
    pub quality: Option<QualityInfo>,
    /// Cluster × genre counts; `None` when no track has a genre tag.
    pub genres: Option<GenreTable>,
    /// Family × genre counts (the genres of [`GenreTable::genres`]); `None` without families
    /// or without genre tags.
    #[serde(default)]
    pub family_genres: Option<FamilyGenreTable>,
    /// "Artists that sound alike": the artists with the most tracks and their nearest artists;
    /// `None` when no track has an artist tag (or the model is missing).
    #[serde(default)]
    pub artists: Option<Vec<ArtistNeighbours>>,
    /// What could not be shown, and why (also returned in the summary).
    pub notes: Vec<String>,
}

/// The clustering run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The clustering's id in the store.
    pub clustering_id: i64,
    /// When it was saved, in Unix seconds.
    pub created_at: i64,
    /// The algorithm's name: "hierarchical", "kmeans", "gmm", "ward", "dbscan" or "imported".
    pub algorithm: String,
    /// The analysis version of the features clustered.
    pub analysis_version: String,
    /// Number of clusters.
    pub k: usize,
    /// What the clustering was made from, as saved.
    pub selection: Option<Selection>,
    /// The model's parameters, as saved.
    pub params: Option<ModelParams>,
    /// Tracks shown.
    pub tracks: usize,
    /// Tracks in no cluster (noise).
    pub noise: usize,
    /// Total duration of the tracks shown, in seconds.
    pub total_duration_s: f64,
}

/// How the map's positions were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapInfo {
    /// "PCA", "t-SNE" or "positions saved with the clustering".
    pub method: String,
    /// Label of the horizontal axis.
    pub x_label: String,
    /// Label of the vertical axis.
    pub y_label: String,
}

/// One card of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCluster {
    /// The cluster id (-1 for the noise pseudo-cluster).
    pub id: i64,
    /// Its name ("bright · fast"), or "cluster N" when it has none.
    pub name: String,
    /// Tracks shown in it.
    pub size: usize,
    /// Their total duration, in seconds.
    pub duration_s: f64,
    /// Its colour on the map, `#rrggbb`.
    pub color: String,
    /// The dims where it stands furthest from the overall mean.
    pub top: Vec<TopFeature>,
    /// Its most frequent genres, most frequent first.
    pub genres: Vec<GenreCount>,
    /// Its tracks (indices into [`ReportData::tracks`]) in playing order: nearest the centre
    /// first.
    pub tracks: Vec<usize>,
    /// True for the pseudo-cluster of tracks that no cluster took (DBSCAN noise).
    pub noise: bool,
    /// Its family (index into [`ReportData::families`]), if it has one.
    #[serde(default)]
    pub family: Option<usize>,
    /// What sets it apart inside its family: the words of its name after the family's
    /// ("bright · fast" of "calm · dark / bright · fast"); `None` when its name is its family's
    /// or it has no family.
    #[serde(default)]
    pub own_name: Option<String>,
    /// Its own words explained with measured values: relative to its family when it has one,
    /// else the words of its name relative to the library.
    #[serde(default)]
    pub words: Vec<WordExplanation>,
}

/// One family card: playlists that sound alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFamily {
    /// The family id in the store.
    pub id: i64,
    /// Its name ("calm · dark"), or "family N" when it has none.
    pub name: String,
    /// Its colour on the map, `#rrggbb` (its playlists take shades of it).
    pub color: String,
    /// Tracks shown in it.
    pub size: usize,
    /// Their total duration, in seconds.
    pub duration_s: f64,
    /// Its playlists (indices into [`ReportData::clusters`]), in cluster-id order.
    pub clusters: Vec<usize>,
    /// The words of its name explained with measured values, relative to the library.
    pub words: Vec<WordExplanation>,
    /// Its most frequent genres, most frequent first.
    pub genres: Vec<GenreCount>,
}

/// An artist and the artists whose tracks sound most like theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtistNeighbours {
    /// The artist, as first spelled in the library.
    pub artist: String,
    /// Their tracks.
    pub tracks: usize,
    /// The nearest artists, nearest first.
    pub similar: Vec<SimilarArtist>,
}

/// One of an artist's nearest artists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarArtist {
    /// The artist.
    pub artist: String,
    /// Their tracks.
    pub tracks: usize,
    /// Mean distance between the two artists' tracks in the clustering's scaled space.
    pub distance: f64,
}

/// A dim that distinguishes a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFeature {
    /// Dim name.
    pub dim: String,
    /// Its feature group.
    pub group: String,
    /// (cluster mean − overall mean) / overall standard deviation.
    pub z: f64,
    /// A word for it ("bright", "fast"), when there is one.
    pub word: Option<String>,
}

/// A genre and how many tracks have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenreCount {
    /// The genre as first spelled in the library.
    pub genre: String,
    /// Tracks.
    pub count: usize,
}

/// One track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTrack {
    /// Id in the store.
    pub id: TrackId,
    /// Title tag, or the file name without extension.
    pub title: String,
    /// Artist tag.
    pub artist: Option<String>,
    /// Album tag.
    pub album: Option<String>,
    /// Genre tag.
    pub genre: Option<String>,
    /// Duration in seconds.
    pub duration_s: Option<f64>,
    /// The audio's URL: relative to the report (percent-encoded) or `file://`.
    pub src: String,
    /// Index of its card in [`ReportData::clusters`].
    pub cluster: usize,
    /// Map position in [0, 1] (left to right).
    pub x: f64,
    /// Map position in [0, 1] (bottom to top).
    pub y: f64,
}

/// Clusters × dims, z-scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heatmap {
    /// Column names.
    pub dims: Vec<String>,
    /// Column groups.
    pub groups: Vec<String>,
    /// Row clusters (indices into [`ReportData::clusters`]).
    pub rows: Vec<usize>,
    /// `z[row][column]`.
    pub z: Vec<Vec<f64>>,
}

/// The k sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    /// One point per k, increasing.
    pub points: Vec<SweepPoint>,
    /// The k chosen.
    pub chosen_k: Option<usize>,
    /// The elbow (knee) of the inertia curve.
    pub elbow_k: Option<usize>,
    /// The rule that chose k.
    pub rule: Option<KRule>,
}

/// The scores of one k (`None` where a score is missing or not finite).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Number of clusters.
    pub k: usize,
    /// Sum of squared distances to the centres.
    #[serde(default)]
    pub inertia: Option<f64>,
    /// Mean silhouette.
    #[serde(default)]
    pub silhouette: Option<f64>,
    /// Calinski-Harabasz index.
    #[serde(default)]
    pub calinski_harabasz: Option<f64>,
    /// Davies-Bouldin index.
    #[serde(default)]
    pub davies_bouldin: Option<f64>,
    /// BIC of a mixture.
    #[serde(default)]
    pub bic: Option<f64>,
}

/// Quality figures (`None` where missing or not finite).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityInfo {
    /// Sum of squared distances to the centres.
    #[serde(default)]
    pub inertia: Option<f64>,
    /// Mean silhouette.
    #[serde(default)]
    pub silhouette: Option<f64>,
    /// Rows the silhouette was computed on.
    #[serde(default)]
    pub silhouette_rows: Option<usize>,
    /// Calinski-Harabasz index.
    #[serde(default)]
    pub calinski_harabasz: Option<f64>,
    /// Davies-Bouldin index.
    #[serde(default)]
    pub davies_bouldin: Option<f64>,
    /// BIC of a mixture.
    #[serde(default)]
    pub bic: Option<f64>,
    /// Tracks labelled noise.
    #[serde(default)]
    pub noise: Option<usize>,
}

/// Cluster × genre counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenreTable {
    /// The most frequent genres, most frequent first.
    pub genres: Vec<String>,
    /// One row per card.
    pub rows: Vec<GenreRow>,
}

/// One cluster's genre counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenreRow {
    /// Index into [`ReportData::clusters`].
    pub cluster: usize,
    /// Tracks per genre of [`GenreTable::genres`].
    pub counts: Vec<usize>,
    /// Tracks of other genres.
    pub other: usize,
    /// Tracks without a genre tag.
    pub untagged: usize,
}

/// Family × genre counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyGenreTable {
    /// The genres of the columns (those of [`GenreTable::genres`]).
    pub genres: Vec<String>,
    /// One row per family.
    pub rows: Vec<FamilyGenreRow>,
}

/// One family's genre counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyGenreRow {
    /// Index into [`ReportData::families`].
    pub family: usize,
    /// Tracks per genre of [`FamilyGenreTable::genres`].
    pub counts: Vec<usize>,
    /// Tracks of other genres.
    pub other: usize,
    /// Tracks without a genre tag.
    pub untagged: usize,
}

/// The tracks shown with what is measured of them: what the map, the z-scores and the word
/// explanations read.
pub(super) struct Measured<'a> {
    /// The tracks shown, in the report's order.
    pub tracks: &'a [ReportTrack],
    /// The stored features of the clustering's analysis, if any.
    pub features: Option<&'a FeatureMatrix>,
    /// Each track's row of `features` (`None`: no features for it).
    pub rows: &'a [Option<usize>],
    /// The saved model, when this build reads it.
    pub model: Option<&'a Model<TrackId>>,
}

/// How audio files are linked from the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioLinks {
    /// Relative to this folder (the report's, canonical), falling back to `file://` URLs for
    /// files that have no relative path from it (another drive).
    RelativeTo(PathBuf),
    /// `file://` URLs.
    Absolute,
}
