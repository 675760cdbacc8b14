//! The file-system helpers every output shares, in one place: writing a file atomically,
//! relative paths and `file://` URLs for links to audio files, and the clock.
//!
//! Tag writing replaces the user's own audio files and has stricter rules of its own
//! (sonority-tags' `write/atomic.rs`: identity checks, metadata kept; `tag_write.rs`: history
//! first); everything sonority creates itself (playlists, their manifest, reports, pictures)
//! goes through [`write_atomic`].

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Writes `bytes` to a temporary file next to `path`, flushes it to disk, then renames it over
/// `path`: a reader sees the old file or the new one, never half of one.
///
/// The temporary file (`.sonority-<name>.XXXXXX.tmp`) has a random name and is created
/// exclusively (`O_EXCL`), so a file or symbolic link planted in the folder is never opened
/// or followed; it is removed when anything fails. An existing `path` keeps its permissions;
/// a new one gets `0o666` less the umask, as `File::create` would give it.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |mut file| file.write_all(bytes), |e| e)
}

/// [`write_atomic`] with the content written by `write` into the temporary file (unbuffered:
/// `write` buffers as it needs), so that a large output is streamed rather than held; `io`
/// turns the errors of creating, syncing and renaming into the caller's error type.
pub(crate) fn write_atomic_with<E>(
    path: &Path,
    write: impl FnOnce(&File) -> Result<(), E>,
    io: impl Fn(io::Error) -> E,
) -> Result<(), E> {
    let name = path.file_name().ok_or_else(|| {
        io(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        ))
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut prefix = OsString::from(".sonority-");
    prefix.push(name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(&io)?;
    if let Some(permissions) = existing {
        tmp.as_file().set_permissions(permissions).map_err(&io)?;
    }
    write(tmp.as_file())?;
    tmp.as_file().sync_all().map_err(&io)?;
    // On failure the temporary file is dropped, which removes it.
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Flushes a folder's entries (a rename or removal in it) to disk, where the platform can.
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// `to` relative to the folder `from`, both absolute; `None` when either is relative or
/// they share no root (another Windows drive).
pub(crate) fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    let from: Vec<Component<'_>> = from
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    let to: Vec<Component<'_>> = to
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    fn root<'a>(c: &[Component<'a>]) -> Vec<Component<'a>> {
        c.iter()
            .take_while(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
            .copied()
            .collect()
    }
    if root(&from).is_empty() || root(&from) != root(&to) {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c.as_os_str());
    }
    Some(rel)
}

/// A relative path as a URL path: its segments percent-encoded ([`percent_encode`]) and
/// joined with `/`.
pub(crate) fn url_path(rel: &Path) -> String {
    rel.components()
        .map(|c| match c {
            Component::ParentDir => "..".to_string(),
            other => percent_encode(other.as_os_str()),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The `file://` URL of an absolute path (`file:///C:/...` for a Windows drive).
pub(crate) fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for c in path.components() {
        match c {
            Component::Prefix(p) => {
                url.push('/');
                url.push_str(&p.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => url.push_str("/.."),
            Component::Normal(s) => {
                url.push('/');
                url.push_str(&percent_encode(s));
            }
        }
    }
    if url == "file://" {
        url.push('/');
    }
    url
}

/// One path segment with every byte outside RFC 3986's unreserved set (letters, digits,
/// `-._~`) percent-encoded: `#`, `?`, `%`, spaces and non-UTF-8 bytes survive a URL.
pub(crate) fn percent_encode(segment: &OsStr) -> String {
    #[cfg(unix)]
    let bytes: Vec<u8> = {
        use std::os::unix::ffi::OsStrExt;
        segment.as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes: Vec<u8> = segment.to_string_lossy().into_owned().into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Now, in Unix seconds (as the store stamps its rows).
pub(crate) use sonority_store::now_s;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        let rel = relative_path(Path::new("/m/reports"), Path::new("/m/music/a b/#1?.ogg"));
        assert_eq!(rel, Some(PathBuf::from("../music/a b/#1?.ogg")));
        assert_eq!(
            url_path(&rel.expect("relative")),
            "../music/a%20b/%231%3F.ogg"
        );
        assert_eq!(
            relative_path(Path::new("/m/p/x"), Path::new("/m/a/b.mp3")),
            Some(PathBuf::from("../../a/b.mp3"))
        );
        assert_eq!(
            relative_path(Path::new("/m"), Path::new("/m/a.mp3")),
            Some(PathBuf::from("a.mp3"))
        );
        assert_eq!(relative_path(Path::new("rel"), Path::new("/m/x")), None);
    }

    #[test]
    fn file_urls_encode_every_unsafe_byte() {
        assert_eq!(
            file_url(Path::new("/m/music/é.ogg")),
            "file:///m/music/%C3%A9.ogg"
        );
        assert_eq!(file_url(Path::new("/")), "file:///");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let path = Path::new(OsStr::from_bytes(b"/m/caf\xe9 #1.wav"));
            assert_eq!(file_url(path), "file:///m/caf%E9%20%231.wav");
        }
    }

    #[cfg(unix)]
    #[test]
    fn planted_symlinks_are_not_followed_and_permissions_are_kept() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").expect("victim");
        let target = dir.path().join("report.html");
        // Links at predictable names and at names in the pattern: none may be written through.
        let mut planted = vec![dir
            .path()
            .join(format!(".report.html.{}.tmp", std::process::id()))];
        for i in 0..20 {
            planted.push(dir.path().join(format!(".sonority-report.html.{i:06}.tmp")));
        }
        for link in &planted {
            symlink(&victim, link).expect("plant link");
        }

        write_atomic(&target, b"first").expect("write new");
        assert_eq!(std::fs::read(&target).expect("read"), b"first");
        assert!(!std::fs::symlink_metadata(&target)
            .expect("meta")
            .file_type()
            .is_symlink());

        // An existing file keeps its permissions.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&target, b"second").expect("write over");
        assert_eq!(std::fs::read(&target).expect("read"), b"second");
        let mode = std::fs::metadata(&target)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);

        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        for link in &planted {
            let meta = std::fs::symlink_metadata(link).expect("link still there");
            assert!(meta.file_type().is_symlink(), "{}", link.display());
        }
        // Nothing else is left behind: the victim, the file and the planted links.
        let left = std::fs::read_dir(dir.path()).expect("ls").count();
        assert_eq!(left, planted.len() + 2);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The target is a folder: the rename fails, the temporary file goes.
        let target = dir.path().join("report.html");
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::write(target.join("inside"), b"x").expect("fill");
        assert!(write_atomic(&target, b"x").is_err());
        let left = std::fs::read_dir(dir.path()).expect("ls").count();
        assert_eq!(left, 1);
    }
}
