//! "Tracks like this one": the nearest tracks in the latest clustering's scaled feature space;
//! and "artists that sound alike": artists ranked by the mean distance between their tracks and
//! the given artist's.

use crate::error::{LibraryError, Result};
use crate::latest::LatestClustering;
use crate::store::{Store, TrackRow};
use serde::Serialize;
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
    let seed = store.track_by_path(&canonical)?.ok_or_else(|| {
        LibraryError::Nothing(format!(
            "{} is not in the library: run `sonority analyze` on its folder first",
            path.display()
        ))
    })?;
    if let Some(e) = &seed.error {
        return Err(LibraryError::Nothing(format!(
            "{} could not be analysed: {e}",
            path.display()
        )));
    }
    let latest = LatestClustering::load(store)?;
    let index = latest.model.track_index(&latest.table)?;
    let by_id: std::collections::HashMap<String, &TrackRow> = latest
        .tracks
        .iter()
        .map(|t| (t.id.to_string(), t))
        .collect();
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
    for s in index.similar(&seed.id.to_string(), want)? {
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
    let x = latest.model.scaler.transform(&latest.table)?;
    let key = |a: &str| a.trim().to_lowercase();
    let mut rows_of: Vec<(String, String, Vec<usize>)> = Vec::new();
    for (i, t) in latest.tracks.iter().enumerate() {
        let Some(a) = t.tags.artist.as_deref().filter(|a| !a.trim().is_empty()) else {
            continue;
        };
        let k = key(a);
        match rows_of.iter_mut().find(|(kk, _, _)| *kk == k) {
            Some(entry) => entry.2.push(i),
            None => rows_of.push((k, a.trim().to_string(), vec![i])),
        }
    }
    let wanted = key(artist);
    let Some(seed_pos) = rows_of.iter().position(|(k, _, _)| *k == wanted) else {
        return Err(LibraryError::Nothing(format!(
            "no track of the latest clustering has the artist {artist:?} (artist tags are \
             compared ignoring case)"
        )));
    };
    let seed_rows = rows_of[seed_pos].2.clone();
    let mut out: Vec<SimilarArtistRow> = rows_of
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != seed_pos)
        .map(|(_, (_, name, rows))| {
            let mut sum = 0.0;
            for &a in &seed_rows {
                for &b in rows {
                    let d: f64 = x
                        .row(a)
                        .iter()
                        .zip(x.row(b).iter())
                        .map(|(p, q)| (p - q) * (p - q))
                        .sum();
                    sum += d.sqrt();
                }
            }
            SimilarArtistRow {
                artist: name.clone(),
                tracks: rows.len(),
                distance: sum / (seed_rows.len() * rows.len()) as f64,
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
        artist: rows_of[seed_pos].1.clone(),
        tracks: seed_rows.len(),
        distance: 0.0,
    };
    Ok((seed, out))
}
