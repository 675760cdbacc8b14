//! # sonority-store
//!
//! The SQLite store of a sonority library: tracks, their features and analysis errors,
//! clusterings (typed: [`ClusteringData`]) and the tag history. It knows no scanning, decoding
//! or clustering algorithm: callers hand it [`FileVersion`]s, feature vectors and fitted
//! models, and get typed rows back.
//!
//! Module map: `lib.rs` (opening, configuration, tracks, the feature matrix, forgetting),
//! `schema.rs` (the versioned schema and its migrations), `write.rs` (an analysis batch in one
//! transaction), `in_progress.rs` (marks of the files being analysed), `clusterings.rs`,
//! `tag_history.rs` (the write-ahead record of tag writes), `lock.rs` (one writer at a time),
//! `paths.rs` (paths as TEXT or, when not UTF-8, as BLOB), `file.rs`, `error.rs`.
//!
//! One file holds a whole library (several scanned roots may share it). It is opened in WAL
//! mode with `synchronous=NORMAL`, foreign keys on and a busy timeout, so a reader (`sonority
//! status`) can run while an analysis writes, and a crash never leaves a half-written
//! transaction. The one commit that must survive a power cut, a tag write's history row
//! before the file is replaced, is made with `synchronous=FULL`
//! ([`Store::begin_tag_write`]); transactions that read then write are IMMEDIATE, so a
//! second process waits for the lock (the busy timeout) instead of failing with
//! SQLITE_BUSY_SNAPSHOT. The schema is versioned and migrated in order ([`SCHEMA_VERSION`]).

#![warn(missing_docs)]

mod clusterings;
mod error;
mod file;
mod in_progress;
mod lock;
mod paths;
mod schema;
mod tag_history;
mod write;

pub use clusterings::{
    ClusterRow, ClusteringData, ClusteringId, ClusteringSummary, FamilyRow, FitSelection,
    ImportedSelection, SavedClustering, Selection, StoredModel, TrackAssignment,
};
pub use error::{Result, StoreError};
pub use file::{now_s, FileVersion, Seen};
pub use in_progress::DeadMark;
pub use lock::{lock_path, WriterLock};
pub use schema::{APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION};
pub use tag_history::{
    PendingTagWrite, TagChange, TagHistoryEntry, TagWrite, TagWriteKind, TagWriteState,
};
pub use write::{AnalysisRecord, RecordOutcome};

use paths::{SqlPath, StoredPath};
use rusqlite::{
    ffi::ErrorCode, Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, MAIN_DB,
};
use serde::Serialize;
use sonority_features::{DecodeWarning, FeatureLayout};
use sonority_tags::Tags;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The id of a track in the store (stable while the file stays; a forgotten and re-found file
/// gets a new one).
pub type TrackId = i64;

/// The environment variable that overrides [`Store::default_path`].
pub const DB_ENV: &str = "SONORITY_DB";

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open library database. Every error it returns names the database file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// One track as stored: the file, what it holds, its tags and how its analysis went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRow {
    /// Id in the store.
    pub id: TrackId,
    /// Absolute canonical path.
    pub path: PathBuf,
    /// File size in bytes when analysed.
    pub size: u64,
    /// File modification time when analysed, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Duration in seconds (None when the file could not be decoded).
    pub duration_s: Option<f64>,
    /// Native sample rate in Hz.
    pub sample_rate: Option<u32>,
    /// Channel count.
    pub channels: Option<u32>,
    /// Short codec name ("flac", "mp3", "aac", "pcm_s16le", ...), followed by " via ffmpeg"
    /// when ffmpeg decoded the file ("wmav2 via ffmpeg").
    pub codec: Option<String>,
    /// Artist, album, title, genre and track number read from the file.
    pub tags: Tags,
    /// The analysis version the track was (last) analysed with.
    pub analysis_version: String,
    /// When, in Unix seconds.
    pub analyzed_at: i64,
    /// Why the analysis failed (the decoder's message, naming the file); None when it worked.
    pub error: Option<String>,
    /// Problems that did not stop the analysis (a truncated end, unreadable tags; tag
    /// problems start with "tags:").
    pub warnings: Vec<DecodeWarning>,
}

/// The features of every track analysed with one analysis version: a table of tracks × named
/// dimensions, ready for clustering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureMatrix {
    /// The analysis version.
    pub analysis_version: String,
    /// Names and groups of the columns.
    pub layout: Arc<FeatureLayout>,
    /// The tracks, one per row, sorted by path.
    pub tracks: Vec<TrackRow>,
    /// `values[i]` is the feature vector of `tracks[i]`, `layout.len()` finite values.
    pub values: Vec<Vec<f64>>,
}

/// Counts for `sonority status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreStatus {
    /// The database file.
    pub path: PathBuf,
    /// Its schema version.
    pub schema_version: u32,
    /// Tracks known (analysed or failed).
    pub tracks: usize,
    /// Tracks with features.
    pub analysed: usize,
    /// Tracks whose analysis failed.
    pub failed: usize,
    /// Total duration of the analysed tracks, in seconds.
    pub total_duration_s: f64,
    /// Analysed tracks per analysis version, most first.
    pub by_analysis_version: Vec<(String, usize)>,
    /// The most recent clustering.
    pub latest_clustering: Option<ClusteringSummary>,
}

/// What [`Store::forget_missing`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForgetOutcome {
    /// Tracks forgotten.
    pub forgotten: usize,
    /// Set when tracks whose files were not found were kept, and why.
    pub withheld: Option<ForgetWithheld>,
}

/// Tracks not forgotten although their files were not found: the scan looks like a drive
/// that is not mounted rather than files the user removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgetWithheld {
    /// How many tracks under the root were not found (all of those stored there).
    pub missing: usize,
    /// Why they were kept.
    pub reason: WithheldReason,
}

/// Why [`ForgetWithheld`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WithheldReason {
    /// The folder holds no audio file at all (an empty mount point).
    EmptyRoot,
    /// The folder holds audio files, but none of those sonority knows there.
    NoneFound,
}

/// What the store knows of a file, to decide whether to analyse it again.
#[derive(Debug, Clone)]
pub struct KnownFile {
    /// Size when last analysed.
    pub size: u64,
    /// Modification time when last analysed (ns since the epoch).
    pub mtime_ns: i64,
    /// The analysis version it was analysed with.
    pub analysis_version: String,
    /// Whether its analysis failed.
    pub failed: bool,
    /// Whether features of that version are stored for it.
    pub has_features: bool,
}

/// The columns of [`TrackRow`], for `SELECT ... FROM tracks t`.
const TRACK_COLUMNS: &str = "t.id, t.path, t.size, t.mtime_ns, t.duration_s, t.sample_rate, \
     t.channels, t.codec, t.artist, t.album, t.title, t.genre, t.track_no, t.analysis_version, \
     t.analyzed_at, t.error, t.warnings";
const TRACK_COLUMN_COUNT: usize = 17;

impl Store {
    /// Where the library lives unless told otherwise: `$SONORITY_DB` when set and not empty,
    /// else `sonority/library.db` in the platform's data directory (`~/.local/share` or
    /// `$XDG_DATA_HOME` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on
    /// Windows).
    pub fn default_path() -> Result<PathBuf> {
        if let Some(path) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        dirs::data_dir()
            .map(|d| d.join("sonority").join("library.db"))
            .ok_or(StoreError::NoDataDir)
    }

    /// Opens the library at `path` for reading and writing, creating the file and its parent
    /// folders if needed, and migrating an older schema.
    ///
    /// Errors: [`StoreError::Corrupt`] for a damaged file or one that is not SQLite,
    /// [`StoreError::Foreign`] for another program's database, [`StoreError::SchemaTooNew`]
    /// for a database of a newer sonority, [`StoreError::ReadOnly`] when it cannot be
    /// written.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|e| map_db_error(path, e))?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.configure(true)?;
        Ok(store)
    }

    /// Opens an existing library read-only (for status, listing and exports when the file is
    /// not writable). Its schema must be the current one; writes fail with
    /// [`StoreError::ReadOnly`].
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_db_error(path, e))?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.configure(false)?;
        Ok(store)
    }

    /// A new empty library in memory (for tests and one-off runs).
    pub fn open_in_memory() -> Result<Self> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| map_db_error(&path, e))?;
        let mut store = Self { conn, path };
        store.configure(true)?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Maps an SQLite error to a [`StoreError`] naming this database.
    pub(crate) fn db_error(&self, e: rusqlite::Error) -> StoreError {
        map_db_error(&self.path, e)
    }

    fn configure(&mut self, writable: bool) -> Result<()> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.db_error(e))?;
        // Reading the header first: a file that is not a database fails here, before anything
        // is written to it.
        let app_id: i32 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| self.db_error(e))?;
        let version = self.schema_version()?;
        let has_tables: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema)", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.db_error(e))?;
        let ours = app_id == APPLICATION_ID || (app_id == 0 && version == 0 && !has_tables);
        if !ours {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| self.db_error(e))?;
        if !writable {
            if version < SCHEMA_VERSION {
                return Err(StoreError::ReadOnly {
                    path: self.path.clone(),
                    detail: format!(
                        "its schema version {version} needs an upgrade to {SCHEMA_VERSION}; \
                         open it once for writing"
                    ),
                });
            }
            return Ok(());
        }
        if self
            .conn
            .is_readonly(MAIN_DB)
            .map_err(|e| self.db_error(e))?
        {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
                detail: "the file or its folder is not writable".into(),
            });
        }
        let _mode: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| self.db_error(e))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.db_error(e))?;
        self.migrate()
    }

    /// Applies the missing migrations, each in its own transaction with its version bump.
    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        loop {
            // IMMEDIATE: two processes opening a new library at once migrate it once.
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let version: u32 = tx
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(err)?;
            let Some(sql) = schema::MIGRATIONS.get(version as usize) else {
                return Ok(());
            };
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(err)?;
            tx.pragma_update(None, "user_version", version + 1)
                .map_err(err)?;
            tx.commit().map_err(err)?;
        }
    }

    /// The schema version of the database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.db_error(e))
    }

    /// Every track, sorted by path.
    pub fn tracks(&self) -> Result<Vec<TrackRow>> {
        self.query_tracks("ORDER BY t.path", [])
    }

    /// The track with id `id`.
    pub fn track(&self, id: TrackId) -> Result<Option<TrackRow>> {
        Ok(self.query_tracks("WHERE t.id = ?1", [id])?.pop())
    }

    /// The track stored for `path` (give the canonical path, as a scan reports it).
    pub fn track_by_path(&self, path: &Path) -> Result<Option<TrackRow>> {
        Ok(self
            .query_tracks("WHERE t.path = ?1", [SqlPath(path)])?
            .pop())
    }

    /// The tracks whose analysis failed, sorted by path.
    pub fn errors(&self) -> Result<Vec<TrackRow>> {
        self.query_tracks("WHERE t.error IS NOT NULL ORDER BY t.path", [])
    }

    fn query_tracks<P: rusqlite::Params>(&self, tail: &str, params: P) -> Result<Vec<TrackRow>> {
        let sql = format!("SELECT {TRACK_COLUMNS} FROM tracks t {tail}");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map(params, track_from_row)
            .map_err(|e| self.db_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error(e))
    }

    /// Counts of tracks, analysed and failed ones, total duration and the latest clustering.
    pub fn status(&self) -> Result<StoreStatus> {
        let err = |e| self.db_error(e);
        let (tracks, analysed, failed, total_duration_s): (i64, i64, i64, f64) = self
            .conn
            .query_row(
                "SELECT COUNT(*), COUNT(f.track_id), COUNT(t.error), \
                        TOTAL(CASE WHEN f.track_id IS NOT NULL THEN t.duration_s END) \
                 FROM tracks t LEFT JOIN features f ON f.track_id = t.id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(err)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT l.analysis_version, COUNT(*) FROM features f \
                 JOIN feature_layouts l ON l.id = f.layout_id \
                 GROUP BY l.analysis_version ORDER BY COUNT(*) DESC, l.analysis_version",
            )
            .map_err(err)?;
        let by_analysis_version = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(err)?
            .map(|r| r.map(|(v, n)| (v, count(n))))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        Ok(StoreStatus {
            path: self.path.clone(),
            schema_version: self.schema_version()?,
            tracks: count(tracks),
            analysed: count(analysed),
            failed: count(failed),
            total_duration_s,
            by_analysis_version,
            latest_clustering: self.clusterings()?.pop(),
        })
    }

    /// The features of every track analysed without error with `analysis_version`
    /// (e.g. `FeatureConfig::default().analysis_version()`), sorted by path; `None` when no
    /// track was analysed with it.
    pub fn features_table(&self, analysis_version: &str) -> Result<Option<FeatureMatrix>> {
        let err = |e| self.db_error(e);
        let Some((layout_id, layout_json)) = self
            .conn
            .query_row(
                "SELECT id, layout FROM feature_layouts WHERE analysis_version = ?1",
                [analysis_version],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(err)?
        else {
            return Ok(None);
        };
        let layout: FeatureLayout =
            serde_json::from_str(&layout_json).map_err(|e| self.invalid("feature layout", e))?;
        let sql = format!(
            "SELECT {TRACK_COLUMNS}, f.vector FROM tracks t JOIN features f ON f.track_id = t.id \
             WHERE f.layout_id = ?1 AND t.error IS NULL ORDER BY t.path"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let mut rows = stmt.query([layout_id]).map_err(err)?;
        let mut tracks = Vec::new();
        let mut values = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let track = track_from_row(row).map_err(err)?;
            let blob: Vec<u8> = row.get(TRACK_COLUMN_COUNT).map_err(err)?;
            let vector = decode_vector(&blob, layout.len()).ok_or_else(|| {
                self.invalid(
                    "feature vector",
                    format!(
                        "track {} has {} bytes, expected {} dimensions",
                        track.id,
                        blob.len(),
                        layout.len()
                    ),
                )
            })?;
            tracks.push(track);
            values.push(vector);
        }
        Ok(Some(FeatureMatrix {
            analysis_version: analysis_version.to_string(),
            layout: Arc::new(layout),
            tracks,
            values,
        }))
    }

    /// Forgets the tracks stored under `seen.root` whose file the scan did not find (their
    /// features and cluster assignments go with them; tag history keeps their path). Tracks
    /// outside the root, and those under a folder the scan could not read, are kept.
    ///
    /// A scan that found *none* of the tracks stored under the root (an empty folder: the
    /// mount point of a drive that is not mounted; or a folder whose every known file is
    /// gone) forgets nothing unless `force`: the outcome says so, and why, and the caller
    /// tells the user how to force it if they really removed everything.
    pub fn forget_missing(&mut self, seen: &Seen<'_>, force: bool) -> Result<ForgetOutcome> {
        let present: HashSet<&Path> = seen.files.iter().map(|f| f.path.as_path()).collect();
        let shielded = &seen.unscanned;
        let (known, doomed): (usize, Vec<TrackId>) = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, path FROM tracks")
                .map_err(|e| self.db_error(e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, TrackId>(0)?, r.get::<_, StoredPath>(1)?))
                })
                .map_err(|e| self.db_error(e))?;
            let mut known = 0;
            let mut doomed = Vec::new();
            for row in rows {
                let (id, StoredPath(path)) = row.map_err(|e| self.db_error(e))?;
                if !path.starts_with(seen.root) {
                    continue;
                }
                known += 1;
                if !present.contains(path.as_path())
                    && !shielded.iter().any(|s| path.starts_with(s))
                {
                    doomed.push(id);
                }
            }
            (known, doomed)
        };
        if !force && !doomed.is_empty() && doomed.len() == known {
            return Ok(ForgetOutcome {
                forgotten: 0,
                withheld: Some(ForgetWithheld {
                    missing: doomed.len(),
                    reason: if seen.files.is_empty() {
                        WithheldReason::EmptyRoot
                    } else {
                        WithheldReason::NoneFound
                    },
                }),
            });
        }
        if doomed.is_empty() {
            return Ok(ForgetOutcome::default());
        }
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut delete = tx
                .prepare("DELETE FROM tracks WHERE id = ?1")
                .map_err(err)?;
            for id in &doomed {
                delete.execute([id]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(ForgetOutcome {
            forgotten: doomed.len(),
            withheld: None,
        })
    }

    /// What the store knows of every file, keyed by path.
    pub fn known_files(&self) -> Result<HashMap<PathBuf, KnownFile>> {
        let err = |e| self.db_error(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t.path, t.size, t.mtime_ns, t.analysis_version, t.error IS NOT NULL, \
                        f.track_id IS NOT NULL \
                 FROM tracks t LEFT JOIN features f ON f.track_id = t.id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                let StoredPath(path) = r.get(0)?;
                Ok((
                    path,
                    KnownFile {
                        size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(u64::MAX),
                        mtime_ns: r.get(2)?,
                        analysis_version: r.get(3)?,
                        failed: r.get(4)?,
                        has_features: r.get(5)?,
                    },
                ))
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<HashMap<_, _>>>()
            .map_err(err)
    }

    fn invalid(&self, what: &str, detail: impl std::fmt::Display) -> StoreError {
        invalid_data(&self.path, what, detail)
    }
}

/// [`StoreError::InvalidData`] for the database at `path`.
pub(crate) fn invalid_data(path: &Path, what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::InvalidData {
        path: path.to_path_buf(),
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

/// Maps an SQLite error on the database at `path` to a [`StoreError`].
pub(crate) fn map_db_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StoreError::Database {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// A SQLite count as usize.
fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// Little-endian f64s, one per dimension.
pub(crate) fn encode_vector(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn decode_vector(blob: &[u8], dims: usize) -> Option<Vec<f64>> {
    if blob.len() != dims * 8 {
        return None;
    }
    Some(
        blob.chunks_exact(8)
            .map(|c| {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(c);
                f64::from_le_bytes(bytes)
            })
            .collect(),
    )
}

fn track_from_row(r: &Row<'_>) -> rusqlite::Result<TrackRow> {
    let size: i64 = r.get(2)?;
    let warnings: String = r.get(16)?;
    let warnings = serde_json::from_str(&warnings).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(16, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(TrackRow {
        id: r.get(0)?,
        path: r.get::<_, StoredPath>(1)?.0,
        size: u64::try_from(size).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(2, size))?,
        mtime_ns: r.get(3)?,
        duration_s: r.get(4)?,
        sample_rate: r.get(5)?,
        channels: r.get(6)?,
        codec: r.get(7)?,
        tags: Tags {
            artist: r.get(8)?,
            album: r.get(9)?,
            title: r.get(10)?,
            genre: r.get(11)?,
            track_no: r.get(12)?,
        },
        analysis_version: r.get(13)?,
        analyzed_at: r.get(14)?,
        error: r.get(15)?,
        warnings,
    })
}
