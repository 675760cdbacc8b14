//! [`Model`]: everything needed to place new tracks into existing clusters, saved as JSON.
//!
//! A model holds the fitted scaler (and so the selected dims), the clustering (labels,
//! centroids, names, quality), the algorithm's parameters, what `assign` needs (centroids, the
//! mixture, or the training points) and a format version. Reclustering a grown library can be
//! aligned to the previous model ([`Model::align_to`]) so that cluster ids and names stay put.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::clustering::{AlgorithmParams, Clustering};
use crate::describe::{describe, DescribeParams};
use crate::error::{invalid, ClusterError, Result};
use crate::gmm::GaussianMixture;
use crate::linalg::{sq_dist, standard};
use crate::neighbors::{NeighborIndex, SimilarTrack, TrackIndex};
use crate::scale::{Scaler, ScalerParams};
use crate::table::{Dim, FeatureTable};

/// Version of the saved model format written by this build.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// Everything that defines how a model is fitted from a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    /// Feature groups to cluster on (`None`: every dim of the table).
    pub groups: Option<Vec<String>>,
    /// Scaler.
    pub scaler: ScalerParams,
    /// Algorithm.
    pub algorithm: AlgorithmParams,
    /// Cluster naming.
    pub describe: DescribeParams,
    /// Neighbours that vote when placing a new track with agglomerative clusters.
    pub knn: usize,
    /// Seed of the sampled silhouette of large tables.
    pub seed: u64,
}

impl ModelParams {
    /// A model of `algorithm` on all dims, standard scaling, default naming, 5 voting neighbours.
    pub fn new(algorithm: AlgorithmParams) -> Self {
        Self {
            groups: None,
            scaler: ScalerParams::standard(),
            algorithm,
            describe: DescribeParams::default(),
            knn: 5,
            seed: 0,
        }
    }
    /// Clusters on these feature groups only.
    pub fn groups<S: Into<String>>(mut self, groups: impl IntoIterator<Item = S>) -> Self {
        self.groups = Some(groups.into_iter().map(Into::into).collect());
        self
    }
    /// Sets the scaler.
    pub fn scaler(mut self, s: ScalerParams) -> Self {
        self.scaler = s;
        self
    }
    /// Sets the naming parameters.
    pub fn describe(mut self, d: DescribeParams) -> Self {
        self.describe = d;
        self
    }
    /// Sets the voting neighbours.
    pub fn knn(mut self, k: usize) -> Self {
        self.knn = k;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<&Self> {
        self.scaler.check()?;
        self.algorithm.check()?;
        self.describe.check()?;
        if self.knn == 0 {
            return Err(invalid("model: knn must be at least 1"));
        }
        if let Some(g) = &self.groups {
            if g.is_empty() {
                return Err(invalid("model: empty group selection"));
            }
        }
        Ok(self)
    }

    /// Selects the groups, fits the scaler, clusters, scores and names the clusters.
    pub fn fit(&self, table: &FeatureTable) -> Result<Model> {
        self.check()?;
        let selected = match &self.groups {
            Some(g) => table.select_groups(g)?,
            None => table.clone(),
        };
        let scaler = self.scaler.fit(&selected)?;
        let x = scaler.transform(&selected)?;
        let xv = x.view();
        let ids = selected.ids().to_vec();
        let (labels, k, bic, algorithm, assigner) = match &self.algorithm {
            AlgorithmParams::KMeans(p) => {
                let m = p.fit(xv)?;
                let k = m.centroids.nrows();
                (
                    m.labels.into_iter().map(Some).collect(),
                    k,
                    None,
                    self.algorithm.clone(),
                    Assigner::Centroids,
                )
            }
            AlgorithmParams::GaussianMixture(p) => {
                let f = p.fit(xv)?;
                let bic = f.mixture.bic(xv)?;
                let k = f.mixture.k();
                (
                    f.labels.into_iter().map(Some).collect(),
                    k,
                    Some(bic),
                    self.algorithm.clone(),
                    Assigner::Mixture(f.mixture),
                )
            }
            AlgorithmParams::Agglomerative(p) => {
                let a = p.fit(xv)?;
                let labels: Vec<Option<usize>> = a.labels.into_iter().map(Some).collect();
                let assigner = Assigner::Neighbors {
                    k: self.knn,
                    points: x.clone(),
                    labels: labels.clone(),
                };
                (labels, p.k, None, self.algorithm.clone(), assigner)
            }
            AlgorithmParams::Dbscan(p) => {
                let d = p.fit(xv)?;
                let core: Vec<usize> = (0..d.labels.len())
                    .filter(|&i| d.core[i] && d.labels[i].is_some())
                    .collect();
                let assigner = Assigner::DensityCore {
                    eps: d.eps,
                    points: x.select(Axis(0), &core),
                    labels: core.iter().filter_map(|&i| d.labels[i]).collect(),
                };
                let mut used = p.clone();
                used.eps = Some(d.eps);
                (
                    d.labels,
                    d.n_clusters,
                    None,
                    AlgorithmParams::Dbscan(used),
                    assigner,
                )
            }
        };
        let mut clustering =
            Clustering::from_labels(algorithm, ids, xv, &labels, k, bic, self.seed)?;
        let desc = describe(&selected, &labels, k, &self.describe)?;
        for (c, d) in clustering.clusters.iter_mut().zip(desc) {
            c.name = d.name;
            c.top = d.top;
        }
        Ok(Model {
            format_version: MODEL_FORMAT_VERSION,
            params: self.clone(),
            scaler,
            clustering,
            assigner,
        })
    }
}

/// What a model uses to place new tracks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Assigner {
    /// Nearest centroid (k-means).
    Centroids,
    /// Most probable mixture component.
    Mixture(GaussianMixture),
    /// Majority of the `k` nearest training tracks (agglomerative). `labels` are positions.
    Neighbors {
        /// Voting neighbours.
        k: usize,
        /// Scaled training rows.
        points: Array2<f64>,
        /// Cluster position of each training row.
        labels: Vec<Option<usize>>,
    },
    /// Cluster of the nearest core track if within `eps`, else noise (DBSCAN).
    DensityCore {
        /// DBSCAN radius.
        eps: f64,
        /// Scaled core rows.
        points: Array2<f64>,
        /// Cluster position of each core row.
        labels: Vec<usize>,
    },
}

/// Where a new track goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// Track id.
    pub track_id: String,
    /// Cluster id (`None`: noise, for DBSCAN models).
    pub cluster: Option<usize>,
    /// Euclidean distance in scaled space to the cluster's centroid (k-means, mixture) or to
    /// the nearest training track of the cluster (agglomerative, DBSCAN).
    pub distance: f64,
    /// In `[0, 1]`: mixture posterior; `1 − d₁/d₂` between the nearest and second nearest
    /// centroid for k-means; share of voting neighbours for agglomerative; `1 − d/eps` for
    /// DBSCAN.
    pub confidence: f64,
}

/// How a cluster of a refitted model relates to the previous model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterMatch {
    /// The cluster's id after alignment.
    pub id: usize,
    /// Whether it took over a cluster of the previous model (same id and name).
    pub matched: bool,
    /// Centroid distance to the previous cluster, in this model's scaled space.
    pub distance: Option<f64>,
}

/// A fitted, saveable model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// [`MODEL_FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// How it was fitted.
    pub params: ModelParams,
    /// The fitted scaler (its dims are the model's dims).
    pub scaler: Scaler,
    /// The clustering of the training table.
    pub clustering: Clustering,
    /// What `assign` uses.
    pub assigner: Assigner,
}

impl Model {
    /// The dims the model reads, in order.
    pub fn dims(&self) -> &[Dim] {
        self.scaler.dims()
    }

    /// Saves as JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Loads from JSON, refusing other format versions.
    pub fn from_json(s: &str) -> Result<Model> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let v: Version = serde_json::from_str(s)?;
        if v.format_version != MODEL_FORMAT_VERSION {
            return Err(ClusterError::ModelVersion {
                found: v.format_version,
                expected: MODEL_FORMAT_VERSION,
            });
        }
        Ok(serde_json::from_str(s)?)
    }

    /// Places the tracks of `table` (which must have the model's dims, in any order, and may
    /// have more) into the existing clusters.
    pub fn assign(&self, table: &FeatureTable) -> Result<Vec<Assignment>> {
        let x = self.scaler.transform(table)?;
        let ids = self
            .clustering
            .clusters
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>();
        let placed: Vec<(Option<usize>, f64, f64)> = match &self.assigner {
            Assigner::Centroids => {
                let c = self.clustering.centroids();
                centroid_assign(&x.view(), &c)
            }
            Assigner::Mixture(g) => {
                let p = g.predict_proba(x.view())?;
                let c = g.means();
                let xs = standard(x.view());
                p.outer_iter()
                    .zip(xs.outer_iter())
                    .map(|(row, xr)| {
                        let mut best = 0;
                        for (j, &v) in row.iter().enumerate() {
                            if v > row[best] {
                                best = j;
                            }
                        }
                        let dist = sq_dist(
                            xr.as_slice().unwrap_or(&[]),
                            c.row(best).as_slice().unwrap_or(&[]),
                        )
                        .sqrt();
                        (Some(best), dist, row[best])
                    })
                    .collect()
            }
            Assigner::Neighbors { k, points, labels } => {
                let kept: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_some()).collect();
                let pts = points.select(Axis(0), &kept);
                let lab: Vec<usize> = kept.iter().filter_map(|&i| labels[i]).collect();
                let index = NeighborIndex::new(pts.view())?;
                let nn = index.query_batch(x.view(), *k)?;
                nn.into_iter()
                    .map(|nbs| {
                        let mut votes: Vec<(usize, usize, f64, f64)> = Vec::new(); // (pos, votes, sum d, min d)
                        for nb in &nbs {
                            let pos = lab[nb.index];
                            match votes.iter_mut().find(|v| v.0 == pos) {
                                Some(v) => {
                                    v.1 += 1;
                                    v.2 += nb.distance;
                                    v.3 = v.3.min(nb.distance);
                                }
                                None => votes.push((pos, 1, nb.distance, nb.distance)),
                            }
                        }
                        votes.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.total_cmp(&b.2)));
                        match votes.first() {
                            Some(&(pos, n, _, dmin)) => {
                                (Some(pos), dmin, n as f64 / nbs.len() as f64)
                            }
                            None => (None, f64::INFINITY, 0.0),
                        }
                    })
                    .collect()
            }
            Assigner::DensityCore {
                eps,
                points,
                labels,
            } => {
                if labels.is_empty() {
                    vec![(None, f64::INFINITY, 0.0); x.nrows()]
                } else {
                    let index = NeighborIndex::new(points.view())?;
                    index
                        .query_batch(x.view(), 1)?
                        .into_iter()
                        .map(|v| match v.first() {
                            Some(nb) if nb.distance <= *eps => {
                                (Some(labels[nb.index]), nb.distance, 1.0 - nb.distance / eps)
                            }
                            Some(nb) => (None, nb.distance, 0.0),
                            None => (None, f64::INFINITY, 0.0),
                        })
                        .collect()
                }
            }
        };
        Ok(table
            .ids()
            .iter()
            .zip(placed)
            .map(|(id, (pos, distance, confidence))| Assignment {
                track_id: id.clone(),
                cluster: pos.and_then(|p| ids.get(p).copied()),
                distance,
                confidence,
            })
            .collect())
    }

    /// An exact nearest-neighbour index of `table`'s tracks in this model's scaled space.
    pub fn track_index(&self, table: &FeatureTable) -> Result<TrackIndex> {
        TrackIndex::new(&self.scaler, table)
    }

    /// The `n` tracks of `table` most like track `id`, in this model's scaled space.
    pub fn similar(&self, table: &FeatureTable, id: &str, n: usize) -> Result<Vec<SimilarTrack>> {
        self.track_index(table)?.similar(id, n)
    }

    /// Renumbers and renames this model's clusters after `previous` (a model of the same
    /// library before it grew): clusters are paired by centroid distance with the Hungarian
    /// algorithm (optimal one-to-one matching), and a paired cluster takes the previous id and
    /// name. Unpaired clusters get fresh ids (above every previous id) and keep their names,
    /// with a suffix if that name is taken. Pairs further apart than `max_distance` (scaled
    /// units) are not matched.
    ///
    /// Centroids are compared in this model's scaled space: the previous centroids are mapped
    /// back to feature units with the previous scaler, then scaled with this one. Both models
    /// must read the same dims (in any order).
    pub fn align_to(
        &mut self,
        previous: &Model,
        max_distance: Option<f64>,
    ) -> Result<Vec<ClusterMatch>> {
        let prev_raw = previous
            .scaler
            .inverse_transform(&previous.clustering.centroids().view())?;
        let prev_names: Vec<&str> = previous.dims().iter().map(|d| d.name.as_str()).collect();
        let mut cols = Vec::with_capacity(self.dims().len());
        for d in self.dims() {
            let c = prev_names
                .iter()
                .position(|n| *n == d.name)
                .ok_or_else(|| ClusterError::MissingDim(d.name.clone()))?;
            cols.push(c);
        }
        if prev_names.len() != cols.len() {
            return Err(invalid(
                "align_to: the two models read different dims; align models of the same selection",
            ));
        }
        let prev_scaled = self
            .scaler
            .transform_array(&prev_raw.select(Axis(1), &cols).view())?;
        let new_c = self.clustering.centroids();
        let (kn, ko) = (new_c.nrows(), prev_scaled.nrows());
        let mut cost = Array2::<f64>::zeros((kn, ko));
        for i in 0..kn {
            for j in 0..ko {
                cost[[i, j]] = new_c
                    .row(i)
                    .iter()
                    .zip(prev_scaled.row(j).iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
            }
        }
        let pairs = hungarian(&cost.view());
        let mut next_id = previous
            .clustering
            .clusters
            .iter()
            .map(|c| c.id + 1)
            .max()
            .unwrap_or(0);
        let old_ids: Vec<usize> = self.clustering.clusters.iter().map(|c| c.id).collect();
        let mut matches = Vec::with_capacity(kn);
        let mut new_ids = vec![0usize; kn];
        for i in 0..kn {
            let pair = pairs[i].filter(|&j| max_distance.is_none_or(|m| cost[[i, j]] <= m));
            match pair {
                Some(j) => {
                    let prev = &previous.clustering.clusters[j];
                    new_ids[i] = prev.id;
                    self.clustering.clusters[i].name = prev.name.clone();
                    matches.push(ClusterMatch {
                        id: prev.id,
                        matched: true,
                        distance: Some(cost[[i, j]]),
                    });
                }
                None => {
                    new_ids[i] = next_id;
                    next_id += 1;
                    matches.push(ClusterMatch {
                        id: new_ids[i],
                        matched: false,
                        distance: pairs[i].map(|j| cost[[i, j]]),
                    });
                }
            }
        }
        // Unmatched clusters keep their names unless a matched cluster now holds them.
        let mut taken: Vec<String> = (0..kn)
            .filter(|&i| matches[i].matched)
            .map(|i| self.clustering.clusters[i].name.clone())
            .collect();
        for i in 0..kn {
            if !matches[i].matched {
                let base = self.clustering.clusters[i].name.clone();
                let mut name = base.clone();
                let mut n = 2;
                while taken.contains(&name) {
                    name = format!("{base} ({n})");
                    n += 1;
                }
                taken.push(name.clone());
                self.clustering.clusters[i].name = name;
            }
        }
        for (c, &id) in self.clustering.clusters.iter_mut().zip(&new_ids) {
            c.id = id;
        }
        for l in self.clustering.labels.iter_mut() {
            if let Some(old) = *l {
                *l = old_ids.iter().position(|&o| o == old).map(|p| new_ids[p]);
            }
        }
        Ok(matches)
    }
}

fn centroid_assign(x: &ArrayView2<'_, f64>, c: &Array2<f64>) -> Vec<(Option<usize>, f64, f64)> {
    let xs = standard(x.view());
    let cs = standard(c.view());
    xs.outer_iter()
        .map(|r| {
            let rs = r.as_slice().unwrap_or(&[]);
            let (mut b1, mut d1, mut d2) = (None, f64::INFINITY, f64::INFINITY);
            for (j, cr) in cs.outer_iter().enumerate() {
                let d = sq_dist(rs, cr.as_slice().unwrap_or(&[])).sqrt();
                if d < d1 {
                    d2 = d1;
                    d1 = d;
                    b1 = Some(j);
                } else if d < d2 {
                    d2 = d;
                }
            }
            let conf = if d2.is_infinite() {
                1.0
            } else if d2 > 0.0 {
                1.0 - d1 / d2
            } else {
                0.0
            };
            (b1, d1, conf)
        })
        .collect()
}

/// Minimum-cost one-to-one matching of rows to columns (Hungarian algorithm, O(n³) on the
/// padded square matrix). `out[i]` is the column matched to row `i`, `None` when there are
/// more rows than columns and row `i` is left over.
pub fn hungarian(cost: &ArrayView2<'_, f64>) -> Vec<Option<usize>> {
    let (r, c) = cost.dim();
    let n = r.max(c);
    if n == 0 {
        return Vec::new();
    }
    // Non-finite costs would stall the potentials: treat them as very large.
    let a = |i: usize, j: usize| -> f64 {
        if i < r && j < c {
            let v = cost[[i, j]];
            if v.is_finite() {
                v
            } else {
                1e300
            }
        } else {
            0.0
        }
    };
    // Potentials u (rows), v (cols), p[j] = row matched to column j (1-based, 0 = none).
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; n + 1];
    let mut p = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0usize;
            for j in 1..=n {
                if !used[j] {
                    let cur = a(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            // j1 == 0 only if no free column was reachable, which cannot happen on a
            // square matrix with finite costs; stop rather than loop.
            if j1 == 0 {
                break;
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![None; r];
    for j in 1..=n {
        let i = p[j];
        if i >= 1 && i - 1 < r && j - 1 < c {
            out[i - 1] = Some(j - 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hungarian_finds_the_optimum() {
        let c = array![[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0]];
        assert_eq!(hungarian(&c.view()), vec![Some(1), Some(0), Some(2)]);
        let wide = array![[9.0, 1.0, 8.0]];
        assert_eq!(hungarian(&wide.view()), vec![Some(1)]);
        let tall = array![[9.0], [1.0], [5.0]];
        assert_eq!(hungarian(&tall.view()), vec![None, Some(0), None]);
    }
}
