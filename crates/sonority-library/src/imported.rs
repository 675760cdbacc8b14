//! Models fitted elsewhere: a k-means fitted on a catalogue by another engine (Spark MLlib,
//! scikit-learn) becomes the clustering a local library joins.
//!
//! [`model_from_centroids`] builds the model from the engine's centroids (in its standardised
//! space), the dim names and the scaler's mean and scale; [`save_imported_model`] stores it as
//! the library's current clustering, marked as imported. From then on `sonority organize` and
//! [`crate::cluster_library`] place the library's tracks into its clusters (nearest centroid)
//! and never refit it on their own; only `--recluster` (`ClusterOptions::recluster`) replaces
//! it with a clustering of the local library.

use crate::clustering::analysis_dims;
use crate::error::{LibraryError, Result};
use ndarray::Array2;
use sonority_cluster::{Dim, Model};
use sonority_features::FeatureConfig;
use sonority_store::{
    ClusterRow, ClusteringData, ClusteringId, FamilyRow, ImportedSelection, Selection, Store,
    StoredModel, TrackId,
};

/// A model from `k` centroids fitted elsewhere (see [`Model::from_centroids`]): `dims` are
/// dim names of this sonority's analysis with `config` (the feature columns of `sonority
/// export`), `centroids` is `k × dims.len()` in the space standardised with `mean` and `scale`.
/// Unknown dim names are [`LibraryError::UnknownDims`]; other bad input is
/// [`LibraryError::Cluster`].
pub fn model_from_centroids(
    config: &FeatureConfig,
    centroids: Array2<f64>,
    dims: &[String],
    mean: Vec<f64>,
    scale: Vec<f64>,
    names: Option<Vec<String>>,
) -> Result<Model<TrackId>> {
    let known = analysis_dims(config);
    let mut unknown = Vec::new();
    let dims: Vec<Dim> = dims
        .iter()
        .filter_map(|name| {
            let found = known.iter().find(|d| &d.name == name).cloned();
            if found.is_none() {
                unknown.push(name.clone());
            }
            found
        })
        .collect();
    if !unknown.is_empty() {
        return Err(LibraryError::UnknownDims(unknown));
    }
    Ok(Model::from_centroids(
        dims,
        centroids,
        mean,
        scale,
        names,
        crate::dim_words::DIM_WORDS,
    )?)
}

/// Saves `model` into `store` as the library's current clustering of the tracks analysed with
/// `config`, marked as imported (see the module documentation). Tracks already in the store
/// are placed into it by the next [`crate::cluster_library`] run (`sonority organize` or
/// `sonority cluster`). The model's dims must be dims of that analysis.
pub fn save_imported_model(
    store: &mut Store,
    model: &Model<TrackId>,
    config: &FeatureConfig,
) -> Result<ClusteringId> {
    let known = analysis_dims(config);
    let unknown: Vec<String> = model
        .dims()
        .iter()
        .filter(|d| !known.iter().any(|k| k.name == d.name))
        .map(|d| d.name.clone())
        .collect();
    if !unknown.is_empty() {
        return Err(LibraryError::UnknownDims(unknown));
    }
    let clustering = &model.clustering;
    let data = ClusteringData {
        algorithm: "imported".into(),
        analysis_version: config.analysis_version(),
        selection: Selection::Imported(ImportedSelection::new(
            model.dims().iter().map(|d| d.name.clone()).collect(),
        )),
        params: model.params.clone(),
        k: clustering.clusters.len(),
        quality: clustering.quality.clone(),
        sweep: None,
        model: StoredModel::Model(Box::new(model.clone())),
        families: clustering
            .families
            .iter()
            .map(|f| FamilyRow {
                family_id: f.id as i64,
                name: Some(f.name.clone()),
                size: 0,
                x: None,
                y: None,
            })
            .collect(),
        clusters: clustering
            .clusters
            .iter()
            .map(|c| ClusterRow {
                cluster_id: c.id as i64,
                name: Some(c.name.clone()),
                size: 0,
                centroid: c.centroid.clone(),
                x: None,
                y: None,
                family_id: c.family.map(|f| f as i64),
            })
            .collect(),
        assignments: Vec::new(),
    };
    Ok(store.save_clustering(&data)?)
}
