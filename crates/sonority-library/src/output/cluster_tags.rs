//! Writing each track's cluster name into a tag field (opt-in), and undoing it.
//!
//! Every write goes through `tag_write.rs`: the atomic, verified writer of `sonority_tags`, with
//! the store's tag history as its write-ahead record (that module says in which order the
//! durable steps happen). A run first settles what an interrupted run left pending.
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
use crate::latest::LatestClustering;
use crate::output::tag_write::{settle_pending, write_one, Recorded, Target};
use serde::Serialize;
use sonority_store::{Store, TagHistoryEntry, TagWriteKind, TagWriteState};
use sonority_tags::{read_field, FileIdentity, FileStamp, TagField};
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
    #[serde(flatten, serialize_with = "crate::output::json_path::path_fields")]
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
                            sonority_tags::shown(path)
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
                                    sonority_tags::shown(path),
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
                    sonority_tags::shown(&file),
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
fn identities(tracks: &[sonority_store::TrackRow]) -> HashMap<(u64, u64), PathBuf> {
    tracks
        .iter()
        .filter_map(|t| {
            let id = FileIdentity::of(&t.path).ok()?;
            Some(((id.dev, id.ino), t.path.clone()))
        })
        .collect()
}
