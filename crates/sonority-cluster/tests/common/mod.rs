//! Loading the scikit-learn reference fixtures written by `scripts/gen_cluster_reference.py`.
#![allow(dead_code)]

use std::cell::RefCell;
use std::path::PathBuf;

use ndarray::Array2;
use serde_json::Value;
use sonority_cluster::describe::WordRule;
use sonority_cluster::table::{Dim, FeatureTable};
use sonority_cluster::{AlgorithmParams, DescribeParams, ModelParams};

pub const DATASETS: [&str; 4] = ["blobs", "aniso", "varied", "music"];

pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cluster")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/gen_cluster_reference.py)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub fn matrix(v: &Value) -> Array2<f64> {
    let rows = v.as_array().expect("matrix is an array");
    let d = rows
        .first()
        .and_then(|r| r.as_array())
        .map_or(0, |r| r.len());
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_f64().expect("number"))
        })
        .collect();
    Array2::from_shape_vec((rows.len(), d), flat).expect("rectangular")
}

pub fn vec_f64(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

pub fn vec_i64(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("integer"))
        .collect()
}

pub fn vec_usize(v: &Value) -> Vec<usize> {
    vec_i64(v).into_iter().map(|x| x as usize).collect()
}

pub fn table(r: &Value) -> FeatureTable {
    let x = matrix(&r["x"]);
    let names = r["dim_names"].as_array().expect("names");
    let groups = r["dim_groups"].as_array().expect("groups");
    let dims = names
        .iter()
        .zip(groups)
        .map(|(n, g)| Dim::new(n.as_str().expect("s"), g.as_str().expect("s")))
        .collect();
    let ids = (0..x.nrows()).map(|i| format!("track{i:04}")).collect();
    FeatureTable::new(ids, dims, x).expect("valid table")
}

thread_local! {
    /// Largest differences seen by the current test, printed by `report`.
    pub static DIFFS: RefCell<Vec<(String, f64)>> = const { RefCell::new(Vec::new()) };
}

/// Asserts |a − b| <= tol and records the difference under `what`.
pub fn close(what: &str, a: f64, b: f64, tol: f64) {
    let d = (a - b).abs();
    DIFFS.with(|v| {
        let mut v = v.borrow_mut();
        match v.iter_mut().find(|(k, _)| k == what) {
            Some((_, m)) => *m = m.max(d),
            None => v.push((what.to_string(), d)),
        }
    });
    assert!(
        d <= tol,
        "{what}: {a} vs scikit-learn {b} (|diff| {d:e} > {tol:e})"
    );
}

pub fn report() {
    DIFFS.with(|v| {
        for (k, d) in v.borrow().iter() {
            println!("max |diff| {k:<40} {d:.3e}");
        }
    });
}

/// The dims→words table of these tests: the one sonority-library passes in (`DIM_WORDS`),
/// included from its one source, so that the cluster names of the fixtures read as the
/// library names them.
pub const WORDS: &[WordRule] = include!("../../../sonority-library/src/dim_words_table.rs");

/// Model parameters naming clusters with [`WORDS`].
pub fn named(algorithm: AlgorithmParams) -> ModelParams {
    ModelParams::new(algorithm).describe(DescribeParams::default().words(WORDS))
}
