//! How well the clusters agree with known labels (genre tags, or a CSV of `path,label`):
//! homogeneity, completeness, V-measure, adjusted Rand index and the cluster x label table.

use crate::error::{LibraryError, Result};
use crate::latest::LatestClustering;
use serde::Serialize;
use sonority_cluster::metrics::{compare_labels, LabelAgreement};
use sonority_tags::GenreNames;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the reference labels come from.
#[derive(Debug, Clone)]
pub enum LabelSource {
    /// The genre tag of each file.
    GenreTags,
    /// A CSV file with a `path,label` row per track (a header row is allowed; relative paths
    /// are relative to the CSV's folder).
    Csv(PathBuf),
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Tracks that have a label and a cluster: what the scores are computed on.
    pub labelled: usize,
    /// Tracks in the clustering without a label (left out).
    pub unlabelled: usize,
    /// Scores and the label x cluster counts (columns are cluster names; "(outlier)" for
    /// tracks DBSCAN left unassigned).
    pub agreement: LabelAgreement<String, String>,
    /// The same at the family level (columns are family names); `None` for clusterings saved
    /// before families existed.
    pub families: Option<LabelAgreement<String, String>>,
}

/// Compares the latest clustering with reference labels.
pub fn evaluate(latest: &LatestClustering, source: &LabelSource) -> Result<Evaluation> {
    let labels: HashMap<PathBuf, String> = match source {
        LabelSource::GenreTags => {
            let mut genres = GenreNames::default();
            latest
                .tracks
                .iter()
                .filter_map(|t| Some((t.path.clone(), genres.genre_of(t.tags.genre.as_deref())?)))
                .collect()
        }
        LabelSource::Csv(csv) => read_label_csv(csv)?,
    };
    let names = latest.names();
    let cluster_of = latest.cluster_of();
    let family_of = latest.family_of_cluster();
    let family_names = latest.family_names();
    let (mut truth, mut pred, mut pred_family) = (Vec::new(), Vec::new(), Vec::new());
    let mut unlabelled = 0;
    for t in &latest.tracks {
        let Some(cluster) = cluster_of.get(&t.id) else {
            continue;
        };
        match labels.get(&t.path) {
            Some(label) => {
                truth.push(label.clone());
                pred.push(match cluster {
                    Some(c) => format!("{c}: {}", names.get(c).map_or("", String::as_str)),
                    None => "(outlier)".to_string(),
                });
                pred_family.push(match cluster.and_then(|c| family_of.get(&c)) {
                    Some(f) => format!("{f}: {}", family_names.get(f).map_or("", String::as_str)),
                    None => "(outlier)".to_string(),
                });
            }
            None => unlabelled += 1,
        }
    }
    if truth.is_empty() {
        return Err(match source {
            LabelSource::GenreTags => LibraryError::NoGenreTags,
            LabelSource::Csv(p) => LibraryError::NoLabelMatches(p.clone()),
        });
    }
    Ok(Evaluation {
        labelled: truth.len(),
        unlabelled,
        agreement: compare_labels(&truth, &pred)?,
        families: if latest.saved.data.families.is_empty() {
            None
        } else {
            Some(compare_labels(&truth, &pred_family)?)
        },
    })
}

/// Reads `path,label` rows; paths are canonicalised (rows whose file does not exist are
/// skipped).
fn read_label_csv(csv_path: &Path) -> Result<HashMap<PathBuf, String>> {
    let io = |source| LibraryError::Io {
        path: csv_path.to_path_buf(),
        source,
    };
    let base = csv_path.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(csv_path)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let mut out = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| LibraryError::LabelFile {
            path: csv_path.to_path_buf(),
            line: i + 1,
            detail: e.to_string(),
        })?;
        let (Some(path), Some(label)) = (record.get(0), record.get(1)) else {
            continue;
        };
        if i == 0 && path.eq_ignore_ascii_case("path") {
            continue; // header
        }
        let p = Path::new(path);
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        };
        if let Ok(canonical) = p.canonicalize() {
            out.insert(canonical, label.to_string());
        }
    }
    Ok(out)
}
