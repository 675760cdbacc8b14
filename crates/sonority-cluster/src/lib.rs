//! sonority-cluster: turn a table of per-track features into groups a person recognises.
//!
//! The pipeline, each step usable on its own:
//!
//! 1. [`FeatureTable`]: tracks × named dims in named groups; select groups by name. Tracks are
//!    keyed by the caller's id type ([`TrackId`]: `String` by default, or e.g. `i64`), which
//!    the clustering, assignments, models and neighbour indexes carry.
//! 2. [`scale`]: standard, min-max, robust scalers, optionally balancing feature groups.
//! 3. Algorithms: [`kmeans`], [`gmm`] (full / diagonal), [`agglomerative`] (Ward, average,
//!    complete, single; Euclidean or precomputed), [`dbscan`] (eps from the k-distance curve).
//! 4. [`select_k`]: sweep k, score every k, pick one by a documented rule.
//! 5. [`metrics`]: silhouette, Calinski-Harabasz, Davies-Bouldin, homogeneity, completeness,
//!    V-measure, adjusted Rand, contingency table; scikit-learn's definitions to 1e-9.
//! 6. [`describe`]: z-scores per cluster and short distinct names ("bright · noisy · fast")
//!    from a dims→words table the caller passes in ([`DescribeParams::words`]).
//! 7. [`model`]: a saveable [`Model`] that places new tracks and keeps cluster ids stable.
//! 8. [`project`]: 2-D PCA and t-SNE for plots. 9. [`neighbors`]: exact nearest tracks.
//!
//! ```
//! use sonority_cluster::{Dim, FeatureTable, Fit, ModelParams, AlgorithmParams, KMeansParams};
//! use sonority_cluster::{DescribeParams, WordRule};
//!
//! // The caller's words for its dims (sonority-library's `DIM_WORDS` for a music library).
//! const WORDS: &[WordRule] =
//!     &[WordRule::new("tempo", "fast", "slow"), WordRule::new("rms_mean", "loud", "quiet")];
//! let dims = vec![Dim::new("tempo_bpm", "rhythm"), Dim::new("rms_mean_0", "rms")];
//! let rows = (0..40).map(|i| {
//!     let fast = i % 2 == 0;
//!     (format!("track{i}"), vec![if fast { 170.0 } else { 70.0 } + i as f64 * 0.1,
//!                                 if fast { 0.3 } else { 0.05 }])
//! });
//! let table = FeatureTable::from_rows(dims, rows)?;
//! let model = ModelParams::new(AlgorithmParams::KMeans(KMeansParams::new(2)))
//!     .describe(DescribeParams::default().words(WORDS))
//!     .fit(&table)?;
//! let names: Vec<&str> = model.clustering.clusters.iter().map(|c| c.name.as_str()).collect();
//! assert!(names.contains(&"loud · fast") && names.contains(&"quiet · slow"), "{names:?}");
//! let placed = model.assign(&table)?;
//! assert_eq!(placed[0].cluster, model.clustering.labels[0]);
//! # Ok::<(), sonority_cluster::ClusterError>(())
//! ```
//!
//! Everything is f64, deterministic for a seed and independent of the number of threads.
//! No function panics on a caller's data: bad input is a [`ClusterError`].
//!
//! ## linfa
//!
//! The crate sits on ndarray 0.16 like linfa 0.8, but after measuring, none of linfa's
//! algorithms fit; each module says why in its header: k-means ([`kmeans`]: absolute
//! tolerance, non-greedy k-means++, m_k-means update, 2× slower), Gaussian mixture ([`gmm`]:
//! full covariance only, no BIC), DBSCAN ([`dbscan`]: strict `< eps`, no core rows, panics
//! inside), hierarchical ([`agglomerative`]: similarity kernel, not Ward on Euclidean
//! distances; kodama is used), PCA ([`project`]: its iterative SVD missed the leading
//! component on a fixture), nearest neighbours ([`neighbors`]: trees no faster than a scan at
//! 120 dims). linfa-clustering is kept as a dev-dependency for the benchmark's comparison.

// Numeric kernels index several arrays with one loop variable; iterator chains read worse.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod agglomerative;
pub mod clustering;
pub mod dbscan;
pub mod describe;
pub mod error;
pub mod gmm;
pub mod hierarchy;
pub mod kmeans;
pub(crate) mod linalg;
pub mod metrics;
pub mod model;
mod nan_null;
pub mod neighbors;
pub mod project;
pub mod scale;
pub mod select_k;
pub mod table;

pub use agglomerative::{Agglomerative, AgglomerativeParams, Linkage};
pub use clustering::{Algorithm, AlgorithmParams, Cluster, Clustering, Family, Quality};
pub use dbscan::{Dbscan, DbscanParams};
pub use describe::{describe_centroids, ClusterDescription, DescribeParams, DimScore, WordRule};
pub use error::{ClusterError, Result};
pub use gmm::{CovarianceType, GaussianMixture, GmmFit, GmmParams};
pub use hierarchy::{FamilyCount, Hierarchy, HierarchyParams, KChoice};
pub use kmeans::{KMeans, KMeansParams};
pub use model::FAMILY_SEPARATOR;
pub use model::{Assignment, ClusterMatch, Model, ModelParams, MODEL_FORMAT_VERSION};
pub use neighbors::{Neighbor, NeighborIndex, SimilarTrack, TrackIndex};
pub use project::{pca_2d, Projection, TsneParams};
pub use scale::{Scaler, ScalerKind, ScalerParams};
pub use select_k::{KRule, KSweep, KSweepParams, SweepMethod};
pub use table::{Dim, FeatureTable, TrackId};

/// Fitting parameters to records, in linfa's style: parameters are plain builders validated
/// by their `check()` (which `fit` calls first), and `fit` returns the fitted object.
///
/// The algorithms ([`KMeansParams`], [`GmmParams`], [`AgglomerativeParams`], [`DbscanParams`],
/// [`HierarchyParams`]), the k sweep ([`KSweepParams`]) and t-SNE ([`TsneParams`]) fit the rows
/// of a scaled matrix (`ArrayView2<f64>`); [`ScalerParams`] and [`ModelParams`] fit a
/// [`FeatureTable`]. Bring the trait into scope to call `fit`: `use sonority_cluster::Fit;`.
pub trait Fit<Records> {
    /// The fitted result.
    type Fitted;
    /// Validates the parameters and fits them to `records`.
    fn fit(&self, records: Records) -> Result<Self::Fitted>;
}

/// Assigning records to the clusters of a fitted model ([`KMeans`]: nearest centre,
/// [`GaussianMixture`]: most probable component). Bring the trait into scope to call
/// `predict`: `use sonority_cluster::Predict;`.
pub trait Predict<Records> {
    /// Cluster (position) of every row of `records`.
    fn predict(&self, records: Records) -> Result<Vec<usize>>;
}
