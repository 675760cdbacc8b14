//! Walking a music folder: which files are audio candidates, with their size and mtime.
//!
//! Files are chosen by extension (case-insensitive, [`AUDIO_EXTENSIONS`]); their content is
//! checked later, by [`sonority_tags::sniff_file`], only for the files that need analysing, so
//! a rerun over an unchanged library opens no file. Symbolic links are followed (loops are reported, not
//! followed), hidden files and folders (names starting with `.`) are skipped unless asked for,
//! and a folder or file that cannot be read is reported as a [`ScanError`] while the scan goes
//! on. The result is sorted by path.

use crate::error::{LibraryError, Result};
use serde::Serialize;
use sonority_store::{FileVersion, Seen};
use sonority_tags::FileStamp;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// The extensions (lower case) of the formats `sonority-features` decodes: WAV, AIFF, FLAC,
/// MP3 (and MPEG layers I and II), Ogg Vorbis and Opus, AAC and ALAC in MP4, raw AAC (ADTS),
/// CAF and Matroska/WebM audio. WavPack, APE and WMA are not decoded and so not listed.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "bwf", "rf64", "aif", "aiff", "aifc", "flac", "mp3", "mp2", "mp1", "mpa", "ogg",
    "oga", "opus", "m4a", "mp4", "m4b", "alac", "aac", "adts", "caf", "mka", "webm",
];

/// The extensions (lower case) of audio formats that `sonority-features` decodes only through
/// ffmpeg (WMA, Monkey's Audio, WavPack, Musepack, TTA, DSD, AC-3, DTS, AMR, Speex,
/// RealAudio): audio candidates when [`ScanOptions::ffmpeg_formats`] is set, else counted as
/// left out.
pub const FFMPEG_AUDIO_EXTENSIONS: &[&str] = &[
    "wma", "ape", "wv", "mpc", "tta", "dsf", "dff", "ac3", "eac3", "dts", "amr", "spx", "ra", "rm",
];

/// The extensions (lower case) of audio formats that `sonority-features` may not decode: those
/// of [`FFMPEG_AUDIO_EXTENSIONS`] (without ffmpeg) and MIDI (notes, not sound): such files are
/// counted, so that a run can say what it left out, and not analysed.
pub const UNDECODED_AUDIO_EXTENSIONS: &[&str] = &[
    "wma", "ape", "wv", "mpc", "tta", "dsf", "dff", "ac3", "eac3", "dts", "amr", "spx", "ra", "rm",
    "mid", "midi",
];

/// How to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanOptions {
    /// Also scan files and folders whose name starts with a dot (default: false).
    pub include_hidden: bool,
    /// Follow symbolic links to files and folders (default: true). Loops are detected and
    /// reported. When false, links are ignored.
    pub follow_links: bool,
    /// Also list the formats only ffmpeg decodes ([`FFMPEG_AUDIO_EXTENSIONS`]) as audio
    /// candidates (default: false; the analysis sets it when ffmpeg is installed and the
    /// decoder is not `native`).
    pub ffmpeg_formats: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            include_hidden: false,
            follow_links: true,
            ffmpeg_formats: false,
        }
    }
}

/// What kind of problem a [`ScanError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanErrorKind {
    /// A symbolic link points to one of its own ancestors; it is not followed.
    Loop,
    /// A symbolic link whose target does not exist.
    BrokenLink,
    /// A folder or file that cannot be read (permissions, I/O error).
    Unreadable,
}

/// A file or folder the scan could not handle; the scan went on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanError {
    /// The path, when known (in JSON: `path`, plus `path_bytes` when not UTF-8).
    #[serde(flatten, serialize_with = "crate::output::json_path::opt_path_fields")]
    pub path: Option<PathBuf>,
    /// The kind of problem.
    pub kind: ScanErrorKind,
    /// A message naming the path.
    pub message: String,
}

/// The result of [`scan`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanResult {
    /// The scanned root, canonical.
    pub root: PathBuf,
    /// Audio candidates, sorted by path, each path once.
    pub files: Vec<FileVersion>,
    /// What could not be scanned.
    pub errors: Vec<ScanError>,
    /// Files of audio formats that are not decoded, counted by extension (lower case, see
    /// [`UNDECODED_AUDIO_EXTENSIONS`]).
    pub undecoded: BTreeMap<String, usize>,
}

impl ScanResult {
    /// What the scan saw, as [`sonority_store::Store::forget_missing`] reads it.
    pub fn seen(&self) -> Seen<'_> {
        Seen {
            root: &self.root,
            files: &self.files,
            unscanned: self.unscanned_paths(),
        }
    }

    /// Paths under which the scan may have missed files (unreadable folders and files):
    /// tracks stored under them must not be forgotten. (A loop's content was scanned through
    /// its ancestor, and a broken link has nothing behind it.)
    pub fn unscanned_paths(&self) -> Vec<PathBuf> {
        self.errors
            .iter()
            .filter(|e| e.kind == ScanErrorKind::Unreadable)
            .filter_map(|e| e.path.as_ref())
            .map(|p| fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
            .collect()
    }
}

/// True when the extension of `path` is one of [`AUDIO_EXTENSIONS`], in any case.
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// True when the extension of `path` is one of [`FFMPEG_AUDIO_EXTENSIONS`], in any case.
pub fn has_ffmpeg_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        FFMPEG_AUDIO_EXTENSIONS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(e))
    })
}

/// The extension of `path`, lower case, when it is one of [`UNDECODED_AUDIO_EXTENSIONS`].
fn undecoded_extension(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    UNDECODED_AUDIO_EXTENSIONS
        .contains(&ext.as_str())
        .then_some(ext)
}

/// Walks `root` (a folder, or a single file) and lists its audio candidates.
///
/// `progress` is called with the number of files found so far every 256 files and once at the
/// end. Errors: only when `root` itself cannot be resolved ([`LibraryError::Root`]); everything
/// below it is reported in [`ScanResult::errors`].
pub fn scan(
    root: &Path,
    options: &ScanOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<ScanResult> {
    let root = fs::canonicalize(root).map_err(|source| LibraryError::Root {
        path: root.to_path_buf(),
        source,
    })?;
    let include_hidden = options.include_hidden;
    let walker = WalkDir::new(&root)
        .follow_links(options.follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |e| e.depth() == 0 || include_hidden || !is_hidden(e.file_name()));
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut undecoded = BTreeMap::new();
    // Folders reached through a symbolic link: paths below them are not canonical as walked.
    let mut linked_dirs: Vec<PathBuf> = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                errors.push(scan_error(&err));
                continue;
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            if entry.path_is_symlink() {
                linked_dirs.push(entry.path().to_path_buf());
            }
            continue;
        }
        if !file_type.is_file() {
            continue;
        }
        let candidate = has_audio_extension(entry.path())
            || (options.ffmpeg_formats && has_ffmpeg_extension(entry.path()));
        if !candidate {
            if let Some(ext) = undecoded_extension(entry.path()) {
                *undecoded.entry(ext).or_insert(0) += 1;
            }
            continue;
        }
        let metadata = match entry.metadata() {
            Ok(m) => m,
            Err(err) => {
                errors.push(scan_error(&err));
                continue;
            }
        };
        let through_link =
            entry.path_is_symlink() || linked_dirs.iter().any(|d| entry.path().starts_with(d));
        let path = if through_link {
            match fs::canonicalize(entry.path()) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(ScanError {
                        path: Some(entry.path().to_path_buf()),
                        kind: ScanErrorKind::Unreadable,
                        message: format!(
                            "cannot resolve {}: {e}",
                            sonority_tags::shown(entry.path())
                        ),
                    });
                    continue;
                }
            }
        } else {
            entry.path().to_path_buf()
        };
        files.push(FileVersion {
            path,
            size: metadata.len(),
            mtime_ns: mtime_ns(&metadata),
        });
        if files.len() % 256 == 0 {
            progress(files.len());
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    progress(files.len());
    Ok(ScanResult {
        root,
        files,
        errors,
        undecoded,
    })
}

/// The modification time of `metadata` in nanoseconds since the Unix epoch.
pub(crate) fn mtime_ns(metadata: &fs::Metadata) -> i64 {
    FileStamp::from_metadata(metadata).mtime_ns
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn scan_error(err: &walkdir::Error) -> ScanError {
    let path = err.path().map(Path::to_path_buf);
    let shown = path
        .as_deref()
        .map_or_else(|| "?".to_string(), sonority_tags::shown);
    if let Some(ancestor) = err.loop_ancestor() {
        return ScanError {
            path,
            kind: ScanErrorKind::Loop,
            message: format!(
                "{shown}: symbolic link loop (points back to {}), not followed",
                sonority_tags::shown(ancestor)
            ),
        };
    }
    let (kind, detail) = match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => (
            ScanErrorKind::BrokenLink,
            "broken symbolic link".to_string(),
        ),
        Some(io) => (ScanErrorKind::Unreadable, io.to_string()),
        None => (ScanErrorKind::Unreadable, err.to_string()),
    };
    ScanError {
        path,
        kind,
        message: format!("{shown}: {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, b"x").expect("write");
    }

    fn names(result: &ScanResult) -> Vec<String> {
        result
            .files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(&result.root)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn extensions_case_insensitive_hidden_skipped_sorted() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "b/Song.FLAC",
            "a/track.Mp3",
            "a/notes.txt",
            "a/cover.jpg",
            ".hidden/x.wav",
            "c/.dot.wav",
            "c/z.opus",
            "d/one.wma",
            "d/two.WMA",
            "d/three.ape",
        ] {
            touch(&dir.path().join(name));
        }
        let result = scan(dir.path(), &ScanOptions::default(), &mut |_| {}).expect("scan");
        assert_eq!(names(&result), ["a/track.Mp3", "b/Song.FLAC", "c/z.opus"]);
        assert!(result.errors.is_empty());
        // Audio formats that are not decoded are counted, other files are not.
        let undecoded: Vec<(&str, usize)> = result
            .undecoded
            .iter()
            .map(|(k, &v)| (k.as_str(), v))
            .collect();
        assert_eq!(undecoded, [("ape", 1), ("wma", 2)]);
        assert!(result.files.iter().all(|f| f.size == 1 && f.mtime_ns > 0));

        // With ffmpeg, WMA and APE are audio candidates; MIDI stays left out.
        touch(&dir.path().join("d/song.mid"));
        let with_ffmpeg = ScanOptions {
            ffmpeg_formats: true,
            ..ScanOptions::default()
        };
        let result = scan(dir.path(), &with_ffmpeg, &mut |_| {}).expect("scan");
        assert_eq!(
            names(&result),
            [
                "a/track.Mp3",
                "b/Song.FLAC",
                "c/z.opus",
                "d/one.wma",
                "d/three.ape",
                "d/two.WMA"
            ]
        );
        assert_eq!(
            result.undecoded.into_iter().collect::<Vec<_>>(),
            [("mid".to_string(), 1)]
        );
        std::fs::remove_file(dir.path().join("d/song.mid")).expect("remove");

        let all = ScanOptions {
            include_hidden: true,
            ..ScanOptions::default()
        };
        let result = scan(dir.path(), &all, &mut |_| {}).expect("scan");
        assert_eq!(
            names(&result),
            [
                ".hidden/x.wav",
                "a/track.Mp3",
                "b/Song.FLAC",
                "c/.dot.wav",
                "c/z.opus"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_followed_once_and_loops_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("music");
        touch(&root.join("real/one.wav"));
        touch(&dir.path().join("elsewhere/two.wav"));
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), root.join("linked"))
            .expect("symlink");
        std::os::unix::fs::symlink(root.join("real/one.wav"), root.join("alias.wav"))
            .expect("symlink");
        std::os::unix::fs::symlink(&root, root.join("real/loop")).expect("symlink");
        std::os::unix::fs::symlink(root.join("missing.wav"), root.join("broken.wav"))
            .expect("symlink");
        let result = scan(&root, &ScanOptions::default(), &mut |_| {}).expect("scan");
        let canonical_dir = fs::canonicalize(dir.path()).expect("canonical");
        let paths: Vec<_> = result.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            [
                canonical_dir.join("elsewhere/two.wav"),
                canonical_dir.join("music/real/one.wav"),
            ]
        );
        let kinds: Vec<_> = result.errors.iter().map(|e| e.kind).collect();
        assert!(kinds.contains(&ScanErrorKind::Loop), "{:?}", result.errors);
        assert!(
            kinds.contains(&ScanErrorKind::BrokenLink),
            "{:?}",
            result.errors
        );
    }

    #[test]
    fn missing_root_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = scan(
            &dir.path().join("nope"),
            &ScanOptions::default(),
            &mut |_| {},
        );
        assert!(matches!(err, Err(LibraryError::Root { .. })));
    }

    #[test]
    fn stamp_matches_the_scanner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"abc").unwrap();
        let metadata = fs::metadata(&path).unwrap();
        let stamp = FileStamp::from_metadata(&metadata);
        assert_eq!(stamp.size, 3);
        assert_eq!(stamp.mtime_ns, mtime_ns(&metadata));
    }
}
