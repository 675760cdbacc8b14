//! Writing each track's cluster name into a tag field (opt-in), and undoing it.
//!
//! Every write goes through [`crate::tag_write`] (atomic, everything else kept, verified) and
//! the store's tag history is its write-ahead record: for each file, in this order,
//!
//! 1. the copy is written and verified beside the original;
//! 2. a history row (path, field, the value the file holds now, the value written, time) is
//!    committed as `pending`, durably (`synchronous=FULL`), in an IMMEDIATE transaction;
//! 3. the copy replaces the original (one rename);
//! 4. the row is marked `done`, with the file's new identity (device, inode).
//!
//! A crash between 2 and 4 leaves a `pending` row: the next `tag` or `tag --undo` reads the
//! file and marks the row `done` when the file holds the value written, `abandoned` when it
//! does not. So the value a file held before sonority wrote it is on disk before the file
//! changes, whatever happens.
//!
//! Undo works per file (by path, or by identity when the file is no longer at its path), not
//! per track, so it survives a forgotten and re-found track. It restores the value from
//! before sonority's latest write, following back through sonority's own consecutive writes
//! (a second `tag` run records sonority's first value as "previous"), and only where the
//! field still holds what sonority last wrote: a value the user changed since is left alone
//! and reported.
//!
//! A file whose size or modification time differs from what the analysis saw is not tagged:
//! the analysis no longer describes it.

use crate::error::Result;
use crate::failpoint;
use crate::latest::LatestClustering;
use crate::store::{PendingTagWrite, Store, TagHistoryEntry, TagWriteKind, TagWriteState};
use crate::tag_write::{
    apply_with, plan_write, preflight, read_field, FileIdentity, FileStamp, PlannedChange,
    TagField, TagWriteError, WriteOptions,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// What happened, or would happen, to one file.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TagOutcome {
    /// The field was (or, in a dry run, would be) changed.
    Written {
        /// Value before.
        previous: Option<String>,
        /// Value after.
        new: Option<String>,
        /// Where in the file, e.g. "ID3v2.4 TIT1".
        location: String,
        /// What of the original file could not be carried over (an extended attribute the
        /// file system refuses, ...), one sentence each.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        not_kept: Vec<String>,
    },
    /// The file already holds the value.
    Unchanged,
    /// Not written, and why (read-only, changed since analysis, format lofty cannot write,
    /// changed by someone else since sonority wrote it, ...).
    Skipped {
        /// The reason, naming the file.
        reason: String,
    },
}

/// One file of a tag run.
#[derive(Debug, Clone, Serialize)]
pub struct TagFileReport {
    /// The file (in JSON: `path`, plus `path_bytes` when not UTF-8).
    #[serde(flatten, serialize_with = "crate::json_path::path_fields")]
    pub path: PathBuf,
    /// What happened.
    pub outcome: TagOutcome,
}

/// What a tag or undo run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TagRun {
    /// The files handled, in order.
    pub files: Vec<TagFileReport>,
    /// Writes found interrupted by an earlier crash and settled now, one sentence each.
    pub recovered: Vec<String>,
    /// True when the run was stopped (Ctrl-C) before every file was handled.
    pub cancelled: bool,
    /// Files left for a later run because of the stop.
    pub not_done: usize,
}

impl TagRun {
    /// A new run, after settling what an interrupted one left pending.
    fn start(store: &mut Store, options: &TagRunOptions) -> Result<Self> {
        Ok(Self {
            recovered: settle_pending(store, options.dry_run)?,
            ..Self::default()
        })
    }

    /// Adds a file's report and passes it on.
    fn push(&mut self, on_file: &mut dyn FnMut(&TagFileReport), report: TagFileReport) {
        on_file(&report);
        self.files.push(report);
    }

    /// True (and the run marked cancelled with `left` files not done) when Ctrl-C asked to
    /// stop.
    fn stopped(&mut self, cancel: &AtomicBool, left: usize) -> bool {
        if cancel.load(Ordering::SeqCst) {
            self.cancelled = true;
            self.not_done = left;
        }
        self.cancelled
    }
}

/// Options of [`tag_clusters`] and [`undo_tags`].
#[derive(Debug, Clone)]
pub struct TagRunOptions {
    /// The field (default: grouping).
    pub field: TagField,
    /// Only say what would change.
    pub dry_run: bool,
    /// Give written files their original modification time (default: true).
    pub preserve_mtime: bool,
    /// Write the family's name instead of the cluster's (playlist's) name.
    pub family: bool,
}

impl Default for TagRunOptions {
    fn default() -> Self {
        Self {
            field: TagField::Grouping,
            dry_run: false,
            preserve_mtime: true,
            family: false,
        }
    }
}

/// Writes each clustered track's cluster (playlist) name, or with `options.family` its
/// family's name, into `options.field`.
///
/// `on_file` is called with each file's report as soon as the file is done. When `cancel`
/// becomes true (Ctrl-C) no new file is started: the file in progress is finished (or left
/// untouched), and the run says how many were not done.
pub fn tag_clusters(
    store: &mut Store,
    options: &TagRunOptions,
    cancel: &AtomicBool,
    on_file: &mut dyn FnMut(&TagFileReport),
) -> Result<TagRun> {
    let mut run = TagRun::start(store, options)?;
    let latest = LatestClustering::load(store)?;
    let names = if options.family {
        let family_names = latest.family_names();
        latest
            .family_of_cluster()
            .into_iter()
            .filter_map(|(c, f)| Some((c, family_names.get(&f)?.clone())))
            .collect()
    } else {
        latest.names()
    };
    let cluster_of = latest.cluster_of();
    let clustering = latest.saved.id;
    let todo: Vec<_> = latest
        .tracks
        .iter()
        .filter_map(|track| match cluster_of.get(&track.id) {
            Some(Some(cluster)) => Some((track, names.get(cluster).cloned().unwrap_or_default())),
            _ => None, // not in the clustering, or an outlier
        })
        .collect();
    for (i, (track, value)) in todo.iter().enumerate() {
        if run.stopped(cancel, todo.len() - i) {
            break;
        }
        let target = Target {
            path: &track.path,
            track: Some(track.id),
            expected: Some(FileStamp {
                size: track.size,
                mtime_ns: track.mtime_ns,
            }),
        };
        let outcome = write_one(
            store,
            &target,
            &options.field,
            Some(value),
            options,
            Recorded {
                kind: TagWriteKind::Tag,
                clustering: Some(clustering),
                undoes: Vec::new(),
            },
        );
        run.push(
            on_file,
            TagFileReport {
                path: track.path.clone(),
                outcome,
            },
        );
    }
    Ok(run)
}

/// For every file sonority wrote `options.field` into, restores the value from before
/// sonority's latest write (following back through sonority's own consecutive writes), where
/// the field still holds what sonority last wrote; a value changed since by someone else is
/// left alone and reported. Files are found by the path written, or, when it is gone, by
/// the identity (device, inode) the file had after the write among the library's tracks.
///
/// `cancel` and `on_file` work as in [`tag_clusters`].
pub fn undo_tags(
    store: &mut Store,
    options: &TagRunOptions,
    cancel: &AtomicBool,
    on_file: &mut dyn FnMut(&TagFileReport),
) -> Result<TagRun> {
    let mut run = TagRun::start(store, options)?;
    let field = options.field.name().to_string();
    let history = store.field_history(&field)?;
    // Per path, the tag writes that still count, oldest first; paths with a write still
    // pending (its file could not be read) are left alone.
    let mut by_path: BTreeMap<PathBuf, Vec<&TagHistoryEntry>> = BTreeMap::new();
    let mut unsettled: BTreeSet<PathBuf> = BTreeSet::new();
    for entry in &history {
        if entry.state == TagWriteState::Pending {
            unsettled.insert(entry.path.clone());
        }
        if entry.kind == TagWriteKind::Tag && entry.state == TagWriteState::Done {
            by_path.entry(entry.path.clone()).or_default().push(entry);
        }
    }
    let tracks = store.tracks()?;
    let track_at: HashMap<&Path, i64> = tracks.iter().map(|t| (t.path.as_path(), t.id)).collect();
    let mut by_identity: Option<HashMap<(u64, u64), PathBuf>> = None;
    let total = by_path.len();
    for (i, (path, writes)) in by_path.iter().enumerate() {
        if run.stopped(cancel, total - i) {
            break;
        }
        let Some(chain) = Chain::of(writes) else {
            continue;
        };
        if unsettled.contains(path) {
            run.push(
                on_file,
                TagFileReport {
                    path: path.clone(),
                    outcome: TagOutcome::Skipped {
                        reason: format!(
                            "{}: an interrupted write of {field} could not be settled (the file \
                         cannot be read); left alone — make the file readable and run the \
                         undo again",
                            crate::terminal::shown(path)
                        ),
                    },
                },
            );
            continue;
        }
        // The file: at its path, else wherever a track with its identity is now.
        let file = if path.exists() {
            path.clone()
        } else {
            let moved = chain.identity.and_then(|identity| {
                by_identity
                    .get_or_insert_with(|| identities(&tracks))
                    .get(&identity)
                    .cloned()
            });
            match moved {
                Some(p) => p,
                None => {
                    run.push(
                        on_file,
                        TagFileReport {
                            path: path.clone(),
                            outcome: TagOutcome::Skipped {
                                reason: format!(
                                    "{}: the file is gone (not at its path, and no file of the \
                                 library is the one sonority wrote); nothing to restore — its \
                                 previous {field} was {:?}",
                                    crate::terminal::shown(path),
                                    chain.restore.clone().unwrap_or_default()
                                ),
                            },
                        },
                    );
                    continue;
                }
            }
        };
        let outcome = match read_field(&file, &options.field) {
            Err(e) => TagOutcome::Skipped {
                reason: e.to_string(),
            },
            Ok(now) if now == chain.restore => TagOutcome::Unchanged,
            Ok(now) if now != chain.written => TagOutcome::Skipped {
                reason: format!(
                    "{}: {field} was changed since sonority wrote it (now {:?}, sonority wrote \
                     {:?}); left alone",
                    crate::terminal::shown(&file),
                    now.unwrap_or_default(),
                    chain.written.clone().unwrap_or_default()
                ),
            },
            Ok(_) => {
                let target = Target {
                    path: &file,
                    track: track_at.get(file.as_path()).copied(),
                    // The content check above is the guard: the analysis stamp may be stale
                    // after an interrupted write.
                    expected: None,
                };
                write_one(
                    store,
                    &target,
                    &options.field,
                    chain.restore.as_deref(),
                    options,
                    Recorded {
                        kind: TagWriteKind::Undo,
                        clustering: None,
                        undoes: chain.ids.clone(),
                    },
                )
            }
        };
        run.push(
            on_file,
            TagFileReport {
                path: file,
                outcome,
            },
        );
    }
    Ok(run)
}

/// What undo restores in one file.
struct Chain {
    /// The value before sonority's writes.
    restore: Option<String>,
    /// What sonority last wrote (the field must still hold it).
    written: Option<String>,
    /// The rows restored.
    ids: Vec<i64>,
    /// The file's identity after the last write, when known.
    identity: Option<(u64, u64)>,
}

impl Chain {
    /// From a file's tag writes (oldest first): the latest, and the writes before it as long
    /// as each wrote the value the next one found (sonority's own consecutive writes; a value
    /// the user set in between ends the chain, and is what undo restores).
    fn of(writes: &[&TagHistoryEntry]) -> Option<Self> {
        let latest = writes.last()?;
        let mut first = writes.len() - 1;
        while first > 0 && writes[first - 1].new == writes[first].previous {
            first -= 1;
        }
        Some(Self {
            restore: writes[first].previous.clone(),
            written: latest.new.clone(),
            ids: writes[first..].iter().map(|w| w.id).collect(),
            identity: latest.identity,
        })
    }
}

/// Device and inode of every track's file that can be read.
fn identities(tracks: &[crate::store::TrackRow]) -> HashMap<(u64, u64), PathBuf> {
    tracks
        .iter()
        .filter_map(|t| {
            let id = FileIdentity::of(&t.path).ok()?;
            Some(((id.dev, id.ino), t.path.clone()))
        })
        .collect()
}

/// Settles the writes an earlier run left `pending` (it stopped between recording a write
/// and marking it complete): a file that holds the value written was written (`done`), one
/// that does not was not (`abandoned`). Files that cannot be read stay pending. A dry run
/// only says what it would settle. Returns one sentence per settled write.
fn settle_pending(store: &mut Store, dry_run: bool) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let pending: Vec<TagHistoryEntry> = store
        .tag_history(None)?
        .into_iter()
        .filter(|e| e.state == TagWriteState::Pending)
        .collect();
    for entry in pending {
        let shown = crate::terminal::shown(&entry.path);
        let Ok(field) = TagField::parse(&entry.field) else {
            continue;
        };
        let now = match read_field(&entry.path, &field) {
            Ok(now) => now,
            Err(e) => {
                notes.push(format!(
                    "{shown}: an interrupted write of {} stays unsettled: {e}",
                    entry.field
                ));
                continue;
            }
        };
        let written = now == entry.new;
        let what = if entry.kind == TagWriteKind::Undo {
            "an undo"
        } else {
            "a write"
        };
        if written {
            notes.push(format!(
                "{shown}: {what} of {} was interrupted after the file was replaced; recorded \
                 as done",
                entry.field
            ));
            if !dry_run {
                let identity = FileIdentity::of(&entry.path).unwrap_or_default();
                // As after an uninterrupted write: the file holds what sonority wrote.
                store.complete_tag_write(
                    entry.id,
                    (identity.dev, identity.ino),
                    identity.size,
                    identity.mtime_ns,
                )?;
            }
        } else {
            notes.push(format!(
                "{shown}: {what} of {} was interrupted before the file was replaced; the file \
                 was not changed",
                entry.field
            ));
            if !dry_run {
                store.abandon_tag_write(entry.id)?;
            }
        }
    }
    Ok(notes)
}

/// The file a write goes to.
struct Target<'a> {
    path: &'a Path,
    track: Option<i64>,
    /// The stamp recorded by the analysis, when the write depends on it.
    expected: Option<FileStamp>,
}

/// How a write is recorded.
struct Recorded {
    kind: TagWriteKind,
    clustering: Option<i64>,
    undoes: Vec<i64>,
}

/// Plans, checks and (unless a dry run) applies one write, recording it in the store before
/// the file is replaced and marking it complete after (see the module documentation).
fn write_one(
    store: &mut Store,
    target: &Target<'_>,
    field: &TagField,
    value: Option<&str>,
    options: &TagRunOptions,
    recorded: Recorded,
) -> TagOutcome {
    let path = target.path;
    let skipped = |e: &dyn std::fmt::Display| TagOutcome::Skipped {
        reason: e.to_string(),
    };
    let plan: PlannedChange = match plan_write(path, field, value) {
        Ok(p) => p,
        Err(e) => return skipped(&e),
    };
    if !plan.changes_file() {
        return TagOutcome::Unchanged;
    }
    let write_options = WriteOptions {
        preserve_mtime: options.preserve_mtime,
        expected: target.expected,
    };
    if let Err(e) = preflight(path, &write_options) {
        return skipped(&e);
    }
    if options.dry_run {
        return TagOutcome::Written {
            previous: plan.previous,
            new: plan.new,
            location: plan.location,
            not_kept: Vec::new(),
        };
    }
    let mut pending: Option<i64> = None;
    let applied = apply_with(&plan, &write_options, |staged| {
        failpoint::check("tag:before-history");
        let id = store
            .begin_tag_write(&PendingTagWrite {
                track: target.track,
                path: path.to_path_buf(),
                field: field.name().to_string(),
                previous: staged.previous.map(str::to_string),
                new: staged.new.map(str::to_string),
                kind: recorded.kind,
                clustering: recorded.clustering,
                undoes: recorded.undoes,
            })
            .map_err(|e| TagWriteError::NotRecorded {
                path: path.to_path_buf(),
                message: format!("the previous value could not be recorded ({e})"),
            })?;
        pending = Some(id);
        failpoint::check("tag:before-rename");
        Ok(())
    });
    let applied = match applied {
        Ok(a) => a,
        Err(e) => {
            if let Some(id) = pending {
                // If even this fails, the row stays pending and the next run settles it.
                let _ = store.abandon_tag_write(id);
            }
            return skipped(&e);
        }
    };
    let Some(id) = pending.filter(|_| applied.written) else {
        return TagOutcome::Unchanged;
    };
    failpoint::check("tag:after-rename");
    if let Err(e) = store.complete_tag_write(
        id,
        (applied.identity.dev, applied.identity.ino),
        applied.after.size,
        applied.after.mtime_ns,
    ) {
        return TagOutcome::Skipped {
            reason: format!(
                "{}: written (previous value {:?} recorded), but marking the write complete \
                 failed ({e}); the next `sonority tag` or `tag --undo` completes the record",
                crate::terminal::shown(path),
                applied.previous.unwrap_or_default()
            ),
        };
    }
    failpoint::check("tag:after-complete");
    TagOutcome::Written {
        previous: applied.previous,
        new: applied.new,
        location: applied.location,
        not_kept: applied.not_kept,
    }
}
