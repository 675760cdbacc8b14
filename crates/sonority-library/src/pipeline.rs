//! The analysis run: scan a folder, compare it with the store, analyse the new and changed
//! files in parallel and commit the results in batches.
//!
//! Shape of a run:
//!
//! ```text
//! scan ─► plan (size, mtime, analysis version vs the store) ─► forget missing tracks
//!   ─► rayon pool of `jobs` workers: sniff ─► tags ─► decode + features ─┐ bounded channel
//!   ─► this thread: one writer, a transaction every `batch_size` tracks or `batch_interval` ◄┘
//! ```
//!
//! Memory stays at about `jobs` × the peak of one analysis (~60 MB for a 4-minute track): the
//! channel holds at most `2 × jobs` small results (a feature vector each) and a worker blocks
//! when it is full. A track row and its features are written in the same transaction, so a
//! crash (even SIGKILL) at any moment keeps every committed track whole and loses only the
//! batch in progress; the next run analyses exactly what was not committed.
//!
//! The writer also watches the files in progress: one still running after
//! [`AnalyzeOptions::file_timeout`] (a decoder stuck on damaged data, a network share that
//! stopped answering) is recorded as failed and the run finishes without it.

use crate::error::{LibraryError, Result};
use crate::progress::{FileOutcome, Phase, ProgressEvent};
use crate::scan::{self, ScanError, ScanErrorKind, ScanOptions, ScanResult, ScannedFile};
use crate::sniff::{sniff_file, Sniffed};
use crate::store::{AnalysisRecord, KnownFile, RecordOutcome, Store};
use crate::tags::{read_tags, Tags};
use rayon::prelude::*;
use serde::Serialize;
use sonority_features::{
    analyze_file_with, ffmpeg_available, DecodeWarning, Decoder, Detail, FeatureConfig,
    FeatureError, FeatureLayout, FileAnalysis, SourceInfo, TrackFeatures,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to analyse a library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyzeOptions {
    /// Worker threads; 0 (the default) means one per core.
    pub jobs: usize,
    /// The feature configuration (its [`FeatureConfig::analysis_version`] decides what is up
    /// to date).
    pub features: FeatureConfig,
    /// What the scan includes.
    pub scan: ScanOptions,
    /// Analyse again files that failed before although they did not change (default: false;
    /// failed files are retried anyway when they change or the analysis version changes).
    pub retry_failed: bool,
    /// Commit after this many results (default 32) ...
    pub batch_size: usize,
    /// ... or when the oldest uncommitted result is this old (default 2 s), whichever first.
    pub batch_interval: Duration,
    /// A file still not analysed after this long plus [`TIMEOUT_PER_MB`] per megabyte of it
    /// (default 10 minutes; `None`: no limit) is recorded as failed and the run goes on
    /// without it: a decoder stuck on damaged data or a network share that stopped answering
    /// must not stall the whole run, while a 10-hour recording on a slow machine still gets
    /// its time. The worker thread stays blocked in that file until the process ends (a thread
    /// cannot be killed), so the run finishes with one worker fewer.
    pub file_timeout: Option<Duration>,
    /// Forget the stored tracks under the root that the scan did not find even when it found
    /// none of them (default: false; such a scan looks like a drive that is not mounted, see
    /// [`Store::forget_missing`]).
    pub force_forget: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            jobs: 0,
            features: FeatureConfig::default(),
            scan: ScanOptions::default(),
            retry_failed: false,
            batch_size: 32,
            batch_interval: Duration::from_secs(2),
            file_timeout: Some(Duration::from_secs(600)),
            force_forget: false,
        }
    }
}

impl AnalyzeOptions {
    /// The number of worker threads a run uses.
    pub fn effective_jobs(&self) -> usize {
        if self.jobs > 0 {
            self.jobs
        } else {
            std::thread::available_parallelism().map_or(1, usize::from)
        }
    }
}

/// A file whose analysis failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedFile {
    /// The file (in JSON: `path`, plus `path_bytes` when not UTF-8).
    #[serde(flatten, serialize_with = "crate::json_path::path_fields")]
    pub path: PathBuf,
    /// Why (the message stored with the track).
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnalyzeReport {
    /// The scanned root, canonical (in JSON: `root`, plus `root_bytes` when not UTF-8).
    #[serde(flatten, serialize_with = "crate::json_path::root_fields")]
    pub root: PathBuf,
    /// The analysis version of this run.
    pub analysis_version: String,
    /// Files with an audio extension under the root.
    pub found: usize,
    /// Files analysed in this run.
    pub analysed: usize,
    /// Files skipped because they were analysed before and did not change.
    pub unchanged: usize,
    /// Unchanged files that failed before, not retried (see [`AnalyzeOptions::retry_failed`]).
    pub known_failures: usize,
    /// Files that failed in this run, with the reasons.
    pub failed: Vec<FailedFile>,
    /// Tracks forgotten because their file is gone.
    pub removed: usize,
    /// Set when tracks whose files were not found were kept because the scan found none of
    /// them (an empty or unmounted folder); `force_forget` forgets them.
    pub forget_withheld: Option<crate::store::ForgetWithheld>,
    /// Files and folders that could not be scanned or opened (not stored; tried again next
    /// time).
    pub scan_errors: Vec<ScanError>,
    /// Files of audio formats that are not decoded (WMA, APE, ...), counted by extension.
    pub undecoded: BTreeMap<String, usize>,
    /// True when the run was cancelled before every file was analysed.
    pub cancelled: bool,
    /// Files left for a later run because of the cancellation.
    pub not_started: usize,
    /// Wall time of the run in seconds.
    pub wall_s: f64,
    /// Seconds of audio analysed in this run.
    pub audio_s: f64,
}

impl AnalyzeReport {
    /// Hours of audio analysed in this run.
    pub fn audio_hours(&self) -> f64 {
        self.audio_s / 3600.0
    }
}

/// Analyses the library under `root` into `store`: scans it, forgets tracks whose file is
/// gone, analyses the new and changed files in parallel and commits the results in batches.
///
/// A file is skipped when its size, mtime and analysis version are those stored and it was
/// analysed without error; a file that failed is skipped too while it does not change, unless
/// [`AnalyzeOptions::retry_failed`]. Per-file failures are stored with their message and the
/// run goes on; tags that cannot be read become a warning.
///
/// `progress` receives [`ProgressEvent`]s on the calling thread. When `cancel` becomes true
/// (a Ctrl-C handler), no new file is started; the files in progress finish, everything
/// finished is committed, and the report says `cancelled`. Errors are those of the store
/// (the results committed until then stay) and an unreadable `root`.
pub fn analyze_library(
    store: &mut Store,
    root: &Path,
    options: &AnalyzeOptions,
    progress: &mut dyn FnMut(ProgressEvent),
    cancel: &AtomicBool,
) -> Result<AnalyzeReport> {
    let started = Instant::now();
    options.features.check()?;
    if options.batch_size == 0 {
        return Err(LibraryError::InvalidOption(
            "batch_size must be at least 1".into(),
        ));
    }
    let version = options.features.analysis_version();

    progress(ProgressEvent::Phase {
        phase: Phase::Scanning,
    });
    // Formats only ffmpeg decodes are analysed when it is there and may be used.
    let mut scan_options = options.scan.clone();
    scan_options.ffmpeg_formats |=
        options.features.decoder != Decoder::Native && ffmpeg_available();
    let scanned = scan::scan(root, &scan_options, &mut |found| {
        progress(ProgressEvent::Scanned { found })
    })?;
    for error in &scanned.errors {
        progress(ProgressEvent::ScanError {
            error: error.clone(),
        });
    }
    let plan = Plan::new(
        &scanned,
        &store.known_files()?,
        &version,
        options.retry_failed,
    );
    let forget = store.forget_missing(&scanned, options.force_forget)?;
    let removed = forget.forgotten;
    progress(ProgressEvent::Planned {
        found: scanned.files.len(),
        to_analyse: plan.to_analyse.len(),
        unchanged: plan.unchanged,
        known_failures: plan.known_failures,
        removed,
    });

    let mut report = AnalyzeReport {
        root: scanned.root.clone(),
        analysis_version: version.clone(),
        found: scanned.files.len(),
        unchanged: plan.unchanged,
        known_failures: plan.known_failures,
        removed,
        forget_withheld: forget.withheld,
        scan_errors: scanned.errors.clone(),
        undecoded: scanned.undecoded.clone(),
        ..AnalyzeReport::default()
    };
    let mut done = 0;
    let to_analyse = plan.to_analyse.len();
    if to_analyse > 0 && !cancel.load(Ordering::Relaxed) {
        progress(ProgressEvent::Phase {
            phase: Phase::Analysing,
        });
        let layout = FeatureLayout::for_config(&options.features);
        let layout_id = store.layout_id(&version, &layout)?;
        let run = Run {
            files: Arc::new(plan.to_analyse),
            options,
            version: &version,
            layout: &layout,
            layout_id,
            cancel,
        };
        done = run.execute(store, progress, &mut report)?;
    }
    report.not_started = to_analyse.saturating_sub(done);
    report.cancelled = report.not_started > 0;
    report.wall_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What to analyse, after comparing the scan with the store.
struct Plan {
    to_analyse: Vec<ScannedFile>,
    unchanged: usize,
    known_failures: usize,
}

impl Plan {
    fn new(
        scanned: &ScanResult,
        known: &HashMap<PathBuf, KnownFile>,
        version: &str,
        retry_failed: bool,
    ) -> Self {
        let mut plan = Self {
            to_analyse: Vec::new(),
            unchanged: 0,
            known_failures: 0,
        };
        for file in &scanned.files {
            let same = known.get(&file.path).filter(|k| {
                k.size == file.size && k.mtime_ns == file.mtime_ns && k.analysis_version == version
            });
            match same {
                Some(k) if k.failed && !retry_failed => plan.known_failures += 1,
                Some(k) if !k.failed && k.has_features => plan.unchanged += 1,
                _ => plan.to_analyse.push(file.clone()),
            }
        }
        plan
    }
}

/// What a worker sends to the writer.
enum Message {
    /// A result to store, with its seconds of audio.
    Record(Box<AnalysisRecord>, f64),
    /// A file that could not be opened: reported, not stored.
    Unreadable(ScanError),
}

/// What [`AnalyzeOptions::file_timeout`] grows by per megabyte of the file: 10 s, enough for
/// a slow machine analysing at 20x realtime even at FLAC's bit rate.
pub const TIMEOUT_PER_MB: Duration = Duration::from_secs(10);

/// The time file `size` bytes long may take before it is given up.
fn file_limit(base: Duration, size: u64) -> Duration {
    let megabytes = u32::try_from(size / 1_000_000).unwrap_or(u32::MAX);
    base.saturating_add(TIMEOUT_PER_MB.saturating_mul(megabytes))
}

/// How often the writer looks at the files in progress.
const WATCH_TICK: Duration = Duration::from_millis(250);

/// What the workers and the writer share to notice a file that never finishes.
#[derive(Default)]
struct Watch {
    /// Set by the writer: start no new file (cancelled, or the writer failed).
    stop: AtomicBool,
    /// Files whose worker is done with them (analysed or skipped).
    visited: AtomicUsize,
    /// Files being analysed, with their start time and size, and files given up while running.
    files: Mutex<WatchedFiles>,
}

#[derive(Default)]
struct WatchedFiles {
    running: HashMap<usize, (Instant, u64)>,
    given_up: HashSet<usize>,
}

impl Watch {
    fn lock(&self) -> std::sync::MutexGuard<'_, WatchedFiles> {
        // The lock is never held across anything that can panic; recover from poison anyway.
        self.files
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// A worker starts file `i`, `size` bytes long.
    fn begin(&self, i: usize, size: u64) {
        self.lock().running.insert(i, (Instant::now(), size));
    }

    /// A worker is done with file `i`; false when the writer gave it up meanwhile (its
    /// result is then dropped: the failure is already recorded).
    fn end(&self, i: usize) -> bool {
        let mut files = self.lock();
        files.running.remove(&i);
        !files.given_up.remove(&i)
    }

    /// Gives up the files running for longer than their limit (`base` grown by their size);
    /// returns them with their limit.
    fn give_up_overdue(&self, base: Duration) -> Vec<(usize, Duration)> {
        let mut files = self.lock();
        let late: Vec<(usize, Duration)> = files
            .running
            .iter()
            .map(|(&i, &(started, size))| (i, started, file_limit(base, size)))
            .filter(|&(_, started, limit)| started.elapsed() >= limit)
            .map(|(i, _, limit)| (i, limit))
            .collect();
        for (i, _) in &late {
            files.running.remove(i);
            files.given_up.insert(*i);
        }
        late
    }

    /// Files given up whose worker is still in them.
    fn stuck(&self) -> usize {
        self.lock().given_up.len()
    }
}

/// The analysing part of a run.
struct Run<'a> {
    files: Arc<Vec<ScannedFile>>,
    options: &'a AnalyzeOptions,
    version: &'a str,
    layout: &'a FeatureLayout,
    layout_id: i64,
    cancel: &'a AtomicBool,
}

impl Run<'_> {
    /// Runs the workers and the writer; returns how many files were done.
    ///
    /// The workers run on a thread of their own that is joined at the end, unless a file
    /// overran [`AnalyzeOptions::file_timeout`]: then that thread is left behind (it ends with
    /// the process), since the file it is stuck in may never return.
    fn execute(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(ProgressEvent),
        report: &mut AnalyzeReport,
    ) -> Result<usize> {
        let jobs = self.options.effective_jobs();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .thread_name(|i| format!("sonority-analyse-{i}"))
            .build()
            .map_err(|e| LibraryError::ThreadPool(e.to_string()))?;
        let (sender, receiver) = mpsc::sync_channel::<Message>(2 * jobs);
        let watch = Arc::new(Watch::default());
        let workers = {
            let (files, watch) = (Arc::clone(&self.files), Arc::clone(&watch));
            let (config, layout) = (self.options.features.clone(), self.layout.clone());
            std::thread::Builder::new()
                .name("sonority-workers".into())
                .spawn(move || {
                    pool.install(|| {
                        (0..files.len())
                            .into_par_iter()
                            .for_each_with(sender, |sender, i| {
                                if !watch.stop.load(Ordering::Relaxed) {
                                    watch.begin(i, files[i].size);
                                    let message = analyse_one(&files[i], &config, &layout);
                                    // A send fails only when the writer gave up; nothing to do then.
                                    if watch.end(i) {
                                        let _ = sender.send(message);
                                    }
                                }
                                watch.visited.fetch_add(1, Ordering::SeqCst);
                            });
                    });
                })
                .map_err(|e| LibraryError::ThreadPool(e.to_string()))?
        };
        let written = self.write(store, receiver, &watch, progress, report);
        watch.stop.store(true, Ordering::Relaxed);
        if watch.stuck() == 0 {
            let joined = workers.join();
            let done = written?;
            joined.map_err(|_| LibraryError::ThreadPool("an analysis thread panicked".into()))?;
            Ok(done)
        } else {
            // Dropping the handle detaches the thread stuck in a file.
            drop(workers);
            written
        }
    }

    /// The failure recorded for file `index`, given up after `limit`.
    fn timed_out(&self, index: usize, limit: Duration) -> AnalysisRecord {
        let file = self.files[index].clone();
        let reason = format!(
            "{}: the analysis did not finish within {} s (a decoder stuck on damaged data, or a \
             disk or network share that does not answer); left out — it is tried again when \
             the file changes, or with --retry-failed",
            file.path.display(),
            limit.as_secs()
        );
        AnalysisRecord {
            file,
            tags: Tags::default(),
            warnings: Vec::new(),
            outcome: RecordOutcome::Failed { reason },
        }
    }

    /// The writer: receives results until every worker is done, commits them in batches.
    fn write(
        &self,
        store: &mut Store,
        receiver: Receiver<Message>,
        watch: &Watch,
        progress: &mut dyn FnMut(ProgressEvent),
        report: &mut AnalyzeReport,
    ) -> Result<usize> {
        let total = self.files.len();
        let batch_size = self.options.batch_size;
        let interval = self.options.batch_interval;
        let mut batch: Vec<AnalysisRecord> = Vec::with_capacity(batch_size);
        let mut oldest: Option<Instant> = None;
        let mut done = 0;
        let mut committed = 0;
        let mut commit = |batch: &mut Vec<AnalysisRecord>,
                          progress: &mut dyn FnMut(ProgressEvent)|
         -> Result<()> {
            store.write_batch(self.version, self.layout_id, batch)?;
            committed += batch.len();
            progress(ProgressEvent::BatchCommitted {
                tracks: batch.len(),
                committed,
            });
            batch.clear();
            Ok(())
        };
        // Messages, then files given up: both end in the same bookkeeping.
        let mut given_up: Vec<AnalysisRecord> = Vec::new();
        loop {
            // Wake up at least every WATCH_TICK to pass on a cancel and to look for files
            // that overran their time.
            let wait = oldest.map_or(WATCH_TICK, |t| {
                interval.saturating_sub(t.elapsed()).min(WATCH_TICK)
            });
            let next = receiver.recv_timeout(wait);
            if self.cancel.load(Ordering::Relaxed) {
                watch.stop.store(true, Ordering::Relaxed);
            }
            if let Some(base) = self.options.file_timeout {
                given_up.extend(
                    watch
                        .give_up_overdue(base)
                        .into_iter()
                        .map(|(i, limit)| self.timed_out(i, limit)),
                );
            }
            let mut messages: Vec<Message> = given_up
                .drain(..)
                .map(|record| Message::Record(Box::new(record), 0.0))
                .collect();
            let finished = match next {
                Ok(message) => {
                    messages.push(message);
                    false
                }
                Err(RecvTimeoutError::Timeout) => false,
                Err(RecvTimeoutError::Disconnected) => true,
            };
            // Every file either visited by a worker or given up while still running: drain
            // what is left in the channel and stop (a stuck worker never disconnects).
            let all_accounted = watch.visited.load(Ordering::SeqCst) + watch.stuck() >= total;
            if all_accounted {
                messages.extend(receiver.try_iter());
            }
            for message in messages {
                done += 1;
                let (path, audio_s, outcome) = match message {
                    Message::Record(record, audio_s) => {
                        let outcome = match &record.outcome {
                            RecordOutcome::Analysed { .. } => {
                                report.analysed += 1;
                                report.audio_s += audio_s;
                                FileOutcome::Analysed
                            }
                            RecordOutcome::Failed { reason } => {
                                report.failed.push(FailedFile {
                                    path: record.file.path.clone(),
                                    reason: reason.clone(),
                                });
                                FileOutcome::Failed {
                                    reason: reason.clone(),
                                }
                            }
                        };
                        let path = record.file.path.clone();
                        batch.push(*record);
                        oldest.get_or_insert_with(Instant::now);
                        (path, audio_s, outcome)
                    }
                    Message::Unreadable(error) => {
                        let path = error.path.clone().unwrap_or_default();
                        let reason = error.message.clone();
                        report.scan_errors.push(error);
                        (path, 0.0, FileOutcome::Unreadable { reason })
                    }
                };
                progress(ProgressEvent::FileDone {
                    path,
                    done,
                    total,
                    audio_s,
                    audio_s_done: report.audio_s,
                    outcome,
                });
            }
            let due = batch.len() >= batch_size || oldest.is_some_and(|t| t.elapsed() >= interval);
            if due && !batch.is_empty() {
                commit(&mut batch, progress)?;
                oldest = None;
            }
            if finished || all_accounted {
                break;
            }
        }
        progress(ProgressEvent::Phase {
            phase: Phase::Writing,
        });
        if !batch.is_empty() {
            commit(&mut batch, progress)?;
        }
        Ok(done)
    }
}

/// Analyses one file on a worker thread. Never panics: a panic in a decoder or the tag reader
/// becomes a failure or a warning.
fn analyse_one(file: &ScannedFile, config: &FeatureConfig, layout: &FeatureLayout) -> Message {
    let path = &file.path;
    let record = |tags: Tags, warnings: Vec<DecodeWarning>, outcome: RecordOutcome| {
        let audio_s = match &outcome {
            RecordOutcome::Analysed { source, .. } => source.duration_s,
            RecordOutcome::Failed { .. } => 0.0,
        };
        Message::Record(
            Box::new(AnalysisRecord {
                file: file.clone(),
                tags,
                warnings,
                outcome,
            }),
            audio_s,
        )
    };
    match sniff_file(path) {
        Err(source) => {
            return Message::Unreadable(ScanError {
                path: Some(path.clone()),
                kind: ScanErrorKind::Unreadable,
                message: LibraryError::Io {
                    path: path.clone(),
                    source,
                }
                .to_string(),
            })
        }
        Ok(Sniffed::NotAudio(what)) => {
            let reason = LibraryError::NotAudio {
                path: path.clone(),
                what: what.to_string(),
            }
            .to_string();
            return record(
                Tags::default(),
                Vec::new(),
                RecordOutcome::Failed { reason },
            );
        }
        Ok(Sniffed::Audio(_)) => {}
    }
    let mut tag_warnings = Vec::new();
    let tags = match catch_unwind(AssertUnwindSafe(|| read_tags(path))) {
        Ok(Ok(tags)) => tags,
        Ok(Err(LibraryError::Tags { message, .. })) => {
            tag_warnings.push(tag_warning(message));
            Tags::default()
        }
        Ok(Err(other)) => {
            tag_warnings.push(tag_warning(other.to_string()));
            Tags::default()
        }
        Err(panic) => {
            tag_warnings.push(tag_warning(format!(
                "the tag reader crashed: {}",
                panic_message(panic.as_ref())
            )));
            Tags::default()
        }
    };
    let analysed = catch_unwind(AssertUnwindSafe(|| analyse_audio(path, config)));
    let (mut warnings, outcome) = match analysed {
        Ok(Ok((source, warnings, values))) if values.len() == layout.len() => {
            (warnings, RecordOutcome::Analysed { source, values })
        }
        Ok(Ok((_, warnings, values))) => (
            warnings,
            RecordOutcome::Failed {
                reason: format!(
                    "{}: internal error: {} feature values for a layout of {}",
                    path.display(),
                    values.len(),
                    layout.len()
                ),
            },
        ),
        Ok(Err(e)) => (
            Vec::new(),
            RecordOutcome::Failed {
                reason: e.to_string(),
            },
        ),
        Err(panic) => (
            Vec::new(),
            RecordOutcome::Failed {
                reason: format!(
                    "{}: internal error in the analysis: {}",
                    path.display(),
                    panic_message(panic.as_ref())
                ),
            },
        ),
    };
    warnings.extend(tag_warnings);
    record(tags, warnings, outcome)
}

/// Decodes and analyses `path`, keeping only what is stored (the frame features are dropped
/// here, on the worker).
pub(crate) fn analyse_audio(
    path: &Path,
    config: &FeatureConfig,
) -> std::result::Result<(SourceInfo, Vec<DecodeWarning>, Vec<f64>), FeatureError> {
    let FileAnalysis {
        source,
        warnings,
        analysis,
        ..
    } = analyze_file_with(path, config, Detail::Summary)?;
    let features = TrackFeatures::from_summary(&analysis.summary, config);
    Ok((source, warnings, features.values))
}

fn tag_warning(message: String) -> DecodeWarning {
    DecodeWarning {
        position_s: None,
        message: format!("tags: {message}"),
    }
}

/// The message of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_limit_grows_with_the_size() {
        let base = Duration::from_secs(600);
        assert_eq!(file_limit(base, 0), base);
        assert_eq!(file_limit(base, 999_999), base);
        assert_eq!(file_limit(base, 50_000_000), Duration::from_secs(1100));
        // No overflow for any size.
        assert!(file_limit(base, u64::MAX) > Duration::from_secs(10_000_000_000));
    }
}
