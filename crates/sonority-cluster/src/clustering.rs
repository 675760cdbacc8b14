//! [`Clustering`]: the serialisable result of any algorithm: labels, clusters (with centroids
//! and names), quality scores and the parameters used.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::agglomerative::AgglomerativeParams;
use crate::agglomerative::Linkage;
use crate::dbscan::DbscanParams;
use crate::describe::DimScore;
use crate::error::{invalid, ClusterError, Result};
use crate::gmm::GmmParams;
use crate::hierarchy::HierarchyParams;
use crate::kmeans::{inertia, KMeansParams};
use crate::linalg::{cluster_means, standard};
use crate::metrics::{calinski_harabasz_score, davies_bouldin_score, silhouette_score_sampled};
use crate::table::TrackId;
use std::borrow::Borrow;

/// Which algorithm groups the tracks: the choice a person makes (`--algorithm` of the CLI),
/// without parameters. Its serde form and [`Algorithm::name`] are the same snake-case words
/// (`hierarchical`, `kmeans`, `gmm`, `ward`, `dbscan`), stored by front ends in saved selections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Playlists sized for listening (a Ward tree cut by size), grouped into families
    /// ([`crate::hierarchy`]).
    #[default]
    Hierarchical,
    /// k-means ([`crate::kmeans`]).
    Kmeans,
    /// Gaussian mixture ([`crate::gmm`]).
    Gmm,
    /// Agglomerative clustering with Ward linkage ([`crate::agglomerative`]).
    Ward,
    /// DBSCAN ([`crate::dbscan`]); it finds its own number of clusters.
    Dbscan,
}

impl Algorithm {
    /// Every algorithm, the default first.
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Hierarchical,
        Algorithm::Kmeans,
        Algorithm::Gmm,
        Algorithm::Ward,
        Algorithm::Dbscan,
    ];

    /// The name people type and front ends store: `hierarchical`, `kmeans`, `gmm`, `ward` or
    /// `dbscan` (the serde form).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Hierarchical => "hierarchical",
            Algorithm::Kmeans => "kmeans",
            Algorithm::Gmm => "gmm",
            Algorithm::Ward => "ward",
            Algorithm::Dbscan => "dbscan",
        }
    }

    /// The names of [`Algorithm::ALL`], comma separated (for messages).
    pub fn names() -> String {
        Self::ALL.map(Algorithm::name).join(", ")
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = ClusterError;

    /// Parses a [`Algorithm::name`] (ASCII case ignored); an unknown name is
    /// [`ClusterError::UnknownAlgorithm`], which lists the choices.
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ClusterError::UnknownAlgorithm {
                name: s.to_string(),
                known: Self::names(),
            })
    }
}

/// The algorithm of a clustering and its parameters (for DBSCAN, with the `eps` actually used).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "snake_case")]
pub enum AlgorithmParams {
    /// k-means.
    #[serde(rename = "kmeans")]
    KMeans(KMeansParams),
    /// Gaussian mixture.
    GaussianMixture(GmmParams),
    /// Agglomerative clustering on Euclidean distances.
    Agglomerative(AgglomerativeParams),
    /// DBSCAN.
    Dbscan(DbscanParams),
    /// Playlists sized for listening, grouped into families ([`crate::hierarchy`]).
    Hierarchical(HierarchyParams),
}

impl AlgorithmParams {
    /// Validates the inner parameters.
    pub fn check(&self) -> Result<()> {
        match self {
            AlgorithmParams::KMeans(p) => p.check().map(|_| ()),
            AlgorithmParams::GaussianMixture(p) => p.check().map(|_| ()),
            AlgorithmParams::Agglomerative(p) => p.check().map(|_| ()),
            AlgorithmParams::Dbscan(p) => p.check().map(|_| ()),
            AlgorithmParams::Hierarchical(p) => p.check().map(|_| ()),
        }
    }

    /// The [`Algorithm`] these parameters run; `None` for agglomerative clustering with a
    /// linkage other than Ward (average, complete, single), which only the Rust API reaches
    /// and no [`Algorithm`] names.
    pub fn algorithm(&self) -> Option<Algorithm> {
        match self {
            AlgorithmParams::KMeans(_) => Some(Algorithm::Kmeans),
            AlgorithmParams::GaussianMixture(_) => Some(Algorithm::Gmm),
            AlgorithmParams::Agglomerative(p) if p.linkage == Linkage::Ward => {
                Some(Algorithm::Ward)
            }
            AlgorithmParams::Agglomerative(_) => None,
            AlgorithmParams::Dbscan(_) => Some(Algorithm::Dbscan),
            AlgorithmParams::Hierarchical(_) => Some(Algorithm::Hierarchical),
        }
    }

    /// Short name: the [`Algorithm::name`] people type (`hierarchical`, `kmeans`, `gmm`,
    /// `ward`, `dbscan`), or `agglomerative` for a non-Ward linkage (see
    /// [`AlgorithmParams::algorithm`]). Front ends store it with a saved clustering.
    pub fn name(&self) -> &'static str {
        self.algorithm().map_or("agglomerative", Algorithm::name)
    }
}

/// Quality scores of a clustering, on its scaled rows (noise rows left out).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Sum of squared distances of rows to their cluster's centroid.
    #[serde(deserialize_with = "crate::nan_null::deserialize")]
    pub inertia: f64,
    /// Mean silhouette; `None` with fewer than 2 clusters.
    pub silhouette: Option<f64>,
    /// Rows the silhouette was computed on (all rows, or a seeded sample of large tables).
    pub silhouette_rows: usize,
    /// Calinski-Harabasz index; `None` with fewer than 2 clusters.
    pub calinski_harabasz: Option<f64>,
    /// Davies-Bouldin index; `None` with fewer than 2 clusters.
    pub davies_bouldin: Option<f64>,
    /// BIC of a Gaussian mixture.
    pub bic: Option<f64>,
    /// Rows labelled noise (DBSCAN).
    pub noise: usize,
}

/// One cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Stable id (kept across reclustering by [`crate::model::Model::align_to`]).
    pub id: usize,
    /// Members.
    pub size: usize,
    /// Mean of the members in scaled space.
    pub centroid: Vec<f64>,
    /// Short distinct human name ("bright · noisy · fast"), empty until described.
    pub name: String,
    /// Dims where the cluster stands furthest from the overall mean.
    pub top: Vec<DimScore>,
    /// The family it belongs to (`None` in models saved before families existed).
    #[serde(default)]
    pub family: Option<usize>,
}

/// A family: a group of clusters that sound alike, one level above them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Family {
    /// Stable id (kept across reclustering like cluster ids).
    pub id: usize,
    /// Tracks in it.
    pub size: usize,
    /// Ids of its clusters.
    pub clusters: Vec<usize>,
    /// Mean of its tracks in scaled space.
    pub centroid: Vec<f64>,
    /// Short distinct human name.
    pub name: String,
    /// Dims where the family stands furthest from the overall mean.
    pub top: Vec<DimScore>,
}

/// The result of clustering a table: one label per track, the clusters, quality scores. Track
/// ids are the table's ([`TrackId`], `String` by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "Id: TrackId"))]
pub struct Clustering<Id = String> {
    /// Algorithm and parameters used.
    pub algorithm: AlgorithmParams,
    /// Track ids, in row order.
    pub track_ids: Vec<Id>,
    /// Cluster id of each track (`None` = noise).
    pub labels: Vec<Option<usize>>,
    /// The clusters, in model order (the order of the model's centroids / components).
    pub clusters: Vec<Cluster>,
    /// Quality scores.
    pub quality: Quality,
    /// The families the clusters are grouped into (empty in models saved before them).
    #[serde(default)]
    pub families: Vec<Family>,
}

/// Rows sampled for the silhouette of large tables.
pub(crate) const SILHOUETTE_ROWS: usize = 10_000;

impl<Id: TrackId> Clustering<Id> {
    /// Builds a clustering from labels `0..k` (positions; `None` = noise) on the scaled rows
    /// `x`, computing centroids and quality. Cluster ids start equal to positions.
    pub fn from_labels(
        algorithm: AlgorithmParams,
        track_ids: Vec<Id>,
        x: ArrayView2<'_, f64>,
        labels: &[Option<usize>],
        k: usize,
        bic: Option<f64>,
        seed: u64,
    ) -> Result<Self> {
        if labels.len() != x.nrows() || track_ids.len() != x.nrows() {
            return Err(invalid(format!(
                "clustering: {} labels and {} ids for {} rows",
                labels.len(),
                track_ids.len(),
                x.nrows()
            )));
        }
        if let Some(bad) = labels.iter().flatten().find(|&&l| l >= k) {
            return Err(invalid(format!("clustering: label {bad} with k = {k}")));
        }
        let x = standard(x);
        let kept: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_some()).collect();
        let xk = x.select(Axis(0), &kept);
        let lk: Vec<usize> = kept.iter().filter_map(|&i| labels[i]).collect();
        let (centroids, sizes) = cluster_means(&xk.view(), &lk, k);
        let nonempty = sizes.iter().filter(|&&s| s > 0).count();
        let scorable = nonempty >= 2 && nonempty < lk.len();
        let silhouette_rows = lk.len().min(SILHOUETTE_ROWS);
        let quality = Quality {
            inertia: inertia(&xk.view(), &centroids, &lk),
            silhouette: if scorable {
                Some(silhouette_score_sampled(
                    xk.view(),
                    &lk,
                    SILHOUETTE_ROWS,
                    seed,
                )?)
            } else {
                None
            },
            silhouette_rows: if scorable { silhouette_rows } else { 0 },
            calinski_harabasz: if scorable {
                Some(calinski_harabasz_score(xk.view(), &lk)?)
            } else {
                None
            },
            davies_bouldin: if scorable {
                Some(davies_bouldin_score(xk.view(), &lk)?)
            } else {
                None
            },
            bic,
            noise: labels.len() - kept.len(),
        };
        let clusters = (0..k)
            .map(|j| Cluster {
                id: j,
                size: sizes[j],
                centroid: centroids.row(j).to_vec(),
                name: String::new(),
                top: Vec::new(),
                family: None,
            })
            .collect();
        Ok(Self {
            algorithm,
            track_ids,
            labels: labels.to_vec(),
            clusters,
            quality,
            families: Vec::new(),
        })
    }

    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.clusters.len()
    }

    /// The cluster with id `id`.
    pub fn cluster(&self, id: usize) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    /// Position (in `clusters`) of the cluster with id `id`.
    pub fn position(&self, id: usize) -> Option<usize> {
        self.clusters.iter().position(|c| c.id == id)
    }

    /// Centroids in scaled space, one row per cluster in `clusters` order.
    pub fn centroids(&self) -> Array2<f64> {
        let k = self.clusters.len();
        let d = self.clusters.first().map_or(0, |c| c.centroid.len());
        Array2::from_shape_fn((k, d), |(i, j)| self.clusters[i].centroid[j])
    }

    /// Cluster id of track `id` (`None` for noise or an unknown track; for `String` ids, a
    /// `&str` will do).
    pub fn label_of<Q>(&self, track_id: &Q) -> Option<usize>
    where
        Id: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        let i = self.track_ids.iter().position(|t| t.borrow() == track_id)?;
        self.labels[i]
    }

    /// Track ids of the members of cluster `id`.
    pub fn members(&self, id: usize) -> Vec<&Id> {
        self.track_ids
            .iter()
            .zip(&self.labels)
            .filter(|(_, l)| **l == Some(id))
            .map(|(t, _)| t)
            .collect()
    }

    /// The family with id `id`.
    pub fn family(&self, id: usize) -> Option<&Family> {
        self.families.iter().find(|f| f.id == id)
    }

    /// Labels as positions `0..k` in `clusters` (`None` for noise).
    pub fn positions(&self) -> Vec<Option<usize>> {
        self.labels
            .iter()
            .map(|l| l.and_then(|id| self.position(id)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agglomerative::AgglomerativeParams;

    #[test]
    fn algorithm_names_parse_print_and_serialise_alike() {
        for a in Algorithm::ALL {
            assert_eq!(a.name().parse::<Algorithm>().ok(), Some(a));
            assert_eq!(a.to_string(), a.name());
            let json = serde_json::to_string(&a).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", a.name()));
        }
        assert_eq!("GMM".parse::<Algorithm>().ok(), Some(Algorithm::Gmm));
        let err = "spectral".parse::<Algorithm>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "unknown algorithm \"spectral\"; choose one of: hierarchical, kmeans, gmm, ward, dbscan"
            )
        );
    }

    #[test]
    fn params_are_named_as_people_type_them() {
        let ward = AlgorithmParams::Agglomerative(AgglomerativeParams::new(3));
        assert_eq!(ward.algorithm(), Some(Algorithm::Ward));
        assert_eq!(ward.name(), "ward");
        let gmm = AlgorithmParams::GaussianMixture(GmmParams::new(3));
        assert_eq!((gmm.algorithm(), gmm.name()), (Some(Algorithm::Gmm), "gmm"));
        let average =
            AlgorithmParams::Agglomerative(AgglomerativeParams::new(3).linkage(Linkage::Average));
        assert_eq!(
            (average.algorithm(), average.name()),
            (None, "agglomerative")
        );
    }
}
