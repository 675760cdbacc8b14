//! The 2-D map of the tracks: positions saved with the clustering, or a fresh PCA or t-SNE of
//! the features as the model scales them, normalised to the unit square.

use super::data::{MapInfo, Measured};
use super::MapProjection;
use sonority_cluster::{pca_2d, Fit, Model, ScalerParams, TsneParams};
use sonority_store::{FeatureMatrix, TrackId};

/// The map method of positions saved with the clustering.
const STORED: &str = "positions saved with the clustering";

/// Map positions of every track, and how they were made.
pub(super) fn positions(
    projection: MapProjection,
    stored: &[Option<[f64; 2]>],
    measured: &Measured<'_>,
    n_clusters: usize,
    notes: &mut Vec<String>,
) -> (Vec<[f64; 2]>, MapInfo) {
    let (tracks, rows, model) = (measured.tracks, measured.rows, measured.model);
    let features = measured.features;
    let all_stored = stored.iter().all(Option::is_some);
    if projection == MapProjection::Stored && all_stored {
        let xy = stored.iter().map(|p| p.unwrap_or([0.0, 0.0])).collect();
        return (
            xy,
            MapInfo {
                method: STORED.to_string(),
                x_label: "component 1".to_string(),
                y_label: "component 2".to_string(),
            },
        );
    }
    if projection == MapProjection::Stored {
        notes.push(format!(
            "{} tracks have no saved map position: the map is a fresh PCA",
            stored.iter().filter(|p| p.is_none()).count()
        ));
    }
    let fallback = |notes: &mut Vec<String>, why: String| {
        notes.push(why);
        let xy = stored.iter().map(|p| p.unwrap_or([0.0, 0.0])).collect();
        (
            xy,
            MapInfo {
                method: STORED.to_string(),
                x_label: "component 1".to_string(),
                y_label: "component 2".to_string(),
            },
        )
    };
    let Some(features) = features else {
        return fallback(
            notes,
            "no features to project: the map uses saved positions".into(),
        );
    };
    let present: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| (i, r)))
        .collect();
    let x = match scaled_rows(features, &present, model) {
        Ok(x) => x,
        Err(e) => return fallback(notes, format!("cannot project the features ({e})")),
    };
    let mut method = "PCA";
    let mut tsne = None;
    if projection == MapProjection::Tsne {
        // A small library gets a smaller perplexity (t-SNE needs more than 3·perplexity + 1
        // rows); below 2 there is nothing worth embedding.
        let defaults = TsneParams::default();
        let params = TsneParams {
            perplexity: defaults
                .perplexity
                .min(present.len().saturating_sub(1) as f64 / 3.0 * 0.9),
            ..defaults
        };
        if params.perplexity < 2.0 {
            notes.push(format!(
                "t-SNE needs more tracks than {}: the map is a PCA",
                present.len()
            ));
        } else if present.len() > params.max_rows {
            notes.push(format!(
                "t-SNE is limited to {} tracks ({} here): the map is a PCA",
                params.max_rows,
                present.len()
            ));
        } else {
            match params.fit(x.view()) {
                Ok(p) => {
                    tsne = Some(p);
                    method = "t-SNE";
                }
                Err(e) => notes.push(format!("t-SNE failed ({e}): the map is a PCA")),
            }
        }
    }
    let projected = match tsne {
        Some(p) => p,
        None => match pca_2d(x.view()) {
            Ok(p) => p,
            Err(e) => return fallback(notes, format!("PCA failed ({e})")),
        },
    };
    let mut xy = vec![None; tracks.len()];
    for (row, &(i, _)) in present.iter().enumerate() {
        xy[i] = Some([projected.coords[[row, 0]], projected.coords[[row, 1]]]);
    }
    // Tracks without features sit at their cluster's mean position.
    let mut sums = vec![([0.0f64; 2], 0usize); n_clusters];
    for (t, p) in tracks.iter().zip(&xy) {
        if let (Some(p), Some(s)) = (p, sums.get_mut(t.cluster)) {
            s.0[0] += p[0];
            s.0[1] += p[1];
            s.1 += 1;
        }
    }
    let xy = tracks
        .iter()
        .zip(&xy)
        .map(|(t, p)| {
            p.unwrap_or_else(|| match sums.get(t.cluster) {
                Some(&(s, n)) if n > 0 => [s[0] / n as f64, s[1] / n as f64],
                _ => [0.0, 0.0],
            })
        })
        .collect();
    let (x_label, y_label) = match (method, projected.explained_variance_ratio) {
        ("PCA", Some([a, b])) => (
            format!("PC 1 ({:.0} % of variance)", a * 100.0),
            format!("PC 2 ({:.0} % of variance)", b * 100.0),
        ),
        _ => (format!("{method} 1"), format!("{method} 2")),
    };
    (
        xy,
        MapInfo {
            method: method.to_string(),
            x_label,
            y_label,
        },
    )
}

/// The rows `present` (pairs of track index and feature row) scaled as the model scales them,
/// or z-scored on every dim when there is no model.
fn scaled_rows(
    features: &FeatureMatrix,
    present: &[(usize, usize)],
    model: Option<&Model<TrackId>>,
) -> std::result::Result<ndarray::Array2<f64>, String> {
    // The table the clustering saw (with the duration dim), in the order of `present`.
    let rows: Vec<usize> = present.iter().map(|&(_, r)| r).collect();
    let table = crate::clustering::feature_table(features)
        .and_then(|t| Ok(t.select_rows(&rows)?))
        .map_err(|e| e.to_string())?;
    if let Some(m) = model {
        if let Ok(x) = m.scaler.transform(&table) {
            return Ok(x);
        }
    }
    ScalerParams::standard()
        .fit(&table)
        .and_then(|s| s.transform(&table))
        .map_err(|e| e.to_string())
}

/// Each axis scaled to [0, 1] (a constant axis sits at 0.5), rounded to 5 decimals.
pub(super) fn normalize(xy: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out = vec![[0.5, 0.5]; xy.len()];
    for axis in 0..2 {
        let (lo, hi) = xy
            .iter()
            .map(|p| p[axis])
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if hi > lo {
            for (o, p) in out.iter_mut().zip(xy) {
                if p[axis].is_finite() {
                    o[axis] = ((p[axis] - lo) / (hi - lo) * 1e5).round() / 1e5;
                }
            }
        }
    }
    out
}
