//! Writing each track's cluster name into a tag field (opt-in), and undoing it.
//!
//! Every write goes through [`crate::tag_write`] (atomic, everything else kept, verified) and
//! is recorded in the store's tag history with the previous value, so `undo` can restore it.
//! A file whose size or modification time differs from what the analysis saw is skipped: the
//! analysis no longer describes it.

use crate::error::Result;
use crate::latest::LatestClustering;
use crate::store::{Store, TagChange, TagWrite, TrackRow};
use crate::tag_write::{
    apply, plan_write, preflight, FileStamp, PlannedChange, TagField, WriteOptions,
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

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
pub fn tag_clusters(store: &mut Store, options: &TagRunOptions) -> Result<Vec<TagFileReport>> {
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
    let mut out = Vec::new();
    for track in &latest.tracks {
        let Some(Some(cluster)) = cluster_of.get(&track.id) else {
            continue; // not in the clustering, or an outlier
        };
        let value = names.get(cluster).cloned().unwrap_or_default();
        let outcome = write_one(
            store,
            track,
            &options.field,
            Some(&value),
            options,
            Some(clustering),
        );
        out.push(TagFileReport {
            path: track.path.clone(),
            outcome,
        });
    }
    Ok(out)
}

/// Restores the value each file had before sonority first wrote `options.field`, for every
/// file whose field still holds what sonority last wrote (a value changed since by someone
/// else is left alone and reported).
pub fn undo_tags(store: &mut Store, options: &TagRunOptions) -> Result<Vec<TagFileReport>> {
    let field = options.field.name().to_string();
    // Oldest and newest entry of this field per track (entries come in id order).
    let mut first: HashMap<i64, Option<String>> = HashMap::new();
    let mut last: HashMap<i64, Option<String>> = HashMap::new();
    let mut history = store.tag_history(None)?;
    history.sort_by_key(|e| e.id);
    for e in history.into_iter().filter(|e| e.field == field) {
        if let Some(track) = e.track {
            first.entry(track).or_insert(e.previous.clone());
            last.insert(track, e.new.clone());
        }
    }
    let tracks: HashMap<i64, TrackRow> = store.tracks()?.into_iter().map(|t| (t.id, t)).collect();
    let mut ids: Vec<i64> = first.keys().copied().collect();
    ids.sort_unstable();
    let mut out = Vec::new();
    for id in ids {
        let Some(track) = tracks.get(&id) else {
            continue;
        };
        let original = first.get(&id).cloned().flatten();
        let expected_now = last.get(&id).cloned().flatten();
        let current = crate::tag_write::read_field(&track.path, &options.field);
        let outcome = match current {
            Err(e) => TagOutcome::Skipped {
                reason: e.to_string(),
            },
            Ok(now) if now == original => TagOutcome::Unchanged,
            Ok(now) if now != expected_now => TagOutcome::Skipped {
                reason: format!(
                    "{}: {} was changed since sonority wrote it (now {:?}); left alone",
                    track.path.display(),
                    options.field.name(),
                    now.unwrap_or_default()
                ),
            },
            Ok(_) => write_one(
                store,
                track,
                &options.field,
                original.as_deref(),
                options,
                None,
            ),
        };
        out.push(TagFileReport {
            path: track.path.clone(),
            outcome,
        });
    }
    Ok(out)
}

/// Plans, checks and (unless a dry run) applies one write, recording it in the store.
fn write_one(
    store: &mut Store,
    track: &TrackRow,
    field: &TagField,
    value: Option<&str>,
    options: &TagRunOptions,
    clustering: Option<i64>,
) -> TagOutcome {
    let skipped = |e: &dyn std::fmt::Display| TagOutcome::Skipped {
        reason: e.to_string(),
    };
    let plan: PlannedChange = match plan_write(&track.path, field, value) {
        Ok(p) => p,
        Err(e) => return skipped(&e),
    };
    if !plan.changes_file() {
        return TagOutcome::Unchanged;
    }
    let write_options = WriteOptions {
        preserve_mtime: options.preserve_mtime,
        expected: Some(FileStamp {
            size: track.size,
            mtime_ns: track.mtime_ns,
        }),
    };
    if let Err(e) = preflight(&track.path, &write_options) {
        return skipped(&e);
    }
    if options.dry_run {
        return TagOutcome::Written {
            previous: plan.previous,
            new: plan.new,
            location: plan.location,
        };
    }
    let applied = match apply(&plan, &write_options) {
        Ok(a) => a,
        Err(e) => return skipped(&e),
    };
    let record = TagWrite {
        track: track.id,
        changes: vec![TagChange {
            field: field.name().to_string(),
            previous: applied.previous.clone(),
            new: applied.new.clone(),
        }],
        size: applied.after.size,
        mtime_ns: applied.after.mtime_ns,
        clustering,
    };
    if let Err(e) = store.record_tag_write(&record) {
        // The file is written but the store could not say so: report it loudly, the previous
        // value is in the message so nothing is lost.
        return TagOutcome::Skipped {
            reason: format!(
                "{}: written, but recording it failed ({e}); previous value was {:?}",
                track.path.display(),
                applied.previous
            ),
        };
    }
    TagOutcome::Written {
        previous: applied.previous,
        new: applied.new,
        location: applied.location,
    }
}
