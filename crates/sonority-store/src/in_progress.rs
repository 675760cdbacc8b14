//! In-progress marks: a file is marked (in its own committed transaction) before its analysis
//! starts, and the mark goes as soon as its analysis ends (before its result is committed). A mark left by a process that is gone
//! names a file that was being analysed when that process died: it may be the file that killed
//! it (an abort in a C decoder, a stack overflow), so the next run records it as failed rather
//! than dying on it again.

use super::paths::{SqlPath, StoredPath};
use super::{map_db_error, now_s, Store};
use crate::error::Result;
use crate::file::FileVersion;
use rusqlite::{params, Connection};
use std::path::{Path, PathBuf};

/// A file that was being analysed by a process that is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadMark {
    /// The file.
    pub path: PathBuf,
    /// Its size when that run started it.
    pub size: u64,
    /// Its modification time when that run started it (ns since the epoch).
    pub mtime_ns: i64,
}

impl Store {
    /// Marks `file` as being analysed by this process, durably (committed) before returning.
    pub fn mark_in_progress(&mut self, file: &FileVersion) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO analysis_in_progress (path, size, mtime_ns, pid, \
                 started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    SqlPath(&file.path),
                    i64::try_from(file.size).unwrap_or(i64::MAX),
                    file.mtime_ns,
                    std::process::id(),
                    now_s()
                ],
            )
            .map(drop)
            .map_err(|e| self.db_error(e))
    }

    /// Removes the marks of `paths` (files this process is done with, or left without a
    /// result after a cancel), committed before returning.
    pub fn clear_in_progress<'a>(
        &mut self,
        paths: impl IntoIterator<Item = &'a Path>,
    ) -> Result<()> {
        let db = self.path.clone();
        let err = |e| map_db_error(&db, e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut delete = tx
                .prepare_cached("DELETE FROM analysis_in_progress WHERE path = ?1")
                .map_err(err)?;
            for path in paths {
                delete.execute([SqlPath(path)]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Takes (removes and returns) the marks left by processes that are no longer running.
    /// Marks of this process and of another live process (a run in progress) stay.
    pub fn take_dead_marks(&mut self) -> Result<Vec<DeadMark>> {
        let db = self.path.clone();
        let err = |e| map_db_error(&db, e);
        let own = std::process::id();
        let tx = self.conn.transaction().map_err(err)?;
        let mut dead = Vec::new();
        {
            let mut select = tx
                .prepare("SELECT path, size, mtime_ns, pid FROM analysis_in_progress")
                .map_err(err)?;
            let rows = select
                .query_map([], |r| {
                    Ok((
                        r.get::<_, StoredPath>(0)?.0,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .map_err(err)?;
            for row in rows {
                let (path, size, mtime_ns, pid) = row.map_err(err)?;
                let pid = u32::try_from(pid).unwrap_or(0);
                if pid != own && !process_alive(pid) {
                    dead.push(DeadMark {
                        path,
                        size: u64::try_from(size).unwrap_or(0),
                        mtime_ns,
                    });
                }
            }
        }
        {
            let mut delete = tx
                .prepare("DELETE FROM analysis_in_progress WHERE path = ?1")
                .map_err(err)?;
            for mark in &dead {
                delete.execute([SqlPath(&mark.path)]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(dead)
    }

    /// Removes every mark of this process from the library at `db`, through a connection of
    /// its own: for a Ctrl-C handler that ends the process at once, while the run's own
    /// connection is busy elsewhere. Best effort: errors are returned, nothing is retried.
    pub fn release_in_progress_marks(db: &Path) -> Result<()> {
        let conn = Connection::open(db).map_err(|e| map_db_error(db, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(|e| map_db_error(db, e))?;
        conn.execute(
            "DELETE FROM analysis_in_progress WHERE pid = ?1",
            [std::process::id()],
        )
        .map(drop)
        .map_err(|e| map_db_error(db, e))
    }
}

/// Whether process `pid` is running. Linux answers through `/proc`; elsewhere every other
/// process counts as gone (two runs on one library at once are not expected there).
fn process_alive(pid: u32) -> bool {
    pid != 0 && Path::new("/proc").join(pid.to_string()).exists()
}
