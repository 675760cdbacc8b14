//! One writing sonority process per library: an advisory lock on a file next to the
//! database (`library.db.lock`), taken by the commands that write (analyze, organize, cluster,
//! tag) and held until they end. A second writer is refused with a message naming the first
//! (its process id and command, written into the lock file); readers (`status`, `export`,
//! ...) take no lock and run alongside, as SQLite's WAL mode allows. The operating system
//! releases the lock when the process ends, however it ends; the file itself stays.

use super::Store;
use crate::error::{Result, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Held while a command writes to the library; dropping it releases the lock.
#[derive(Debug)]
pub struct WriterLock {
    _file: Option<File>,
}

/// The lock file of the database at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}

impl Store {
    /// Takes the library's writer lock for `command` (e.g. "sonority analyze /music"), or
    /// fails with [`StoreError::Busy`] naming the process that holds it. A file system that
    /// does not support locks gives a lock that holds nothing (SQLite's own locking still
    /// keeps the database consistent).
    pub fn lock_for_writing(&self, command: &str) -> Result<WriterLock> {
        if self.path.as_os_str() == ":memory:" {
            return Ok(WriterLock { _file: None });
        }
        let path = lock_path(&self.path);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                let holder = format!(
                    "pid {}, `{command}`, since {} (Unix time)",
                    std::process::id(),
                    super::now_s()
                );
                file.set_len(0)
                    .and_then(|()| file.seek(SeekFrom::Start(0)))
                    .and_then(|_| file.write_all(holder.as_bytes()))
                    .and_then(|()| file.sync_data())
                    .map_err(io)?;
                Ok(WriterLock { _file: Some(file) })
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                Err(StoreError::Busy {
                    path: self.path.clone(),
                    holder: if holder.is_empty() {
                        "another sonority process".to_string()
                    } else {
                        format!("another sonority process ({holder})")
                    },
                })
            }
            Err(TryLockError::Error(_)) => Ok(WriterLock { _file: None }),
        }
    }
}
