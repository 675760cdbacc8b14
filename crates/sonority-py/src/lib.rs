//! `sonority._sonority`: the Rust half of the Python package `sonority` (the pure-Python half,
//! in `python/sonority/`, turns what these functions return into pandas DataFrames).
//!
//! Analyses run with the GIL released. Every error is an exception of `sonority._errors`
//! (see [`errors`]).

mod errors;
mod library;

use errors::{feature_error, library_error};
use numpy::{IntoPyArray, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sonority_features::file_analysis_to_json;
use sonority_features::{analyze_file_with, Detail, FeatureConfig};
use sonority_library::{analysis_dims, analyze_files};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The features of one file: the `sonority features --json` document as a dict; with
/// `frames`, the per-frame features as `float32` arrays (rows × frames) under "frames".
#[pyfunction]
#[pyo3(signature = (path, frames = false))]
fn features(py: Python<'_>, path: PathBuf, frames: bool) -> PyResult<Bound<'_, PyAny>> {
    let config = FeatureConfig::default();
    let detail = if frames {
        Detail::Frames
    } else {
        Detail::Summary
    };
    let analysis = py
        .allow_threads(|| analyze_file_with(&path, &config, detail))
        .map_err(|e| feature_error(py, &e))?;
    let doc = pythonize::pythonize(py, &file_analysis_to_json(&analysis, false))?;
    if frames {
        let dict = doc.downcast::<PyDict>()?;
        let out = PyDict::new(py);
        for (key, m) in analysis.analysis.frames.iter() {
            let array =
                ndarray::Array2::from_shape_vec((m.rows(), m.cols()), m.as_slice().to_vec())
                    .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
            out.set_item(key, array.into_pyarray(py))?;
        }
        dict.set_item("frames", out)?;
    }
    Ok(doc)
}

/// A line on stderr every few seconds and at the end of a batch analysis.
struct Progress {
    enabled: bool,
    started: Instant,
    last: Mutex<Instant>,
}

impl Progress {
    const EVERY: Duration = Duration::from_secs(3);

    fn tick(&self, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if done < total && now.duration_since(*last) < Self::EVERY {
            return;
        }
        *last = now;
        let secs = now.duration_since(self.started).as_secs_f64();
        let _ = writeln!(
            std::io::stderr(),
            "sonority: analysed {done}/{total} files ({:.0}%) in {secs:.1} s",
            100.0 * done as f64 / total.max(1) as f64
        );
    }
}

/// Analyses `paths` on `jobs` threads (None: every core): a dict of columns, "path",
/// "error" (None when analysed), "duration_s", "dims" (the dim names) and "values" (one row of
/// dims per path; NaN for failed files).
#[pyfunction]
#[pyo3(signature = (paths, jobs = None, progress = true))]
fn analyze(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    jobs: Option<usize>,
    progress: bool,
) -> PyResult<Bound<'_, PyDict>> {
    let config = FeatureConfig::default();
    let dims = analysis_dims(&config);
    let reporter = Progress {
        enabled: progress && !paths.is_empty(),
        started: Instant::now(),
        last: Mutex::new(Instant::now()),
    };
    let results = py
        .allow_threads(|| {
            analyze_files(&paths, &config, jobs.unwrap_or(0), &|done, total| {
                reporter.tick(done, total)
            })
        })
        .map_err(|e| library_error(py, &e))?;
    let d = dims.len();
    let mut values = ndarray::Array2::<f64>::from_elem((results.len(), d), f64::NAN);
    let mut duration = vec![f64::NAN; results.len()];
    let mut errors: Vec<Option<String>> = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        match &r.outcome {
            Ok(a) => {
                values
                    .row_mut(i)
                    .iter_mut()
                    .zip(&a.values)
                    .for_each(|(v, x)| *v = *x);
                duration[i] = a.source.duration_s;
                errors.push(None);
            }
            Err(message) => errors.push(Some(message.clone())),
        }
    }
    let out = PyDict::new(py);
    out.set_item(
        "path",
        results
            .iter()
            .map(|r| r.path.to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
    )?;
    out.set_item("error", errors)?;
    out.set_item("duration_s", duration.into_pyarray(py))?;
    out.set_item(
        "dims",
        dims.iter().map(|d| d.name.clone()).collect::<Vec<_>>(),
    )?;
    let values: Bound<'_, PyArray2<f64>> = values.into_pyarray(py);
    out.set_item("values", values)?;
    Ok(out)
}

/// The dim names of `analyze` and of a library's features, in order.
#[pyfunction]
fn dims() -> Vec<String> {
    analysis_dims(&FeatureConfig::default())
        .into_iter()
        .map(|d| d.name)
        .collect()
}

/// The module `sonority._sonority`.
#[pymodule]
fn _sonority(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(features, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(dims, m)?)?;
    m.add_class::<library::Library>()?;
    m.add_class::<library::Model>()?;
    Ok(())
}
