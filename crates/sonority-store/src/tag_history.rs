//! The record of tag writes: what was changed in which file, from what to what, and when,
//! so a tag write can be shown and undone.

use super::paths::{SqlPath, StoredPath};
use super::{map_db_error, now_s, ClusteringId, Store, TrackId};
use crate::error::{Result, StoreError};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sonority_tags::Tags;
use std::path::PathBuf;

/// One field changed in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagChange {
    /// The field: one of [`Tags::FIELDS`] ("artist", "album", "title", "genre", "track_no"),
    /// whose stored value is then updated too, or any other tag name ("grouping",
    /// "SONORITY_CLUSTER", ...), which is only recorded.
    pub field: String,
    /// The value before the write (None: absent).
    pub previous: Option<String>,
    /// The value written (None: removed).
    pub new: Option<String>,
}

/// A completed tag write on one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagWrite {
    /// The track written.
    pub track: TrackId,
    /// What changed.
    pub changes: Vec<TagChange>,
    /// The file's size after the write.
    pub size: u64,
    /// The file's mtime after the write (ns since the Unix epoch).
    pub mtime_ns: i64,
    /// The clustering whose result was written, if any.
    pub clustering: Option<ClusteringId>,
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagHistoryEntry {
    /// Its id (increasing with time).
    pub id: i64,
    /// The track, while it is still in the library.
    pub track: Option<TrackId>,
    /// The file written.
    pub path: PathBuf,
    /// The field.
    pub field: String,
    /// The value before.
    pub previous: Option<String>,
    /// The value written.
    pub new: Option<String>,
    /// When, in Unix seconds.
    pub written_at: i64,
    /// The clustering whose result was written, if any.
    pub clustering: Option<ClusteringId>,
    /// Where the write stands.
    pub state: TagWriteState,
    /// A tag write or an undo.
    pub kind: TagWriteKind,
    /// The file's device and inode after the write (None until the write is complete, and
    /// for rows written before schema version 3).
    pub identity: Option<(u64, u64)>,
    /// The undo that is restoring (or restored) what this write replaced.
    pub undone_by: Option<i64>,
}

/// Where a recorded write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagWriteState {
    /// Recorded before the file was replaced; not known to be done (sonority stopped in
    /// between, or is writing it now).
    Pending,
    /// The file holds the value written.
    Done,
    /// An undo restored what this write replaced.
    Undone,
    /// The write did not happen (refused, failed, or interrupted before the rename).
    Abandoned,
}

impl TagWriteState {
    fn from_sql(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "undone" => Self::Undone,
            "abandoned" => Self::Abandoned,
            _ => Self::Done,
        }
    }
}

/// What a recorded write was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagWriteKind {
    /// `sonority tag` (or [`Store::record_tag_write`]).
    Tag,
    /// `sonority tag --undo`.
    Undo,
}

impl TagWriteKind {
    fn as_sql(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Undo => "undo",
        }
    }
}

/// A write about to happen, recorded with [`Store::begin_tag_write`] before the file is
/// replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTagWrite {
    /// The track, when the file is one.
    pub track: Option<TrackId>,
    /// The file.
    pub path: PathBuf,
    /// The field.
    pub field: String,
    /// The value in the file now.
    pub previous: Option<String>,
    /// The value about to be written.
    pub new: Option<String>,
    /// A tag write or an undo.
    pub kind: TagWriteKind,
    /// The clustering whose result is written, if any.
    pub clustering: Option<ClusteringId>,
    /// For an undo: the rows whose replaced value it restores (marked `undone` when it is
    /// complete).
    pub undoes: Vec<i64>,
}

impl Store {
    /// Records a tag write after the file was written, in one transaction (the rows are
    /// `done` at once: for a write that must survive a crash between the rename and the
    /// record, as `sonority tag` makes them, use [`Store::begin_tag_write`] before the rename
    /// and [`Store::complete_tag_write`] after): one history entry
    /// per change, the track's stored tags for the fields [`Tags`] holds, and its new size and
    /// mtime, so the next analysis run does not decode again a file whose audio did not
    /// change.
    pub fn record_tag_write(&mut self, write: &TagWrite) -> Result<()> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let file: Option<StoredPath> = tx
            .query_row(
                "SELECT path FROM tracks WHERE id = ?1",
                [write.track],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(StoredPath(file)) = file else {
            return Err(StoreError::UnknownTrack(write.track));
        };
        tx.execute(
            "UPDATE tracks SET size = ?2, mtime_ns = ?3 WHERE id = ?1",
            params![
                write.track,
                i64::try_from(write.size).unwrap_or(i64::MAX),
                write.mtime_ns
            ],
        )
        .map_err(err)?;
        let written_at = now_s();
        for change in &write.changes {
            if let Some(column) = Tags::FIELDS.iter().find(|f| **f == change.field) {
                // `column` is one of five fixed names, never user text.
                let sql = format!("UPDATE tracks SET {column} = ?2 WHERE id = ?1");
                if *column == "track_no" {
                    let number = change
                        .new
                        .as_deref()
                        .and_then(|v| v.trim().parse::<u32>().ok());
                    tx.execute(&sql, params![write.track, number])
                        .map_err(err)?;
                } else {
                    tx.execute(&sql, params![write.track, change.new])
                        .map_err(err)?;
                }
            }
            tx.execute(
                "INSERT INTO tag_history (track_id, path, field, previous_value, new_value, \
                     written_at, clustering_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    write.track,
                    SqlPath(&file),
                    change.field,
                    change.previous,
                    change.new,
                    written_at,
                    write.clustering
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The recorded changes, oldest first: of one track, or of every file when `track` is
    /// None (including files no longer in the library).
    pub fn tag_history(&self, track: Option<TrackId>) -> Result<Vec<TagHistoryEntry>> {
        let err = |e| self.db_error(e);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {HISTORY_COLUMNS} FROM tag_history \
                 WHERE ?1 IS NULL OR track_id = ?1 ORDER BY id"
            ))
            .map_err(err)?;
        let rows = stmt.query_map([track], history_from_row).map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
    }

    /// The recorded writes of `field` in every file, oldest first, undo rows included.
    pub fn field_history(&self, field: &str) -> Result<Vec<TagHistoryEntry>> {
        let err = |e| self.db_error(e);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {HISTORY_COLUMNS} FROM tag_history WHERE field = ?1 ORDER BY id"
            ))
            .map_err(err)?;
        let rows = stmt.query_map([field], history_from_row).map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
    }

    /// Records a write before it happens, as `pending`, and commits it durably
    /// (`synchronous=FULL` for this commit: the row is on disk before the caller replaces the
    /// file, even across a power cut). For an undo, the rows it restores are linked to it.
    /// Returns the row's id, for [`Store::complete_tag_write`] or
    /// [`Store::abandon_tag_write`].
    pub fn begin_tag_write(&mut self, write: &PendingTagWrite) -> Result<i64> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        let result = (|| -> Result<i64> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            tx.execute(
                "INSERT INTO tag_history (track_id, path, field, previous_value, new_value, \
                     written_at, clustering_id, state, kind) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)",
                params![
                    write.track,
                    SqlPath(&write.path),
                    write.field,
                    write.previous,
                    write.new,
                    now_s(),
                    write.clustering,
                    write.kind.as_sql()
                ],
            )
            .map_err(err)?;
            let id = tx.last_insert_rowid();
            for undone in &write.undoes {
                tx.execute(
                    "UPDATE tag_history SET undone_by = ?2 WHERE id = ?1",
                    params![undone, id],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
            Ok(id)
        })();
        let restored = self
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(err);
        let id = result?;
        restored?;
        Ok(id)
    }

    /// Marks a pending write complete: the file now holds the value, its identity after the
    /// write is `identity`. For a tag write of a track, the track's size and mtime become
    /// `size`/`mtime_ns` (so the next analysis does not decode again a file whose audio did
    /// not change); for an undo, the rows it restored become `undone`.
    pub fn complete_tag_write(
        &mut self,
        id: i64,
        identity: (u64, u64),
        size: u64,
        mtime_ns: i64,
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let track: Option<Option<TrackId>> = tx
            .query_row(
                "SELECT track_id FROM tag_history WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        tx.execute(
            "UPDATE tag_history SET state = 'done', dev = ?2, ino = ?3 WHERE id = ?1",
            params![id, sql_u64(identity.0), sql_u64(identity.1)],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE tag_history SET state = 'undone' WHERE undone_by = ?1",
            [id],
        )
        .map_err(err)?;
        if let Some(Some(track)) = track {
            tx.execute(
                "UPDATE tracks SET size = ?2, mtime_ns = ?3 WHERE id = ?1",
                params![track, i64::try_from(size).unwrap_or(i64::MAX), mtime_ns],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Marks a pending write as never done (the file was not replaced): it no longer counts
    /// for undo, and the rows an undo meant to restore are free again.
    pub fn abandon_tag_write(&mut self, id: i64) -> Result<()> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "UPDATE tag_history SET state = 'abandoned' WHERE id = ?1 AND state = 'pending'",
            [id],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE tag_history SET undone_by = NULL WHERE undone_by = ?1",
            [id],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }
}

/// The columns of [`TagHistoryEntry`], in [`history_from_row`]'s order.
const HISTORY_COLUMNS: &str = "id, track_id, path, field, previous_value, new_value, \
     written_at, clustering_id, state, kind, dev, ino, undone_by";

fn history_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TagHistoryEntry> {
    let state: String = r.get(8)?;
    let kind: String = r.get(9)?;
    let dev: Option<i64> = r.get(10)?;
    let ino: Option<i64> = r.get(11)?;
    Ok(TagHistoryEntry {
        id: r.get(0)?,
        track: r.get(1)?,
        path: r.get::<_, StoredPath>(2)?.0,
        field: r.get(3)?,
        previous: r.get(4)?,
        new: r.get(5)?,
        written_at: r.get(6)?,
        clustering: r.get(7)?,
        state: TagWriteState::from_sql(&state),
        kind: if kind == "undo" {
            TagWriteKind::Undo
        } else {
            TagWriteKind::Tag
        },
        // Stored as the bits of the u64 (SQLite integers are signed).
        identity: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
        undone_by: r.get(12)?,
    })
}

/// A u64 as SQLite's signed integer, bit for bit (device and inode numbers can use the top
/// bit).
fn sql_u64(n: u64) -> i64 {
    n as i64
}
