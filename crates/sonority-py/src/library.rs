//! `Library` (an existing sonority database, read as columns) and `Model` (a clustering model:
//! loaded from a library, or built from centroids fitted elsewhere and saved into one).

use crate::errors::{cluster_error, library_error, raise, store_error};
use numpy::{IntoPyArray, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sonority_cluster::{Dim, FeatureTable};
use sonority_features::FeatureConfig;
use sonority_library::{
    layout_dims, model_from_centroids, save_imported_model, similar_tracks, Store, TrackRow,
};
use sonority_store::SavedClustering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Opens the database at `path`, which must exist.
fn open_existing(py: Python<'_>, path: &Path) -> PyResult<Store> {
    if !path.is_file() {
        return Err(raise(
            py,
            "DatabaseError",
            format!(
                "no library database at {}: make one with `sonority organize DIR --db {}`",
                path.display(),
                path.display()
            ),
            Some(path),
        ));
    }
    Store::open(path).map_err(|e| store_error(py, &e))
}

/// The model of a saved clustering (a `DatabaseError` naming the database when this build
/// cannot read it).
fn saved_model(py: Python<'_>, store: &Store, saved: &SavedClustering) -> PyResult<Model> {
    saved
        .data
        .model
        .require(saved.id)
        .map(|inner| Model {
            inner: inner.clone().with_words(sonority_library::DIM_WORDS),
        })
        .map_err(|e| {
            raise(
                py,
                "DatabaseError",
                format!("database {}: {e}", store.path().display()),
                Some(store.path()),
            )
        })
}

/// An existing sonority library database.
#[pyclass(module = "sonority._sonority", frozen)]
pub struct Library {
    store: Mutex<Store>,
}

impl Library {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves the store as it was: keep using it.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn latest(&self, py: Python<'_>) -> PyResult<Option<SavedClustering>> {
        self.store()
            .latest_clustering()
            .map_err(|e| store_error(py, &e))
    }
}

fn track_columns<'py>(py: Python<'py>, tracks: &[TrackRow]) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let col = |f: fn(&TrackRow) -> Option<String>| tracks.iter().map(f).collect::<Vec<_>>();
    out.set_item("id", tracks.iter().map(|t| t.id).collect::<Vec<_>>())?;
    out.set_item("path", col(|t| Some(t.path.to_string_lossy().into_owned())))?;
    out.set_item("artist", col(|t| t.tags.artist.clone()))?;
    out.set_item("album", col(|t| t.tags.album.clone()))?;
    out.set_item("title", col(|t| t.tags.title.clone()))?;
    out.set_item("genre", col(|t| t.tags.genre.clone()))?;
    out.set_item(
        "track_no",
        tracks.iter().map(|t| t.tags.track_no).collect::<Vec<_>>(),
    )?;
    out.set_item(
        "duration_s",
        tracks.iter().map(|t| t.duration_s).collect::<Vec<_>>(),
    )?;
    out.set_item(
        "sample_rate",
        tracks.iter().map(|t| t.sample_rate).collect::<Vec<_>>(),
    )?;
    out.set_item(
        "channels",
        tracks.iter().map(|t| t.channels).collect::<Vec<_>>(),
    )?;
    out.set_item("codec", col(|t| t.codec.clone()))?;
    out.set_item("error", col(|t| t.error.clone()))?;
    Ok(out)
}

#[pymethods]
impl Library {
    /// Opens the sonority database at `path` (it must exist).
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Ok(Self {
            store: Mutex::new(open_existing(py, &path)?),
        })
    }

    /// The database file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.store().path().to_path_buf()
    }

    /// Every track (analysed or failed) as columns.
    fn tracks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let tracks = self.store().tracks().map_err(|e| store_error(py, &e))?;
        track_columns(py, &tracks)
    }

    /// The features of the analysed tracks: "track_id", "path", "dims", "values" (rows of
    /// dims). The analysis is the latest clustering's, else the default one.
    fn features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let version = match self.latest(py)? {
            Some(saved) => saved.data.analysis_version,
            None => FeatureConfig::default().analysis_version(),
        };
        let matrix = self
            .store()
            .features_table(&version)
            .map_err(|e| store_error(py, &e))?;
        let out = PyDict::new(py);
        let (tracks, dims, values) = match matrix {
            Some(m) => {
                let dims = layout_dims(&m.layout);
                let mut values = ndarray::Array2::<f64>::zeros((m.tracks.len(), dims.len()));
                for (mut row, (t, v)) in values.outer_iter_mut().zip(m.tracks.iter().zip(&m.values))
                {
                    for (x, y) in row.iter_mut().zip(v.iter()) {
                        *x = *y;
                    }
                    row[dims.len() - 1] = sonority_library::clustering::duration_log(t.duration_s);
                }
                (m.tracks, dims, values)
            }
            None => {
                let dims = sonority_library::analysis_dims(&FeatureConfig::default());
                let d = dims.len();
                (Vec::new(), dims, ndarray::Array2::zeros((0, d)))
            }
        };
        out.set_item("track_id", tracks.iter().map(|t| t.id).collect::<Vec<_>>())?;
        out.set_item(
            "path",
            tracks
                .iter()
                .map(|t| t.path.to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
        )?;
        out.set_item("dims", dims.into_iter().map(|d| d.name).collect::<Vec<_>>())?;
        out.set_item("values", values.into_pyarray(py))?;
        Ok(out)
    }

    /// The clusters (playlists) of the latest clustering: "cluster_id", "name", "family_id",
    /// "family_name", "size" (empty columns when there is no clustering).
    fn clusters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (clusters, families) = match self.latest(py)? {
            Some(saved) => (saved.data.clusters, saved.data.families),
            None => (Vec::new(), Vec::new()),
        };
        let family_name: HashMap<i64, Option<String>> = families
            .into_iter()
            .map(|f| (f.family_id, f.name))
            .collect();
        let out = PyDict::new(py);
        out.set_item(
            "cluster_id",
            clusters.iter().map(|c| c.cluster_id).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "name",
            clusters.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "family_id",
            clusters.iter().map(|c| c.family_id).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "family_name",
            clusters
                .iter()
                .map(|c| {
                    c.family_id
                        .and_then(|f| family_name.get(&f).cloned().flatten())
                })
                .collect::<Vec<_>>(),
        )?;
        out.set_item("size", clusters.iter().map(|c| c.size).collect::<Vec<_>>())?;
        Ok(out)
    }

    /// Each clustered track's playlist and family: "track_id", "path", "cluster_id",
    /// "cluster_name", "family_id", "family_name", "distance".
    fn playlists<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let saved = self.latest(py)?;
        let tracks = self.store().tracks().map_err(|e| store_error(py, &e))?;
        let path_of: HashMap<i64, String> = tracks
            .into_iter()
            .map(|t| (t.id, t.path.to_string_lossy().into_owned()))
            .collect();
        let (assignments, clusters, families) = match saved {
            Some(s) => (s.data.assignments, s.data.clusters, s.data.families),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let cluster: HashMap<i64, (Option<String>, Option<i64>)> = clusters
            .into_iter()
            .map(|c| (c.cluster_id, (c.name, c.family_id)))
            .collect();
        let family: HashMap<i64, Option<String>> = families
            .into_iter()
            .map(|f| (f.family_id, f.name))
            .collect();
        let of = |a: &sonority_library::TrackAssignment| {
            a.cluster_id.and_then(|c| cluster.get(&c).cloned())
        };
        let out = PyDict::new(py);
        out.set_item(
            "track_id",
            assignments.iter().map(|a| a.track_id).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "path",
            assignments
                .iter()
                .map(|a| path_of.get(&a.track_id).cloned())
                .collect::<Vec<_>>(),
        )?;
        out.set_item(
            "cluster_id",
            assignments.iter().map(|a| a.cluster_id).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "cluster_name",
            assignments
                .iter()
                .map(|a| of(a).and_then(|c| c.0))
                .collect::<Vec<_>>(),
        )?;
        let family_id: Vec<Option<i64>> = assignments
            .iter()
            .map(|a| of(a).and_then(|c| c.1))
            .collect();
        out.set_item(
            "family_name",
            family_id
                .iter()
                .map(|f| f.and_then(|f| family.get(&f).cloned().flatten()))
                .collect::<Vec<_>>(),
        )?;
        out.set_item("family_id", family_id)?;
        out.set_item(
            "distance",
            assignments.iter().map(|a| a.distance).collect::<Vec<_>>(),
        )?;
        Ok(out)
    }

    /// The `n` tracks most like `track` (a track id, or the path of a file in the library):
    /// "track_id", "path", "distance", "cluster_id", "cluster_name".
    #[pyo3(signature = (track, n = 10))]
    fn similar<'py>(
        &self,
        py: Python<'py>,
        track: &Bound<'py, PyAny>,
        n: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let store = self.store();
        let path: PathBuf = match track.extract::<i64>() {
            Ok(id) => {
                store
                    .track(id)
                    .map_err(|e| store_error(py, &e))?
                    .ok_or_else(|| {
                        store_error(py, &sonority_library::StoreError::UnknownTrack(id))
                    })?
                    .path
            }
            Err(_) => track.extract::<PathBuf>()?,
        };
        let (_, rows) =
            similar_tracks(&store, &path, n, false).map_err(|e| library_error(py, &e))?;
        let out = PyDict::new(py);
        out.set_item(
            "track_id",
            rows.iter().map(|r| r.track.id).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "path",
            rows.iter()
                .map(|r| r.track.path.to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
        )?;
        out.set_item(
            "distance",
            rows.iter().map(|r| r.distance).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "cluster_id",
            rows.iter().map(|r| r.cluster_id).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "cluster_name",
            rows.iter()
                .map(|r| r.cluster_name.clone())
                .collect::<Vec<_>>(),
        )?;
        Ok(out)
    }

    /// Writes the latest clustering's tracks to the Parquet file `path`, as `sonority export
    /// --format parquet -o PATH` does; returns the row count.
    fn export_parquet(&self, py: Python<'_>, path: PathBuf) -> PyResult<usize> {
        sonority_library::LatestClustering::load(&self.store())
            .and_then(|latest| sonority_library::export_parquet(&latest, &path))
            .map_err(|e| library_error(py, &e))
    }

    /// The model of the latest clustering.
    fn model(&self, py: Python<'_>) -> PyResult<Model> {
        let saved = self
            .latest(py)?
            .ok_or_else(|| library_error(py, &sonority_library::LibraryError::NoClustering))?;
        saved_model(py, &self.store(), &saved)
    }
}

/// A clustering model: dims, a scaler, clusters with centroids (in the scaled space), names
/// and families.
#[pyclass(module = "sonority._sonority", frozen)]
pub struct Model {
    /// Keyed like the library's tracks (its training track ids are store ids).
    inner: sonority_cluster::Model<sonority_library::TrackId>,
}

#[pymethods]
impl Model {
    /// The model of the latest clustering of the database at `path`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
        let store = open_existing(py, &path)?;
        let saved = store
            .latest_clustering()
            .map_err(|e| store_error(py, &e))?
            .ok_or_else(|| library_error(py, &sonority_library::LibraryError::NoClustering))?;
        saved_model(py, &store, &saved)
    }

    /// A model from `k × d` centroids in the space standardised with `mean` and `scale`
    /// (per dim of `dims`).
    #[staticmethod]
    #[pyo3(signature = (centroids, dims, mean, scale, names = None))]
    fn from_centroids(
        py: Python<'_>,
        centroids: PyReadonlyArray2<'_, f64>,
        dims: Vec<String>,
        mean: Vec<f64>,
        scale: Vec<f64>,
        names: Option<Vec<String>>,
    ) -> PyResult<Model> {
        let config = FeatureConfig::default();
        model_from_centroids(
            &config,
            centroids.as_array().to_owned(),
            &dims,
            mean,
            scale,
            names,
        )
        .map(|inner| Model { inner })
        .map_err(|e| library_error(py, &e))
    }

    /// Saves the model into the database at `path` (created if missing) as the library's
    /// current clustering, marked as imported; returns the clustering's id.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<i64> {
        let mut store = Store::open(&path).map_err(|e| store_error(py, &e))?;
        save_imported_model(&mut store, &self.inner, &FeatureConfig::default())
            .map_err(|e| library_error(py, &e))
    }

    /// Cluster id of each row of `x` (columns in `dims` order); -1 where a model places no
    /// cluster (DBSCAN noise).
    fn assign<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, numpy::PyArray1<i64>>> {
        let x = x.as_array().to_owned();
        let dims: Vec<Dim> = self.inner.dims().to_vec();
        if x.ncols() != dims.len() {
            return Err(raise(
                py,
                "ModelError",
                format!(
                    "assign: {} columns for a model of {} dims",
                    x.ncols(),
                    dims.len()
                ),
                None,
            ));
        }
        let ids: Vec<String> = (0..x.nrows()).map(|i| format!("row {i}")).collect();
        let placed = py
            .allow_threads(|| FeatureTable::new(ids, dims, x).and_then(|t| self.inner.assign(&t)))
            .map_err(|e| cluster_error(py, &e))?;
        Ok(placed
            .iter()
            .map(|a| a.cluster.map_or(-1, |c| c as i64))
            .collect::<Vec<_>>()
            .into_pyarray(py))
    }

    /// The dim names the model reads, in order.
    #[getter]
    fn dims(&self) -> Vec<String> {
        self.inner.dims().iter().map(|d| d.name.clone()).collect()
    }

    /// The cluster names, in model order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner
            .clustering
            .clusters
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    /// The cluster ids, in model order (what `assign` returns).
    #[getter]
    fn cluster_ids(&self) -> Vec<usize> {
        self.inner
            .clustering
            .clusters
            .iter()
            .map(|c| c.id)
            .collect()
    }

    /// The family id of each cluster, in model order (-1: none).
    #[getter]
    fn family_ids(&self) -> Vec<i64> {
        self.inner
            .clustering
            .clusters
            .iter()
            .map(|c| c.family.map_or(-1, |f| f as i64))
            .collect()
    }

    /// The family names by family id.
    #[getter]
    fn family_names(&self) -> HashMap<usize, String> {
        self.inner
            .clustering
            .families
            .iter()
            .map(|f| (f.id, f.name.clone()))
            .collect()
    }

    /// The centroids, `k × d`, in the model's scaled space.
    #[getter]
    fn centroids<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray2<f64>> {
        self.inner.clustering.centroids().into_pyarray(py)
    }

    /// The scaler's per-dim center (the mean for a standard scaler).
    #[getter]
    fn mean(&self) -> Vec<f64> {
        self.inner.scaler.center().to_vec()
    }

    /// The scaler's per-dim scale.
    #[getter]
    fn scale(&self) -> Vec<f64> {
        self.inner.scaler.scale().to_vec()
    }

    /// The scaler's per-dim group weight (1 unless the groups were balanced).
    #[getter]
    fn weight(&self) -> Vec<f64> {
        self.inner.scaler.weight().to_vec()
    }

    /// The algorithm that fitted it ("kmeans" for a model from centroids).
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.inner.clustering.algorithm.name()
    }

    fn __len__(&self) -> usize {
        self.inner.clustering.clusters.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Model({} clusters in {} families, {} dims, {})",
            self.inner.clustering.clusters.len(),
            self.inner.clustering.families.len(),
            self.inner.dims().len(),
            self.inner.clustering.algorithm.name()
        )
    }
}
