//! Saved clusterings: the run's parameters and quality as JSON (so this crate needs none of
//! `sonority-cluster`'s types), one row per cluster and one per assigned track.

use super::{count, invalid_data, map_db_error, now_s, Store, TrackId};
use crate::error::{LibraryError, Result};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// Everything saved about one clustering run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusteringData {
    /// "kmeans", "gmm", "ward", "dbscan", ...
    pub algorithm: String,
    /// The analysis version of the features clustered.
    pub analysis_version: String,
    /// The feature groups or dimensions used, and their weights (JSON).
    pub selection: Value,
    /// The algorithm's parameters (JSON).
    pub params: Value,
    /// Number of clusters.
    pub k: usize,
    /// Quality metrics (JSON).
    pub quality: Value,
    /// The choice of k: the metrics for each k tried (JSON; null when k was given).
    pub sweep: Value,
    /// The model that assigns new tracks (JSON; null when not saved).
    pub model: Value,
    /// The families of the clusters (empty in clusterings saved before families existed).
    pub families: Vec<FamilyRow>,
    /// The clusters.
    pub clusters: Vec<ClusterRow>,
    /// The tracks' clusters.
    pub assignments: Vec<TrackAssignment>,
}

/// A clustering as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedClustering {
    /// Its id.
    pub id: ClusteringId,
    /// When it was saved, in Unix seconds.
    pub created_at: i64,
    /// What was saved.
    #[serde(flatten)]
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
            return Err(LibraryError::NonFiniteCentroid(c.cluster_id));
        }
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let json = |v: &Value| v.to_string();
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
                json(&data.selection),
                json(&data.params),
                i64::try_from(data.k).unwrap_or(i64::MAX),
                json(&data.quality),
                json(&data.sweep),
                json(&data.model),
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
        let parse = |text: &str| -> Result<Value> {
            serde_json::from_str(text).map_err(|e| self.invalid("clustering JSON", e))
        };
        let [selection, params, quality, sweep, model] = json;
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
                selection: parse(&selection)?,
                params: parse(&params)?,
                k: count(k),
                quality: parse(&quality)?,
                sweep: parse(&sweep)?,
                model: parse(&model)?,
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
