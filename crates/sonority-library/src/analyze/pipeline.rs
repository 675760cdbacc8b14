//! The analysis run: scan a folder, compare it with the store, analyse the new and changed
//! files in parallel and commit the results in batches.
//!
//! Shape of a run:
//!
//! ```text
//! scan ─► plan (size, mtime, analysis version vs the store) ─► forget missing tracks
//!   ─► `jobs` worker threads: mark ─► sniff ─► tags ─► decode + features ─┐ bounded channel
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
//! stopped answering) is recorded as failed, its worker thread (which cannot be killed) is left
//! behind and replaced by a new one, and the run finishes without it. Before a worker starts a
//! file, the writer marks it in progress in the store, so that a file that kills the process
//! is recorded as failed by the next run rather than killing it too.
//!
//! Why threads and not a child process per file: a child would also survive aborts, but costs
//! a process start and a copy of the results per file, and the library (used without the
//! binary) has no executable to start. A hung file costs one sleeping thread until the
//! process ends; a crashing one costs one dead run, after which it is recorded as failed.

use crate::analyze::progress::{FileOutcome, Phase, ProgressEvent};
use crate::analyze::scan::{self, ScanError, ScanErrorKind, ScanOptions, ScanResult};
use crate::error::{LibraryError, Result};
use serde::Serialize;
use sonority_features::{
    analyze_file_with, ffmpeg_available, DecodeWarning, Decoder, Detail, FeatureConfig,
    FeatureError, FeatureLayout, FileAnalysis, SourceInfo, TrackFeatures,
};
use sonority_store::FileVersion;
use sonority_store::{AnalysisRecord, DeadMark, KnownFile, RecordOutcome, Store};
use sonority_tags::{panic_message, read_tags, sniff_file, Sniffed, TagError, Tags};
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
    /// cannot be killed); a new worker takes its place, so the run ends even when every worker
    /// hangs.
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
    #[serde(flatten, serialize_with = "crate::output::json_path::path_fields")]
    pub path: PathBuf,
    /// Why (the message stored with the track).
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnalyzeReport {
    /// The scanned root, canonical (in JSON: `root`, plus `root_bytes` when not UTF-8).
    #[serde(flatten, serialize_with = "crate::output::json_path::root_fields")]
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
    pub forget_withheld: Option<sonority_store::ForgetWithheld>,
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
/// Each file is marked in progress in the store (committed) before its analysis starts; a file
/// still marked by a run whose process died (an abort in a C decoder, a stack overflow, a
/// kill) is recorded as failed ("the previous run died while analysing this file") instead of
/// being analysed again, unless [`AnalyzeOptions::retry_failed`] or the file changed.
///
/// `progress` receives [`ProgressEvent`]s on the calling thread. When `cancel` becomes true
/// (a Ctrl-C handler), no new file is started; the files in progress get [`CANCEL_GRACE`] to
/// finish (the others are left for the next run), everything finished is committed, and the
/// report says `cancelled`. Errors are those of the store
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
    let mut plan = Plan::new(
        &scanned,
        &store.known_files()?,
        &version,
        options.retry_failed,
    );
    let forget = store.forget_missing(&scanned.seen(), options.force_forget)?;
    let removed = forget.forgotten;
    // Files a run that died was analysing: recorded as failed instead of analysed again
    // (unless retried), since one of them may be what killed it.
    let crashed = plan.take_crashed(store.take_dead_marks()?, options.retry_failed);
    let layout = FeatureLayout::for_config(&options.features);
    if !crashed.is_empty() {
        let layout_id = store.layout_id(&version, &layout)?;
        store.write_batch(&version, layout_id, &crashed)?;
    }
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
        failed: crashed
            .iter()
            .filter_map(|r| match &r.outcome {
                RecordOutcome::Failed { reason } => Some(FailedFile {
                    path: r.file.path.clone(),
                    reason: reason.clone(),
                }),
                RecordOutcome::Analysed { .. } => None,
            })
            .collect(),
        ..AnalyzeReport::default()
    };
    let mut done = 0;
    let to_analyse = plan.to_analyse.len();
    if to_analyse > 0 && !cancel.load(Ordering::Relaxed) {
        progress(ProgressEvent::Phase {
            phase: Phase::Analysing,
        });
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
    to_analyse: Vec<FileVersion>,
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

    /// Takes out of the plan the files of `dead` (marks left by a run that died) that did not
    /// change since, and returns their failure records; with `retry` they stay in the plan.
    fn take_crashed(&mut self, dead: Vec<DeadMark>, retry: bool) -> Vec<AnalysisRecord> {
        if retry || dead.is_empty() {
            return Vec::new();
        }
        let dead: HashMap<PathBuf, DeadMark> =
            dead.into_iter().map(|m| (m.path.clone(), m)).collect();
        let (crashed, keep): (Vec<FileVersion>, Vec<FileVersion>) =
            std::mem::take(&mut self.to_analyse)
                .into_iter()
                .partition(|f| {
                    dead.get(&f.path)
                        .is_some_and(|m| m.size == f.size && m.mtime_ns == f.mtime_ns)
                });
        self.to_analyse = keep;
        crashed
            .into_iter()
            .map(|file| {
                let reason = format!(
                    "{}: the previous run died while analysing this file (a crash in a \
                     decoder, or the process was killed); left out — it is tried again when \
                     the file changes, or with --retry-failed",
                    file.path.display()
                );
                AnalysisRecord {
                    file,
                    tags: Tags::default(),
                    warnings: Vec::new(),
                    outcome: RecordOutcome::Failed { reason },
                }
            })
            .collect()
    }
}

/// What a worker sends to the writer.
enum Message {
    /// A worker is about to analyse file `index`: the writer marks it in progress in the store
    /// (committed) and answers true, or false to say "start nothing more".
    Starting(usize, mpsc::Sender<bool>),
    /// A result to store, with its seconds of audio.
    Record(Box<AnalysisRecord>, f64),
    /// A file that could not be opened: reported, not stored.
    Unreadable(ScanError),
}

/// What [`AnalyzeOptions::file_timeout`] grows by per megabyte of the file: 10 s, enough for
/// a slow machine analysing at 20x realtime even at FLAC's bit rate.
pub const TIMEOUT_PER_MB: Duration = Duration::from_secs(10);

/// After a cancel, how long the files in progress may take to finish before the run ends
/// without them (they are left for the next run, not recorded as failed).
pub const CANCEL_GRACE: Duration = Duration::from_secs(3);

/// The time file `size` bytes long may take before it is given up.
fn file_limit(base: Duration, size: u64) -> Duration {
    let megabytes = u32::try_from(size / 1_000_000).unwrap_or(u32::MAX);
    base.saturating_add(TIMEOUT_PER_MB.saturating_mul(megabytes))
}

/// How often the writer looks at the files in progress.
const WATCH_TICK: Duration = Duration::from_millis(250);

/// A file a worker is in: since when, its size, and which worker.
#[derive(Clone, Copy)]
struct Running {
    since: Instant,
    size: u64,
    worker: usize,
}

/// What the workers and the writer share to notice a file that never finishes.
#[derive(Default)]
struct Watch {
    /// Set by the writer: start no new file (cancelled, or the writer failed).
    stop: AtomicBool,
    /// The next file to claim (may run past the end).
    next: AtomicUsize,
    /// Claimed files whose worker is done with them (analysed, or skipped after a stop).
    visited: AtomicUsize,
    /// Files being analysed, and files given up while running.
    files: Mutex<WatchedFiles>,
}

#[derive(Default)]
struct WatchedFiles {
    running: HashMap<usize, Running>,
    given_up: HashSet<usize>,
}

impl Watch {
    fn lock(&self) -> std::sync::MutexGuard<'_, WatchedFiles> {
        // The lock is never held across anything that can panic; recover from poison anyway.
        self.files
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// `worker` starts file `i`, `size` bytes long.
    fn begin(&self, i: usize, size: u64, worker: usize) {
        let since = Instant::now();
        self.lock().running.insert(
            i,
            Running {
                since,
                size,
                worker,
            },
        );
    }

    /// A worker is done with file `i`; false when the writer gave it up meanwhile (its
    /// result is then dropped: the failure is already recorded, and the worker has been
    /// replaced).
    fn end(&self, i: usize) -> bool {
        let mut files = self.lock();
        files.running.remove(&i);
        !files.given_up.remove(&i)
    }

    /// Gives up the files running for longer than their limit (`base` grown by their size);
    /// returns them with their limit and their worker.
    fn give_up_overdue(&self, base: Duration) -> Vec<(usize, Duration, usize)> {
        let mut files = self.lock();
        let late: Vec<(usize, Duration, usize)> = files
            .running
            .iter()
            .map(|(&i, r)| (i, file_limit(base, r.size), r))
            .filter(|(_, limit, r)| r.since.elapsed() >= *limit)
            .map(|(i, limit, r)| (i, limit, r.worker))
            .collect();
        for (i, _, _) in &late {
            files.running.remove(i);
            files.given_up.insert(*i);
        }
        late
    }

    /// Gives up every file still running (a cancel whose grace ran out); returns them with
    /// their worker.
    fn give_up_all(&self) -> Vec<(usize, usize)> {
        let mut files = self.lock();
        let all: Vec<(usize, usize)> = files.running.drain().map(|(i, r)| (i, r.worker)).collect();
        files.given_up.extend(all.iter().map(|&(i, _)| i));
        all
    }

    /// Files given up whose worker is still in them.
    fn stuck(&self) -> usize {
        self.lock().given_up.len()
    }

    /// True when every claimed file is visited or given up, and no more will be claimed.
    fn all_accounted(&self, total: usize) -> bool {
        let claimed = self.next.load(Ordering::SeqCst).min(total);
        let no_more = claimed == total || self.stop.load(Ordering::SeqCst);
        no_more && self.visited.load(Ordering::SeqCst) + self.stuck() >= claimed
    }
}

/// What every worker reads.
struct Shared {
    files: Arc<Vec<FileVersion>>,
    config: FeatureConfig,
    layout: FeatureLayout,
    watch: Watch,
}

/// A worker: claims files one by one until none is left or the run stops. A file is marked in
/// progress by the writer before its analysis starts. A worker whose file was given up (it
/// overran its time) has been replaced by then: if it ever comes back, it ends.
fn work(shared: &Shared, sender: &mpsc::SyncSender<Message>, worker: usize) {
    let watch = &shared.watch;
    let total = shared.files.len();
    loop {
        let i = watch.next.fetch_add(1, Ordering::SeqCst);
        if i >= total {
            return;
        }
        let (ack, acked) = mpsc::channel();
        let go = !watch.stop.load(Ordering::SeqCst)
            && sender.send(Message::Starting(i, ack)).is_ok()
            && acked.recv() == Ok(true);
        if !go {
            watch.visited.fetch_add(1, Ordering::SeqCst);
            return;
        }
        watch.begin(i, shared.files[i].size, worker);
        let message = analyse_one(&shared.files[i], &shared.config, &shared.layout);
        let kept = watch.end(i);
        if kept {
            // A send fails only when the writer is gone; nothing to do then.
            let _ = sender.send(message);
        }
        watch.visited.fetch_add(1, Ordering::SeqCst);
        if !kept {
            return;
        }
    }
}

/// The worker threads of a run: started by the writer, also to replace a worker stuck in a
/// file that was given up.
struct Workers {
    shared: Arc<Shared>,
    sender: mpsc::SyncSender<Message>,
    handles: Vec<(usize, std::thread::JoinHandle<()>)>,
    /// Workers left in a file that was given up: never joined (they end with the process).
    abandoned: HashSet<usize>,
}

impl Workers {
    fn spawn(&mut self) -> Result<()> {
        let worker = self.handles.len();
        let (shared, sender) = (Arc::clone(&self.shared), self.sender.clone());
        let handle = std::thread::Builder::new()
            .name(format!("sonority-analyse-{worker}"))
            .spawn(move || work(&shared, &sender, worker))
            .map_err(|e| LibraryError::ThreadPool(e.to_string()))?;
        self.handles.push((worker, handle));
        Ok(())
    }

    /// Waits for every worker that is not stuck in a given-up file.
    fn join(self) -> Result<()> {
        let mut panicked = false;
        for (worker, handle) in self.handles {
            if self.abandoned.contains(&worker) {
                drop(handle); // detached: it may never return
            } else {
                panicked |= handle.join().is_err();
            }
        }
        if panicked {
            return Err(LibraryError::ThreadPool(
                "an analysis thread panicked".into(),
            ));
        }
        Ok(())
    }
}

/// The analysing part of a run.
struct Run<'a> {
    files: Arc<Vec<FileVersion>>,
    options: &'a AnalyzeOptions,
    version: &'a str,
    layout: &'a FeatureLayout,
    layout_id: i64,
    cancel: &'a AtomicBool,
}

/// The writer's bookkeeping of a batch not yet committed.
struct Batch {
    records: Vec<AnalysisRecord>,
    oldest: Option<Instant>,
    committed: usize,
}

impl Run<'_> {
    /// Runs the workers and the writer; returns how many files were done.
    ///
    /// A file that overruns [`AnalyzeOptions::file_timeout`] is recorded as failed and its
    /// worker is replaced by a new one: a thread cannot be killed, so the stuck one is left
    /// behind (it ends with the process), and the run ends even when every worker hangs.
    /// After a cancel the files in progress get [`CANCEL_GRACE`] to finish; then the run ends
    /// without them (they are left for the next run).
    fn execute(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(ProgressEvent),
        report: &mut AnalyzeReport,
    ) -> Result<usize> {
        let jobs = self.options.effective_jobs();
        let (sender, receiver) = mpsc::sync_channel::<Message>(2 * jobs);
        let shared = Arc::new(Shared {
            files: Arc::clone(&self.files),
            config: self.options.features.clone(),
            layout: self.layout.clone(),
            watch: Watch::default(),
        });
        let mut workers = Workers {
            shared: Arc::clone(&shared),
            sender,
            handles: Vec::with_capacity(jobs),
            abandoned: HashSet::new(),
        };
        let mut spawned = Ok(());
        for _ in 0..jobs {
            spawned = spawned.and_then(|()| workers.spawn());
        }
        let written =
            spawned.and_then(|()| self.write(store, receiver, &mut workers, progress, report));
        shared.watch.stop.store(true, Ordering::SeqCst);
        // After an error of the writer, files may still be running (one may never return):
        // leave their workers behind, and try to unmark the files, which did not crash
        // anything. (After a normal end none is running.)
        let running = shared.watch.give_up_all();
        if !running.is_empty() {
            let _ =
                store.clear_in_progress(running.iter().map(|&(i, _)| self.files[i].path.as_path()));
        }
        for (_, worker) in running {
            workers.abandoned.insert(worker);
        }
        // The writer's receiver is gone: a worker blocked on a send wakes up and ends.
        let joined = workers.join();
        let done = written?;
        joined?;
        Ok(done)
    }

    /// The failure recorded for file `index`, given up after `limit`.
    fn timed_out(&self, index: usize, limit: Duration) -> AnalysisRecord {
        let file = self.files[index].clone();
        let reason = format!(
            "{}: timed out after {} s: the analysis did not finish (a decoder stuck on damaged \
             data, or a disk or network share that does not answer); left out — it is tried \
             again when the file changes, or with --retry-failed",
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

    /// Commits the batch.
    fn commit(
        &self,
        store: &mut Store,
        batch: &mut Batch,
        progress: &mut dyn FnMut(ProgressEvent),
    ) -> Result<()> {
        store.write_batch(self.version, self.layout_id, &batch.records)?;
        batch.committed += batch.records.len();
        progress(ProgressEvent::BatchCommitted {
            tracks: batch.records.len(),
            committed: batch.committed,
        });
        batch.records.clear();
        batch.oldest = None;
        Ok(())
    }

    /// The writer: marks files in progress for the workers, receives results until every
    /// file is accounted for, commits them in batches, and gives up files that overrun their
    /// time (replacing their worker).
    fn write(
        &self,
        store: &mut Store,
        receiver: Receiver<Message>,
        workers: &mut Workers,
        progress: &mut dyn FnMut(ProgressEvent),
        report: &mut AnalyzeReport,
    ) -> Result<usize> {
        let shared = Arc::clone(&workers.shared);
        let watch = &shared.watch;
        let total = self.files.len();
        let batch_size = self.options.batch_size;
        let interval = self.options.batch_interval;
        let mut batch = Batch {
            records: Vec::with_capacity(batch_size),
            oldest: None,
            committed: 0,
        };
        let mut done = 0;
        let mut cancelled_at: Option<Instant> = None;
        // Files left without a result after a cancel: their marks are removed at the end.
        let mut left: Vec<usize> = Vec::new();
        loop {
            // Wake up at least every WATCH_TICK to pass on a cancel and to look for files
            // that overran their time.
            let wait = batch.oldest.map_or(WATCH_TICK, |t| {
                interval.saturating_sub(t.elapsed()).min(WATCH_TICK)
            });
            let next = receiver.recv_timeout(wait);
            if self.cancel.load(Ordering::Relaxed) && cancelled_at.is_none() {
                watch.stop.store(true, Ordering::SeqCst);
                cancelled_at = Some(Instant::now());
            }
            // Messages, then files given up: both end in the same bookkeeping.
            let mut messages: Vec<Message> = Vec::new();
            if let Some(base) = self.options.file_timeout {
                for (i, limit, worker) in watch.give_up_overdue(base) {
                    messages.push(Message::Record(Box::new(self.timed_out(i, limit)), 0.0));
                    workers.abandoned.insert(worker);
                    if !watch.stop.load(Ordering::SeqCst) {
                        workers.spawn()?;
                    }
                }
            }
            if cancelled_at.is_some_and(|t| t.elapsed() >= CANCEL_GRACE) {
                for (i, worker) in watch.give_up_all() {
                    left.push(i);
                    workers.abandoned.insert(worker);
                }
            }
            let finished = match next {
                Ok(message) => {
                    messages.push(message);
                    false
                }
                Err(RecvTimeoutError::Timeout) => false,
                Err(RecvTimeoutError::Disconnected) => true,
            };
            // Every claimed file visited by a worker or given up while still running, and no
            // more to claim: drain what is left in the channel and stop (a stuck worker never
            // disconnects).
            let all_accounted = watch.all_accounted(total);
            if all_accounted {
                messages.extend(receiver.try_iter());
            }
            for message in messages {
                let (path, audio_s, outcome) = match message {
                    Message::Starting(i, ack) => {
                        let go = !watch.stop.load(Ordering::SeqCst);
                        if go {
                            store.mark_in_progress(&self.files[i])?;
                        }
                        // The worker is waiting; if it is gone there is nothing to do.
                        let _ = ack.send(go);
                        continue;
                    }
                    Message::Record(record, audio_s) => {
                        // Done with the file: a crash from now on is not its fault (the
                        // result, if not committed by then, is simply made again).
                        store.clear_in_progress([record.file.path.as_path()])?;
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
                        batch.records.push(*record);
                        batch.oldest.get_or_insert_with(Instant::now);
                        (path, audio_s, outcome)
                    }
                    Message::Unreadable(error) => {
                        let path = error.path.clone().unwrap_or_default();
                        store.clear_in_progress([path.as_path()])?;
                        let reason = error.message.clone();
                        report.scan_errors.push(error);
                        (path, 0.0, FileOutcome::Unreadable { reason })
                    }
                };
                done += 1;
                progress(ProgressEvent::FileDone {
                    path,
                    done,
                    total,
                    audio_s,
                    audio_s_done: report.audio_s,
                    outcome,
                });
            }
            let due = batch.records.len() >= batch_size
                || batch.oldest.is_some_and(|t| t.elapsed() >= interval);
            if due && !batch.records.is_empty() {
                self.commit(store, &mut batch, progress)?;
            }
            if finished || all_accounted {
                break;
            }
        }
        progress(ProgressEvent::Phase {
            phase: Phase::Writing,
        });
        if !batch.records.is_empty() {
            self.commit(store, &mut batch, progress)?;
        }
        if !left.is_empty() {
            store.clear_in_progress(left.iter().map(|&i| self.files[i].path.as_path()))?;
        }
        Ok(done)
    }
}

/// Analyses one file on a worker thread. Never panics: a panic in a decoder or the tag reader
/// becomes a failure or a warning.
fn analyse_one(file: &FileVersion, config: &FeatureConfig, layout: &FeatureLayout) -> Message {
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
        Ok(Err(TagError::Read { message, .. })) => {
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
    test_hooks(path);
    let FileAnalysis {
        source,
        warnings,
        analysis,
        ..
    } = analyze_file_with(path, config, Detail::Summary)?;
    let features = TrackFeatures::from_summary(&analysis.summary, config);
    Ok((source, warnings, features.values))
}

/// Makes the analysis of a file whose name contains [`HANG_HOOK`] sleep forever, and one whose
/// name contains [`ABORT_HOOK`] abort the process: the hung-file and dead-run tests need a
/// decoder that hangs or crashes on demand. Nothing happens unless these variables are set.
fn test_hooks(path: &Path) {
    let name = path.file_name().map(|n| n.to_string_lossy());
    let matches = |var: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .zip(name.as_deref())
            .is_some_and(|(v, n)| n.contains(v.as_str()))
    };
    if matches(HANG_HOOK) {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    if matches(ABORT_HOOK) {
        std::process::abort();
    }
}

/// Test hook (see the README's tests section): the analysis of every file whose name contains
/// this variable's value sleeps forever.
pub const HANG_HOOK: &str = "SONORITY_TEST_HANG";

/// Test hook (see the README's tests section): the analysis of every file whose name contains
/// this variable's value aborts the process.
pub const ABORT_HOOK: &str = "SONORITY_TEST_ABORT";

fn tag_warning(message: String) -> DecodeWarning {
    DecodeWarning {
        position_s: None,
        message: format!("tags: {message}"),
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
