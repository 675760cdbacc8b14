//! What the report shows, gathered from the store into one serialisable [`ReportData`]: the
//! HTML page embeds it as JSON, and the SVG pictures are drawn from it.
//!
//! The saved clustering's `quality`, `sweep` and `model` JSON values are read with
//! `sonority-cluster`'s types ([`Quality`], [`KSweep`], [`Model`]); a value that is null or does
//! not parse only removes what depends on it (the quality figures, the k sweep, the cluster
//! words), with a note, and never fails the report.

use super::words::{self, DimStat, WordExplanation};
use super::{MapProjection, ReportOptions};
use crate::clustering::{duration_log, DURATION_DIM};
use crate::dim_words::DIM_WORDS;
use crate::error::{LibraryError, Result};
use crate::files::{file_url, relative_path, url_path};
use crate::similar::ArtistSpace;
use crate::store::{
    ClusteringData, FamilyRow, FeatureMatrix, SavedClustering, Store, TrackId, TrackRow,
};
use crate::tags::{genre_key, primary_genre};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sonority_cluster::describe::word_for;
use sonority_cluster::{pca_2d, Fit, KSweep, Model, Quality, TsneParams, MODEL_FORMAT_VERSION};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
    /// `AlgorithmParams::name()`: "hierarchical", "kmeans", "gmm", "ward", ... (clusterings
    /// saved before issue 11 say "gaussian_mixture" and "agglomerative").
    pub algorithm: String,
    /// The analysis version of the features clustered.
    pub analysis_version: String,
    /// Number of clusters.
    pub k: usize,
    /// Feature selection, as saved.
    pub selection: Value,
    /// Algorithm parameters, as saved.
    pub params: Value,
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
    /// The rule that chose k ("silhouette", "elbow", ...).
    pub rule: Option<String>,
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

/// How audio files are linked from the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioLinks {
    /// Relative to this folder (the report's, canonical), falling back to `file://` URLs for
    /// files that have no relative path from it (another drive).
    RelativeTo(PathBuf),
    /// `file://` URLs.
    Absolute,
}

/// Reads the latest clustering and everything the report shows about it.
pub(super) fn collect(
    store: &Store,
    links: &AudioLinks,
    opts: &ReportOptions,
    generated_at: i64,
) -> Result<ReportData> {
    let saved = store
        .latest_clustering()?
        .ok_or(LibraryError::NoClustering)?;
    collect_from(store, &saved, links, opts, generated_at)
}

/// As [`collect`], for a given clustering.
pub(super) fn collect_from(
    store: &Store,
    saved: &SavedClustering,
    links: &AudioLinks,
    opts: &ReportOptions,
    generated_at: i64,
) -> Result<ReportData> {
    let data = &saved.data;
    let mut notes = Vec::new();
    let model = parse_model(&data.model, &mut notes);
    let quality = parse_quality(&data.quality, &mut notes);
    let sweep = parse_sweep(&data.sweep, &mut notes);

    let rows: HashMap<TrackId, TrackRow> = store.tracks()?.into_iter().map(|t| (t.id, t)).collect();
    let missing = data
        .assignments
        .iter()
        .filter(|a| !rows.contains_key(&a.track_id))
        .count();
    if missing > 0 {
        notes.push(format!(
            "{missing} tracks of the clustering are no longer in the library and are left out"
        ));
    }

    // Cards: the clusters in id order, then noise.
    let mut cluster_rows: Vec<_> = data.clusters.iter().collect();
    cluster_rows.sort_by_key(|c| c.cluster_id);
    let position: HashMap<i64, usize> = cluster_rows
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cluster_id, i))
        .collect();
    let mut clusters: Vec<ReportCluster> = cluster_rows
        .iter()
        .enumerate()
        .map(|(i, c)| ReportCluster {
            id: c.cluster_id,
            name: c
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("cluster {}", c.cluster_id)),
            size: 0,
            duration_s: 0.0,
            color: cluster_color(i),
            top: Vec::new(),
            genres: Vec::new(),
            tracks: Vec::new(),
            noise: false,
            family: None,
            own_name: None,
            words: Vec::new(),
        })
        .collect();
    let noise_index = clusters.len();
    let needs_noise = data.assignments.iter().any(|a| {
        rows.contains_key(&a.track_id) && a.cluster_id.and_then(|c| position.get(&c)).is_none()
    });
    if needs_noise {
        clusters.push(ReportCluster {
            id: -1,
            name: "noise (no cluster)".to_string(),
            size: 0,
            duration_s: 0.0,
            color: NOISE_COLOR.to_string(),
            top: Vec::new(),
            genres: Vec::new(),
            tracks: Vec::new(),
            noise: true,
            family: None,
            own_name: None,
            words: Vec::new(),
        });
    }

    // Families: their cards, their playlists' colours (shades of the family's) and own names.
    let mut families = build_families(data, &mut clusters, &position);

    // Tracks, in assignment (track id) order.
    let mut tracks = Vec::with_capacity(data.assignments.len());
    let mut distances = Vec::with_capacity(data.assignments.len());
    let mut stored_xy = Vec::with_capacity(data.assignments.len());
    for a in &data.assignments {
        let Some(row) = rows.get(&a.track_id) else {
            continue;
        };
        let cluster = a
            .cluster_id
            .and_then(|c| position.get(&c).copied())
            .unwrap_or(noise_index);
        tracks.push(ReportTrack {
            id: row.id,
            title: row
                .tags
                .title
                .clone()
                .unwrap_or_else(|| file_stem(&row.path)),
            artist: row.tags.artist.clone(),
            album: row.tags.album.clone(),
            genre: row.tags.genre.clone(),
            duration_s: row.duration_s.filter(|d| d.is_finite() && *d >= 0.0),
            src: audio_src(&row.path, links),
            cluster,
            x: 0.5,
            y: 0.5,
        });
        distances.push(a.distance.filter(|d| d.is_finite()));
        stored_xy.push(match (a.x, a.y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Some([x, y]),
            _ => None,
        });
    }

    // Features: for the heatmap, the cards' top dims and a recomputed projection.
    let features = store.features_table(&data.analysis_version)?;
    if features.is_none() {
        notes.push(format!(
            "no features of analysis version {} are stored: no heatmap",
            data.analysis_version
        ));
    }
    let rows_of_tracks: Vec<Option<usize>> = match &features {
        Some(f) => {
            let by_id: HashMap<TrackId, usize> = f
                .tracks
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id, i))
                .collect();
            tracks.iter().map(|t| by_id.get(&t.id).copied()).collect()
        }
        None => vec![None; tracks.len()],
    };

    let (xy, map) = positions(
        opts.projection,
        &stored_xy,
        features.as_ref(),
        &rows_of_tracks,
        model.as_ref(),
        &tracks,
        clusters.len(),
        &mut notes,
    );
    for (t, p) in tracks.iter_mut().zip(normalize(&xy)) {
        t.x = p[0];
        t.y = p[1];
    }

    // Sizes, durations and playing order.
    for (i, t) in tracks.iter().enumerate() {
        let c = &mut clusters[t.cluster];
        c.size += 1;
        c.duration_s += t.duration_s.unwrap_or(0.0);
        c.tracks.push(i);
    }
    for c in &mut clusters {
        c.tracks.sort_by(|&a, &b| {
            let (da, db) = (distances[a], distances[b]);
            match (da, db) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| sort_key(&tracks[a]).cmp(&sort_key(&tracks[b])))
        });
    }

    // z-scores of every cluster on every dim, the heatmap and the cards' top dims.
    let heatmap = features.as_ref().and_then(|f| {
        let z = cluster_z_scores(f, &rows_of_tracks, &tracks, &clusters, model.as_ref())?;
        for (ci, c) in clusters.iter_mut().enumerate() {
            if c.noise {
                continue;
            }
            c.top = top_features(&z, ci, model.as_ref(), c.id, TOP_PER_CARD);
        }
        Some(heatmap_of(&z, &clusters, opts.heatmap_dims.max(1)))
    });
    if heatmap.is_none() && features.is_some() {
        notes.push("no dim varies across the tracks: no heatmap".to_string());
    }
    // Without features, the model's own description still names the top dims.
    if let Some(m) = model.as_ref().filter(|_| heatmap.is_none()) {
        for c in clusters.iter_mut().filter(|c| !c.noise) {
            c.top = model_top(m, c.id, TOP_PER_CARD).unwrap_or_default();
        }
    }

    for f in &mut families {
        f.size = f.clusters.iter().map(|&c| clusters[c].size).sum();
        f.duration_s = f.clusters.iter().map(|&c| clusters[c].duration_s).sum();
    }
    explain_names(
        features.as_ref(),
        &rows_of_tracks,
        &tracks,
        &mut clusters,
        &mut families,
        model.as_ref(),
    );
    let (genres, family_genres) = genre_table(
        &tracks,
        &mut clusters,
        &mut families,
        opts.top_genres.max(1),
    );
    let artists = artist_neighbours(features.as_ref(), model.as_ref(), &mut notes);
    let noise = if needs_noise {
        clusters[noise_index].size
    } else {
        0
    };
    let total_duration_s = clusters.iter().map(|c| c.duration_s).sum();

    Ok(ReportData {
        title: opts
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "sonority report".to_string()),
        generated_at,
        run: run_info(saved, tracks.len(), noise, total_duration_s),
        map,
        clusters,
        families,
        tracks,
        heatmap,
        sweep,
        quality,
        genres,
        family_genres,
        artists,
        notes,
    })
}

/// Family cards from the clustering's families (none for clusterings saved without them):
/// each playlist is tied to its family, named by its own words and coloured in a shade of its
/// family's colour. Families without a playlist are left out.
fn build_families(
    data: &ClusteringData,
    clusters: &mut [ReportCluster],
    position: &HashMap<i64, usize>,
) -> Vec<ReportFamily> {
    let mut rows: Vec<&FamilyRow> = data.families.iter().collect();
    rows.sort_by_key(|f| f.family_id);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let index: HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, f)| (f.family_id, i))
        .collect();
    for c in &data.clusters {
        if let (Some(f), Some(&ci)) = (
            c.family_id.and_then(|f| index.get(&f).copied()),
            position.get(&c.cluster_id),
        ) {
            members[f].push(ci);
        }
    }
    let mut families: Vec<ReportFamily> = Vec::new();
    for (row, mut cards) in rows.into_iter().zip(members) {
        if cards.is_empty() {
            continue;
        }
        cards.sort_unstable();
        let fi = families.len();
        let name = row
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("family {}", row.family_id));
        let color = cluster_color(fi);
        for (j, &ci) in cards.iter().enumerate() {
            let c = &mut clusters[ci];
            c.family = Some(fi);
            c.color = shade(&color, j, cards.len());
            c.own_name = own_name(&c.name, &name);
        }
        families.push(ReportFamily {
            id: row.family_id,
            name,
            color,
            size: 0,
            duration_s: 0.0,
            clusters: cards,
            words: Vec::new(),
            genres: Vec::new(),
        });
    }
    // Playlists without a family take colours after the families'.
    let mut next = families.len();
    for c in clusters.iter_mut() {
        if !families.is_empty() && c.family.is_none() && !c.noise {
            c.color = cluster_color(next);
            next += 1;
        }
    }
    families
}

/// A playlist's own words: its name after "`family` / ", or after the last separator when
/// the family was renamed since; `None` when it is named as its family.
fn own_name(name: &str, family: &str) -> Option<String> {
    let sep = sonority_cluster::FAMILY_SEPARATOR;
    let own = match name.strip_prefix(family).and_then(|r| r.strip_prefix(sep)) {
        Some(own) => own,
        None => name.rsplit_once(sep)?.1,
    };
    let own = own.trim();
    (!own.is_empty()).then(|| own.to_string())
}

/// The `j`-th of `n` shades of `hex`: the same hue, lightness spread from dark to light.
pub(super) fn shade(hex: &str, j: usize, n: usize) -> String {
    if n <= 1 {
        return hex.to_string();
    }
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .map_or(0.5, |v| f64::from(v) / 255.0)
    };
    let (r, g, b) = (channel(1), channel(3), channel(5));
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let d = max - min;
    let s = if d == 0.0 {
        0.0
    } else {
        d / (1.0 - (2.0 * l - 1.0).abs())
    };
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let t = j as f64 / (n - 1) as f64;
    let (r, g, b) = hsl_to_rgb(h, s.clamp(0.35, 0.85), 0.30 + 0.42 * t);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The max number of tracks of one artist compared in "artists that sound alike" (evenly
/// spaced through their list): the cost grows with it times the library's tracks.
const MAX_SEED_TRACKS: usize = 64;

/// Artists listed in "artists that sound alike".
const ARTISTS_LISTED: usize = 20;

/// Nearest artists listed for each.
const ARTIST_NEIGHBOURS: usize = 3;

/// "Artists that sound alike": for the artists with the most tracks (at least two), their
/// nearest artists by [`crate::similar_artists`]' measure. `None` when no track has an artist
/// tag, or (with a note) when the model or the features are missing.
fn artist_neighbours(
    features: Option<&FeatureMatrix>,
    model: Option<&Model>,
    notes: &mut Vec<String>,
) -> Option<Vec<ArtistNeighbours>> {
    let f = features?;
    let tagged = f.tracks.iter().any(|t| {
        t.tags
            .artist
            .as_deref()
            .is_some_and(|a| !a.trim().is_empty())
    });
    if !tagged {
        return None;
    }
    let Some(model) = model else {
        notes.push("no saved model: the artists that sound alike are not shown".to_string());
        return None;
    };
    let space = crate::clustering::feature_table(f)
        .and_then(|table| ArtistSpace::new(model, &table, &f.tracks));
    let space = match space {
        Ok(s) => s,
        Err(e) => {
            notes.push(format!(
                "cannot compare artists ({e}): the artists that sound alike are not shown"
            ));
            return None;
        }
    };
    let mut out = Vec::new();
    for (artist, n) in space
        .by_tracks()
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .take(ARTISTS_LISTED)
    {
        match space.similar(&artist, ARTIST_NEIGHBOURS, Some(MAX_SEED_TRACKS)) {
            Ok((_, similar)) => out.push(ArtistNeighbours {
                artist,
                tracks: n,
                similar: similar
                    .into_iter()
                    .filter(|s| s.distance.is_finite())
                    .map(|s| SimilarArtist {
                        artist: s.artist,
                        tracks: s.tracks,
                        distance: (s.distance * 1e4).round() / 1e4,
                    })
                    .collect(),
            }),
            Err(e) => notes.push(format!("cannot compare the artist {artist:?} ({e})")),
        }
    }
    Some(out)
}

/// A column the names' words are measured on.
enum Column {
    /// A column of the stored features.
    Stored(usize),
    /// [`DURATION_DIM`], from the track's duration.
    DurationLog,
}

/// Means and variances of the columns over some feature rows.
struct Moments {
    mean: Vec<f64>,
    var: Vec<f64>,
    n: usize,
}

fn moments(f: &FeatureMatrix, columns: &[(String, Column)], rows: &[usize]) -> Moments {
    let value = |r: usize, c: &Column| match c {
        Column::Stored(j) => f.values[r].get(*j).copied().unwrap_or(0.0),
        Column::DurationLog => duration_log(f.tracks[r].duration_s),
    };
    let n = rows.len();
    let mut mean = vec![0.0; columns.len()];
    let mut var = vec![0.0; columns.len()];
    if n > 0 {
        for (k, (_, c)) in columns.iter().enumerate() {
            let m = rows.iter().map(|&r| value(r, c)).sum::<f64>() / n as f64;
            mean[k] = m;
            var[k] = rows.iter().map(|&r| (value(r, c) - m).powi(2)).sum::<f64>() / n as f64;
        }
    }
    Moments { mean, var, n }
}

/// How far `group` stands from `reference` on every column with spread, strongest first.
fn stats_against(
    columns: &[(String, Column)],
    group: &Moments,
    reference: &Moments,
) -> Vec<DimStat> {
    if group.n == 0 {
        return Vec::new();
    }
    let mut stats: Vec<DimStat> = columns
        .iter()
        .enumerate()
        .filter(|&(k, _)| reference.var[k] > 0.0 && reference.var[k].is_finite())
        .map(|(k, (name, _))| DimStat {
            dim: name.clone(),
            z: (group.mean[k] - reference.mean[k]) / reference.var[k].sqrt(),
            mean: group.mean[k],
            reference: reference.mean[k],
        })
        .filter(|s| s.z.is_finite())
        .collect();
    words::sort_stats(&mut stats);
    stats
}

/// Fills the family cards' and playlist cards' word explanations: a family's name against the
/// library, a playlist's own words against its family (a playlist without a family: its name
/// against the library). Measured on the stored features of the tracks shown, on the dims the
/// model clustered on; without features, a family's words come from the model's description.
fn explain_names(
    features: Option<&FeatureMatrix>,
    rows_of_tracks: &[Option<usize>],
    tracks: &[ReportTrack],
    clusters: &mut [ReportCluster],
    families: &mut [ReportFamily],
    model: Option<&Model>,
) {
    let model_stats = |family: &ReportFamily| -> Vec<DimStat> {
        let Some(m) = model else {
            return Vec::new();
        };
        usize::try_from(family.id)
            .ok()
            .and_then(|id| m.clustering.family(id))
            .map(|f| {
                f.top
                    .iter()
                    .map(|s| DimStat {
                        dim: s.dim.clone(),
                        z: s.z,
                        mean: s.cluster_mean,
                        reference: s.overall_mean,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let Some(f) = features else {
        for fam in families.iter_mut() {
            fam.words = words::explain(&words::name_words(&fam.name), &model_stats(fam), "library");
        }
        return;
    };
    let by_name: HashMap<&str, usize> = f
        .layout
        .dims
        .iter()
        .enumerate()
        .map(|(j, d)| (d.name.as_str(), j))
        .collect();
    let mut columns: Vec<(String, Column)> = match model {
        Some(m) => m
            .dims()
            .iter()
            .filter_map(|d| {
                if let Some(&j) = by_name.get(d.name.as_str()) {
                    Some((d.name.clone(), Column::Stored(j)))
                } else if d.name == DURATION_DIM {
                    Some((d.name.clone(), Column::DurationLog))
                } else {
                    None
                }
            })
            .collect(),
        None => Vec::new(),
    };
    if columns.is_empty() {
        columns = f
            .layout
            .dims
            .iter()
            .enumerate()
            .map(|(j, d)| (d.name.clone(), Column::Stored(j)))
            .collect();
    }
    let mut rows_of_card: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
    for (t, r) in tracks.iter().zip(rows_of_tracks) {
        if let (Some(r), Some(rows)) = (r, rows_of_card.get_mut(t.cluster)) {
            rows.push(*r);
        }
    }
    let all: Vec<usize> = rows_of_card.iter().flatten().copied().collect();
    let library = moments(f, &columns, &all);
    for fam in families.iter_mut() {
        let rows: Vec<usize> = fam
            .clusters
            .iter()
            .flat_map(|&c| rows_of_card[c].iter().copied())
            .collect();
        let family = moments(f, &columns, &rows);
        let measured = stats_against(&columns, &family, &library);
        let fallback = model_stats(fam);
        fam.words = words::name_words(&fam.name)
            .into_iter()
            .filter_map(|w| {
                let one = std::slice::from_ref(&w);
                words::explain(one, &measured, "library")
                    .pop()
                    .or_else(|| words::explain(one, &fallback, "library").pop())
            })
            .collect();
        for &c in &fam.clusters {
            let card = moments(f, &columns, &rows_of_card[c]);
            clusters[c].words = match clusters[c].own_name.clone() {
                Some(own) => {
                    let stats = stats_against(&columns, &card, &family);
                    words::explain(&words::name_words(&own), &stats, "family")
                }
                // Named apart from its family (families grouped after the fact): its name
                // against the library, as it was made.
                None if clusters[c].name != fam.name => {
                    let stats = stats_against(&columns, &card, &library);
                    words::explain(&words::name_words(&clusters[c].name), &stats, "library")
                }
                None => Vec::new(),
            };
        }
    }
    for (c, card) in clusters.iter_mut().enumerate() {
        if card.noise || card.family.is_some() {
            continue;
        }
        let m = moments(f, &columns, &rows_of_card[c]);
        let stats = stats_against(&columns, &m, &library);
        card.words = words::explain(&words::name_words(&card.name), &stats, "library");
    }
}

/// The map method of positions saved with the clustering.
const STORED: &str = "positions saved with the clustering";

/// Dims listed on each card.
const TOP_PER_CARD: usize = 6;

/// The noise pseudo-cluster's colour.
pub(super) const NOISE_COLOR: &str = "#9aa0a6";

/// Twelve colours that stay distinct for most eyes (Tableau 10 and two more); further
/// clusters take hues spaced by the golden angle.
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#2f4b7c", "#bcbd22", "#17becf",
];

/// The colour of the `i`-th cluster.
pub(super) fn cluster_color(i: usize) -> String {
    if let Some(c) = PALETTE.get(i) {
        return (*c).to_string();
    }
    let hue = (i as f64 * 137.507_764) % 360.0;
    let (r, g, b) = hsl_to_rgb(hue, 0.55, 0.5);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (to(r), to(g), to(b))
}

fn run_info(saved: &SavedClustering, tracks: usize, noise: usize, total: f64) -> RunInfo {
    let d: &ClusteringData = &saved.data;
    RunInfo {
        clustering_id: saved.id,
        created_at: saved.created_at,
        algorithm: d.algorithm.clone(),
        analysis_version: d.analysis_version.clone(),
        k: d.k,
        selection: d.selection.clone(),
        params: d.params.clone(),
        tracks,
        noise,
        total_duration_s: total,
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned())
}

fn sort_key(t: &ReportTrack) -> (String, String) {
    (
        t.artist.clone().unwrap_or_default().to_lowercase(),
        t.title.to_lowercase(),
    )
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// The saved model, if the value is one this build reads.
fn parse_model(value: &Value, notes: &mut Vec<String>) -> Option<Model> {
    if value.is_null() {
        return None;
    }
    let version = value.get("format_version").and_then(Value::as_u64);
    if version != Some(u64::from(MODEL_FORMAT_VERSION)) {
        notes.push(format!(
            "the saved model has format version {}, this build reads {MODEL_FORMAT_VERSION}: \
             cluster words come from the features only",
            version.map_or_else(|| "none".to_string(), |v| v.to_string())
        ));
        return None;
    }
    match Model::deserialize(value) {
        Ok(m) => Some(m.with_words(DIM_WORDS)),
        Err(e) => {
            notes.push(format!("the saved model does not parse ({e})"));
            None
        }
    }
}

/// The quality figures: with [`Quality`] when they parse as one, else leniently (a figure
/// that is not finite is saved as null, which [`Quality`] refuses).
fn parse_quality(value: &Value, notes: &mut Vec<String>) -> Option<QualityInfo> {
    if value.is_null() {
        return None;
    }
    if let Ok(q) = Quality::deserialize(value) {
        return Some(QualityInfo {
            inertia: finite(Some(q.inertia)),
            silhouette: finite(q.silhouette),
            silhouette_rows: Some(q.silhouette_rows).filter(|&n| n > 0),
            calinski_harabasz: finite(q.calinski_harabasz),
            davies_bouldin: finite(q.davies_bouldin),
            bic: finite(q.bic),
            noise: Some(q.noise),
        });
    }
    match QualityInfo::deserialize(value) {
        Ok(q) => Some(q),
        Err(e) => {
            notes.push(format!("the quality figures do not parse ({e})"));
            None
        }
    }
}

/// The sweep: with [`KSweep`] when it parses as one, else leniently (a silhouette that was
/// NaN is saved as null, which [`KSweep`] refuses).
fn parse_sweep(value: &Value, notes: &mut Vec<String>) -> Option<SweepInfo> {
    if value.is_null() {
        return None;
    }
    let info = match KSweep::deserialize(value) {
        Ok(s) => SweepInfo {
            points: s
                .points
                .iter()
                .map(|p| SweepPoint {
                    k: p.k,
                    inertia: finite(Some(p.inertia)),
                    silhouette: finite(Some(p.silhouette)),
                    calinski_harabasz: finite(Some(p.calinski_harabasz)),
                    davies_bouldin: finite(Some(p.davies_bouldin)),
                    bic: finite(p.bic),
                })
                .collect(),
            chosen_k: Some(s.chosen_k),
            elbow_k: s.elbow_k,
            rule: serde_json::to_value(s.rule)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string)),
        },
        Err(strict) => {
            #[derive(Deserialize)]
            struct Lenient {
                points: Vec<SweepPoint>,
                #[serde(default)]
                elbow_k: Option<usize>,
                #[serde(default)]
                chosen_k: Option<usize>,
                #[serde(default)]
                rule: Option<String>,
            }
            match Lenient::deserialize(value) {
                Ok(s) => SweepInfo {
                    points: s
                        .points
                        .into_iter()
                        .map(|p| SweepPoint {
                            inertia: finite(p.inertia),
                            silhouette: finite(p.silhouette),
                            calinski_harabasz: finite(p.calinski_harabasz),
                            davies_bouldin: finite(p.davies_bouldin),
                            bic: finite(p.bic),
                            ..p
                        })
                        .collect(),
                    chosen_k: s.chosen_k,
                    elbow_k: s.elbow_k,
                    rule: s.rule,
                },
                Err(_) => {
                    notes.push(format!("the k sweep does not parse ({strict}): not shown"));
                    return None;
                }
            }
        }
    };
    if info.points.is_empty() {
        return None;
    }
    Some(info)
}

/// Map positions of every track, and how they were made.
#[allow(clippy::too_many_arguments)]
fn positions(
    projection: MapProjection,
    stored: &[Option<[f64; 2]>],
    features: Option<&FeatureMatrix>,
    rows: &[Option<usize>],
    model: Option<&Model>,
    tracks: &[ReportTrack],
    n_clusters: usize,
    notes: &mut Vec<String>,
) -> (Vec<[f64; 2]>, MapInfo) {
    let all_stored = stored.iter().all(Option::is_some);
    if projection == MapProjection::Stored && all_stored {
        let xy = stored.iter().map(|p| p.unwrap_or([0.0, 0.0])).collect();
        return (
            xy,
            MapInfo {
                method: STORED.to_string(),
                x_label: "component 1".to_string(),
                y_label: "component 2".to_string(),
            },
        );
    }
    if projection == MapProjection::Stored {
        notes.push(format!(
            "{} tracks have no saved map position: the map is a fresh PCA",
            stored.iter().filter(|p| p.is_none()).count()
        ));
    }
    let fallback = |notes: &mut Vec<String>, why: String| {
        notes.push(why);
        let xy = stored.iter().map(|p| p.unwrap_or([0.0, 0.0])).collect();
        (
            xy,
            MapInfo {
                method: STORED.to_string(),
                x_label: "component 1".to_string(),
                y_label: "component 2".to_string(),
            },
        )
    };
    let Some(features) = features else {
        return fallback(
            notes,
            "no features to project: the map uses saved positions".into(),
        );
    };
    let present: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| (i, r)))
        .collect();
    let x = match scaled_rows(features, &present, model) {
        Ok(x) => x,
        Err(e) => return fallback(notes, format!("cannot project the features ({e})")),
    };
    let mut method = "PCA";
    let mut tsne = None;
    if projection == MapProjection::Tsne {
        // A small library gets a smaller perplexity (t-SNE needs more than 3·perplexity + 1
        // rows); below 2 there is nothing worth embedding.
        let defaults = TsneParams::default();
        let params = TsneParams {
            perplexity: defaults
                .perplexity
                .min(present.len().saturating_sub(1) as f64 / 3.0 * 0.9),
            ..defaults
        };
        if params.perplexity < 2.0 {
            notes.push(format!(
                "t-SNE needs more tracks than {}: the map is a PCA",
                present.len()
            ));
        } else if present.len() > params.max_rows {
            notes.push(format!(
                "t-SNE is limited to {} tracks ({} here): the map is a PCA",
                params.max_rows,
                present.len()
            ));
        } else {
            match params.fit(x.view()) {
                Ok(p) => {
                    tsne = Some(p);
                    method = "t-SNE";
                }
                Err(e) => notes.push(format!("t-SNE failed ({e}): the map is a PCA")),
            }
        }
    }
    let projected = match tsne {
        Some(p) => p,
        None => match pca_2d(x.view()) {
            Ok(p) => p,
            Err(e) => return fallback(notes, format!("PCA failed ({e})")),
        },
    };
    let mut xy = vec![None; tracks.len()];
    for (row, &(i, _)) in present.iter().enumerate() {
        xy[i] = Some([projected.coords[[row, 0]], projected.coords[[row, 1]]]);
    }
    // Tracks without features sit at their cluster's mean position.
    let mut sums = vec![([0.0f64; 2], 0usize); n_clusters];
    for (t, p) in tracks.iter().zip(&xy) {
        if let (Some(p), Some(s)) = (p, sums.get_mut(t.cluster)) {
            s.0[0] += p[0];
            s.0[1] += p[1];
            s.1 += 1;
        }
    }
    let xy = tracks
        .iter()
        .zip(&xy)
        .map(|(t, p)| {
            p.unwrap_or_else(|| match sums.get(t.cluster) {
                Some(&(s, n)) if n > 0 => [s[0] / n as f64, s[1] / n as f64],
                _ => [0.0, 0.0],
            })
        })
        .collect();
    let (x_label, y_label) = match (method, projected.explained_variance_ratio) {
        ("PCA", Some([a, b])) => (
            format!("PC 1 ({:.0} % of variance)", a * 100.0),
            format!("PC 2 ({:.0} % of variance)", b * 100.0),
        ),
        _ => (format!("{method} 1"), format!("{method} 2")),
    };
    (
        xy,
        MapInfo {
            method: method.to_string(),
            x_label,
            y_label,
        },
    )
}

/// The rows `present` (pairs of track index and feature row) scaled as the model scales them,
/// or z-scored on every dim when there is no model.
fn scaled_rows(
    features: &FeatureMatrix,
    present: &[(usize, usize)],
    model: Option<&Model>,
) -> std::result::Result<ndarray::Array2<f64>, String> {
    // The table the clustering saw (with the duration dim), in the order of `present`.
    let rows: Vec<usize> = present.iter().map(|&(_, r)| r).collect();
    let table = crate::clustering::feature_table(features)
        .and_then(|t| Ok(t.select_rows(&rows)?))
        .map_err(|e| e.to_string())?;
    if let Some(m) = model {
        if let Ok(x) = m.scaler.transform(&table) {
            return Ok(x);
        }
    }
    let mut x = table.data().to_owned();
    for mut col in x.columns_mut() {
        let n = col.len().max(1) as f64;
        let mean = col.sum() / n;
        let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        col.mapv_inplace(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 });
    }
    Ok(x)
}

/// Each axis scaled to [0, 1] (a constant axis sits at 0.5), rounded to 5 decimals.
fn normalize(xy: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out = vec![[0.5, 0.5]; xy.len()];
    for axis in 0..2 {
        let (lo, hi) = xy
            .iter()
            .map(|p| p[axis])
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if hi > lo {
            for (o, p) in out.iter_mut().zip(xy) {
                if p[axis].is_finite() {
                    o[axis] = ((p[axis] - lo) / (hi - lo) * 1e5).round() / 1e5;
                }
            }
        }
    }
    out
}

/// z-scores of the clusters on the dims they were clustered on.
struct ZScores {
    names: Vec<String>,
    groups: Vec<String>,
    /// `z[card][dim]`; empty for cards with no member with features.
    z: Vec<Vec<f64>>,
}

fn cluster_z_scores(
    f: &FeatureMatrix,
    rows: &[Option<usize>],
    tracks: &[ReportTrack],
    clusters: &[ReportCluster],
    model: Option<&Model>,
) -> Option<ZScores> {
    let layout = &f.layout.dims;
    let by_name: HashMap<&str, usize> = layout
        .iter()
        .enumerate()
        .map(|(j, d)| (d.name.as_str(), j))
        .collect();
    let mut dims: Vec<usize> = match model {
        Some(m) => m
            .dims()
            .iter()
            .filter_map(|d| by_name.get(d.name.as_str()).copied())
            .collect(),
        None => Vec::new(),
    };
    if dims.is_empty() {
        dims = (0..layout.len()).collect();
    }
    let members: Vec<(usize, usize)> = tracks
        .iter()
        .zip(rows)
        .filter_map(|(t, r)| r.map(|r| (t.cluster, r)))
        .collect();
    let n = members.len();
    if n < 2 {
        return None;
    }
    let mut names = Vec::new();
    let mut groups = Vec::new();
    let mut z = vec![Vec::new(); clusters.len()];
    let mut counts = vec![0usize; clusters.len()];
    for &(c, _) in &members {
        counts[c] += 1;
    }
    for &j in &dims {
        let vals = members.iter().map(|&(_, r)| f.values[r][j]);
        let mean = vals.clone().sum::<f64>() / n as f64;
        let var = vals.map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        let sd = var.sqrt();
        if !(sd.is_finite() && sd > 1e-12 * mean.abs().max(1e-300)) {
            continue;
        }
        let mut sums = vec![0.0f64; clusters.len()];
        for &(c, r) in &members {
            sums[c] += f.values[r][j];
        }
        for (c, zc) in z.iter_mut().enumerate() {
            if counts[c] > 0 {
                zc.push((sums[c] / counts[c] as f64 - mean) / sd);
            }
        }
        names.push(layout[j].name.clone());
        groups.push(layout[j].group.clone());
    }
    if names.is_empty() {
        return None;
    }
    Some(ZScores { names, groups, z })
}

/// The card's top dims: the model's description when it has one for this cluster, else the
/// largest |z|.
fn top_features(
    z: &ZScores,
    card: usize,
    model: Option<&Model>,
    id: i64,
    n: usize,
) -> Vec<TopFeature> {
    if let Some(top) = model.and_then(|m| model_top(m, id, n)) {
        if !top.is_empty() {
            return top;
        }
    }
    let Some(row) = z.z.get(card).filter(|r| !r.is_empty()) else {
        return Vec::new();
    };
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].abs().total_cmp(&row[a].abs()));
    order
        .into_iter()
        .take(n)
        .map(|j| TopFeature {
            dim: z.names[j].clone(),
            group: z.groups[j].clone(),
            z: row[j],
            word: word_for(DIM_WORDS, &z.names[j], row[j]).map(str::to_string),
        })
        .collect()
}

fn model_top(m: &Model, id: i64, n: usize) -> Option<Vec<TopFeature>> {
    let id = usize::try_from(id).ok()?;
    let c = m.clustering.cluster(id)?;
    Some(
        c.top
            .iter()
            .filter(|s| s.z.is_finite())
            .take(n)
            .map(|s| TopFeature {
                dim: s.dim.clone(),
                group: s.group.clone(),
                z: s.z,
                word: s.word.clone(),
            })
            .collect(),
    )
}

/// The heatmap: each cluster's strongest dims (by |z|), in turn, until `max_dims` columns.
fn heatmap_of(z: &ZScores, clusters: &[ReportCluster], max_dims: usize) -> Heatmap {
    let rows: Vec<usize> = (0..clusters.len())
        .filter(|&c| !clusters[c].noise && !z.z[c].is_empty())
        .collect();
    let ranked: Vec<Vec<usize>> = rows
        .iter()
        .map(|&c| {
            let r = &z.z[c];
            let mut order: Vec<usize> = (0..r.len()).collect();
            order.sort_by(|&a, &b| r[b].abs().total_cmp(&r[a].abs()));
            order
        })
        .collect();
    let max_dims = max_dims.min(z.names.len());
    let mut columns: Vec<usize> = Vec::new();
    let mut depth = 0;
    while columns.len() < max_dims && depth < z.names.len() {
        for order in &ranked {
            if columns.len() >= max_dims {
                break;
            }
            if let Some(&j) = order.get(depth) {
                if !columns.contains(&j) {
                    columns.push(j);
                }
            }
        }
        depth += 1;
        if ranked.is_empty() {
            break;
        }
    }
    Heatmap {
        dims: columns.iter().map(|&j| z.names[j].clone()).collect(),
        groups: columns.iter().map(|&j| z.groups[j].clone()).collect(),
        z: rows
            .iter()
            .map(|&c| {
                columns
                    .iter()
                    .map(|&j| (z.z[c][j] * 1e4).round() / 1e4)
                    .collect()
            })
            .collect(),
        rows,
    }
}

/// The most frequent genres of some counts, most frequent first.
fn top_genres(
    counts: &HashMap<String, usize>,
    name: &dyn Fn(&str) -> String,
    n: usize,
) -> Vec<GenreCount> {
    let mut v: Vec<(&String, &usize)> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(n)
        .map(|(k, &count)| GenreCount {
            genre: name(k),
            count,
        })
        .collect()
}

/// Counts genres per card and per family, fills their genre mix and returns the cluster ×
/// genre table and the family × genre table (`None` when no track has a genre; the family
/// table is also `None` without families).
fn genre_table(
    tracks: &[ReportTrack],
    clusters: &mut [ReportCluster],
    families: &mut [ReportFamily],
    top: usize,
) -> (Option<GenreTable>, Option<FamilyGenreTable>) {
    // Genres merge case-insensitively and keep their first spelling.
    let mut spelling: HashMap<String, String> = HashMap::new();
    let mut total: HashMap<String, usize> = HashMap::new();
    let mut per: Vec<HashMap<String, usize>> = vec![HashMap::new(); clusters.len()];
    let mut untagged = vec![0usize; clusters.len()];
    for t in tracks {
        // One genre per track, by the rule `evaluate` uses too.
        match t.genre.as_deref().and_then(primary_genre) {
            Some(g) => {
                let key = genre_key(g);
                spelling.entry(key.clone()).or_insert_with(|| g.to_string());
                *total.entry(key.clone()).or_default() += 1;
                *per[t.cluster].entry(key).or_default() += 1;
            }
            None => untagged[t.cluster] += 1,
        }
    }
    if total.is_empty() {
        return (None, None);
    }
    let name = |k: &str| spelling.get(k).cloned().unwrap_or_else(|| k.to_string());
    for (c, counts) in clusters.iter_mut().zip(&per) {
        c.genres = top_genres(counts, &name, 8);
    }
    let mut ranked: Vec<(&String, &usize)> = total.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let keys: Vec<&String> = ranked.iter().take(top).map(|(k, _)| *k).collect();
    let row = |counts: &HashMap<String, usize>| -> (Vec<usize>, usize) {
        let shown: Vec<usize> = keys
            .iter()
            .map(|k| counts.get(*k).copied().unwrap_or(0))
            .collect();
        let all: usize = counts.values().sum();
        let other = all - shown.iter().sum::<usize>();
        (shown, other)
    };
    let rows = per
        .iter()
        .enumerate()
        .map(|(c, counts)| {
            let (counts, other) = row(counts);
            GenreRow {
                cluster: c,
                counts,
                other,
                untagged: untagged[c],
            }
        })
        .collect();
    let genres: Vec<String> = keys.iter().map(|k| name(k)).collect();
    let family_table = (!families.is_empty()).then(|| {
        let rows = families
            .iter_mut()
            .enumerate()
            .map(|(fi, fam)| {
                let mut counts: HashMap<String, usize> = HashMap::new();
                let mut none = 0;
                for &c in &fam.clusters {
                    for (k, n) in &per[c] {
                        *counts.entry(k.clone()).or_default() += n;
                    }
                    none += untagged[c];
                }
                fam.genres = top_genres(&counts, &name, 8);
                let (shown, other) = row(&counts);
                FamilyGenreRow {
                    family: fi,
                    counts: shown,
                    other,
                    untagged: none,
                }
            })
            .collect();
        FamilyGenreTable {
            genres: genres.clone(),
            rows,
        }
    });
    (Some(GenreTable { genres, rows }), family_table)
}

/// The URL of an audio file for the page: relative to the report's folder when there is a
/// relative path, else a `file://` URL. Every byte outside the URL-safe set is
/// percent-encoded, so `#`, `?`, `%` and spaces in names survive.
pub(super) fn audio_src(path: &Path, links: &AudioLinks) -> String {
    if let AudioLinks::RelativeTo(dir) = links {
        if let Some(rel) = relative_path(dir, path) {
            return url_path(&rel);
        }
    }
    file_url(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        let links = AudioLinks::RelativeTo(PathBuf::from("/m/reports"));
        assert_eq!(
            audio_src(Path::new("/m/music/a b/#1?.ogg"), &links),
            "../music/a%20b/%231%3F.ogg"
        );
        assert_eq!(audio_src(Path::new("/m/reports/x.wav"), &links), "x.wav");
        assert_eq!(
            audio_src(Path::new("/m/music/é.ogg"), &AudioLinks::Absolute),
            "file:///m/music/%C3%A9.ogg"
        );
    }

    #[test]
    fn colours_are_distinct_beyond_the_palette() {
        let colours: Vec<String> = (0..40).map(cluster_color).collect();
        let mut unique = colours.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), colours.len());
        assert!(colours.iter().all(|c| c.len() == 7 && c.starts_with('#')));
    }

    #[test]
    fn lenient_sweep_reads_null_silhouettes() {
        let v = serde_json::json!({
            "points": [{"k": 2, "inertia": 10.0, "silhouette": null, "calinski_harabasz": 1.0,
                        "davies_bouldin": 1.0, "bic": null}],
            "elbow_k": null, "chosen_k": 2, "rule": "silhouette"
        });
        let mut notes = Vec::new();
        let s = parse_sweep(&v, &mut notes).expect("sweep");
        assert_eq!(s.points[0].silhouette, None);
        assert_eq!(s.chosen_k, Some(2));
        assert!(parse_sweep(&serde_json::json!({"x": 1}), &mut notes).is_none());
        assert_eq!(notes.len(), 1);
        assert!(parse_sweep(&Value::Null, &mut notes).is_none());
    }

    /// Times the gathering of a 20,000-track report from a store (no model, all dims):
    /// `cargo test -p sonority-library --lib collect_20k -- --ignored --nocapture`.
    #[test]
    #[ignore = "a benchmark: fills a 20,000-track store"]
    fn collect_20k() {
        use crate::scan::ScannedFile;
        use crate::store::{AnalysisRecord, ClusterRow, RecordOutcome, TrackAssignment};
        use crate::tags::Tags;
        use sonority_features::{FeatureConfig, FeatureLayout, SourceInfo};

        let n = 20_000;
        let config = FeatureConfig::default();
        let version = config.analysis_version();
        let layout = FeatureLayout::for_config(&config);
        let mut store = Store::open_in_memory().expect("store");
        let layout_id = store.layout_id(&version, &layout).expect("layout");
        let mut seed = 1u64;
        let mut rand = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let t0 = std::time::Instant::now();
        for chunk in 0..n / 1000 {
            let records: Vec<AnalysisRecord> = (0..1000)
                .map(|i| {
                    let i = chunk * 1000 + i;
                    AnalysisRecord {
                        file: ScannedFile {
                            path: PathBuf::from(format!(
                                "/music/artist {}/track {i}.flac",
                                i % 300
                            )),
                            size: 1,
                            mtime_ns: 1,
                        },
                        tags: Tags {
                            artist: Some(format!("artist {}", i % 300)),
                            title: Some(format!("track {i}")),
                            genre: Some(["Rock", "Jazz", "Ambient"][i % 3].to_string()),
                            ..Tags::default()
                        },
                        warnings: Vec::new(),
                        outcome: RecordOutcome::Analysed {
                            source: SourceInfo {
                                sample_rate: 44_100,
                                channels: 2,
                                codec: "flac".into(),
                                decoder: sonority_features::Decoder::Native,
                                n_frames: 1,
                                duration_s: 200.0,
                            },
                            values: (0..layout.len())
                                .map(|j| rand() + (i % 12 * j % 7) as f64)
                                .collect(),
                        },
                    }
                })
                .collect();
            store
                .write_batch(&version, layout_id, &records)
                .expect("write");
        }
        let k = 12;
        let tracks = store.tracks().expect("tracks");
        let data = ClusteringData {
            algorithm: "kmeans".into(),
            analysis_version: version.clone(),
            selection: Value::Null,
            params: Value::Null,
            k,
            quality: Value::Null,
            sweep: Value::Null,
            model: Value::Null,
            families: Vec::new(),
            clusters: (0..k)
                .map(|c| ClusterRow {
                    cluster_id: c as i64,
                    name: None,
                    size: 0,
                    centroid: vec![0.0],
                    x: None,
                    y: None,
                    family_id: None,
                })
                .collect(),
            assignments: tracks
                .iter()
                .enumerate()
                .map(|(i, t)| TrackAssignment {
                    track_id: t.id,
                    cluster_id: Some((i % k) as i64),
                    distance: Some(rand()),
                    confidence: None,
                    x: Some(rand()),
                    y: Some(rand()),
                })
                .collect(),
        };
        store.save_clustering(&data).expect("save");
        println!("filled the store in {:?}", t0.elapsed());
        let t0 = std::time::Instant::now();
        let report = collect(
            &store,
            &AudioLinks::RelativeTo(PathBuf::from("/reports")),
            &ReportOptions::default(),
            0,
        )
        .expect("collect");
        let collected = t0.elapsed();
        let html = super::super::render_html(&report).expect("render");
        println!(
            "20,000 tracks, {} dims: collected in {collected:?}, rendered in {:?} ({:.1} MB)",
            layout.len(),
            t0.elapsed() - collected,
            html.len() as f64 / 1e6
        );
        assert_eq!(report.tracks.len(), n);
    }

    #[test]
    fn playlists_take_their_own_words_and_shades_of_their_family() {
        assert_eq!(
            own_name("calm · dark / bright · fast", "calm · dark").as_deref(),
            Some("bright · fast")
        );
        // A family renamed since: the words after the separator.
        assert_eq!(
            own_name("old name / bright", "new name").as_deref(),
            Some("bright")
        );
        assert_eq!(own_name("calm · dark", "calm · dark"), None);
        assert_eq!(own_name("bright · fast", "calm"), None);
        let base = cluster_color(0);
        assert_eq!(shade(&base, 0, 1), base);
        let shades: Vec<String> = (0..6).map(|j| shade(&base, j, 6)).collect();
        let mut unique = shades.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6, "{shades:?}");
        // Darkest first, lightest last, all of one hue (blue dominates in every shade).
        let channels = |hex: &str| -> Vec<u8> {
            (0..3)
                .map(|i| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0))
                .collect()
        };
        let sum = |hex: &str| channels(hex).iter().map(|&c| u32::from(c)).sum::<u32>();
        assert!(sum(&shades[0]) < sum(&shades[5]));
        for s in &shades {
            let c = channels(s);
            assert!(c[2] > c[0] && c[2] >= c[1], "{s}");
        }
    }

    #[test]
    fn normalize_fills_the_unit_square() {
        let n = normalize(&[[0.0, 5.0], [2.0, 5.0], [1.0, 5.0]]);
        assert_eq!(n, vec![[0.0, 0.5], [1.0, 0.5], [0.5, 0.5]]);
    }
}
