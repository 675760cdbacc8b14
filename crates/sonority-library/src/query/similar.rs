//! "Tracks like this one": the nearest tracks in the latest clustering's scaled feature space;
//! and "artists that sound alike": artists ranked by the mean distance between their tracks and
//! the given artist's.

use crate::error::{LibraryError, Result};
use crate::latest::LatestClustering;
use serde::Serialize;
use sonority_cluster::{FeatureTable, Model};
use sonority_store::{Store, TrackId, TrackRow};
use std::collections::HashMap;
use std::path::Path;

/// One answer of [`similar_tracks`].
#[derive(Debug, Clone, Serialize)]
pub struct SimilarTrackRow {
    /// The track.
    pub track: TrackRow,
    /// Euclidean distance in the clustering's scaled space (0 = identical features).
    pub distance: f64,
    /// Its cluster in the latest clustering.
    pub cluster_id: Option<i64>,
    /// That cluster's name.
    pub cluster_name: Option<String>,
}

/// The `n` tracks most like the file at `path` (which must be in the library), the seed itself
/// left out; with `exclude_same_artist`, tracks whose artist tag equals the seed's (ignoring
/// case) are left out too.
pub fn similar_tracks(
    store: &Store,
    path: &Path,
    n: usize,
    exclude_same_artist: bool,
) -> Result<(TrackRow, Vec<SimilarTrackRow>)> {
    let canonical = path.canonicalize().map_err(|source| LibraryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let seed = store
        .track_by_path(&canonical)?
        .ok_or_else(|| LibraryError::NotInLibrary(path.to_path_buf()))?;
    if let Some(e) = &seed.error {
        return Err(LibraryError::NotAnalysed {
            path: path.to_path_buf(),
            reason: e.clone(),
        });
    }
    let latest = LatestClustering::load(store)?;
    let index = latest.model.track_index(&latest.table)?;
    let by_id: std::collections::HashMap<TrackId, &TrackRow> =
        latest.tracks.iter().map(|t| (t.id, t)).collect();
    let cluster_of = latest.cluster_of();
    let names = latest.names();
    let same_artist = |t: &TrackRow| match (&seed.tags.artist, &t.tags.artist) {
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    };
    // Ask for everything when filtering by artist: the filter may remove many.
    let want = if exclude_same_artist {
        latest.tracks.len()
    } else {
        n
    };
    let mut out = Vec::new();
    for s in index.similar(&seed.id, want)? {
        let Some(track) = by_id.get(&s.id) else {
            continue;
        };
        if track.id == seed.id || (exclude_same_artist && same_artist(track)) {
            continue;
        }
        let cluster_id = cluster_of.get(&track.id).copied().flatten();
        out.push(SimilarTrackRow {
            track: (*track).clone(),
            distance: s.distance,
            cluster_id,
            cluster_name: cluster_id.and_then(|c| names.get(&c).cloned()),
        });
        if out.len() == n {
            break;
        }
    }
    Ok((seed, out))
}

/// One answer of [`similar_artists`].
#[derive(Debug, Clone, Serialize)]
pub struct SimilarArtistRow {
    /// The artist, as tagged (the first spelling met).
    pub artist: String,
    /// Tracks of that artist in the clustering.
    pub tracks: usize,
    /// Mean Euclidean distance between that artist's tracks and the given artist's, in the
    /// clustering's scaled space.
    pub distance: f64,
}

/// The `n` artists whose tracks sound most like `artist`'s (artist tags compared ignoring case
/// and surrounding space): ranked by the mean distance over every pair of one track of each,
/// as studies of streaming catalogues compare artists. Returns the given artist's own spelling
/// and track count first.
pub fn similar_artists(
    store: &Store,
    artist: &str,
    n: usize,
) -> Result<(SimilarArtistRow, Vec<SimilarArtistRow>)> {
    let latest = LatestClustering::load(store)?;
    let space = ArtistSpace::new(&latest.model, &latest.table, &latest.tracks)?;
    space.similar(artist, n, None)
}

/// The tracks of a library in a model's scaled space, grouped by artist tag: what
/// [`similar_artists`] ranks, built once to answer several artists (the report asks for many).
pub(crate) struct ArtistSpace {
    /// Scaled features, one row of `dims` values per track of the table, row after row.
    x: Vec<f64>,
    /// Values per row.
    dims: usize,
    /// (key, first spelling, rows) per artist, in order of first appearance.
    artists: Vec<(String, String, Vec<usize>)>,
}

impl ArtistSpace {
    /// Scales `table` with the model and groups its rows (`tracks` in the same order) by
    /// artist tag; tracks without one are left out.
    pub(crate) fn new(
        model: &Model<TrackId>,
        table: &FeatureTable<TrackId>,
        tracks: &[TrackRow],
    ) -> Result<Self> {
        let scaled = model.scaler.transform(table)?;
        let dims = scaled.ncols();
        let x: Vec<f64> = scaled.iter().copied().collect();
        let mut artists: Vec<(String, String, Vec<usize>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, t) in tracks.iter().enumerate() {
            let Some(a) = t.tags.artist.as_deref().filter(|a| !a.trim().is_empty()) else {
                continue;
            };
            let k = artist_key(a);
            match index.get(&k) {
                Some(&pos) => artists[pos].2.push(i),
                None => {
                    index.insert(k.clone(), artists.len());
                    artists.push((k, a.trim().to_string(), vec![i]));
                }
            }
        }
        Ok(Self { x, dims, artists })
    }

    /// Artists (first spelling) and their track counts, most tracks first (then by name).
    pub(crate) fn by_tracks(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = self
            .artists
            .iter()
            .map(|(_, name, rows)| (name.clone(), rows.len()))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// As [`similar_artists`]; with `max_seed_tracks`, an artist with more tracks is compared
    /// through that many of them, evenly spaced through its list (the cost grows with the
    /// seed's tracks times the library's).
    pub(crate) fn similar(
        &self,
        artist: &str,
        n: usize,
        max_seed_tracks: Option<usize>,
    ) -> Result<(SimilarArtistRow, Vec<SimilarArtistRow>)> {
        let wanted = artist_key(artist);
        let Some(seed_pos) = self.artists.iter().position(|(k, _, _)| *k == wanted) else {
            return Err(LibraryError::UnknownArtist(artist.to_string()));
        };
        let all_seed_rows = &self.artists[seed_pos].2;
        let seed_rows: Vec<usize> = match max_seed_tracks {
            Some(m) if m > 0 && all_seed_rows.len() > m => (0..m)
                .map(|i| all_seed_rows[i * all_seed_rows.len() / m])
                .collect(),
            _ => all_seed_rows.clone(),
        };
        let row = |i: usize| &self.x[i * self.dims..(i + 1) * self.dims];
        let mut out: Vec<SimilarArtistRow> = self
            .artists
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != seed_pos)
            .map(|(_, (_, name, rows))| {
                let mut sum = 0.0;
                for &a in &seed_rows {
                    for &b in rows {
                        sum += distance(row(a), row(b));
                    }
                }
                SimilarArtistRow {
                    artist: name.clone(),
                    tracks: rows.len(),
                    distance: sum / (seed_rows.len() * rows.len()).max(1) as f64,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.artist.cmp(&b.artist))
        });
        out.truncate(n);
        let seed = SimilarArtistRow {
            artist: self.artists[seed_pos].1.clone(),
            tracks: all_seed_rows.len(),
            distance: 0.0,
        };
        Ok((seed, out))
    }
}

/// Euclidean distance, summed in four lanes (the pairs of two artists' tracks are many).
fn distance(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (p, q) in ca.zip(cb) {
        for k in 0..4 {
            let d = p[k] - q[k];
            acc[k] += d * d;
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(p, q)| (p - q) * (p - q)).sum();
    (acc[0] + acc[1] + acc[2] + acc[3] + tail).sqrt()
}

/// Artist tags compare ignoring case and surrounding space.
fn artist_key(a: &str) -> String {
    a.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_sums_every_dim() {
        assert_eq!(distance(&[0.0; 5], &[3.0, 0.0, 0.0, 0.0, 4.0]), 5.0);
        assert_eq!(distance(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
        let a: Vec<f64> = (0..11).map(f64::from).collect();
        let b: Vec<f64> = (0..11).map(|i| f64::from(i) + 2.0).collect();
        assert!((distance(&a, &b) - (11.0f64 * 4.0).sqrt()).abs() < 1e-12);
    }
}
