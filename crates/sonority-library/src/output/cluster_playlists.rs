//! One playlist per cluster of the latest clustering, in one folder per family
//! ("01 - calm · dark/03 - calm · dark / slow.m3u8"), each ordered so that every next track is
//! close to the previous one (a nearest-neighbour chain from the track nearest the centre).

use crate::error::Result;
use crate::latest::LatestClustering;
use crate::output::playlist::{
    chain_order, folder_name, write_playlists, Playlist, PlaylistEntry, PlaylistOptions,
    PlaylistReport,
};
use sonority_cluster::FAMILY_SEPARATOR;
use std::collections::HashMap;
use std::path::Path;

/// The playlists of the latest clustering, in cluster id order; tracks no cluster took
/// (DBSCAN outliers) form a last, unnumbered playlist.
pub fn cluster_playlists(latest: &LatestClustering) -> Result<Vec<Playlist>> {
    let scaled = latest.model.scaler.transform(&latest.table)?;
    let row_of: HashMap<i64, usize> = latest
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let entry = |row: usize| {
        let t = &latest.tracks[row];
        PlaylistEntry {
            path: t.path.clone(),
            duration_s: t.duration_s,
            artist: t.tags.artist.clone(),
            title: t.tags.title.clone(),
        }
    };
    let mut clusters = latest.saved.data.clusters.clone();
    clusters.sort_by_key(|c| c.cluster_id);
    let families = &latest.saved.data.families;
    let width = families
        .iter()
        .map(|f| f.family_id)
        .max()
        .map_or(2, |m| m.to_string().len().max(2));
    let folder_of = |family: Option<i64>| {
        let f = families.iter().find(|f| Some(f.family_id) == family)?;
        let number = usize::try_from(f.family_id).ok();
        Some(folder_name(
            number,
            width,
            f.name.as_deref().unwrap_or("family"),
        ))
    };
    let mut out = Vec::new();
    for c in &clusters {
        let rows: Vec<usize> = latest
            .saved
            .data
            .assignments
            .iter()
            .filter(|a| a.cluster_id == Some(c.cluster_id))
            .filter_map(|a| row_of.get(&a.track_id).copied())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let points: Vec<&[f64]> = rows
            .iter()
            .map(|&r| scaled.row(r).to_slice().unwrap_or(&[]))
            .collect();
        let order = chain_order(&points, &c.centroid);
        let name = c
            .name
            .clone()
            .unwrap_or_else(|| format!("cluster {}", c.cluster_id));
        let folder = folder_of(c.family_id);
        // Inside its family's folder a playlist's file is named by its own words only.
        let own = match &folder {
            Some(_) => name
                .rsplit(FAMILY_SEPARATOR)
                .next()
                .unwrap_or(&name)
                .to_string(),
            None => name.clone(),
        };
        out.push(Playlist {
            folder,
            number: usize::try_from(c.cluster_id).ok(),
            title: Some(name),
            name: own,
            entries: order.into_iter().map(|i| entry(rows[i])).collect(),
        });
    }
    let outliers: Vec<usize> = latest
        .saved
        .data
        .assignments
        .iter()
        .filter(|a| a.cluster_id.is_none())
        .filter_map(|a| row_of.get(&a.track_id).copied())
        .collect();
    if !outliers.is_empty() {
        out.push(Playlist {
            folder: None,
            number: None,
            title: None,
            name: "unassigned".into(),
            entries: outliers.into_iter().map(entry).collect(),
        });
    }
    Ok(out)
}

/// Writes the playlists of the latest clustering into `out_dir`.
pub fn write_cluster_playlists(
    latest: &LatestClustering,
    out_dir: &Path,
    options: &PlaylistOptions,
) -> Result<PlaylistReport> {
    let playlists = cluster_playlists(latest)?;
    Ok(write_playlists(out_dir, &playlists, options)?)
}
