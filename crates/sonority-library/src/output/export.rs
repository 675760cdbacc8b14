//! Exports: per track its path, tags, family and cluster (playlist) id and name, and every named feature dim, as
//! CSV (one header row, comma-separated, RFC 4180 quoting: `pandas.read_csv` reads it as it
//! is), JSON (an array of flat objects: `pandas.read_json` reads it as it is) or Parquet (the
//! same columns, typed: pandas, polars, DuckDB and Spark read it as it is; see
//! [`export_parquet`]).
//!
//! CSV text cells (path, tags, family and cluster names, codec) that a spreadsheet would take
//! for a formula (they start with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's
//! "CSV injection") get a leading `'`, unless [`ExportOptions::raw_csv`] is set. Numeric
//! columns are never changed, and the JSON output never is.

use crate::error::{LibraryError, Result};
use crate::latest::LatestClustering;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{
    SerializedColumnWriter, SerializedFileWriter, SerializedRowGroupWriter,
};
use parquet::schema::types::Type as ParquetType;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Output format of [`export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// Apache Parquet, typed columns (see [`export_parquet`]). Binary: write it to a file.
    Parquet,
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

/// The type of a fixed column (the feature dims are all floats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// UTF-8 text.
    Text,
    /// A 64-bit float.
    Float,
    /// A 64-bit integer id.
    Int,
}

/// The fixed columns before the feature dims, with their types. Only `path` is never empty.
const COLUMNS: [(&str, Kind); 12] = [
    ("path", Kind::Text),
    ("artist", Kind::Text),
    ("album", Kind::Text),
    ("title", Kind::Text),
    ("genre", Kind::Text),
    ("duration_s", Kind::Float),
    ("family_id", Kind::Int),
    ("family_name", Kind::Text),
    ("cluster_id", Kind::Int),
    ("cluster_name", Kind::Text),
    ("cluster_distance", Kind::Float),
    ("codec", Kind::Text),
];

/// One exported track: the fixed columns (strings, numbers or nulls, in [`COLUMNS`] order)
/// and the feature values.
type Record = (Vec<Value>, Vec<f64>);

/// Writes every clustered track of the latest clustering to `out` as `options` say; returns
/// the row count.
///
/// [`ExportFormat::Parquet`] is assembled in memory before it is written to `out`; to write a
/// file, [`export_parquet`] streams it and replaces the file only when it is complete.
pub fn export(
    latest: &LatestClustering,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<usize> {
    let (dims, records) = collect(latest);
    let io = |source| LibraryError::Io {
        path: "<export output>".into(),
        source,
    };
    match options.format {
        ExportFormat::Csv => write_csv(out, &dims, &records, options.raw_csv).map_err(io)?,
        ExportFormat::Json => write_json(out, &dims, &records).map_err(io)?,
        ExportFormat::Parquet => {
            let bytes = write_parquet(Vec::new(), &dims, &records).map_err(|source| {
                LibraryError::Parquet {
                    path: "<export output>".into(),
                    source,
                }
            })?;
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(io)?;
        }
    }
    Ok(records.len())
}

/// Writes every clustered track of the latest clustering to the Parquet file `path`; returns
/// the row count.
///
/// The columns are those of the CSV export, in the same order, typed: `path` a required
/// string, the tags, `family_name`, `cluster_name` and `codec` optional strings,
/// `duration_s` and `cluster_distance` optional float64, `family_id` and `cluster_id`
/// optional int64, and one required float64 column per feature dim. Text is written as
/// stored (the CSV's formula neutralising is for spreadsheets and does not apply). Snappy
/// compressed. The file is written to a temporary name next to `path` and renamed over it
/// when complete, so a failed export leaves an existing `path` as it was.
pub fn export_parquet(latest: &LatestClustering, path: &Path) -> Result<usize> {
    let (dims, records) = collect(latest);
    let io = |source| LibraryError::Io {
        path: path.to_path_buf(),
        source,
    };
    crate::files::write_atomic_with(
        path,
        |file| {
            let out = write_parquet(std::io::BufWriter::new(file), &dims, &records).map_err(
                |source| LibraryError::Parquet {
                    path: path.to_path_buf(),
                    source,
                },
            )?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(io)
        },
        io,
    )?;
    Ok(records.len())
}

/// The dim names and one record per track of the latest clustering.
fn collect(latest: &LatestClustering) -> (Vec<String>, Vec<Record>) {
    let names = latest.names();
    let family_of = latest.family_of_cluster();
    let family_names = latest.family_names();
    let assignment: std::collections::HashMap<i64, &sonority_store::TrackAssignment> = latest
        .saved
        .data
        .assignments
        .iter()
        .map(|a| (a.track_id, a))
        .collect();
    let dims: Vec<String> = latest.table.dims().iter().map(|d| d.name.clone()).collect();
    let data = latest.table.data();
    let mut records: Vec<Record> = Vec::with_capacity(latest.tracks.len());
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
    (dims, records)
}

fn write_csv(
    out: &mut dyn Write,
    dims: &[String],
    records: &[Record],
    raw: bool,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header = COLUMNS
        .iter()
        .map(|(s, _)| s.to_string())
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

fn write_json(out: &mut dyn Write, dims: &[String], records: &[Record]) -> std::io::Result<()> {
    let rows: Vec<Value> = records
        .iter()
        .map(|(fixed, features)| {
            let mut obj = Map::new();
            for ((k, _), v) in COLUMNS.iter().zip(fixed) {
                obj.insert(k.to_string(), v.clone());
            }
            for (k, v) in dims.iter().zip(features) {
                obj.insert(k.clone(), num(Some(*v)));
            }
            Value::Object(obj)
        })
        .collect();
    serde_json::to_writer(&mut *out, &rows)?;
    out.write_all(b"\n")
}

/// Rows per Parquet row group: some 200 MB of feature values with the current ~250 dims, a
/// size every reader handles, and one group for any personal library.
const ROW_GROUP_ROWS: usize = 100_000;

/// The Parquet schema of an export: [`COLUMNS`] typed by their [`Kind`], then `dims` as
/// required doubles.
fn parquet_schema(dims: &[String]) -> parquet::errors::Result<ParquetType> {
    let column = |name: &str, physical, logical, repetition| {
        ParquetType::primitive_type_builder(name, physical)
            .with_logical_type(logical)
            .with_repetition(repetition)
            .build()
            .map(Arc::new)
    };
    let mut fields = Vec::with_capacity(COLUMNS.len() + dims.len());
    for (name, kind) in COLUMNS {
        let repetition = if name == "path" {
            Repetition::REQUIRED
        } else {
            Repetition::OPTIONAL
        };
        fields.push(match kind {
            Kind::Text => column(
                name,
                PhysicalType::BYTE_ARRAY,
                Some(LogicalType::String),
                repetition,
            )?,
            Kind::Float => column(name, PhysicalType::DOUBLE, None, repetition)?,
            Kind::Int => column(name, PhysicalType::INT64, None, repetition)?,
        });
    }
    for name in dims {
        fields.push(column(
            name,
            PhysicalType::DOUBLE,
            None,
            Repetition::REQUIRED,
        )?);
    }
    ParquetType::group_type_builder("sonority_export")
        .with_fields(fields)
        .build()
}

/// Writes `records` as a Parquet file to `out` and gives `out` back.
fn write_parquet<W: Write + Send>(
    out: W,
    dims: &[String],
    records: &[Record],
) -> parquet::errors::Result<W> {
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("sonority {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer =
        SerializedFileWriter::new(out, Arc::new(parquet_schema(dims)?), Arc::new(props))?;
    for group in records.chunks(ROW_GROUP_ROWS) {
        let mut rows = writer.next_row_group()?;
        for (c, (name, kind)) in COLUMNS.iter().enumerate() {
            let mut column = next_column(&mut rows, name)?;
            let cells = group.iter().map(|(fixed, _)| &fixed[c]);
            // Definition levels: 1 where there is a value, 0 for a null; none for `path`.
            let levels: Vec<i16> = cells.clone().map(|v| i16::from(!v.is_null())).collect();
            let levels = (*name != "path").then_some(levels.as_slice());
            match kind {
                Kind::Text => {
                    let values: Vec<ByteArray> = cells
                        .filter_map(Value::as_str)
                        .map(ByteArray::from)
                        .collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&values, levels, None)?;
                }
                Kind::Float => {
                    let values: Vec<f64> = cells.filter_map(Value::as_f64).collect();
                    column
                        .typed::<DoubleType>()
                        .write_batch(&values, levels, None)?;
                }
                Kind::Int => {
                    let values: Vec<i64> = cells.filter_map(Value::as_i64).collect();
                    column
                        .typed::<Int64Type>()
                        .write_batch(&values, levels, None)?;
                }
            }
            column.close()?;
        }
        for (d, name) in dims.iter().enumerate() {
            let mut column = next_column(&mut rows, name)?;
            let values: Vec<f64> = group.iter().map(|(_, features)| features[d]).collect();
            column
                .typed::<DoubleType>()
                .write_batch(&values, None, None)?;
            column.close()?;
        }
        rows.close()?;
    }
    writer.into_inner()
}

/// The next column writer of a row group, which the schema says is `name`'s.
fn next_column<'a, W: Write + Send>(
    rows: &'a mut SerializedRowGroupWriter<'_, W>,
    name: &str,
) -> parquet::errors::Result<SerializedColumnWriter<'a>> {
    rows.next_column()?.ok_or_else(|| {
        parquet::errors::ParquetError::General(format!("no column {name} in the schema"))
    })
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
