//! Exports: per track its path, tags, family and cluster (playlist) id and name, and every named feature dim, as
//! CSV (one header row, comma-separated, RFC 4180 quoting: `pandas.read_csv` reads it as it
//! is) or JSON (an array of flat objects: `pandas.read_json` reads it as it is).
//!
//! CSV text cells (path, tags, family and cluster names, codec) that a spreadsheet would take
//! for a formula (they start with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's
//! "CSV injection") get a leading `'`, unless [`ExportOptions::raw_csv`] is set. Numeric
//! columns are never changed, and the JSON output never is.

use crate::error::{LibraryError, Result};
use crate::latest::LatestClustering;
use crate::store::Store;
use serde_json::{Map, Value};
use std::io::Write;

/// Output format of [`export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// What [`export`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Output format.
    pub format: ExportFormat,
    /// CSV only: write text cells exactly as stored, without neutralising the ones a
    /// spreadsheet would run as a formula (see [`neutralise_csv_text`]).
    pub raw_csv: bool,
}

impl ExportOptions {
    /// `format`, with CSV formula cells neutralised.
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            raw_csv: false,
        }
    }
}

/// A CSV text cell made safe to open in a spreadsheet: a cell starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (what Excel, LibreOffice and Google Sheets may run as a
/// formula) gets a leading `'`, which they show as text; any other cell is unchanged.
pub fn neutralise_csv_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The fixed columns before the feature dims.
const COLUMNS: [&str; 12] = [
    "path",
    "artist",
    "album",
    "title",
    "genre",
    "duration_s",
    "family_id",
    "family_name",
    "cluster_id",
    "cluster_name",
    "cluster_distance",
    "codec",
];

/// Writes every clustered track of the latest clustering to `out` as `options` say; returns
/// the row count.
pub fn export(store: &Store, options: &ExportOptions, out: &mut dyn Write) -> Result<usize> {
    let latest = LatestClustering::load(store)?;
    let names = latest.names();
    let family_of = latest.family_of_cluster();
    let family_names = latest.family_names();
    let assignment: std::collections::HashMap<i64, &crate::store::TrackAssignment> = latest
        .saved
        .data
        .assignments
        .iter()
        .map(|a| (a.track_id, a))
        .collect();
    let dims: Vec<String> = latest.table.dims().iter().map(|d| d.name.clone()).collect();
    let data = latest.table.data();
    let mut records: Vec<(Vec<Value>, Vec<f64>)> = Vec::with_capacity(latest.tracks.len());
    for (i, t) in latest.tracks.iter().enumerate() {
        let a = assignment.get(&t.id);
        let cluster_id = a.and_then(|a| a.cluster_id);
        let family = cluster_id.and_then(|c| family_of.get(&c).copied());
        let fixed: Vec<Value> = vec![
            Value::String(t.path.to_string_lossy().into_owned()),
            t.tags.artist.clone().map_or(Value::Null, Value::String),
            t.tags.album.clone().map_or(Value::Null, Value::String),
            t.tags.title.clone().map_or(Value::Null, Value::String),
            t.tags.genre.clone().map_or(Value::Null, Value::String),
            num(t.duration_s),
            family.map_or(Value::Null, Value::from),
            family
                .and_then(|f| family_names.get(&f).cloned())
                .map_or(Value::Null, Value::String),
            cluster_id.map_or(Value::Null, Value::from),
            cluster_id
                .and_then(|c| names.get(&c).cloned())
                .map_or(Value::Null, Value::String),
            num(a.and_then(|a| a.distance)),
            t.codec.clone().map_or(Value::Null, Value::String),
        ];
        records.push((fixed, data.row(i).to_vec()));
    }
    match options.format {
        ExportFormat::Csv => write_csv(out, &dims, &records, options.raw_csv),
        ExportFormat::Json => write_json(out, &dims, records),
    }
    .map_err(|source| LibraryError::Io {
        path: "<export output>".into(),
        source,
    })?;
    Ok(latest.tracks.len())
}

fn write_csv(
    out: &mut dyn Write,
    dims: &[String],
    records: &[(Vec<Value>, Vec<f64>)],
    raw: bool,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header = COLUMNS
        .iter()
        .map(|s| s.to_string())
        .chain(dims.iter().cloned());
    w.write_record(header)?;
    for (fixed, features) in records {
        let cells = fixed
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                // The text columns (path, artist, album, title, genre, family_name,
                // cluster_name, codec) are the only strings; numbers stay as they are.
                Value::String(s) if raw => s.clone(),
                Value::String(s) => neutralise_csv_text(s).into_owned(),
                other => other.to_string(),
            })
            // `{:?}` prints the shortest decimal that reads back as the same f64.
            .chain(features.iter().map(|v| format!("{v:?}")));
        w.write_record(cells)?;
    }
    w.flush()
}

fn write_json(
    out: &mut dyn Write,
    dims: &[String],
    records: Vec<(Vec<Value>, Vec<f64>)>,
) -> std::io::Result<()> {
    let rows: Vec<Value> = records
        .into_iter()
        .map(|(fixed, features)| {
            let mut obj = Map::new();
            for (k, v) in COLUMNS.iter().zip(fixed) {
                obj.insert(k.to_string(), v);
            }
            for (k, v) in dims.iter().zip(features) {
                obj.insert(k.clone(), num(Some(v)));
            }
            Value::Object(obj)
        })
        .collect();
    serde_json::to_writer(&mut *out, &rows)?;
    out.write_all(b"\n")
}

fn num(v: Option<f64>) -> Value {
    v.and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::neutralise_csv_text;

    #[test]
    fn formula_cells_get_a_quote_and_others_stay() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise_csv_text(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in [
            "",
            "Title",
            "/music/a.flac",
            " =x",
            "1-2",
            "'=x",
            "\u{ff1d}x",
        ] {
            assert_eq!(neutralise_csv_text(cell), cell, "{cell:?}");
        }
    }
}
