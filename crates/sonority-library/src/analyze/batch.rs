//! Analysing a list of files without a store: the per-track feature vectors of the files, in
//! parallel, with failures kept as rows (what `sonority.analyze` in Python returns).

use crate::analyze::pipeline::analyse_audio;
use crate::clustering::{analysis_dims, duration_log};
use crate::error::{LibraryError, Result};
use rayon::prelude::*;
use sonority_features::{DecodeWarning, FeatureConfig, SourceInfo};
use sonority_tags::{panic_message, sniff_file, Sniffed};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One analysed file of [`analyze_files`].
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysedFile {
    /// What the file holds.
    pub source: SourceInfo,
    /// Problems that did not stop the analysis.
    pub warnings: Vec<DecodeWarning>,
    /// One value per dim of [`analysis_dims`] (the layout's, then the log duration): the
    /// values `sonority analyze` stores and `sonority export` writes.
    pub values: Vec<f64>,
}

/// The outcome for one file of [`analyze_files`].
#[derive(Debug, Clone, PartialEq)]
pub struct FileResult {
    /// The file, as given.
    pub path: PathBuf,
    /// Its features, or why it could not be analysed (the message names the file).
    pub outcome: std::result::Result<AnalysedFile, String>,
}

/// Analyses `paths` with `config` on `jobs` threads (0: one per core), in the order given.
/// As in a library analysis, a file that is not audio (sniffed by content) and a file whose
/// decoder fails or panics is a failed row, not an error; `on_file(done, total)` is called
/// after each file, from the worker threads. Errors: only [`LibraryError::ThreadPool`].
pub fn analyze_files(
    paths: &[PathBuf],
    config: &FeatureConfig,
    jobs: usize,
    on_file: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<FileResult>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| LibraryError::ThreadPool(e.to_string()))?;
    let done = AtomicUsize::new(0);
    let width = analysis_dims(config).len();
    Ok(pool.install(|| {
        paths
            .par_iter()
            .map(|path| {
                let outcome = analyse_path(path, config, width);
                on_file(done.fetch_add(1, Ordering::Relaxed) + 1, paths.len());
                FileResult {
                    path: path.clone(),
                    outcome,
                }
            })
            .collect()
    }))
}

fn analyse_path(
    path: &Path,
    config: &FeatureConfig,
    width: usize,
) -> std::result::Result<AnalysedFile, String> {
    match sniff_file(path) {
        Err(source) => {
            return Err(LibraryError::Io {
                path: path.to_path_buf(),
                source,
            }
            .to_string())
        }
        Ok(Sniffed::NotAudio(what)) => {
            return Err(LibraryError::NotAudio {
                path: path.to_path_buf(),
                what: what.to_string(),
            }
            .to_string())
        }
        Ok(Sniffed::Audio(_)) => {}
    }
    match catch_unwind(AssertUnwindSafe(|| analyse_audio(path, config))) {
        Ok(Ok((source, warnings, mut values))) if values.len() + 1 == width => {
            values.push(duration_log(Some(source.duration_s)));
            Ok(AnalysedFile {
                source,
                warnings,
                values,
            })
        }
        Ok(Ok((_, _, values))) => Err(format!(
            "{}: internal error: {} feature values for {} dims",
            path.display(),
            values.len(),
            width - 1
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!(
            "{}: internal error in the analysis: {}",
            path.display(),
            panic_message(panic.as_ref())
        )),
    }
}
