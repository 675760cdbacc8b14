//! One tag write with its history: [`sonority_tags::apply_with`] writes and verifies the
//! copy, and the store's tag history is its write-ahead record. For each file, in this order,
//!
//! 1. the copy is written and verified beside the original (`sonority_tags`);
//! 2. a history row (path, field, the value the file holds now, the value written, time) is
//!    committed as `pending`, durably (`synchronous=FULL`), in an IMMEDIATE transaction: in
//!    the callback `apply_with` calls between the verification and the rename, so a failure
//!    to record leaves the file unchanged;
//! 3. the copy replaces the original (one rename, back in `apply_with`, after the last
//!    identity check);
//! 4. the row is marked `done`, with the file's new identity (device, inode).
//!
//! A crash between 2 and 4 leaves a `pending` row: the next `tag` or `tag --undo` reads the
//! file ([`settle_pending`]) and marks the row `done` when the file holds the value written,
//! `abandoned` when it does not. So the value a file held before sonority wrote it is on disk
//! before the file changes, whatever happens. The failpoints `tag:before-history`,
//! `tag:before-rename`, `tag:after-rename` and `tag:after-complete` (see [`crate::failpoint`])
//! stand between these steps.

use crate::error::Result;
use crate::failpoint;
use crate::output::cluster_tags::{TagOutcome, TagRunOptions};
use sonority_store::{PendingTagWrite, Store, TagHistoryEntry, TagWriteKind, TagWriteState};
use sonority_tags::{
    apply_with, plan_write, preflight, read_field, FileIdentity, FileStamp, PlannedChange,
    TagError, TagField, WriteOptions,
};
use std::path::Path;

/// Settles the writes an earlier run left `pending` (it stopped between recording a write
/// and marking it complete): a file that holds the value written was written (`done`), one
/// that does not was not (`abandoned`). Files that cannot be read stay pending. A dry run
/// only says what it would settle. Returns one sentence per settled write.
pub(crate) fn settle_pending(store: &mut Store, dry_run: bool) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let pending: Vec<TagHistoryEntry> = store
        .tag_history(None)?
        .into_iter()
        .filter(|e| e.state == TagWriteState::Pending)
        .collect();
    for entry in pending {
        let shown = sonority_tags::shown(&entry.path);
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
pub(crate) struct Target<'a> {
    /// The file.
    pub(crate) path: &'a Path,
    /// Its track, when it is one of the library's.
    pub(crate) track: Option<i64>,
    /// The stamp recorded by the analysis, when the write depends on it.
    pub(crate) expected: Option<FileStamp>,
}

/// How a write is recorded.
pub(crate) struct Recorded {
    /// A write of `tag` or of `tag --undo`.
    pub(crate) kind: TagWriteKind,
    /// The clustering whose names are written.
    pub(crate) clustering: Option<i64>,
    /// The history rows an undo restores.
    pub(crate) undoes: Vec<i64>,
}

/// Plans, checks and (unless a dry run) applies one write, recording it in the store before
/// the file is replaced and marking it complete after (see the module documentation).
pub(crate) fn write_one(
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
            .map_err(|e| TagError::NotRecorded {
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
                sonority_tags::shown(path),
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
