//! The record of tag writes: what was changed in which file, from what to what, and when,
//! so a tag write can be shown and undone.

use super::paths::{SqlPath, StoredPath};
use super::{map_db_error, now_s, ClusteringId, Store, TrackId};
use crate::error::{LibraryError, Result};
use crate::tags::Tags;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
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
}

impl Store {
    /// Records a tag write after the file was written, in one transaction: one history entry
    /// per change, the track's stored tags for the fields [`Tags`] holds, and its new size and
    /// mtime, so the next analysis run does not decode again a file whose audio did not
    /// change.
    pub fn record_tag_write(&mut self, write: &TagWrite) -> Result<()> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let file: Option<StoredPath> = tx
            .query_row(
                "SELECT path FROM tracks WHERE id = ?1",
                [write.track],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(StoredPath(file)) = file else {
            return Err(LibraryError::UnknownTrack(write.track));
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
            .prepare(
                "SELECT id, track_id, path, field, previous_value, new_value, written_at, \
                        clustering_id FROM tag_history \
                 WHERE ?1 IS NULL OR track_id = ?1 ORDER BY id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([track], |r| {
                Ok(TagHistoryEntry {
                    id: r.get(0)?,
                    track: r.get(1)?,
                    path: r.get::<_, StoredPath>(2)?.0,
                    field: r.get(3)?,
                    previous: r.get(4)?,
                    new: r.get(5)?,
                    written_at: r.get(6)?,
                    clustering: r.get(7)?,
                })
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
    }
}
