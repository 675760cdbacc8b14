//! [`FeatureTable`]: tracks × named feature dims, each dim in a named group.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fmt::{Debug, Display};
use std::hash::Hash;

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, Result};

/// One column of a [`FeatureTable`]: a named dim in a named group.
///
/// Names and groups come from sonority-features' `TrackFeatures` as plain data, e.g.
/// `spectral_centroid_mean_0` in group `spectral`, or `timbre_cov_2_5` in group `timbre`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dim {
    /// Stable name of the dim, unique within a table.
    pub name: String,
    /// Name of the group the dim belongs to (`rms`, `spectral`, `mfcc`, `timbre`, `rhythm`, ...).
    pub group: String,
}

impl Dim {
    /// A dim named `name` in group `group`.
    pub fn new(name: impl Into<String>, group: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            group: group.into(),
        }
    }
}

/// What a track id can be: the caller's own key (a database row id, a path, a string), used
/// as it is by [`FeatureTable`] and everything that carries ids ([`crate::Clustering`],
/// [`crate::Assignment`], [`crate::Model`], [`crate::TrackIndex`], [`crate::SimilarTrack`]).
///
/// It must compare and hash (ids are unique within a table), print (`Display` in error
/// messages, `Debug` in logs), travel inside saved models (serde) and cross threads. Every
/// type with these traits is a `TrackId` (`String`, `i64`, `u32`, ...).
pub trait TrackId:
    Clone + Eq + Hash + Debug + Display + Serialize + DeserializeOwned + Send + Sync + 'static
{
}

impl<T> TrackId for T where
    T: Clone + Eq + Hash + Debug + Display + Serialize + DeserializeOwned + Send + Sync + 'static
{
}

/// A table of per-track features: one row per track (with an id of type `Id`, `String` by
/// default), one named column per dim.
///
/// Every value is finite: construction fails with [`ClusterError::NonFinite`] naming the track
/// and the column otherwise. Track ids and dim names are unique.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTable<Id>", bound(deserialize = "Id: TrackId"))]
pub struct FeatureTable<Id = String> {
    ids: Vec<Id>,
    dims: Vec<Dim>,
    data: Array2<f64>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "Id: TrackId"))]
struct RawTable<Id> {
    ids: Vec<Id>,
    dims: Vec<Dim>,
    data: Array2<f64>,
}

impl<Id: TrackId> TryFrom<RawTable<Id>> for FeatureTable<Id> {
    type Error = ClusterError;
    fn try_from(raw: RawTable<Id>) -> Result<Self> {
        FeatureTable::from_ids(raw.ids, raw.dims, raw.data)
    }
}

impl FeatureTable {
    /// A table from string track ids, dims and an `ids.len() × dims.len()` matrix (see
    /// [`FeatureTable::from_ids`] for other id types).
    pub fn new(ids: Vec<String>, dims: Vec<Dim>, data: Array2<f64>) -> Result<Self> {
        Self::from_ids(ids, dims, data)
    }

    /// A table from `(track id, values)` rows with string ids; every row must have
    /// `dims.len()` values (see [`FeatureTable::from_id_rows`] for other id types).
    pub fn from_rows<I, S>(dims: Vec<Dim>, rows: I) -> Result<Self>
    where
        I: IntoIterator<Item = (S, Vec<f64>)>,
        S: Into<String>,
    {
        Self::from_id_rows(dims, rows.into_iter().map(|(id, v)| (id.into(), v)))
    }
}

impl<Id: TrackId> FeatureTable<Id> {
    /// A table from track ids of any [`TrackId`] type, dims and an `ids.len() × dims.len()`
    /// matrix.
    pub fn from_ids(ids: Vec<Id>, dims: Vec<Dim>, data: Array2<f64>) -> Result<Self> {
        if data.nrows() != ids.len() {
            return Err(ClusterError::Shape(format!(
                "{} track ids for {} rows",
                ids.len(),
                data.nrows()
            )));
        }
        if data.ncols() != dims.len() {
            return Err(ClusterError::Shape(format!(
                "{} dims for {} columns",
                dims.len(),
                data.ncols()
            )));
        }
        let mut seen = HashSet::with_capacity(ids.len());
        for id in &ids {
            if !seen.insert(id) {
                return Err(ClusterError::DuplicateTrack(id.to_string()));
            }
        }
        let mut seen = HashSet::with_capacity(dims.len());
        for d in &dims {
            if d.name.is_empty() || d.group.is_empty() {
                return Err(ClusterError::Shape(format!(
                    "dim {:?} in group {:?}: names and groups must not be empty",
                    d.name, d.group
                )));
            }
            if !seen.insert(d.name.as_str()) {
                return Err(ClusterError::DuplicateDim(d.name.clone()));
            }
        }
        for (r, row) in data.axis_iter(Axis(0)).enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(ClusterError::NonFinite {
                        track: ids[r].to_string(),
                        column: dims[c].name.clone(),
                        value: v,
                    });
                }
            }
        }
        let data = data.as_standard_layout().into_owned();
        Ok(Self { ids, dims, data })
    }

    /// A table from `(track id, values)` rows with ids of any [`TrackId`] type; every row
    /// must have `dims.len()` values.
    pub fn from_id_rows<I>(dims: Vec<Dim>, rows: I) -> Result<Self>
    where
        I: IntoIterator<Item = (Id, Vec<f64>)>,
    {
        let mut ids = Vec::new();
        let mut flat = Vec::new();
        for (id, values) in rows {
            let id: Id = id;
            if values.len() != dims.len() {
                return Err(ClusterError::Shape(format!(
                    "track {:?} has {} values for {} dims",
                    id.to_string(),
                    values.len(),
                    dims.len()
                )));
            }
            ids.push(id);
            flat.extend(values);
        }
        let data = Array2::from_shape_vec((ids.len(), dims.len()), flat)
            .map_err(|e| ClusterError::Shape(e.to_string()))?;
        Self::from_ids(ids, dims, data)
    }

    /// Track ids, one per row.
    pub fn ids(&self) -> &[Id] {
        &self.ids
    }

    /// Dims, one per column.
    pub fn dims(&self) -> &[Dim] {
        &self.dims
    }

    /// Names of the dims, one per column.
    pub fn dim_names(&self) -> Vec<&str> {
        self.dims.iter().map(|d| d.name.as_str()).collect()
    }

    /// The values, `n_tracks × n_dims`, row-major.
    pub fn data(&self) -> ArrayView2<'_, f64> {
        self.data.view()
    }

    /// Number of tracks (rows).
    pub fn n_tracks(&self) -> usize {
        self.ids.len()
    }

    /// Number of dims (columns).
    pub fn n_dims(&self) -> usize {
        self.dims.len()
    }

    /// True when the table has no tracks.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The distinct groups, in order of first appearance.
    pub fn groups(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for d in &self.dims {
            if !out.contains(&d.group.as_str()) {
                out.push(&d.group);
            }
        }
        out
    }

    /// Row index of track `id` (for `String` ids, a `&str` will do).
    pub fn index_of<Q>(&self, id: &Q) -> Result<usize>
    where
        Id: Borrow<Q>,
        Q: PartialEq + Display + ?Sized,
    {
        self.ids
            .iter()
            .position(|x| x.borrow() == id)
            .ok_or_else(|| ClusterError::UnknownTrack(id.to_string()))
    }

    /// Values of track `id`.
    pub fn row<Q>(&self, id: &Q) -> Result<ArrayView1<'_, f64>>
    where
        Id: Borrow<Q>,
        Q: PartialEq + Display + ?Sized,
    {
        Ok(self.data.row(self.index_of(id)?))
    }

    /// Column index of dim `name`.
    pub fn column_of(&self, name: &str) -> Result<usize> {
        self.dims
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| ClusterError::MissingDim(name.to_string()))
    }

    /// A table with only the dims of the named groups, in this table's column order.
    ///
    /// Fails with [`ClusterError::UnknownGroup`] if a group has no dim here.
    pub fn select_groups<S: AsRef<str>>(&self, groups: &[S]) -> Result<FeatureTable<Id>> {
        if groups.is_empty() {
            return Err(ClusterError::InvalidParam(
                "select_groups: no group given".into(),
            ));
        }
        let known = self.groups();
        for g in groups {
            if !known.contains(&g.as_ref()) {
                return Err(ClusterError::UnknownGroup {
                    group: g.as_ref().to_string(),
                    known: known.join(", "),
                });
            }
        }
        let cols: Vec<usize> = (0..self.dims.len())
            .filter(|&c| groups.iter().any(|g| g.as_ref() == self.dims[c].group))
            .collect();
        Ok(self.take_columns(&cols))
    }

    /// A table with the named dims, in the order given (useful to align a table with a model).
    pub fn select_dims<S: AsRef<str>>(&self, names: &[S]) -> Result<FeatureTable<Id>> {
        let index: HashMap<&str, usize> = self
            .dims
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.as_str(), i))
            .collect();
        let mut cols = Vec::with_capacity(names.len());
        let mut seen = HashSet::new();
        for n in names {
            let n = n.as_ref();
            let c = *index
                .get(n)
                .ok_or_else(|| ClusterError::MissingDim(n.to_string()))?;
            if !seen.insert(c) {
                return Err(ClusterError::DuplicateDim(n.to_string()));
            }
            cols.push(c);
        }
        Ok(self.take_columns(&cols))
    }

    /// A table with the given rows (by index), in the order given.
    pub fn select_rows(&self, rows: &[usize]) -> Result<FeatureTable<Id>> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.n_tracks()) {
            return Err(ClusterError::InvalidParam(format!(
                "row {bad} out of range for {} tracks",
                self.n_tracks()
            )));
        }
        let ids: Vec<Id> = rows.iter().map(|&r| self.ids[r].clone()).collect();
        let data = self.data.select(Axis(0), rows);
        FeatureTable::from_ids(ids, self.dims.clone(), data)
    }

    fn take_columns(&self, cols: &[usize]) -> FeatureTable<Id> {
        FeatureTable {
            ids: self.ids.clone(),
            dims: cols.iter().map(|&c| self.dims[c].clone()).collect(),
            data: self.data.select(Axis(1), cols),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn dims() -> Vec<Dim> {
        vec![
            Dim::new("rms_mean_0", "rms"),
            Dim::new("tempo_bpm", "rhythm"),
            Dim::new("mfcc_mean_1", "mfcc"),
        ]
    }

    #[test]
    fn nan_names_track_and_column() {
        let err = FeatureTable::new(
            vec!["a".into(), "b".into()],
            dims(),
            array![[1.0, 2.0, 3.0], [1.0, f64::NAN, 3.0]],
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("\"b\"") && msg.contains("tempo_bpm"), "{msg}");
        let err = FeatureTable::from_rows(dims(), vec![("x", vec![f64::INFINITY, 0.0, 0.0])])
            .unwrap_err();
        assert!(err.to_string().contains("rms_mean_0"));
    }

    #[test]
    fn select_groups_and_dims() {
        let t = FeatureTable::from_rows(
            dims(),
            vec![("a", vec![1.0, 2.0, 3.0]), ("b", vec![4.0, 5.0, 6.0])],
        )
        .unwrap();
        let s = t.select_groups(&["mfcc", "rms"]).unwrap();
        assert_eq!(s.dim_names(), vec!["rms_mean_0", "mfcc_mean_1"]);
        assert_eq!(s.data(), array![[1.0, 3.0], [4.0, 6.0]]);
        assert!(matches!(
            t.select_groups(&["chroma"]),
            Err(ClusterError::UnknownGroup { .. })
        ));
        let s = t.select_dims(&["tempo_bpm", "rms_mean_0"]).unwrap();
        assert_eq!(s.data(), array![[2.0, 1.0], [5.0, 4.0]]);
        assert!(matches!(
            t.select_dims(&["nope"]),
            Err(ClusterError::MissingDim(_))
        ));
        assert_eq!(t.row("b").unwrap(), array![4.0, 5.0, 6.0]);
        assert!(t.row("zz").is_err());
    }

    #[test]
    fn duplicates_and_shapes_rejected() {
        assert!(FeatureTable::from_rows(
            dims(),
            vec![("a", vec![1.0, 2.0, 3.0]), ("a", vec![1.0, 2.0, 3.0])]
        )
        .is_err());
        assert!(FeatureTable::from_rows(dims(), vec![("a", vec![1.0])]).is_err());
        let mut d = dims();
        d[1].name = "rms_mean_0".into();
        assert!(FeatureTable::new(vec!["a".into()], d, array![[1.0, 2.0, 3.0]]).is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let t = FeatureTable::from_rows(dims(), vec![("a", vec![1.0, 2.0, 3.0])]).unwrap();
        let s = serde_json::to_string(&t).unwrap();
        let back: FeatureTable = serde_json::from_str(&s).unwrap();
        assert_eq!(t, back);
        let bad = s.replace("\"a\"", "\"a\",\"b\"");
        assert!(serde_json::from_str::<FeatureTable>(&bad).is_err());
    }
}
