//! A temporary file beside the original, renamed over it at the end, removed on every other
//! path.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes the temporary files of one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new file in the original's folder, named `.sonority-<pid>-<n>.tmp` (hidden, short, so a
/// 255-byte original name does not make it too long). The guard removes it when dropped,
/// unless [`TempFile::persist`] renamed it.
pub(super) struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Creates it (never reusing an existing name), readable and writable by the owner only
    /// until [`copy_permissions_and_owner`] gives it the original's permissions. Returns the
    /// guard and the open file.
    pub(super) fn create_in(dir: &Path) -> io::Result<(Self, File)> {
        remove_stale(dir);
        let pid = std::process::id();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".sonority-{pid}-{n}.tmp"));
            let mut options = OpenOptions::new();
            options.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&path) {
                Ok(file) => return Ok((Self { path }, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Renames it over `target`, atomically replacing it. Close the file first (Windows does
    /// not rename open files). On error it is removed.
    pub(super) fn persist(mut self, target: &Path) -> io::Result<()> {
        fs::rename(&self.path, target)?;
        // Renamed: nothing left to remove.
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Removes, once per folder and process, the temporary files that a sonority process which
/// no longer runs left behind (killed between creating and renaming its copy). Their names
/// carry the pid; a file of a running process (or of a pid that cannot be checked) is kept.
fn remove_stale(dir: &Path) {
    static CLEANED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    {
        let mut cleaned = CLEANED.lock().unwrap_or_else(|p| p.into_inner());
        if cleaned.iter().any(|d| d == dir) {
            return;
        }
        cleaned.push(dir.to_path_buf());
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let ours = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(".sonority-"))
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.split_once('-'))
            .filter(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != ours && !process_runs(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id runs (true when it cannot be told).
fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: kill with signal 0 only checks that the process exists; it sends nothing.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Gives `file` the permissions of `original` and, on Unix, its owner and group (root may
/// change the owner; anyone may set a group they belong to). Fails rather than leave a file
/// owned by someone else.
pub(super) fn copy_permissions_and_owner(
    original: &fs::Metadata,
    file: &mut File,
) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let current = file.metadata()?;
        if (current.uid(), current.gid()) != (original.uid(), original.gid()) {
            std::os::unix::fs::fchown(&*file, Some(original.uid()), Some(original.gid()))?;
        }
    }
    file.set_permissions(original.permissions())
}

/// Copies the extended attributes of `original` (POSIX ACLs among them: on Linux they are
/// the attributes `system.posix_acl_access` and `system.posix_acl_default`) to `file`.
/// Returns one sentence per attribute that could not be kept (the file system does not take
/// it, or only root may set it); an original without attributes, or on a file system without
/// them, gives none.
pub(super) fn copy_xattrs(original: &Path, file: &File) -> Vec<String> {
    #[cfg(unix)]
    {
        use xattr::FileExt;
        let names = match xattr::list(original) {
            Ok(names) => names,
            // The same number on Linux, two on macOS.
            Err(e)
                if e.raw_os_error() == Some(libc::ENOTSUP)
                    || e.raw_os_error() == Some(libc::EOPNOTSUPP) =>
            {
                return Vec::new()
            }
            Err(e) => return vec![format!("its extended attributes could not be read ({e})")],
        };
        let mut not_kept = Vec::new();
        for name in names {
            let shown = name.to_string_lossy().into_owned();
            let kept = match xattr::get(original, &name) {
                Ok(Some(value)) => file.set_xattr(&name, &value),
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = kept {
                not_kept.push(format!("extended attribute {shown} not kept ({e})"));
            }
        }
        not_kept
    }
    #[cfg(not(unix))]
    {
        let _ = (original, file);
        Vec::new()
    }
}

/// Flushes a folder's entries (the rename) to disk. A no-op where folders cannot be opened
/// (Windows).
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
