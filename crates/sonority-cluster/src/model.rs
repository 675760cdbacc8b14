//! [`Model`]: everything needed to place new tracks into existing clusters, saved as JSON.
//!
//! A model holds the fitted scaler (and so the selected dims), the clustering (labels,
//! centroids, names, quality), the algorithm's parameters, what `assign` needs (centroids, the
//! mixture, or the training points) and a format version. Reclustering a grown library can be
//! aligned to the previous model ([`Model::align_to`]) so that cluster ids and names stay put.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::clustering::{AlgorithmParams, Cluster, Clustering, Family, Quality};
use crate::describe::{describe, describe_centroids, DescribeParams, WordRule};
use crate::error::{invalid, ClusterError, Result};
use crate::gmm::GaussianMixture;
use crate::hierarchy::{families_of, FamilyCount};
use crate::kmeans::KMeansParams;
use crate::linalg::{sq_dist, standard};
use crate::neighbors::{NeighborIndex, SimilarTrack, TrackIndex};
use crate::scale::{Scaler, ScalerParams};
use crate::table::{Dim, FeatureTable, TrackId};
use std::borrow::Borrow;
use std::fmt::Display;

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
}

impl<'a, Id: TrackId> crate::Fit<&'a FeatureTable<Id>> for ModelParams {
    type Fitted = Model<Id>;

    /// Selects the groups, fits the scaler, clusters, scores and names the clusters.
    fn fit(&self, table: &'a FeatureTable<Id>) -> Result<Model<Id>> {
        self.check()?;
        let selected = match &self.groups {
            Some(g) => table.select_groups(g)?,
            None => table.clone(),
        };
        let scaler = self.scaler.fit(&selected)?;
        let x = scaler.transform(&selected)?;
        let xv = x.view();
        let ids = selected.ids().to_vec();
        let mut tree_families: Option<Vec<usize>> = None;
        let (labels, k, bic, algorithm, assigner) = match &self.algorithm {
            AlgorithmParams::Hierarchical(p) => {
                let h = p.fit(xv)?;
                let k = h.n_playlists();
                tree_families = Some(h.family_of);
                (
                    h.labels.into_iter().map(Some).collect(),
                    k,
                    None,
                    self.algorithm.clone(),
                    Assigner::Centroids,
                )
            }
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
        let nested = tree_families.is_some();
        let family_of = match tree_families {
            Some(f) => f,
            None => {
                let sizes: Vec<f64> = clustering
                    .clusters
                    .iter()
                    .map(|c| c.size.max(1) as f64)
                    .collect();
                families_of(clustering.centroids().view(), &sizes, FamilyCount::Auto)?
            }
        };
        name_families(
            &mut clustering,
            &selected,
            &labels,
            &family_of,
            &self.describe,
            nested,
        )?;
        Ok(Model {
            format_version: MODEL_FORMAT_VERSION,
            params: self.clone(),
            scaler,
            clustering,
            assigner,
        })
    }
}

/// Separates a family's name from a playlist's own words in the playlist's full name.
pub const FAMILY_SEPARATOR: &str = " / ";

/// Fills `clustering.families` (ids, members, centroids, names) from the family of each cluster
/// position. With `nested` (playlists of a [`crate::hierarchy`]), each cluster is renamed
/// "family / what sets it apart inside the family"; otherwise clusters keep their own names.
fn name_families<Id: TrackId>(
    clustering: &mut Clustering<Id>,
    table: &FeatureTable<Id>,
    labels: &[Option<usize>],
    family_of: &[usize],
    params: &DescribeParams,
    nested: bool,
) -> Result<()> {
    let n_families = family_of.iter().max().map_or(0, |m| m + 1);
    let row_family: Vec<Option<usize>> = labels
        .iter()
        .map(|l| l.and_then(|c| family_of.get(c).copied()))
        .collect();
    let desc = describe(table, &row_family, n_families, params)?;
    let dims = clustering.clusters.first().map_or(0, |c| c.centroid.len());
    let mut families: Vec<Family> = desc
        .into_iter()
        .enumerate()
        .map(|(f, d)| Family {
            id: f,
            size: d.size,
            clusters: Vec::new(),
            centroid: vec![0.0; dims],
            name: d.name,
            top: d.top,
        })
        .collect();
    for (c, &f) in clustering.clusters.iter_mut().zip(family_of) {
        c.family = Some(f);
        let fam = &mut families[f];
        fam.clusters.push(c.id);
        for (acc, v) in fam.centroid.iter_mut().zip(&c.centroid) {
            *acc += v * c.size as f64;
        }
    }
    for fam in &mut families {
        let size = fam.size.max(1) as f64;
        fam.centroid.iter_mut().for_each(|v| *v /= size);
    }
    if nested {
        let own = DescribeParams {
            words_per_name: params.words_per_name.min(2),
            ..params.clone()
        };
        for fam in &families {
            let positions: Vec<usize> = (0..family_of.len())
                .filter(|&c| family_of[c] == fam.id)
                .collect();
            if positions.len() == 1 {
                clustering.clusters[positions[0]].name = fam.name.clone();
                continue;
            }
            let rows: Vec<usize> = (0..labels.len())
                .filter(|&i| row_family[i] == Some(fam.id))
                .collect();
            let local: Vec<Option<usize>> = rows
                .iter()
                .map(|&i| labels[i].and_then(|c| positions.iter().position(|&p| p == c)))
                .collect();
            let sub = table.select_rows(&rows)?;
            for (d, &pos) in describe(&sub, &local, positions.len(), &own)?
                .into_iter()
                .zip(&positions)
            {
                clustering.clusters[pos].name =
                    format!("{}{FAMILY_SEPARATOR}{}", fam.name, own_words(&d.name));
            }
        }
    }
    clustering.families = families;
    Ok(())
}

/// `base`, or `base (2)`, `base (3)`, ... whichever is not in `taken`; added to `taken`.
fn claim_name(base: &str, taken: &mut Vec<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base} ({n})");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// A playlist's own words within its family: a playlist that stands out on nothing there is the
/// family's "core" (describe's "average" reads as a judgement of the music).
fn own_words(described: &str) -> String {
    match described.strip_prefix("average") {
        Some(rest) => format!("core{rest}"),
        None => described.to_string(),
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
#[serde(bound(deserialize = "Id: TrackId"))]
pub struct Assignment<Id = String> {
    /// Track id (the placed table's [`TrackId`]).
    pub track_id: Id,
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

/// A fitted, saveable model. `Id` is the [`TrackId`] of its training table (`String` by
/// default); the tracks it places or compares may have ids of any type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "Id: TrackId"))]
pub struct Model<Id = String> {
    /// [`MODEL_FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// How it was fitted.
    pub params: ModelParams,
    /// The fitted scaler (its dims are the model's dims).
    pub scaler: Scaler,
    /// The clustering of the training table.
    pub clustering: Clustering<Id>,
    /// What `assign` uses.
    pub assigner: Assigner,
}

impl<Id: TrackId> Model<Id> {
    /// The dims the model reads, in order.
    pub fn dims(&self) -> &[Dim] {
        self.scaler.dims()
    }

    /// A model from `k` centroids fitted elsewhere: row `c` of `centroids` is cluster `c`'s
    /// centre in the space standardised with `mean` and `scale` (per dim of `dims`, in that
    /// order), which is what a k-means fitted after a standard scaler (scikit-learn's
    /// `StandardScaler`, Spark's `StandardScaler(withMean=True, withStd=True)`) gives. New
    /// tracks are placed at the nearest centroid ([`Model::assign`]), cluster `c` gets id `c`.
    ///
    /// `names`, when given, name the clusters (one each); otherwise they are named by their
    /// centroids, as [`describe_centroids`] says (a centroid's value on a dim is its z-score).
    /// Families group the clusters by the size-weighted Ward linkage of
    /// [`crate::hierarchy::families_of`] with unit weights (the cluster sizes are not known),
    /// their number chosen as for a fitted library ([`FamilyCount::Auto`]), and are named by
    /// the mean of their clusters' centroids. Names come from the dims→words table `words`
    /// ([`DescribeParams::words`]), which the model keeps. The model has no training tracks:
    /// its clustering has no labels, sizes 0 and no quality scores.
    pub fn from_centroids(
        dims: Vec<Dim>,
        centroids: Array2<f64>,
        mean: Vec<f64>,
        scale: Vec<f64>,
        names: Option<Vec<String>>,
        words: &'static [WordRule],
    ) -> Result<Model<Id>> {
        let k = centroids.nrows();
        if k == 0 {
            return Err(invalid("from_centroids: no centroids"));
        }
        if centroids.ncols() != dims.len() {
            return Err(invalid(format!(
                "from_centroids: centroids have {} columns for {} dims",
                centroids.ncols(),
                dims.len()
            )));
        }
        if let Some((c, j)) = centroids
            .indexed_iter()
            .find(|(_, v)| !v.is_finite())
            .map(|(ix, _)| ix)
        {
            return Err(invalid(format!(
                "from_centroids: centroid {c} is not finite on {:?}",
                dims[j].name
            )));
        }
        if let Some(n) = &names {
            if n.len() != k {
                return Err(invalid(format!(
                    "from_centroids: {} names for {k} centroids",
                    n.len()
                )));
            }
        }
        let scaler = Scaler::standard_from(dims, mean, scale)?;
        let params = ModelParams::new(AlgorithmParams::KMeans(KMeansParams::new(k)))
            .describe(DescribeParams::default().words(words));
        let describe_params = &params.describe;
        let described = describe_centroids(
            scaler.dims(),
            centroids.view(),
            scaler.center(),
            scaler.scale(),
            describe_params,
        )?;
        let names: Vec<String> = match names {
            Some(n) => n,
            None => described.iter().map(|d| d.name.clone()).collect(),
        };
        let family_of = families_of(centroids.view(), &vec![1.0; k], FamilyCount::Auto)?;
        let n_families = family_of.iter().max().map_or(0, |m| m + 1);
        let mut family_centroids = Array2::<f64>::zeros((n_families, centroids.ncols()));
        let mut members = vec![0usize; n_families];
        for (c, &f) in family_of.iter().enumerate() {
            family_centroids
                .row_mut(f)
                .zip_mut_with(&centroids.row(c), |acc, v| *acc += v);
            members[f] += 1;
        }
        for (mut row, &m) in family_centroids.outer_iter_mut().zip(&members) {
            row.mapv_inplace(|v| v / m.max(1) as f64);
        }
        let family_desc = describe_centroids(
            scaler.dims(),
            family_centroids.view(),
            scaler.center(),
            scaler.scale(),
            describe_params,
        )?;
        let clusters = described
            .into_iter()
            .zip(names)
            .enumerate()
            .map(|(c, (d, name))| Cluster {
                id: c,
                size: 0,
                centroid: centroids.row(c).to_vec(),
                name,
                top: d.top,
                family: Some(family_of[c]),
            })
            .collect();
        let families = family_desc
            .into_iter()
            .enumerate()
            .map(|(f, d)| Family {
                id: f,
                size: 0,
                clusters: (0..k).filter(|&c| family_of[c] == f).collect(),
                centroid: family_centroids.row(f).to_vec(),
                name: d.name,
                top: d.top,
            })
            .collect();
        let clustering = Clustering {
            algorithm: params.algorithm.clone(),
            track_ids: Vec::new(),
            labels: Vec::new(),
            clusters,
            quality: Quality::default(),
            families,
        };
        Ok(Model {
            format_version: MODEL_FORMAT_VERSION,
            params,
            scaler,
            clustering,
            assigner: Assigner::Centroids,
        })
    }

    /// The model with the dims→words table `words` ([`DescribeParams::words`]), which is not
    /// saved: give it back to a model loaded from JSON before naming anything with it.
    pub fn with_words(mut self, words: &'static [WordRule]) -> Self {
        self.params.describe.words = words;
        self
    }

    /// Saves as JSON (without the dims→words table, see [`Model::with_words`]).
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Loads from JSON, refusing other format versions.
    pub fn from_json(s: &str) -> Result<Model<Id>> {
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
    pub fn assign<T: TrackId>(&self, table: &FeatureTable<T>) -> Result<Vec<Assignment<T>>> {
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
    pub fn track_index<T: TrackId>(&self, table: &FeatureTable<T>) -> Result<TrackIndex<T>> {
        TrackIndex::new(&self.scaler, table)
    }

    /// The `n` tracks of `table` most like track `id`, in this model's scaled space.
    pub fn similar<T, Q>(
        &self,
        table: &FeatureTable<T>,
        id: &Q,
        n: usize,
    ) -> Result<Vec<SimilarTrack<T>>>
    where
        T: TrackId + Borrow<Q>,
        Q: PartialEq + Display + ?Sized,
    {
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
    pub fn align_to<P: TrackId>(
        &mut self,
        previous: &Model<P>,
        max_distance: Option<f64>,
    ) -> Result<Vec<ClusterMatch>> {
        let prev_scaled = self.rescale(previous, &previous.clustering.centroids())?;
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
                let name = claim_name(&self.clustering.clusters[i].name, &mut taken);
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
        self.align_families(previous, &matches)?;
        Ok(matches)
    }

    /// Centroids of `previous` (rows in its scaled space) mapped into this model's scaled
    /// space: back to feature units with the previous scaler, then scaled with this one.
    fn rescale<P: TrackId>(&self, previous: &Model<P>, rows: &Array2<f64>) -> Result<Array2<f64>> {
        let prev_raw = previous.scaler.inverse_transform(&rows.view())?;
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
        self.scaler
            .transform_array(&prev_raw.select(Axis(1), &cols).view())
    }

    /// Families take over the ids and names of the previous model's nearest families
    /// (Hungarian matching on centroids, as clusters do); playlists of a hierarchy are renamed
    /// "family / own words", keeping the own words of the playlist they took over.
    fn align_families<P: TrackId>(
        &mut self,
        previous: &Model<P>,
        matches: &[ClusterMatch],
    ) -> Result<()> {
        let prev = &previous.clustering.families;
        let kn = self.clustering.families.len();
        if kn == 0 {
            return Ok(());
        }
        let mut new_ids: Vec<usize> = (0..kn).collect();
        let mut names: Vec<String> = self
            .clustering
            .families
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut matched = vec![false; kn];
        if !prev.is_empty() {
            let d = prev[0].centroid.len();
            let prev_c = Array2::from_shape_fn((prev.len(), d), |(i, j)| prev[i].centroid[j]);
            let prev_scaled = self.rescale(previous, &prev_c)?;
            // Row by row through iterators: the rescaled array need not be in standard layout.
            let cost = Array2::from_shape_fn((kn, prev.len()), |(i, j)| {
                self.clustering.families[i]
                    .centroid
                    .iter()
                    .zip(prev_scaled.row(j).iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            });
            let pairs = hungarian(&cost.view());
            let mut next_id = prev.iter().map(|f| f.id + 1).max().unwrap_or(0);
            for i in 0..kn {
                match pairs[i] {
                    Some(j) => {
                        new_ids[i] = prev[j].id;
                        names[i] = prev[j].name.clone();
                        matched[i] = true;
                    }
                    None => {
                        new_ids[i] = next_id;
                        next_id += 1;
                    }
                }
            }
        }
        let taken: Vec<String> = (0..kn)
            .filter(|&i| matched[i])
            .map(|i| names[i].clone())
            .collect();
        let mut used = taken;
        for i in 0..kn {
            if !matched[i] {
                names[i] = claim_name(&names[i], &mut used);
            }
        }
        let old_family_ids: Vec<usize> = self.clustering.families.iter().map(|f| f.id).collect();
        for (i, f) in self.clustering.families.iter_mut().enumerate() {
            f.id = new_ids[i];
            f.name = names[i].clone();
            f.clusters.clear();
        }
        let nested = matches!(self.params.algorithm, AlgorithmParams::Hierarchical(_));
        let own_words = |name: &str| -> String {
            name.rsplit(FAMILY_SEPARATOR)
                .next()
                .unwrap_or(name)
                .to_string()
        };
        let mut full_names: Vec<String> = Vec::new();
        for (pos, c) in self.clustering.clusters.iter_mut().enumerate() {
            let Some(old) = c.family else { continue };
            let Some(fi) = old_family_ids.iter().position(|&o| o == old) else {
                continue;
            };
            c.family = Some(new_ids[fi]);
            self.clustering.families[fi].clusters.push(c.id);
            if nested {
                let own = match matches.get(pos) {
                    Some(m) if m.matched => previous
                        .clustering
                        .cluster(m.id)
                        .map_or_else(|| own_words(&c.name), |p| own_words(&p.name)),
                    _ => own_words(&c.name),
                };
                let alone = self.clustering.families[fi].size == c.size;
                let base = if alone {
                    names[fi].clone()
                } else {
                    format!("{}{FAMILY_SEPARATOR}{own}", names[fi])
                };
                c.name = claim_name(&base, &mut full_names);
            }
        }
        Ok(())
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
    fn a_playlist_without_words_is_its_familys_core() {
        assert_eq!(own_words("average"), "core");
        assert_eq!(own_words("average (2)"), "core (2)");
        assert_eq!(own_words("dark · slow"), "dark · slow");
    }

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
