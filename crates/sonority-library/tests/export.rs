//! `export` on a real analysed and clustered library: a track whose title is a spreadsheet
//! formula comes out of the CSV neutralised (a leading `'`), as stored with `raw_csv`, and
//! unchanged in JSON; numeric columns (negative feature values too) are never touched.

mod common;

use common::*;
use sonority_library::{export, ExportFormat, ExportOptions, LatestClustering};

const FORMULA: &str = "=HYPERLINK(\"http://example.invalid\",\"click\")";

#[test]
fn csv_export_neutralises_formula_cells_unless_raw() {
    let lib = Library::new();
    assert!(lib.copy("synthetic", "synthetic", |n| n.ends_with(".wav")) >= 4);
    let target = lib.path("synthetic/chord_cmaj_22k.wav");
    set_title(&target, FORMULA);
    let store = analysed_and_clustered(&lib);
    let latest = LatestClustering::load(&store).expect("latest clustering");

    let mut safe = Vec::new();
    let n = export(&latest, &ExportOptions::new(ExportFormat::Csv), &mut safe).expect("export");
    let mut raw = Vec::new();
    let raw_options = ExportOptions {
        format: ExportFormat::Csv,
        raw_csv: true,
    };
    assert_eq!(export(&latest, &raw_options, &mut raw).expect("export"), n);
    let mut json = Vec::new();
    // raw_csv does not change JSON.
    let json_options = ExportOptions {
        format: ExportFormat::Json,
        raw_csv: false,
    };
    export(&latest, &json_options, &mut json).expect("export");

    let (header, safe_rows) = read_csv(&safe);
    let (_, raw_rows) = read_csv(&raw);
    assert_eq!(safe_rows.len(), n);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (path, title) = (col("path"), col("title"));
    let row_of = |rows: &[Vec<String>]| -> Vec<String> {
        rows.iter()
            .find(|r| r[path] == target.to_string_lossy())
            .expect("the formula track")
            .clone()
    };
    let safe_row = row_of(&safe_rows);
    let raw_row = row_of(&raw_rows);
    assert_eq!(safe_row[title], format!("'{FORMULA}"));
    assert_eq!(raw_row[title], FORMULA);
    // Every other cell, the numbers included, is the same either way.
    for (i, (a, b)) in safe_row.iter().zip(&raw_row).enumerate() {
        if i != title {
            assert_eq!(a, b, "column {}", header[i]);
        }
    }
    // Negative feature values are numbers: no quote anywhere in the numeric columns.
    let first_feature = col("codec") + 1;
    let negatives = safe_rows
        .iter()
        .flat_map(|r| r[first_feature..].iter())
        .filter(|c| c.starts_with('-'))
        .count();
    assert!(negatives > 0, "the features have negative values");
    assert!(safe_rows
        .iter()
        .all(|r| r[first_feature..].iter().all(|c| c.parse::<f64>().is_ok())));

    let json: serde_json::Value = serde_json::from_slice(&json).expect("json");
    let titles: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["title"].as_str())
        .collect();
    assert!(titles.contains(&FORMULA), "{titles:?}");
}
