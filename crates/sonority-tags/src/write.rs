//! Writing one field (by default the grouping) into users' music files, safely.
//!
//! Writing into a user's music files is the most dangerous thing sonority does, so this module
//! is built around three promises:
//!
//! * **Atomic.** The original is never opened for writing. It is copied to a temporary file in
//!   the same folder (same permissions and, on Unix, same owner), the tag is written into the
//!   copy, the copy is read back and checked, given the original's modification time, flushed
//!   to disk (`fsync`), and renamed over the original; then the folder is flushed. Symbolic
//!   links are followed (the link stays a link). A crash or an error at any point leaves the
//!   original as it was, and the temporary file is removed on every error path (a hard crash
//!   can leave a hidden `.sonority-<pid>-<n>.tmp` file beside the original, never a
//!   half-written track; the next write into that folder removes it once that process is
//!   gone).
//! * **Everything else stays.** Only the one tag that holds the field is rewritten (the ID3v2
//!   tag of an MP3 whose ID3v1 and APE tags are left byte for byte, the Vorbis comments of a
//!   FLAC whose pictures are carried over, ...). In the ID3v2.3/2.4 tag at the start of an MP3
//!   or AAC file even the other frames are copied byte for byte: the field's frames are
//!   replaced in the raw tag, because lofty re-encodes the whole tag and its 2.3 writer drops
//!   the 2.4-only frames (`TSOP`, `TSOA`, `TMOO`, ...) that taggers put into 2.3 tags anyway.
//!   The other tags are written by lofty. Before the rename, the copy is parsed again and
//!   compared with the original: the field must hold the new value, every other item of every
//!   tag lofty reads must be identical (compared as lofty re-encodes them, so encodings and
//!   order count too), and the audio properties (duration, sample rate, channels, bit depth)
//!   must be unchanged. If anything differs the write is abandoned with
//!   [`TagError::Verify`] (this is what happens to an ID3v2.3 chunk of a WAV or AIFF
//!   file that holds 2.4-only frames). Files whose tags lofty can only read with losses (a
//!   malformed frame it would drop, say) are refused: they are parsed in lofty's strict mode.
//! * **Opt-in and reversible.** Nothing is written unless [`apply`] is called. [`plan_write`]
//!   is the dry run: it reads the current value and says what would change and where.
//!   [`AppliedChange`] carries the previous value, which the caller records in the store;
//!   undo is `plan_write(path, field, previous)` + [`apply`] (a `None` value removes the field).
//!
//! Files are recognised from their content (the crate's [`crate::sniff`] first, for text,
//! pictures and the containers lofty does not know, then
//! [`lofty::probe::Probe::guess_file_type`]), never from the extension.
//!
//! # Where the field goes
//!
//! | format (lofty file type) | tag written | [`TagField::Grouping`] | [`TagField::Custom`] `NAME` |
//! |---|---|---|---|
//! | MP3, AAC (ADTS) | ID3v2 (2.3 kept as 2.3, else 2.4) | `TIT1` | `TXXX:NAME` |
//! | WAV | the `ID3 ` chunk (RIFF INFO has no grouping; it is kept)¹ | `TIT1` | `TXXX:NAME` |
//! | AIFF | the `ID3 ` chunk (the text chunks are kept) | `TIT1` | `TXXX:NAME` |
//! | FLAC, Ogg Vorbis, Opus, Speex | Vorbis comments | `GROUPING` | `NAME` |
//! | MP4 / M4A / M4B | the `ilst` atom | `©grp` | `----:com.apple.iTunes:NAME` |
//! | Monkey's Audio, WavPack, Musepack | APEv2 | `Grouping` | `NAME` |
//!
//! ¹ foobar2000, MusicBee, Mp3tag and Picard read a WAV's ID3 chunk; ffmpeg (and so mpv and
//! the players built on it) ignores it when the file also has a RIFF INFO list.
//!
//! Anything else (CAF, Matroska/WebM, raw PCM, ...) is refused with
//! [`TagError::Unsupported`]. ID3v2.2 tags are written back as ID3v2.4 (lofty cannot write
//! 2.2). iTunes 12.5+ shows the MP3 grouping from the `GRP1` frame and uses `TIT1` for "work";
//! sonority follows the ID3 standard (and foobar2000, MusicBee, Mp3tag, Picard) with `TIT1`.
//!
//! # Values
//!
//! A field can hold several values (several `GROUPING` comments, a multi-valued ID3v2.4 frame,
//! an APE item with several strings). They are handled as one string with the values
//! separated by NUL (`'\0'`), which is ID3v2.4's and APE's own separator; writing such a string
//! to a Vorbis comment or an MP4 atom writes one entry per value, so what [`read_field`]
//! returned can be written back exactly (undo). Empty values count as absent.
//!
//! # Identity, links, attributes, audio bytes
//!
//! Just before the rename, the file's device, inode, change time, size and modification time
//! are compared with those of the file that was read: a program that wrote it meanwhile (even
//! one that keeps the timestamps and fits its edit into the padding: the change time moves)
//! makes the write fail with [`TagError::Replaced`]. A file with several hard links is
//! refused ([`TagError::HardLinked`]): a rename would leave the other names with the old
//! content, and writing in place cannot be atomic. Owner, group and mode are given to the
//! copy (or the write fails); extended attributes, POSIX ACLs among them
//! (`system.posix_acl_access` on Linux), are copied, and those the file system or the user's
//! rights refuse are named in [`AppliedChange::not_kept`]. The audio bytes of the copy are
//! compared with the original's before the rename (see the `payload` module: the FLAC
//! frames, the Ogg packets but the comment header, the WAV/AIFF chunks but `ID3 `, the MP4
//! `mdat` content and sample tables, the MP3/APE-family bytes between the tags); any
//! difference abandons the write with [`TagError::Verify`].
//!
//! The rename gives the file a new inode. The modification time is restored by default
//! ([`WriteOptions::preserve_mtime`]); note that a tool that compares only size and mtime
//! (rsync's default quick check) may then miss the change when the tag's padding absorbed it
//! and the size stayed the same.

mod atomic;
mod formats;
mod id3_raw;
mod ogg_pages;
mod payload;

use crate::error::{ChangedSince, Result, TagError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::UNIX_EPOCH;

/// Which field to write.
///
/// Parse one from a name with [`TagField::parse`] (or `str::parse`): "grouping" (any case) is
/// [`TagField::Grouping`], anything else a validated [`TagField::Custom`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TagField {
    /// The grouping field players show: ID3v2 `TIT1`, Vorbis `GROUPING`, MP4 `©grp`, APE
    /// `Grouping`.
    #[default]
    Grouping,
    /// A field of sonority's or the user's own: ID3v2 `TXXX:NAME`, Vorbis comment `NAME`, MP4
    /// `----:com.apple.iTunes:NAME`, APE item `NAME` (matched without regard to ASCII case,
    /// written as given). Build it with [`TagField::parse`], which refuses names that are not
    /// portable or that name a standard tag (`GENRE`, `COMMENT`, ...): in Vorbis comments and
    /// APE a custom name is the key itself, so it would overwrite that tag in some formats only.
    Custom(String),
}

impl TagField {
    /// The field named `name`: "grouping" (any ASCII case) or a custom name of 2 to 64
    /// characters from `A-Z a-z 0-9 _ - .` and inner spaces that is not a standard tag name.
    pub fn parse(name: &str) -> Result<Self> {
        let invalid = |reason: &str| TagError::InvalidField {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        if name.eq_ignore_ascii_case("grouping") {
            return Ok(Self::Grouping);
        }
        if name.len() < 2 || name.len() > 64 {
            return Err(invalid("must be 2 to 64 characters long"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        {
            return Err(invalid(
                "may contain only ASCII letters, digits, '_', '-', '.' and spaces",
            ));
        }
        if name.starts_with(' ') || name.ends_with(' ') {
            return Err(invalid("may not start or end with a space"));
        }
        if ["ID3", "TAG", "OggS", "MP+"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
        {
            return Err(invalid("is reserved in APE tags"));
        }
        if let Some(standard) = formats::standard_key(name) {
            return Err(invalid(&format!(
                "is the standard tag {standard} in some formats; choose a name of your own \
                 (e.g. SONORITY_CLUSTER) or the grouping"
            )));
        }
        Ok(Self::Custom(name.to_string()))
    }

    /// The name as shown and as recorded in the tag history: "grouping" or the custom name.
    pub fn name(&self) -> &str {
        match self {
            Self::Grouping => "grouping",
            Self::Custom(name) => name,
        }
    }
}

impl fmt::Display for TagField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TagField {
    type Err = TagError;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// A file's size and modification time (nanoseconds since the Unix epoch, negative before
/// it). sonority-library's scanner records the same stamp, so a stamp from its store can be
/// compared with [`FileStamp::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time in ns since the Unix epoch (0 when the platform has none).
    pub mtime_ns: i64,
}

impl FileStamp {
    /// The stamp of `metadata`.
    pub fn from_metadata(metadata: &fs::Metadata) -> Self {
        let mtime_ns = match metadata.modified() {
            Err(_) => 0,
            Ok(modified) => match modified.duration_since(UNIX_EPOCH) {
                Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
                Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
            },
        };
        Self {
            size: metadata.len(),
            mtime_ns,
        }
    }

    /// The stamp of the file at `path` (following symbolic links).
    pub fn of(path: &Path) -> std::io::Result<Self> {
        fs::metadata(path).map(|m| Self::from_metadata(&m))
    }
}

/// Who a file is: its device and inode, change time, size and modification time, and how
/// many names (hard links) it has. Two identities compare equal when everything but the link
/// count is equal. On platforms without inodes the device, inode and change time are 0.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct FileIdentity {
    /// The device (file system) it lives on.
    pub dev: u64,
    /// The inode on that device.
    pub ino: u64,
    /// Status change time in ns since the Unix epoch (changes with any write, chmod, rename).
    pub ctime_ns: i64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Hard links (names) of the file.
    pub links: u64,
}

impl PartialEq for FileIdentity {
    fn eq(&self, other: &Self) -> bool {
        (self.dev, self.ino, self.ctime_ns, self.size, self.mtime_ns)
            == (
                other.dev,
                other.ino,
                other.ctime_ns,
                other.size,
                other.mtime_ns,
            )
    }
}

impl Eq for FileIdentity {}

impl FileIdentity {
    /// The identity of `metadata`.
    pub fn from_metadata(metadata: &fs::Metadata) -> Self {
        let stamp = FileStamp::from_metadata(metadata);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ctime_ns = metadata
                .ctime()
                .saturating_mul(1_000_000_000)
                .saturating_add(metadata.ctime_nsec());
            Self {
                dev: metadata.dev(),
                ino: metadata.ino(),
                ctime_ns,
                size: stamp.size,
                mtime_ns: stamp.mtime_ns,
                links: metadata.nlink(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {
                size: stamp.size,
                mtime_ns: stamp.mtime_ns,
                links: 1,
                ..Self::default()
            }
        }
    }

    /// The identity of the file at `path` (following symbolic links).
    pub fn of(path: &Path) -> std::io::Result<Self> {
        fs::metadata(path).map(|m| Self::from_metadata(&m))
    }

    /// Which parts differ from `other`, e.g. "inode 12 → 40, ctime changed".
    pub fn difference(&self, other: &Self) -> Option<String> {
        let mut parts = Vec::new();
        if (self.dev, self.ino) != (other.dev, other.ino) {
            parts.push(format!(
                "device/inode {}/{} → {}/{} (replaced by another file)",
                self.dev, self.ino, other.dev, other.ino
            ));
        }
        if self.size != other.size {
            parts.push(format!("size {} → {}", self.size, other.size));
        }
        if self.mtime_ns != other.mtime_ns {
            parts.push(format!("mtime {} → {} ns", self.mtime_ns, other.mtime_ns));
        }
        if self.ctime_ns != other.ctime_ns {
            parts.push(format!(
                "change time {} → {} ns",
                self.ctime_ns, other.ctime_ns
            ));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// What [`apply`] would do to one file: the result of [`plan_write`], shown by a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    /// The file, as given.
    pub path: PathBuf,
    /// The field.
    pub field: TagField,
    /// Its current value (None: absent). Several values are separated by NUL.
    pub previous: Option<String>,
    /// The value to write (None: remove the field).
    pub new: Option<String>,
    /// The detected format, e.g. "MP3", "FLAC", "MP4".
    pub format: String,
    /// Where the field is, e.g. "ID3v2.4 TIT1", "Vorbis comment GROUPING", "MP4 ©grp".
    pub location: String,
    /// The file's size and mtime when it was read; [`apply`] refuses the file if they changed.
    pub stamp: FileStamp,
}

impl PlannedChange {
    /// Whether applying the plan would change the file.
    pub fn changes_file(&self) -> bool {
        self.previous != self.new
    }
}

/// How [`apply`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Give the written file the original's modification time (default: true), so that music
    /// players and sync tools do not see a "new" track.
    pub preserve_mtime: bool,
    /// The size and mtime recorded when the file was analysed: the file is refused with
    /// [`TagError::Changed`] if it differs (the analysis no longer describes it).
    pub expected: Option<FileStamp>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            preserve_mtime: true,
            expected: None,
        }
    }
}

/// What [`apply`] did to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedChange {
    /// The file, as given.
    pub path: PathBuf,
    /// The field.
    pub field: TagField,
    /// The value before the write (None: absent): record it to be able to undo.
    pub previous: Option<String>,
    /// The value now in the file (None: removed).
    pub new: Option<String>,
    /// Where the field is, e.g. "ID3v2.4 TIT1".
    pub location: String,
    /// False when the file already held the value and was left untouched.
    pub written: bool,
    /// Size and mtime before.
    pub before: FileStamp,
    /// Size and mtime after (record them, so the next scan does not analyse the file again).
    pub after: FileStamp,
    /// The identity of the file after the write (a rename gives it a new inode).
    pub identity: FileIdentity,
    /// What of the original could not be carried over to the written file (an extended
    /// attribute the file system or the user's rights do not allow to set, ...), one
    /// sentence each; empty when everything was kept.
    pub not_kept: Vec<String>,
}

/// The write as it stands just before the rename: the copy is written, verified and flushed.
/// [`apply_with`] hands it to its caller, who may still refuse the write (to record the
/// previous value durably first).
#[derive(Debug, Clone)]
pub struct Staged<'a> {
    /// The file, as given.
    pub path: &'a Path,
    /// The field.
    pub field: &'a TagField,
    /// The value in the file now (read again just before writing).
    pub previous: Option<&'a str>,
    /// The value the copy holds.
    pub new: Option<&'a str>,
    /// The identity of the original, as read.
    pub identity: FileIdentity,
}

/// Reads `field` from the file at `path` (None: absent or empty). Several values are joined
/// with NUL.
pub fn read_field(path: &Path, field: &TagField) -> Result<Option<String>> {
    guarded(path, || {
        let mut file = fs::File::open(path).map_err(io_error(path, "cannot read"))?;
        let audio = formats::read(&mut file, path)?;
        Ok(join_values(audio.get(field)))
    })
}

/// Plans writing `new` (None: removing the field) into `field` of the file at `path`, without
/// changing anything: the dry run. Errors are those of reading (not audio, unsupported format,
/// tags lofty cannot read safely); see [`preflight`] for the checks that depend on the
/// file's state (read-only, changed since analysis).
pub fn plan_write(path: &Path, field: &TagField, new: Option<&str>) -> Result<PlannedChange> {
    let new = normalize_new(new)?;
    let real = resolve(path)?;
    guarded(path, || {
        let mut file = fs::File::open(&real).map_err(io_error(path, "cannot read"))?;
        let metadata = file.metadata().map_err(io_error(path, "cannot read"))?;
        let audio = formats::read(&mut file, path)?;
        Ok(PlannedChange {
            path: path.to_path_buf(),
            field: field.clone(),
            previous: join_values(audio.get(field)),
            new,
            format: audio.format_name().to_string(),
            location: audio.location(field),
            stamp: FileStamp::from_metadata(&metadata),
        })
    })
}

/// Runs `f`, which calls into lofty, turning a panic into [`TagError::Crashed`]: one
/// hostile file must not end a whole run. Whatever `f` created is dropped while unwinding
/// (the temporary file's guard removes it), and the original is never open for writing.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => Err(TagError::Crashed {
            path: path.to_path_buf(),
            message: crate::error::panic_message(panic.as_ref()),
        }),
    }
}

/// The checks [`apply`] makes before it writes, for a dry run to report the files it would
/// skip: `path` must be a regular file with a single name (see
/// [`TagError::HardLinked`]), not read-only, and, when [`WriteOptions::expected`] is
/// given, unchanged since the analysis. Returns the file's current stamp.
///
/// It only reads metadata: a dry run must not even open a user's file for writing (file
/// watchers would see a "modified" event). So a file that is writable by its permission bits
/// but not by this user (someone else's file) passes here and is refused by [`apply`].
pub fn preflight(path: &Path, options: &WriteOptions) -> Result<FileStamp> {
    let real = resolve(path)?;
    check_file(path, &real, options).map(|(_, stamp)| stamp)
}

/// Applies a planned change: writes the field atomically (see the module documentation) and
/// returns what was done. A plan whose value the file already holds leaves the file untouched
/// (`written: false`).
pub fn apply(change: &PlannedChange, options: &WriteOptions) -> Result<AppliedChange> {
    apply_with(change, options, |_| Ok(()))
}

/// [`apply`], calling `before_rename` once the copy is written, verified and flushed, just
/// before it replaces the original: the caller records the previous value durably there.
/// If it returns an error the write is abandoned (the original is unchanged, the copy
/// removed) and that error is returned. It is not called when the file already holds the
/// value.
pub fn apply_with(
    change: &PlannedChange,
    options: &WriteOptions,
    before_rename: impl FnOnce(&Staged<'_>) -> Result<()>,
) -> Result<AppliedChange> {
    guarded(&change.path, || {
        apply_inner(change, options, None, before_rename)
    })
}

/// A point where [`apply_with_fault`] makes the write fail. For tests only.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Right after the temporary file was created.
    AfterTempCreated,
    /// After the tag was written into the temporary copy.
    AfterTagWritten,
    /// After the copy was verified and flushed, just before the rename.
    BeforeRename,
    /// lofty panics while the copy is written (tests [`TagError::Crashed`]).
    Panic,
    /// A byte in the middle of the copy is flipped after the tag was written, as a writer
    /// that damaged the audio would (tests the audio comparison).
    CorruptAudio,
}

/// [`apply`], failing with an injected I/O error at `fault`: lets tests check that the
/// original stays intact and no temporary file remains at every stage, even when run as root
/// (where a read-only folder does not stop anything). For tests only.
#[doc(hidden)]
pub fn apply_with_fault(
    change: &PlannedChange,
    options: &WriteOptions,
    fault: Fault,
) -> Result<AppliedChange> {
    guarded(&change.path, || {
        apply_inner(change, options, Some(fault), |_| Ok(()))
    })
}

fn apply_inner(
    change: &PlannedChange,
    options: &WriteOptions,
    fault: Option<Fault>,
    before_rename: impl FnOnce(&Staged<'_>) -> Result<()>,
) -> Result<AppliedChange> {
    let path = change.path.as_path();
    let field = &change.field;
    let new = normalize_new(change.new.as_deref())?;
    let real = resolve(path)?;
    let (metadata, stamp) = check_file(path, &real, options)?;
    if stamp != change.stamp {
        return Err(TagError::Changed {
            path: path.to_path_buf(),
            since: ChangedSince::Plan,
            expected: change.stamp,
            found: stamp,
        });
    }

    let mut original = fs::File::open(&real).map_err(io_error(path, "cannot read"))?;
    // Who the file is, from the open file itself: compared again just before the rename.
    let identity =
        FileIdentity::from_metadata(&original.metadata().map_err(io_error(path, "cannot read"))?);
    if let Some(detail) = FileIdentity::from_metadata(&metadata).difference(&identity) {
        return Err(TagError::Replaced {
            path: path.to_path_buf(),
            detail,
        });
    }
    let mut audio = formats::read(&mut original, path)?;
    let location = audio.location(field);
    let previous = join_values(audio.get(field));
    if previous == new {
        return Ok(AppliedChange {
            path: path.to_path_buf(),
            field: field.clone(),
            previous,
            new,
            location,
            written: false,
            before: stamp,
            after: stamp,
            identity,
            not_kept: Vec::new(),
        });
    }
    ensure_writable(path, &real)?;
    let before = audio.fingerprint_without(field);
    let values = split_values(new.as_deref());
    audio.set(field, &values);

    let dir = real.parent().unwrap_or_else(|| Path::new("."));
    let (guard, mut temp) = atomic::TempFile::create_in(dir).map_err(io_error(
        path,
        "cannot create a temporary file in its folder",
    ))?;
    inject(fault, Fault::AfterTempCreated, path)?;
    if fault == Some(Fault::Panic) {
        panic!(
            "injected panic while writing {}",
            crate::terminal::shown(path)
        );
    }
    audio
        .write_copy(&mut original, &mut temp)
        .map_err(|e| match e {
            formats::CopyError::Io(source) => TagError::Io {
                path: path.to_path_buf(),
                action: "cannot write the temporary copy",
                source,
            },
            formats::CopyError::Tag(message) => TagError::Write {
                path: path.to_path_buf(),
                message,
            },
        })?;
    atomic::copy_permissions_and_owner(&metadata, &mut temp).map_err(io_error(
        path,
        "cannot give the temporary file the original's permissions",
    ))?;
    let not_kept = atomic::copy_xattrs(&real, &temp);
    if fault == Some(Fault::CorruptAudio) {
        flip_middle_byte(&mut temp).map_err(io_error(path, "injected fault"))?;
    }
    inject(fault, Fault::AfterTagWritten, path)?;

    // Read the copy back: the field holds the new value and nothing else moved.
    let verify = |detail: String| TagError::Verify {
        path: path.to_path_buf(),
        detail,
    };
    let written = formats::read(&mut temp, path)
        .map_err(|e| verify(format!("the copy does not parse: {e}")))?;
    let readback = join_values(written.get(field));
    if readback != new {
        return Err(verify(format!(
            "{location} reads back as {readback:?} instead of {new:?}"
        )));
    }
    if let Some(difference) = before.difference(&written.fingerprint_without(field)) {
        return Err(verify(difference));
    }
    // The audio itself, byte for byte, as the format's own structure locates it.
    let compared = payload::difference(&mut original, &mut temp)
        .map_err(|e| verify(format!("the audio of the copy cannot be compared: {e}")))?;
    if let Some(difference) = compared {
        return Err(verify(difference));
    }
    drop(original);

    if options.preserve_mtime {
        if let Ok(modified) = metadata.modified() {
            temp.set_times(fs::FileTimes::new().set_modified(modified))
                .map_err(io_error(path, "cannot restore the modification time"))?;
        }
    }
    temp.sync_all()
        .map_err(io_error(path, "cannot flush the temporary file"))?;
    drop(temp);

    // The caller records the previous value (durably) before anything is replaced.
    before_rename(&Staged {
        path,
        field,
        previous: previous.as_deref(),
        new: new.as_deref(),
        identity,
    })?;
    // Another program may have written or replaced the file while we worked on the copy:
    // compare everything the file system says about it, as late as possible.
    let now = fs::metadata(&real).map_err(io_error(path, "cannot read"))?;
    let now_stamp = FileStamp::from_metadata(&now);
    if now_stamp != stamp {
        return Err(TagError::Changed {
            path: path.to_path_buf(),
            since: ChangedSince::Start,
            expected: stamp,
            found: now_stamp,
        });
    }
    if let Some(detail) = identity.difference(&FileIdentity::from_metadata(&now)) {
        return Err(TagError::Replaced {
            path: path.to_path_buf(),
            detail,
        });
    }
    inject(fault, Fault::BeforeRename, path)?;
    guard.persist(&real).map_err(io_error(
        path,
        "cannot rename the temporary file over the original",
    ))?;
    // The rename is done; a failure to flush the folder does not undo it.
    let _ = atomic::sync_dir(dir);
    let after = FileIdentity::of(&real).map_err(io_error(path, "cannot read"))?;
    Ok(AppliedChange {
        path: path.to_path_buf(),
        field: field.clone(),
        previous,
        new,
        location,
        written: true,
        before: stamp,
        after: FileStamp {
            size: after.size,
            mtime_ns: after.mtime_ns,
        },
        identity: after,
        not_kept,
    })
}

/// The real file behind `path` (symbolic links resolved, so the rename replaces the file and
/// not the link).
fn resolve(path: &Path) -> Result<PathBuf> {
    fs::canonicalize(path).map_err(io_error(path, "cannot read"))
}

/// The rename needs only the folder's permission: ask for the file's explicitly (someone
/// else's file may have write bits that are not for us). Opening for writing without
/// truncating changes nothing.
fn ensure_writable(path: &Path, real: &Path) -> Result<()> {
    match fs::OpenOptions::new().write(true).open(real) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(TagError::ReadOnly {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io_error(path, "cannot open for writing")(e)),
    }
}

/// Regular file, not read-only, unchanged since analysis: its metadata and stamp.
fn check_file(
    path: &Path,
    real: &Path,
    options: &WriteOptions,
) -> Result<(fs::Metadata, FileStamp)> {
    let metadata = fs::metadata(real).map_err(io_error(path, "cannot read"))?;
    if !metadata.is_file() {
        return Err(TagError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if metadata.permissions().readonly() {
        return Err(TagError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    let links = FileIdentity::from_metadata(&metadata).links;
    if links > 1 {
        return Err(TagError::HardLinked {
            path: path.to_path_buf(),
            links,
        });
    }
    let stamp = FileStamp::from_metadata(&metadata);
    if let Some(expected) = options.expected {
        if expected != stamp {
            return Err(TagError::Changed {
                path: path.to_path_buf(),
                since: ChangedSince::Analysis,
                expected,
                found: stamp,
            });
        }
    }
    Ok((metadata, stamp))
}

/// [`Fault::CorruptAudio`].
fn flip_middle_byte(file: &mut fs::File) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let middle = file.metadata()?.len() / 2;
    let mut byte = [0u8];
    file.seek(SeekFrom::Start(middle))?;
    file.read_exact(&mut byte)?;
    file.seek(SeekFrom::Start(middle))?;
    file.write_all(&[byte[0] ^ 0xff])
}

fn inject(fault: Option<Fault>, here: Fault, path: &Path) -> Result<()> {
    if fault == Some(here) {
        return Err(TagError::Io {
            path: path.to_path_buf(),
            action: "injected fault",
            source: std::io::Error::other(format!("{here:?}")),
        });
    }
    Ok(())
}

fn io_error(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> TagError {
    let path = path.to_path_buf();
    move |source| TagError::Io {
        path,
        action,
        source,
    }
}

/// `None` for no values; several values joined with NUL.
fn join_values(values: Vec<String>) -> Option<String> {
    let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
    (!values.is_empty()).then(|| values.join("\0"))
}

fn split_values(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Refuses values that cannot be written faithfully; an empty value is a removal.
fn normalize_new(new: Option<&str>) -> Result<Option<String>> {
    let Some(value) = new else { return Ok(None) };
    if let Some(c) = value.chars().find(|&c| c.is_control() && c != '\0') {
        return Err(TagError::InvalidValue {
            value: value.to_string(),
            reason: format!("contains the control character U+{:04X}", u32::from(c)),
        });
    }
    Ok(join_values(split_values(Some(value))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        assert_eq!(TagField::parse("grouping").unwrap(), TagField::Grouping);
        assert_eq!(TagField::parse("GROUPING").unwrap(), TagField::Grouping);
        assert_eq!(
            TagField::parse("SONORITY_CLUSTER").unwrap(),
            TagField::Custom("SONORITY_CLUSTER".into())
        );
        assert_eq!(
            "sonority cluster".parse::<TagField>().unwrap().name(),
            "sonority cluster"
        );
        for bad in [
            "", "x", "a=b", "ü-name", " lead", "trail ", "TAG", "OggS", "genre", "COMMENT",
            "title", "MOOD",
        ] {
            assert!(
                matches!(TagField::parse(bad), Err(TagError::InvalidField { .. })),
                "{bad:?} accepted"
            );
        }
        assert!(TagField::parse(&"A".repeat(65)).is_err());
    }

    #[test]
    fn values_round_trip() {
        assert_eq!(join_values(vec![]), None);
        assert_eq!(join_values(vec![String::new()]), None);
        assert_eq!(
            join_values(vec!["a".into(), "b".into()]).as_deref(),
            Some("a\0b")
        );
        assert_eq!(split_values(Some("a\0b")), vec!["a", "b"]);
        assert_eq!(split_values(None), Vec::<String>::new());
        assert_eq!(normalize_new(Some("")).unwrap(), None);
        assert_eq!(
            normalize_new(Some("x\0\0y")).unwrap().as_deref(),
            Some("x\0y")
        );
        assert!(normalize_new(Some("a\nb")).is_err());
    }
}
