//! The genre mix of every card and family and the cluster × genre and family × genre tables,
//! one genre per track by the rule `sonority evaluate` uses too ([`crate::primary_genre`]).

use super::data::{
    FamilyGenreRow, FamilyGenreTable, GenreCount, GenreRow, GenreTable, ReportCluster,
    ReportFamily, ReportTrack,
};
use sonority_tags::{genre_key, primary_genre};
use std::collections::HashMap;

/// The most frequent genres of some counts, most frequent first.
fn top_genres(
    counts: &HashMap<String, usize>,
    name: &dyn Fn(&str) -> String,
    n: usize,
) -> Vec<GenreCount> {
    let mut v: Vec<(&String, &usize)> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(n)
        .map(|(k, &count)| GenreCount {
            genre: name(k),
            count,
        })
        .collect()
}

/// Counts genres per card and per family, fills their genre mix and returns the cluster ×
/// genre table and the family × genre table (`None` when no track has a genre; the family
/// table is also `None` without families).
pub(super) fn genre_table(
    tracks: &[ReportTrack],
    clusters: &mut [ReportCluster],
    families: &mut [ReportFamily],
    top: usize,
) -> (Option<GenreTable>, Option<FamilyGenreTable>) {
    // Genres merge case-insensitively and keep their first spelling.
    let mut spelling: HashMap<String, String> = HashMap::new();
    let mut total: HashMap<String, usize> = HashMap::new();
    let mut per: Vec<HashMap<String, usize>> = vec![HashMap::new(); clusters.len()];
    let mut untagged = vec![0usize; clusters.len()];
    for t in tracks {
        // One genre per track, by the rule `evaluate` uses too.
        match t.genre.as_deref().and_then(primary_genre) {
            Some(g) => {
                let key = genre_key(g);
                spelling.entry(key.clone()).or_insert_with(|| g.to_string());
                *total.entry(key.clone()).or_default() += 1;
                *per[t.cluster].entry(key).or_default() += 1;
            }
            None => untagged[t.cluster] += 1,
        }
    }
    if total.is_empty() {
        return (None, None);
    }
    let name = |k: &str| spelling.get(k).cloned().unwrap_or_else(|| k.to_string());
    for (c, counts) in clusters.iter_mut().zip(&per) {
        c.genres = top_genres(counts, &name, 8);
    }
    let mut ranked: Vec<(&String, &usize)> = total.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let keys: Vec<&String> = ranked.iter().take(top).map(|(k, _)| *k).collect();
    let row = |counts: &HashMap<String, usize>| -> (Vec<usize>, usize) {
        let shown: Vec<usize> = keys
            .iter()
            .map(|k| counts.get(*k).copied().unwrap_or(0))
            .collect();
        let all: usize = counts.values().sum();
        let other = all - shown.iter().sum::<usize>();
        (shown, other)
    };
    let rows = per
        .iter()
        .enumerate()
        .map(|(c, counts)| {
            let (counts, other) = row(counts);
            GenreRow {
                cluster: c,
                counts,
                other,
                untagged: untagged[c],
            }
        })
        .collect();
    let genres: Vec<String> = keys.iter().map(|k| name(k)).collect();
    let family_table = (!families.is_empty()).then(|| {
        let rows = families
            .iter_mut()
            .enumerate()
            .map(|(fi, fam)| {
                let mut counts: HashMap<String, usize> = HashMap::new();
                let mut none = 0;
                for &c in &fam.clusters {
                    for (k, n) in &per[c] {
                        *counts.entry(k.clone()).or_default() += n;
                    }
                    none += untagged[c];
                }
                fam.genres = top_genres(&counts, &name, 8);
                let (shown, other) = row(&counts);
                FamilyGenreRow {
                    family: fi,
                    counts: shown,
                    other,
                    untagged: none,
                }
            })
            .collect();
        FamilyGenreTable {
            genres: genres.clone(),
            rows,
        }
    });
    (Some(GenreTable { genres, rows }), family_table)
}
