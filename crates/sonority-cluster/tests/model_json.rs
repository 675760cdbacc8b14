//! The saved form of a model: a model written by an earlier build (string track ids, before
//! `FeatureTable` took the caller's id type) still loads and is written back byte for byte,
//! and other id types round-trip.

use std::path::PathBuf;

use sonority_cluster::{AlgorithmParams, Dim, FeatureTable, Fit, KMeansParams, Model, ModelParams};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cluster/model_string_ids.json")
}

fn dims() -> Vec<Dim> {
    vec![
        Dim::new("tempo_bpm", "rhythm"),
        Dim::new("rms_mean_0", "rms"),
    ]
}

fn rows() -> Vec<(String, Vec<f64>)> {
    (0..12)
        .map(|i| {
            let fast = i % 2 == 0;
            let tempo = if fast { 170.0 } else { 70.0 } + i as f64 * 0.5;
            (
                format!("track{i}"),
                vec![tempo, if fast { 0.3 } else { 0.05 }],
            )
        })
        .collect()
}

fn params() -> ModelParams {
    ModelParams::new(AlgorithmParams::KMeans(KMeansParams::new(2).seed(1)))
}

#[test]
fn a_model_saved_with_string_ids_loads_and_saves_the_same() {
    let table = FeatureTable::from_rows(dims(), rows()).unwrap();
    let json = params().fit(&table).unwrap().to_json().unwrap();
    let path = fixture();
    if std::env::var_os("SONORITY_WRITE_MODEL_FIXTURE").is_some() {
        std::fs::write(&path, &json).unwrap();
    }
    let saved = std::fs::read_to_string(&path).unwrap();
    let loaded: Model = Model::from_json(&saved).unwrap();
    assert_eq!(loaded.to_json().unwrap(), saved);
    assert_eq!(json, saved, "a model fitted today is saved as before");
}

#[test]
fn tables_keyed_by_integers_fit_save_place_and_compare() {
    let rows = rows()
        .into_iter()
        .enumerate()
        .map(|(i, (_, v))| (1000 + i as i64, v));
    let table: FeatureTable<i64> = FeatureTable::from_id_rows(dims(), rows).unwrap();
    assert_eq!(table.index_of(&1003).unwrap(), 3);
    let model = params().fit(&table).unwrap();
    assert_eq!(model.clustering.track_ids[0], 1000);
    let json = model.to_json().unwrap();
    assert!(json.contains(r#""track_ids":[1000,1001,"#), "{json}");
    let back: Model<i64> = Model::from_json(&json).unwrap();
    assert_eq!(back, model);
    let placed = back.assign(&table).unwrap();
    assert_eq!(placed[5].track_id, 1005);
    assert_eq!(placed[5].cluster, model.clustering.label_of(&1005));
    let similar = back.similar(&table, &1000, 2).unwrap();
    assert!(similar.iter().all(|s| s.id % 2 == 0), "{similar:?}");
    let err = table.index_of(&7).unwrap_err().to_string();
    assert_eq!(err, "unknown track id \"7\"");
    let dup = FeatureTable::from_id_rows(dims(), [(1_i64, vec![1.0, 2.0]), (1, vec![3.0, 4.0])]);
    assert_eq!(dup.unwrap_err().to_string(), "duplicate track id \"1\"");
}
