//! What sets each cluster apart, on the feature dims the model clustered on: z-scores of the
//! clusters (the heatmap and the cards' top dims) and the words of the names explained with
//! measured values.

use super::data::{Heatmap, Measured, ReportCluster, ReportFamily, TopFeature};
use super::words::{self, DimStat};
use crate::clustering::{duration_log, DURATION_DIM};
use crate::dim_words::DIM_WORDS;
use sonority_cluster::describe::word_for;
use sonority_cluster::Model;
use sonority_store::{FeatureMatrix, TrackId};
use std::collections::HashMap;

/// z-scores of the clusters on the dims they were clustered on.
pub(super) struct ZScores {
    names: Vec<String>,
    groups: Vec<String>,
    /// `z[card][dim]`; empty for cards with no member with features.
    z: Vec<Vec<f64>>,
}

pub(super) fn cluster_z_scores(
    measured: &Measured<'_>,
    clusters: &[ReportCluster],
) -> Option<ZScores> {
    let (tracks, rows, model) = (measured.tracks, measured.rows, measured.model);
    let features = measured.features;
    let f = features?;
    let layout = &f.layout.dims;
    let by_name: HashMap<&str, usize> = layout
        .iter()
        .enumerate()
        .map(|(j, d)| (d.name.as_str(), j))
        .collect();
    let mut dims: Vec<usize> = match model {
        Some(m) => m
            .dims()
            .iter()
            .filter_map(|d| by_name.get(d.name.as_str()).copied())
            .collect(),
        None => Vec::new(),
    };
    if dims.is_empty() {
        dims = (0..layout.len()).collect();
    }
    let members: Vec<(usize, usize)> = tracks
        .iter()
        .zip(rows)
        .filter_map(|(t, r)| r.map(|r| (t.cluster, r)))
        .collect();
    let n = members.len();
    if n < 2 {
        return None;
    }
    let mut names = Vec::new();
    let mut groups = Vec::new();
    let mut z = vec![Vec::new(); clusters.len()];
    let mut counts = vec![0usize; clusters.len()];
    for &(c, _) in &members {
        counts[c] += 1;
    }
    for &j in &dims {
        let vals = members.iter().map(|&(_, r)| f.values[r][j]);
        let mean = vals.clone().sum::<f64>() / n as f64;
        let var = vals.map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        let sd = var.sqrt();
        if !(sd.is_finite() && sd > 1e-12 * mean.abs().max(1e-300)) {
            continue;
        }
        let mut sums = vec![0.0f64; clusters.len()];
        for &(c, r) in &members {
            sums[c] += f.values[r][j];
        }
        for (c, zc) in z.iter_mut().enumerate() {
            if counts[c] > 0 {
                zc.push((sums[c] / counts[c] as f64 - mean) / sd);
            }
        }
        names.push(layout[j].name.clone());
        groups.push(layout[j].group.clone());
    }
    if names.is_empty() {
        return None;
    }
    Some(ZScores { names, groups, z })
}

/// The card's top dims: the model's description when it has one for this cluster, else the
/// largest |z|.
pub(super) fn top_features(
    z: &ZScores,
    card: usize,
    model: Option<&Model<TrackId>>,
    id: i64,
    n: usize,
) -> Vec<TopFeature> {
    if let Some(top) = model.and_then(|m| model_top(m, id, n)) {
        if !top.is_empty() {
            return top;
        }
    }
    let Some(row) = z.z.get(card).filter(|r| !r.is_empty()) else {
        return Vec::new();
    };
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].abs().total_cmp(&row[a].abs()));
    order
        .into_iter()
        .take(n)
        .map(|j| TopFeature {
            dim: z.names[j].clone(),
            group: z.groups[j].clone(),
            z: row[j],
            word: word_for(DIM_WORDS, &z.names[j], row[j]).map(str::to_string),
        })
        .collect()
}

pub(super) fn model_top(m: &Model<TrackId>, id: i64, n: usize) -> Option<Vec<TopFeature>> {
    let id = usize::try_from(id).ok()?;
    let c = m.clustering.cluster(id)?;
    Some(
        c.top
            .iter()
            .filter(|s| s.z.is_finite())
            .take(n)
            .map(|s| TopFeature {
                dim: s.dim.clone(),
                group: s.group.clone(),
                z: s.z,
                word: s.word.clone(),
            })
            .collect(),
    )
}

/// The heatmap: each cluster's strongest dims (by |z|), in turn, until `max_dims` columns.
pub(super) fn heatmap_of(z: &ZScores, clusters: &[ReportCluster], max_dims: usize) -> Heatmap {
    let rows: Vec<usize> = (0..clusters.len())
        .filter(|&c| !clusters[c].noise && !z.z[c].is_empty())
        .collect();
    let ranked: Vec<Vec<usize>> = rows
        .iter()
        .map(|&c| {
            let r = &z.z[c];
            let mut order: Vec<usize> = (0..r.len()).collect();
            order.sort_by(|&a, &b| r[b].abs().total_cmp(&r[a].abs()));
            order
        })
        .collect();
    let max_dims = max_dims.min(z.names.len());
    let mut columns: Vec<usize> = Vec::new();
    let mut depth = 0;
    while columns.len() < max_dims && depth < z.names.len() {
        for order in &ranked {
            if columns.len() >= max_dims {
                break;
            }
            if let Some(&j) = order.get(depth) {
                if !columns.contains(&j) {
                    columns.push(j);
                }
            }
        }
        depth += 1;
        if ranked.is_empty() {
            break;
        }
    }
    Heatmap {
        dims: columns.iter().map(|&j| z.names[j].clone()).collect(),
        groups: columns.iter().map(|&j| z.groups[j].clone()).collect(),
        z: rows
            .iter()
            .map(|&c| {
                columns
                    .iter()
                    .map(|&j| (z.z[c][j] * 1e4).round() / 1e4)
                    .collect()
            })
            .collect(),
        rows,
    }
}

/// A column the names' words are measured on.
enum Column {
    /// A column of the stored features.
    Stored(usize),
    /// [`DURATION_DIM`], from the track's duration.
    DurationLog,
}

/// Means and variances of the columns over some feature rows.
struct Moments {
    mean: Vec<f64>,
    var: Vec<f64>,
    n: usize,
}

fn moments(f: &FeatureMatrix, columns: &[(String, Column)], rows: &[usize]) -> Moments {
    let value = |r: usize, c: &Column| match c {
        Column::Stored(j) => f.values[r].get(*j).copied().unwrap_or(0.0),
        Column::DurationLog => duration_log(f.tracks[r].duration_s),
    };
    let n = rows.len();
    let mut mean = vec![0.0; columns.len()];
    let mut var = vec![0.0; columns.len()];
    if n > 0 {
        for (k, (_, c)) in columns.iter().enumerate() {
            let m = rows.iter().map(|&r| value(r, c)).sum::<f64>() / n as f64;
            mean[k] = m;
            var[k] = rows.iter().map(|&r| (value(r, c) - m).powi(2)).sum::<f64>() / n as f64;
        }
    }
    Moments { mean, var, n }
}

/// How far `group` stands from `reference` on every column with spread, strongest first.
fn stats_against(
    columns: &[(String, Column)],
    group: &Moments,
    reference: &Moments,
) -> Vec<DimStat> {
    if group.n == 0 {
        return Vec::new();
    }
    let mut stats: Vec<DimStat> = columns
        .iter()
        .enumerate()
        .filter(|&(k, _)| reference.var[k] > 0.0 && reference.var[k].is_finite())
        .map(|(k, (name, _))| DimStat {
            dim: name.clone(),
            z: (group.mean[k] - reference.mean[k]) / reference.var[k].sqrt(),
            mean: group.mean[k],
            reference: reference.mean[k],
        })
        .filter(|s| s.z.is_finite())
        .collect();
    words::sort_stats(&mut stats);
    stats
}

/// Fills the family cards' and playlist cards' word explanations: a family's name against the
/// library, a playlist's own words against its family (a playlist without a family: its name
/// against the library). Measured on the stored features of the tracks shown, on the dims the
/// model clustered on; without features, a family's words come from the model's description.
pub(super) fn explain_names(
    measured: &Measured<'_>,
    clusters: &mut [ReportCluster],
    families: &mut [ReportFamily],
) {
    let Measured {
        tracks,
        features,
        rows: rows_of_tracks,
        model,
    } = *measured;
    let model_stats = |family: &ReportFamily| -> Vec<DimStat> {
        let Some(m) = model else {
            return Vec::new();
        };
        usize::try_from(family.id)
            .ok()
            .and_then(|id| m.clustering.family(id))
            .map(|f| {
                f.top
                    .iter()
                    .map(|s| DimStat {
                        dim: s.dim.clone(),
                        z: s.z,
                        mean: s.cluster_mean,
                        reference: s.overall_mean,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let Some(f) = features else {
        for fam in families.iter_mut() {
            fam.words = words::explain(&words::name_words(&fam.name), &model_stats(fam), "library");
        }
        return;
    };
    let by_name: HashMap<&str, usize> = f
        .layout
        .dims
        .iter()
        .enumerate()
        .map(|(j, d)| (d.name.as_str(), j))
        .collect();
    let mut columns: Vec<(String, Column)> = match model {
        Some(m) => m
            .dims()
            .iter()
            .filter_map(|d| {
                if let Some(&j) = by_name.get(d.name.as_str()) {
                    Some((d.name.clone(), Column::Stored(j)))
                } else if d.name == DURATION_DIM {
                    Some((d.name.clone(), Column::DurationLog))
                } else {
                    None
                }
            })
            .collect(),
        None => Vec::new(),
    };
    if columns.is_empty() {
        columns = f
            .layout
            .dims
            .iter()
            .enumerate()
            .map(|(j, d)| (d.name.clone(), Column::Stored(j)))
            .collect();
    }
    let mut rows_of_card: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
    for (t, r) in tracks.iter().zip(rows_of_tracks) {
        if let (Some(r), Some(rows)) = (r, rows_of_card.get_mut(t.cluster)) {
            rows.push(*r);
        }
    }
    let all: Vec<usize> = rows_of_card.iter().flatten().copied().collect();
    let library = moments(f, &columns, &all);
    for fam in families.iter_mut() {
        let rows: Vec<usize> = fam
            .clusters
            .iter()
            .flat_map(|&c| rows_of_card[c].iter().copied())
            .collect();
        let family = moments(f, &columns, &rows);
        let measured = stats_against(&columns, &family, &library);
        let fallback = model_stats(fam);
        fam.words = words::name_words(&fam.name)
            .into_iter()
            .filter_map(|w| {
                let one = std::slice::from_ref(&w);
                words::explain(one, &measured, "library")
                    .pop()
                    .or_else(|| words::explain(one, &fallback, "library").pop())
            })
            .collect();
        for &c in &fam.clusters {
            let card = moments(f, &columns, &rows_of_card[c]);
            clusters[c].words = match clusters[c].own_name.clone() {
                Some(own) => {
                    let stats = stats_against(&columns, &card, &family);
                    words::explain(&words::name_words(&own), &stats, "family")
                }
                // Named apart from its family (families grouped after the fact): its name
                // against the library, as it was made.
                None if clusters[c].name != fam.name => {
                    let stats = stats_against(&columns, &card, &library);
                    words::explain(&words::name_words(&clusters[c].name), &stats, "library")
                }
                None => Vec::new(),
            };
        }
    }
    for (c, card) in clusters.iter_mut().enumerate() {
        if card.noise || card.family.is_some() {
            continue;
        }
        let m = moments(f, &columns, &rows_of_card[c]);
        let stats = stats_against(&columns, &m, &library);
        card.words = words::explain(&words::name_words(&card.name), &stats, "library");
    }
}
