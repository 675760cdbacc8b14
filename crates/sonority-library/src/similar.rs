//! "Tracks like this one": the nearest tracks in the latest clustering's scaled feature space.

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
