//! # sonority-tags
//!
//! The tags of music files, file by file: reading the tags that describe a track
//! ([`read_tags`]), recognising audio by its content ([`sniff_file`]), and writing one field
//! (by default the grouping) safely ([`plan_write`], [`apply`]): atomically, verified, with
//! every other tag, the audio bytes, the permissions and the extended attributes kept.
//!
//! It knows nothing of a library or a database. A caller that keeps a history of its writes
//! (sonority-library records the previous value in its store before the file changes) does so
//! in the callback of [`apply_with`], which runs once the copy is written, verified and
//! flushed, and before it replaces the original; if the callback fails, nothing changes.
//!
//! ```no_run
//! use sonority_tags::{apply_with, plan_write, TagField, WriteOptions};
//!
//! # fn main() -> sonority_tags::Result<()> {
//! let path = "/music/track.flac".as_ref();
//! let plan = plan_write(path, &TagField::Grouping, Some("Quiet evenings"))?;
//! let applied = apply_with(&plan, &WriteOptions::default(), |staged| {
//!     // Record `staged.previous` durably here, to be able to undo.
//!     let _ = staged.previous;
//!     Ok(())
//! })?;
//! assert_eq!(applied.new.as_deref(), Some("Quiet evenings"));
//! # Ok(()) }
//! ```
//!
//! ## Module map
//!
//! | module | holds |
//! |---|---|
//! | `read` | [`read_tags`] and [`Tags`] (artist, album, title, genre, track number), and the one rule for genre tags ([`primary_genre`], [`genre_key`], [`GenreNames`]) |
//! | `sniff` | [`sniff_file`] / [`sniff_bytes`]: audio or not, from the first bytes |
//! | `write` | one field written safely: [`TagField`], [`plan_write`], [`preflight`], [`apply`] / [`apply_with`], [`read_field`], the file's [`FileStamp`] and [`FileIdentity`]; its module documentation says where the field goes in each format and what is checked. Below it: `formats` (per-format reading, writing and fingerprints with lofty), `id3_raw` (the ID3v2 tag edited frame by frame), `ogg_pages` (damaged Ogg pages refused), `payload` (the audio bytes compared), `atomic` (the temporary copy, permissions, owner, extended attributes) |
//! | `error` | [`TagError`], every variant naming its file, and [`panic_message`] (lofty's panics become errors) |
//! | `terminal` | [`shown`], [`shown_text`], [`one_line`]: file names and messages escaped for a terminal (every error here names a file; the library and the front ends use the same functions) |
//! | `failpoint` | the test hook `SONORITY_FAILPOINT=lofty-panic:<text>` ([`FAILPOINT_ENV`]) |

#![warn(missing_docs)]

mod error;
mod failpoint;
mod read;
mod sniff;
mod terminal;
mod write;

pub use error::{panic_message, ChangedSince, Result, TagError};
pub use failpoint::FAILPOINT_ENV;
pub use read::{genre_key, primary_genre, read_tags, GenreNames, Tags};
pub use sniff::{sniff_bytes, sniff_file, Sniffed};
pub use terminal::{one_line, shown, shown_text};
pub use write::{
    apply, apply_with, plan_write, preflight, read_field, AppliedChange, FileIdentity, FileStamp,
    PlannedChange, Staged, TagField, WriteOptions,
};

#[doc(hidden)]
pub use write::{apply_with_fault, Fault};
