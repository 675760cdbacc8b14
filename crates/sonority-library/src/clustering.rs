//! Clustering what the store holds: build the feature table, choose k, fit, name, project to
//! 2-D, keep cluster ids stable across runs, and save the result.
//!
//! Two modes:
//! - **extend** (the default when a compatible clustering exists): tracks analysed since the
//!   last clustering join its clusters through the saved model (nearest centroid, most probable
//!   component, or k nearest neighbours); old tracks keep their clusters. A library that has
//!   outgrown its playlists (one would grow a quarter past its size limit) is fitted afresh.
//! - **fit** (first run, `recluster`, or when the options changed): a fresh model; when a
//!   previous model exists its clusters are matched to the new ones (Hungarian assignment on
//!   centroid distance), so ids and names stay where clusters persist.

use crate::dim_words::DIM_WORDS;
use crate::error::{LibraryError, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use sonority_cluster::{
    pca_2d, AgglomerativeParams, Algorithm, AlgorithmParams, Assignment, CovarianceType,
    DbscanParams, DescribeParams, Dim, FamilyCount, FeatureTable, Fit, GmmParams, HierarchyParams,
    KChoice, KMeansParams, KSweep, KSweepParams, Linkage, Model, ModelParams, ScalerParams,
    SweepMethod,
};
use sonority_features::{group, FeatureConfig, FeatureLayout};
use sonority_store::{
    ClusterRow, ClusteringData, ClusteringId, FamilyRow, FeatureMatrix, FitSelection, Selection,
    Store, StoredModel, TrackAssignment, TrackId,
};
use std::collections::{HashMap, HashSet};

/// Feature groups clustered by default: timbre (MFCC statistics and covariance), brightness
/// and noisiness, contrast, harmony, loudness, rhythm and duration ([`DURATION_DIM`]: on two
/// labelled libraries it moved sound effects out of music playlists). The 128 mel-band means
/// are left out (they repeat what the MFCC say, in raw power units), and so is the tuning-0
/// chroma.
pub const DEFAULT_GROUPS: &[&str] = &[
    group::TIMBRE,
    group::MFCC,
    group::SPECTRAL,
    group::CONTRAST,
    group::CHROMA,
    group::RMS,
    group::ZCR,
    group::RHYTHM,
    DURATION_GROUP,
];

/// Options of [`cluster_library`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterOptions {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The number of clusters.
    pub k: KChoice,
    /// Smallest k of the automatic sweep.
    pub k_min: usize,
    /// Largest k of the automatic sweep (capped by the number of tracks).
    pub k_max: usize,
    /// Feature groups to cluster on.
    pub groups: Vec<String>,
    /// Tracks per playlist aimed at (the hierarchical algorithm).
    pub playlist_size: usize,
    /// How many families the clusters are grouped into.
    pub families: FamilyCount,
    /// Fit a fresh model even if new tracks could join the existing clusters.
    pub recluster: bool,
    /// Seed of every random choice.
    pub seed: u64,
    /// The analysis whose features are clustered.
    pub features: FeatureConfig,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::default(),
            k: KChoice::default(),
            k_min: 2,
            k_max: 12,
            groups: DEFAULT_GROUPS.iter().map(|g| g.to_string()).collect(),
            playlist_size: HierarchyParams::default().playlist_size,
            families: FamilyCount::Auto,
            recluster: false,
            seed: 42,
            features: FeatureConfig::default(),
        }
    }
}

/// What [`cluster_library`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ClusterMode {
    /// Nothing changed since the last clustering: it is returned as it is.
    UpToDate,
    /// New tracks joined the existing clusters.
    Extended {
        /// Tracks placed.
        added: usize,
        /// Tracks gone since the last clustering.
        removed: usize,
    },
    /// A fresh model; `matched` of its clusters took over the id and name of a previous one.
    Fitted {
        /// Clusters matched to the previous clustering.
        matched: usize,
    },
}

/// The result of [`cluster_library`].
#[derive(Debug, Clone)]
pub struct ClusterOutcome {
    /// The saved clustering.
    pub id: ClusteringId,
    /// What was stored, with the model (to place or compare tracks).
    pub data: ClusteringData,
    /// How it came about.
    pub mode: ClusterMode,
}

/// Clusters the tracks analysed with `options.features` and saves the result (see the module
/// documentation for the two modes).
pub fn cluster_library(store: &mut Store, options: &ClusterOptions) -> Result<ClusterOutcome> {
    let version = options.features.analysis_version();
    let matrix = store
        .features_table(&version)?
        .ok_or(LibraryError::NothingAnalysed)?;
    let table = feature_table(&matrix)?;
    let selection = Selection::Fitted(FitSelection {
        groups: options.groups.clone(),
        algorithm: options.algorithm,
        k: options.k,
        playlist_size: options.playlist_size,
        families: options.families,
    });
    // A previous clustering whose model this build cannot read is not extended; the fresh
    // model is then not aligned to it either.
    let previous = store.latest_clustering()?.and_then(|saved| {
        let model = saved.data.model.get()?.clone().with_words(DIM_WORDS);
        let compatible =
            saved.data.analysis_version == version && saved.data.selection == selection;
        Some((saved, model, compatible))
    });
    if let Some((saved, model, _)) = &previous {
        if saved.data.selection.is_imported() && !options.recluster {
            if saved.data.analysis_version != version {
                return Err(LibraryError::ImportedForOtherAnalysis {
                    clustering: saved.id,
                    imported: saved.data.analysis_version.clone(),
                    current: version,
                });
            }
            return extend(store, &table, saved.id, &saved.data, model, false)?
                .ok_or_else(|| LibraryError::CannotExtend(saved.id));
        }
    }
    if let Some((saved, model, true)) = &previous {
        if !options.recluster {
            if let Some(outcome) = extend(store, &table, saved.id, &saved.data, model, true)? {
                return Ok(outcome);
            }
        }
    }
    let previous_model = previous.map(|(_, model, _)| model);
    fit(
        store,
        &table,
        options,
        &selection,
        &version,
        previous_model.as_ref(),
    )
}

/// The name of the one dim the library adds to the analysis: the natural log of the track's
/// duration in seconds (group [`DURATION_GROUP`]). A 1-second sound effect and a 5-minute song
/// can share a timbre; no listener wants them in one playlist.
pub const DURATION_DIM: &str = "duration_log_s";

/// The group of [`DURATION_DIM`] (the one group the library adds to sonority-features'
/// [`sonority_features::GROUPS`]).
pub const DURATION_GROUP: &str = "duration";

/// Shortest duration the log is taken of (a track of unknown or zero length counts as this).
const MIN_DURATION_S: f64 = 0.05;

/// The store's feature matrix as a cluster table keyed by track id, with [`DURATION_DIM`]
/// appended.
pub(crate) fn feature_table(matrix: &FeatureMatrix) -> Result<FeatureTable<TrackId>> {
    let dims = layout_dims(&matrix.layout);
    let rows = matrix.tracks.iter().zip(&matrix.values).map(|(t, v)| {
        let mut row = v.clone();
        row.push(duration_log(t.duration_s));
        (t.id, row)
    });
    Ok(FeatureTable::from_id_rows(dims, rows)?)
}

/// The dims of a library's feature table for tracks analysed with `layout`: the layout's
/// dims, then [`DURATION_DIM`]. These are the feature columns of `sonority export`.
pub fn layout_dims(layout: &FeatureLayout) -> Vec<Dim> {
    layout
        .dims
        .iter()
        .map(|d| Dim::new(d.name.clone(), d.group.clone()))
        .chain(std::iter::once(Dim::new(DURATION_DIM, DURATION_GROUP)))
        .collect()
}

/// The dims of a library's feature table for tracks analysed with `config`
/// ([`layout_dims`] of its layout).
pub fn analysis_dims(config: &FeatureConfig) -> Vec<Dim> {
    layout_dims(&FeatureLayout::for_config(config))
}

/// The value of [`DURATION_DIM`] for a track of this duration.
pub fn duration_log(duration_s: Option<f64>) -> f64 {
    duration_s
        .filter(|d| d.is_finite())
        .unwrap_or(0.0)
        .max(MIN_DURATION_S)
        .ln()
}

/// How far past its size limit a playlist may grow by new tracks joining it before the library
/// is organised afresh (aligned to the old playlists): a quarter, so that adding a tenth to a
/// library never refits it unless the new tracks all go one way.
const GROWTH_SLACK: f64 = 1.25;

/// Places the tracks the saved clustering does not know yet; `None` (nothing saved) when
/// `may_refit` and a playlist of the hierarchical algorithm would grow more than
/// [`GROWTH_SLACK`] past its size limit: the library has outgrown its playlists and must be
/// organised again. An imported clustering is extended with `may_refit` false: it is never
/// refitted on the local library's own.
fn extend(
    store: &mut Store,
    table: &FeatureTable<TrackId>,
    saved_id: ClusteringId,
    saved: &ClusteringData,
    model: &Model<TrackId>,
    may_refit: bool,
) -> Result<Option<ClusterOutcome>> {
    let present: HashSet<TrackId> = table.ids().iter().copied().collect();
    let known: HashSet<TrackId> = saved.assignments.iter().map(|a| a.track_id).collect();
    let removed = known.iter().filter(|id| !present.contains(id)).count();
    let new_rows: Vec<usize> = table
        .ids()
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(*id))
        .map(|(i, _)| i)
        .collect();
    if new_rows.is_empty() && removed == 0 {
        return Ok(Some(ClusterOutcome {
            id: saved_id,
            data: saved.clone(),
            mode: ClusterMode::UpToDate,
        }));
    }
    let mut assignments: Vec<TrackAssignment> = saved
        .assignments
        .iter()
        .filter(|a| present.contains(&a.track_id))
        .cloned()
        .collect();
    if !new_rows.is_empty() {
        let placed = model.assign(&table.select_rows(&new_rows)?)?;
        assignments.extend(placed.iter().map(to_row));
    }
    let mut data = saved.clone();
    data.assignments = assignments;
    project_and_size(&mut data, model, table)?;
    if let (true, AlgorithmParams::Hierarchical(p)) = (may_refit, &model.params.algorithm) {
        let limit = p.size_limit(data.assignments.len()) as f64;
        if data
            .clusters
            .iter()
            .any(|c| c.size as f64 > GROWTH_SLACK * limit)
        {
            return Ok(None);
        }
    }
    let id = store.save_clustering(&data)?;
    Ok(Some(ClusterOutcome {
        id,
        data,
        mode: ClusterMode::Extended {
            added: new_rows.len(),
            removed,
        },
    }))
}

/// Fits a fresh model (choosing k when asked) and aligns it to the previous one.
fn fit(
    store: &mut Store,
    table: &FeatureTable<TrackId>,
    options: &ClusterOptions,
    selection: &Selection,
    version: &str,
    previous: Option<&Model<TrackId>>,
) -> Result<ClusterOutcome> {
    let n = table.n_tracks();
    if n < 3 {
        return Err(LibraryError::TooFewTracks {
            found: n,
            needed: 3,
        });
    }
    let scaler = ScalerParams::standard().balance_groups(true);
    let selected = table.select_groups(&options.groups)?;
    let sweep = match (options.algorithm, options.k) {
        (Algorithm::Dbscan | Algorithm::Hierarchical, _) | (_, KChoice::Fixed(_)) => None,
        (algorithm, KChoice::Auto) => {
            let x = scaler.fit(&selected)?.transform(&selected)?;
            // More clusters than about sqrt(n) leaves mostly singletons, whose silhouette
            // (0 by definition) would still win over a few real groups in a small library.
            let sqrt_n = (n as f64).sqrt().floor() as usize;
            let k_max = options.k_max.min(sqrt_n).min(n - 1).max(2);
            let method = match algorithm {
                Algorithm::Gmm => SweepMethod::GaussianMixture(CovarianceType::Diag),
                _ => SweepMethod::KMeans,
            };
            let params = KSweepParams::new(options.k_min.clamp(2, k_max), k_max)
                .method(method)
                .seed(options.seed);
            Some(params.fit(x.view())?)
        }
    };
    let k = match options.k {
        KChoice::Fixed(k) => k,
        KChoice::Auto => sweep.as_ref().map_or(2, |s: &KSweep| s.chosen_k),
    };
    let algorithm = match options.algorithm {
        Algorithm::Hierarchical => {
            let defaults = HierarchyParams::default()
                .families(options.families)
                .seed(options.seed);
            AlgorithmParams::Hierarchical(match options.k {
                // Exactly k playlists: the tree cut at k, no size limit.
                KChoice::Fixed(k) => HierarchyParams {
                    max_playlist_size: n,
                    max_share: 1.0,
                    min_limit: n,
                    n_playlists: Some(k),
                    ..defaults.playlist_size(n.div_ceil(k.max(1)))
                },
                KChoice::Auto => HierarchyParams {
                    max_playlist_size: defaults.max_playlist_size.max(options.playlist_size),
                    ..defaults.playlist_size(options.playlist_size)
                },
            })
        }
        Algorithm::Kmeans => {
            AlgorithmParams::KMeans(KMeansParams::new(k).n_init(10).seed(options.seed))
        }
        Algorithm::Gmm => AlgorithmParams::GaussianMixture(
            GmmParams::new(k)
                .covariance(CovarianceType::Full)
                .seed(options.seed),
        ),
        Algorithm::Ward => {
            AlgorithmParams::Agglomerative(AgglomerativeParams::new(k).linkage(Linkage::Ward))
        }
        Algorithm::Dbscan => AlgorithmParams::Dbscan(DbscanParams::new()),
    };
    let mut model = ModelParams::new(algorithm)
        .describe(DescribeParams::default().words(DIM_WORDS))
        .groups(options.groups.iter().cloned())
        .scaler(scaler)
        .fit(table)?;
    let matched = match previous {
        Some(prev) if prev.dims().len() == model.dims().len() => model
            .align_to(prev, None)
            .map(|m| m.iter().filter(|c| c.matched).count())
            .unwrap_or(0),
        _ => 0,
    };
    let assignments = model
        .clustering
        .track_ids
        .iter()
        .zip(&model.clustering.labels)
        .map(|(&track_id, label)| TrackAssignment {
            track_id,
            cluster_id: label.map(|l| l as i64),
            distance: None,
            confidence: None,
            x: None,
            y: None,
        })
        .collect::<Vec<_>>();
    // Distances and confidences of the training tracks, as `assign` reports them.
    let placed = model.assign(table)?;
    let by_id: HashMap<TrackId, &Assignment<TrackId>> =
        placed.iter().map(|a| (a.track_id, a)).collect();
    let assignments = assignments
        .into_iter()
        .map(|mut a| {
            if let Some(p) = by_id.get(&a.track_id) {
                a.distance = Some(p.distance);
                a.confidence = Some(p.confidence);
            }
            a
        })
        .collect();
    let mut data = ClusteringData {
        algorithm: model.clustering.algorithm.name().to_string(),
        analysis_version: version.to_string(),
        selection: selection.clone(),
        params: model.params.clone(),
        k: model.clustering.clusters.len(),
        quality: model.clustering.quality.clone(),
        sweep,
        model: StoredModel::Absent,
        families: Vec::new(),
        clusters: Vec::new(),
        assignments,
    };
    project_and_size(&mut data, &model, table)?;
    data.model = StoredModel::Model(Box::new(model));
    let id = store.save_clustering(&data)?;
    Ok(ClusterOutcome {
        id,
        data,
        mode: ClusterMode::Fitted { matched },
    })
}

/// Fills the 2-D coordinates (PCA of every track in the model's scaled space) and the cluster
/// rows (sizes, centroids, map positions) from the assignments.
fn project_and_size(
    data: &mut ClusteringData,
    model: &Model<TrackId>,
    table: &FeatureTable<TrackId>,
) -> Result<()> {
    let row_of: HashMap<TrackId, usize> = table
        .ids()
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    let rows: Vec<usize> = data
        .assignments
        .iter()
        .filter_map(|a| row_of.get(&a.track_id).copied())
        .collect();
    let subset = table.select_dims(
        &model
            .dims()
            .iter()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>(),
    )?;
    let x = model.scaler.transform(&subset.select_rows(&rows)?)?;
    let coords = if rows.len() >= 2 {
        pca_2d(x.view())?.coords
    } else {
        Array2::zeros((rows.len(), 2))
    };
    for (a, xy) in data.assignments.iter_mut().zip(coords.rows()) {
        a.x = Some(xy[0]);
        a.y = Some(xy[1]);
    }
    data.clusters = model
        .clustering
        .clusters
        .iter()
        .map(|c| {
            let members: Vec<&TrackAssignment> = data
                .assignments
                .iter()
                .filter(|a| a.cluster_id == Some(c.id as i64))
                .collect();
            let m = members.len().max(1) as f64;
            ClusterRow {
                cluster_id: c.id as i64,
                name: Some(c.name.clone()),
                size: members.len(),
                centroid: c.centroid.clone(),
                x: Some(members.iter().filter_map(|a| a.x).sum::<f64>() / m),
                y: Some(members.iter().filter_map(|a| a.y).sum::<f64>() / m),
                family_id: c.family.map(|f| f as i64),
            }
        })
        .collect();
    data.families = model
        .clustering
        .families
        .iter()
        .map(|f| {
            let members: Vec<&ClusterRow> = data
                .clusters
                .iter()
                .filter(|c| c.family_id == Some(f.id as i64))
                .collect();
            let size: usize = members.iter().map(|c| c.size).sum();
            let m = size.max(1) as f64;
            let mean = |v: fn(&ClusterRow) -> Option<f64>| {
                members
                    .iter()
                    .map(|c| v(c).unwrap_or(0.0) * c.size as f64)
                    .sum::<f64>()
                    / m
            };
            FamilyRow {
                family_id: f.id as i64,
                name: Some(f.name.clone()),
                size,
                x: Some(mean(|c| c.x)),
                y: Some(mean(|c| c.y)),
            }
        })
        .collect();
    data.k = data.clusters.len();
    Ok(())
}

fn to_row(a: &Assignment<TrackId>) -> TrackAssignment {
    TrackAssignment {
        track_id: a.track_id,
        cluster_id: a.cluster.map(|c| c as i64),
        distance: Some(a.distance),
        confidence: Some(a.confidence),
        x: None,
        y: None,
    }
}
