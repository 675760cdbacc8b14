//! Saved clusterings: one row of typed values per run (what it was made from, the model's
//! parameters, quality, the choice of k and the model, each serialised as JSON only in its
//! column), one row per family, per cluster and per assigned track.

use super::{count, invalid_data, map_db_error, now_s, Store, TrackId};

use crate::error::{Result, StoreError};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sonority_cluster::{Algorithm, FamilyCount, KChoice, KSweep, Model, ModelParams, Quality};

/// The id of a saved clustering.
pub type ClusteringId = i64;

/// One cluster of a clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRow {
    /// The cluster's number within its clustering.
    pub cluster_id: i64,
    /// A human name ("bright, fast, percussive"), when one was given.
    pub name: Option<String>,
    /// Number of tracks in it.
    pub size: usize,
    /// Its centre, in the clustering's feature space.
    pub centroid: Vec<f64>,
    /// Position on the 2-D map.
    pub x: Option<f64>,
    /// Position on the 2-D map.
    pub y: Option<f64>,
    /// The family it belongs to (`None` in clusterings saved before families existed).
    pub family_id: Option<i64>,
}

/// One family of a clustering: clusters that sound alike, one level above them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyRow {
    /// The family's number within its clustering.
    pub family_id: i64,
    /// Its name ("calm · dark").
    pub name: Option<String>,
    /// Number of tracks in it.
    pub size: usize,
    /// Position on the 2-D map (mean of its tracks).
    pub x: Option<f64>,
    /// Position on the 2-D map.
    pub y: Option<f64>,
}

/// Where one track went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackAssignment {
    /// The track.
    pub track_id: TrackId,
    /// Its cluster; `None` for noise (DBSCAN) or an unassigned track.
    pub cluster_id: Option<i64>,
    /// Distance to the cluster centre.
    pub distance: Option<f64>,
    /// Confidence of the assignment (e.g. a mixture's posterior), in [0, 1].
    pub confidence: Option<f64>,
    /// Position on the 2-D map.
    pub x: Option<f64>,
    /// Position on the 2-D map.
    pub y: Option<f64>,
}

/// What a clustering was made from: the options that must match for new tracks to join it
/// (column `selection`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Selection {
    /// A model fitted elsewhere and imported (`sonority_library::save_imported_model`); never refitted
    /// on the local library's own.
    Imported(ImportedSelection),
    /// Fitted on this library.
    Fitted(FitSelection),
}

impl Selection {
    /// Whether the clustering holds a model imported from elsewhere.
    pub fn is_imported(&self) -> bool {
        matches!(self, Selection::Imported(_))
    }
}

/// The options a clustering of this library was fitted with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSelection {
    /// Feature groups clustered.
    pub groups: Vec<String>,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The number of clusters asked for.
    pub k: KChoice,
    /// Tracks per playlist aimed at.
    pub playlist_size: usize,
    /// How many families were asked for.
    pub families: FamilyCount,
}

/// The dims of an imported model; serialised as `{"dims": [...], "imported": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedSelection {
    /// The model's dims, in order.
    pub dims: Vec<String>,
    /// Always true: what tells this selection from a [`FitSelection`] in the column.
    imported: bool,
}

impl ImportedSelection {
    /// The selection of an imported model reading `dims`.
    pub fn new(dims: Vec<String>) -> Self {
        Self {
            dims,
            imported: true,
        }
    }
}

/// The model saved with a clustering, as far as this build can read it (column `model`).
#[derive(Debug, Clone, PartialEq)]
pub enum StoredModel {
    /// The model.
    Model(Box<Model<TrackId>>),
    /// None was saved (clusterings of early databases).
    Absent,
    /// A model this build cannot read (another format version, or damaged), and why.
    Unreadable(String),
}

impl StoredModel {
    /// The model, when there is a readable one.
    pub fn get(&self) -> Option<&Model<TrackId>> {
        match self {
            StoredModel::Model(m) => Some(m),
            _ => None,
        }
    }

    /// The model of clustering `clustering`, or [`StoreError::UnreadableModel`].
    pub fn require(&self, clustering: ClusteringId) -> Result<&Model<TrackId>> {
        match self {
            StoredModel::Model(m) => Ok(m),
            StoredModel::Absent => Err(StoreError::UnreadableModel {
                clustering,
                reason: "no model was saved with it".into(),
            }),
            StoredModel::Unreadable(reason) => Err(StoreError::UnreadableModel {
                clustering,
                reason: reason.clone(),
            }),
        }
    }
}

/// Everything saved about one clustering run.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteringData {
    /// The algorithm's name ("hierarchical", "kmeans", ..., "imported").
    pub algorithm: String,
    /// The analysis version of the features clustered.
    pub analysis_version: String,
    /// What it was made from.
    pub selection: Selection,
    /// The model's parameters.
    pub params: ModelParams,
    /// Number of clusters.
    pub k: usize,
    /// Quality figures.
    pub quality: Quality,
    /// The choice of k: the figures of each k tried (`None` when k was not swept).
    pub sweep: Option<KSweep>,
    /// The model that places new tracks.
    pub model: StoredModel,
    /// The families of the clusters (empty in clusterings saved before families existed).
    pub families: Vec<FamilyRow>,
    /// The clusters.
    pub clusters: Vec<ClusterRow>,
    /// The tracks' clusters.
    pub assignments: Vec<TrackAssignment>,
}

/// A clustering as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedClustering {
    /// Its id.
    pub id: ClusteringId,
    /// When it was saved, in Unix seconds.
    pub created_at: i64,
    /// What was saved.
    pub data: ClusteringData,
}

/// A line of the list of clusterings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusteringSummary {
    /// Its id.
    pub id: ClusteringId,
    /// When it was saved, in Unix seconds.
    pub created_at: i64,
    /// The algorithm.
    pub algorithm: String,
    /// The analysis version of the features clustered.
    pub analysis_version: String,
    /// Number of clusters.
    pub k: usize,
    /// Number of families.
    pub families: usize,
    /// Number of tracks assigned (tracks forgotten since are not counted).
    pub tracks: usize,
}

impl Store {
    /// Saves a clustering with its clusters and assignments in one transaction and returns
    /// its id. Every assignment must name a stored track and one of `data.clusters` (or none),
    /// and centroids must be finite; otherwise nothing is saved.
    pub fn save_clustering(&mut self, data: &ClusteringData) -> Result<ClusteringId> {
        if let Some(c) = data
            .clusters
            .iter()
            .find(|c| c.centroid.iter().any(|v| !v.is_finite()))
        {
            return Err(StoreError::NonFiniteCentroid(c.cluster_id));
        }
        let model = match &data.model {
            StoredModel::Model(m) => Some(m.as_ref()),
            StoredModel::Absent => None,
            StoredModel::Unreadable(reason) => {
                return Err(StoreError::Serialize {
                    what: "model",
                    source: serde::ser::Error::custom(reason),
                })
            }
        };
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let json = |what: &'static str, text: serde_json::Result<String>| {
            text.map_err(|source| StoreError::Serialize { what, source })
        };
        let columns = [
            json(
                "clustering selection",
                serde_json::to_string(&data.selection),
            )?,
            json("model parameters", serde_json::to_string(&data.params))?,
            json("quality figures", serde_json::to_string(&data.quality))?,
            json("choice of k", serde_json::to_string(&data.sweep))?,
            json("model", serde_json::to_string(&model))?,
        ];
        let [selection, params, quality, sweep, model] = &columns;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "INSERT INTO clusterings (created_at, algorithm, analysis_version, selection, params, \
                 k, quality, sweep, model) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                now_s(),
                data.algorithm,
                data.analysis_version,
                selection,
                params,
                i64::try_from(data.k).unwrap_or(i64::MAX),
                quality,
                sweep,
                model,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut put_family = tx
                .prepare(
                    "INSERT INTO families (clustering_id, family_id, name, size, x, y) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for f in &data.families {
                put_family
                    .execute(params![
                        id,
                        f.family_id,
                        f.name,
                        i64::try_from(f.size).unwrap_or(i64::MAX),
                        f.x,
                        f.y
                    ])
                    .map_err(err)?;
            }
            let mut put_cluster = tx
                .prepare(
                    "INSERT INTO clusters (clustering_id, cluster_id, name, size, centroid, x, y, \
                         family_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            for c in &data.clusters {
                let centroid = serde_json::to_string(&c.centroid)
                    .map_err(|e| invalid_data(&path, "centroid", e))?;
                put_cluster
                    .execute(params![
                        id,
                        c.cluster_id,
                        c.name,
                        i64::try_from(c.size).unwrap_or(i64::MAX),
                        centroid,
                        c.x,
                        c.y,
                        c.family_id
                    ])
                    .map_err(err)?;
            }
            let mut put_track = tx
                .prepare(
                    "INSERT INTO track_clusters (clustering_id, track_id, cluster_id, distance, \
                         confidence, x, y) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for a in &data.assignments {
                put_track
                    .execute(params![
                        id,
                        a.track_id,
                        a.cluster_id,
                        a.distance,
                        a.confidence,
                        a.x,
                        a.y
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Every saved clustering, oldest first.
    pub fn clusterings(&self) -> Result<Vec<ClusteringSummary>> {
        let err = |e| self.db_error(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.id, c.created_at, c.algorithm, c.analysis_version, c.k, \
                        (SELECT COUNT(*) FROM track_clusters tc WHERE tc.clustering_id = c.id), \
                        (SELECT COUNT(*) FROM families f WHERE f.clustering_id = c.id) \
                 FROM clusterings c ORDER BY c.id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ClusteringSummary {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    algorithm: r.get(2)?,
                    analysis_version: r.get(3)?,
                    k: count(r.get(4)?),
                    tracks: count(r.get(5)?),
                    families: count(r.get(6)?),
                })
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
    }

    /// The most recently saved clustering.
    pub fn latest_clustering(&self) -> Result<Option<SavedClustering>> {
        let id: Option<ClusteringId> = self
            .conn
            .query_row("SELECT MAX(id) FROM clusterings", [], |r| r.get(0))
            .map_err(|e| self.db_error(e))?;
        match id {
            Some(id) => self.clustering(id),
            None => Ok(None),
        }
    }

    /// The clustering with id `id`, with its clusters (by cluster id) and assignments (by
    /// track id).
    pub fn clustering(&self, id: ClusteringId) -> Result<Option<SavedClustering>> {
        let err = |e| self.db_error(e);
        let head = self
            .conn
            .query_row(
                "SELECT created_at, algorithm, analysis_version, selection, params, k, quality, \
                        sweep, model FROM clusterings WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        [
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, String>(7)?,
                            r.get::<_, String>(8)?,
                        ],
                        r.get::<_, i64>(5)?,
                    ))
                },
            )
            .optional()
            .map_err(err)?;
        let Some((created_at, algorithm, analysis_version, json, k)) = head else {
            return Ok(None);
        };
        let [selection, params, quality, sweep, model] = json;
        let column = |name: &str| format!("{name} of clustering #{id}");
        let mut stmt = self
            .conn
            .prepare(
                "SELECT cluster_id, name, size, centroid, x, y, family_id FROM clusters \
                 WHERE clustering_id = ?1 ORDER BY cluster_id",
            )
            .map_err(err)?;
        let raw = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                    r.get::<_, Option<f64>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            })
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        let mut clusters = Vec::with_capacity(raw.len());
        for (cluster_id, name, size, centroid, x, y, family_id) in raw {
            let centroid: Vec<f64> =
                serde_json::from_str(&centroid).map_err(|e| self.invalid("centroid", e))?;
            clusters.push(ClusterRow {
                cluster_id,
                name,
                size: count(size),
                centroid,
                x,
                y,
                family_id,
            });
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT family_id, name, size, x, y FROM families \
                 WHERE clustering_id = ?1 ORDER BY family_id",
            )
            .map_err(err)?;
        let families = stmt
            .query_map([id], |r| {
                Ok(FamilyRow {
                    family_id: r.get(0)?,
                    name: r.get(1)?,
                    size: count(r.get(2)?),
                    x: r.get(3)?,
                    y: r.get(4)?,
                })
            })
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT track_id, cluster_id, distance, confidence, x, y FROM track_clusters \
                 WHERE clustering_id = ?1 ORDER BY track_id",
            )
            .map_err(err)?;
        let assignments = stmt
            .query_map([id], assignment_from_row)
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        Ok(Some(SavedClustering {
            id,
            created_at,
            data: ClusteringData {
                algorithm,
                analysis_version,
                selection: serde_json::from_str(&selection)
                    .map_err(|e| self.invalid(&column("selection"), e))?,
                params: serde_json::from_str(&params)
                    .map_err(|e| self.invalid(&column("model parameters"), e))?,
                k: count(k),
                quality: serde_json::from_str(&quality)
                    .map_err(|e| self.invalid(&column("quality figures"), e))?,
                sweep: serde_json::from_str(&sweep)
                    .map_err(|e| self.invalid(&column("choice of k"), e))?,
                model: stored_model(&model),
                families,
                clusters,
                assignments,
            },
        }))
    }

    /// Deletes a clustering with its clusters and assignments; false if there was none.
    pub fn delete_clustering(&mut self, id: ClusteringId) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM clusterings WHERE id = ?1", [id])
            .map_err(|e| self.db_error(e))?;
        Ok(n > 0)
    }
}

/// The model column: `null`, or a model of this build's format version.
fn stored_model(text: &str) -> StoredModel {
    if text.trim() == "null" {
        return StoredModel::Absent;
    }
    match Model::from_json(text) {
        Ok(m) => StoredModel::Model(Box::new(m)),
        Err(e) => StoredModel::Unreadable(e.to_string()),
    }
}

fn assignment_from_row(r: &Row<'_>) -> rusqlite::Result<TrackAssignment> {
    Ok(TrackAssignment {
        track_id: r.get(0)?,
        cluster_id: r.get(1)?,
        distance: r.get(2)?,
        confidence: r.get(3)?,
        x: r.get(4)?,
        y: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The selection is saved with every clustering and compared on the next run: its JSON
    /// form must not change (or every library would be refitted once), and an imported
    /// model's selection must never read as a fitted one.
    #[test]
    fn selection_json_is_unchanged() {
        let selection = |algorithm, k| {
            Selection::Fitted(FitSelection {
                groups: vec!["timbre".into(), "duration".into()],
                algorithm,
                k,
                playlist_size: 30,
                families: FamilyCount::Fixed(3),
            })
        };
        let json = serde_json::to_string(&selection(Algorithm::Gmm, KChoice::Fixed(5)));
        assert_eq!(
            json.ok().as_deref(),
            Some(
                r#"{"groups":["timbre","duration"],"algorithm":"gmm","k":{"fixed":5},"playlist_size":30,"families":{"fixed":3}}"#
            )
        );
        for (algorithm, name) in
            Algorithm::ALL
                .iter()
                .zip(["hierarchical", "kmeans", "gmm", "ward", "dbscan"])
        {
            let json = serde_json::to_string(&selection(*algorithm, KChoice::Auto));
            let json = json.unwrap_or_default();
            assert!(
                json.contains(&format!(r#""algorithm":"{name}","k":"auto""#)),
                "{json}"
            );
            let back: Option<Selection> = serde_json::from_str(&json).ok();
            assert_eq!(back, Some(selection(*algorithm, KChoice::Auto)));
        }
        // As `save_imported_model` wrote it before the selection was typed.
        let imported: Option<Selection> =
            serde_json::from_str(r#"{"dims":["mfcc_mean_0"],"imported":true}"#).ok();
        assert_eq!(
            imported,
            Some(Selection::Imported(ImportedSelection::new(vec![
                "mfcc_mean_0".into()
            ])))
        );
    }
}
