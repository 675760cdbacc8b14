//! `export_parquet` on a real analysed and clustered library (real excerpts with tags and
//! synthetic files without): read back with the parquet crate's own reader, the file has the
//! CSV export's columns in its order, typed, and the same rows and values.

mod common;

use common::*;
use parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use sonority_library::{
    export, export_parquet, ExportFormat, ExportOptions, LatestClustering, LibraryError,
};
use std::collections::HashMap;

/// A Parquet file's column names with their physical type, logical type and repetition, and
/// its rows as fields by column name.
type Columns = Vec<(String, PhysicalType, Option<LogicalType>, Repetition)>;
fn read_parquet(path: &std::path::Path) -> (Columns, Vec<HashMap<String, Field>>) {
    let reader = SerializedFileReader::new(std::fs::File::open(path).expect("open parquet"))
        .expect("a Parquet file");
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let columns = schema
        .columns()
        .iter()
        .map(|c| {
            let t = c.self_type();
            let info = t.get_basic_info();
            (
                c.name().to_string(),
                c.physical_type(),
                info.logical_type_ref().cloned(),
                info.repetition(),
            )
        })
        .collect();
    let rows = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            row.expect("row")
                .get_column_iter()
                .map(|(name, field)| (name.clone(), field.clone()))
                .collect()
        })
        .collect();
    (columns, rows)
}

const TEXT: [&str; 8] = [
    "path",
    "artist",
    "album",
    "title",
    "genre",
    "family_name",
    "cluster_name",
    "codec",
];
const INT: [&str; 2] = ["family_id", "cluster_id"];

#[test]
fn parquet_export_has_the_csv_rows_typed() {
    let lib = Library::new();
    assert_eq!(lib.copy("real", "real", |n| n.ends_with(".ogg")), 4);
    let synthetic = lib.copy("synthetic", "synthetic", |n| n.ends_with(".wav"));
    assert!(synthetic >= 4);
    // Titles as stored: a formula (which only the CSV neutralises) and non-ASCII text.
    set_title(&lib.path("real/ambient_freedroid.ogg"), "=1+1");
    set_title(&lib.path("real/percussive_etr.ogg"), "Über – «drums» 鼓");
    let store = analysed_and_clustered(&lib);
    let latest = LatestClustering::load(&store).expect("latest clustering");

    // raw_csv: text exactly as stored, as Parquet writes it.
    let mut csv = Vec::new();
    let csv_options = ExportOptions {
        format: ExportFormat::Csv,
        raw_csv: true,
    };
    let n = export(&latest, &csv_options, &mut csv).expect("csv export");
    let (header, csv_rows) = read_csv(&csv);
    let out = lib.dir.path().join("export.parquet");
    assert_eq!(export_parquet(&latest, &out).expect("parquet export"), n);
    let (columns, rows) = read_parquet(&out);

    // The CSV's columns in its order, typed.
    let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, header.iter().map(String::as_str).collect::<Vec<_>>());
    let mut feature_columns = 0;
    for (name, physical, logical, repetition) in &columns {
        let want_repetition = if name == "path" || !names[..12].contains(&name.as_str()) {
            Repetition::REQUIRED
        } else {
            Repetition::OPTIONAL
        };
        assert_eq!(*repetition, want_repetition, "{name}");
        if TEXT.contains(&name.as_str()) {
            assert_eq!(*physical, PhysicalType::BYTE_ARRAY, "{name}");
            assert_eq!(*logical, Some(LogicalType::String), "{name}");
        } else if INT.contains(&name.as_str()) {
            assert_eq!(*physical, PhysicalType::INT64, "{name}");
        } else {
            assert_eq!(*physical, PhysicalType::DOUBLE, "{name}");
            feature_columns += usize::from(want_repetition == Repetition::REQUIRED);
        }
    }
    assert!(feature_columns > 100, "{feature_columns} feature columns");

    // The same rows, in the same order, with the same values: CSV floats are the shortest
    // decimal that reads back as the same f64, so they compare exactly.
    assert_eq!(rows.len(), csv_rows.len());
    assert_eq!(rows.len(), 4 + synthetic);
    let (mut nulls, mut texts) = (0, 0);
    for (row, csv_row) in rows.iter().zip(&csv_rows) {
        for (name, cell) in header.iter().zip(csv_row) {
            let field = &row[name];
            match field {
                Field::Null => {
                    assert_eq!(cell, "", "{name}");
                    nulls += 1;
                }
                Field::Str(s) => {
                    assert_eq!(s, cell, "{name}");
                    texts += usize::from(TEXT[1..5].contains(&name.as_str()));
                }
                Field::Long(v) => assert_eq!(Ok(*v), cell.parse::<i64>(), "{name}"),
                Field::Double(v) => {
                    let want: f64 = cell.parse().expect("a float cell");
                    assert!(v.to_bits() == want.to_bits(), "{name}: {v} vs {cell}");
                }
                other => panic!("{name}: unexpected field {other:?}"),
            }
        }
    }
    // Two tracks have a title, the others none: both kinds were written.
    assert!(nulls > 0 && texts == 2, "nulls {nulls}, tag texts {texts}");

    // `export` with ExportFormat::Parquet writes the same file to a stream.
    let mut streamed = Vec::new();
    let parquet_options = ExportOptions::new(ExportFormat::Parquet);
    assert_eq!(
        export(&latest, &parquet_options, &mut streamed).expect("stream"),
        n
    );
    assert_eq!(streamed, std::fs::read(&out).expect("read back"));

    // A folder that does not exist: a typed error naming the file, no file left behind.
    let missing = lib.dir.path().join("no such folder").join("x.parquet");
    match export_parquet(&latest, &missing) {
        Err(LibraryError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an Io error, got {other:?}"),
    }
}
