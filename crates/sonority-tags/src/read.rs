//! Reading the tags that describe a track (artist, album, title, genre, track number) with
//! lofty, and the one rule for genre tags. Writing a field is the `write` module's job.

use crate::error::{Result, TagError};
use lofty::config::ParseOptions;
use lofty::prelude::*;
use lofty::probe::Probe;
use lofty::tag::Tag;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The one rule for genre tags, shared by `evaluate` and the report: a tag may list several
/// genres separated by `;` or NUL (ID3v2.4 joins its list with NUL); a track's genre is the
/// first one listed, trimmed.
pub fn primary_genre(tag: &str) -> Option<&str> {
    tag.split([';', '\0'])
        .map(str::trim)
        .find(|g| !g.is_empty())
}

/// Genres that differ only in case are one genre: this is the key they share.
pub fn genre_key(genre: &str) -> String {
    genre.to_lowercase()
}

/// Names the genres of tracks by [`primary_genre`], merging spellings that differ in case into
/// the first one met.
#[derive(Debug, Default)]
pub struct GenreNames {
    spelling: std::collections::HashMap<String, String>,
}

impl GenreNames {
    /// The genre of a track with this genre tag, spelled as the first track of that genre
    /// spelled it; `None` for a missing or blank tag.
    pub fn genre_of(&mut self, tag: Option<&str>) -> Option<String> {
        let genre = primary_genre(tag?)?;
        Some(
            self.spelling
                .entry(genre_key(genre))
                .or_insert_with(|| genre.to_string())
                .clone(),
        )
    }
}

/// The descriptive tags of a track. Empty or blank values are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// Track artist.
    pub artist: Option<String>,
    /// Album title.
    pub album: Option<String>,
    /// Track title.
    pub title: Option<String>,
    /// Genre.
    pub genre: Option<String>,
    /// Track number within its disc.
    pub track_no: Option<u32>,
}

impl Tags {
    /// The field names that [`Tags`] holds, as used in tag history.
    pub const FIELDS: [&'static str; 5] = ["artist", "album", "title", "genre", "track_no"];

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Fills the fields still missing from `tag`.
    fn fill_from(&mut self, tag: &Tag) {
        fn text(value: Option<std::borrow::Cow<'_, str>>) -> Option<String> {
            value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        }
        if self.artist.is_none() {
            self.artist = text(tag.artist());
        }
        if self.album.is_none() {
            self.album = text(tag.album());
        }
        if self.title.is_none() {
            self.title = text(tag.title());
        }
        if self.genre.is_none() {
            self.genre = text(tag.genre());
        }
        if self.track_no.is_none() {
            self.track_no = tag.track();
        }
    }
}

/// Reads the tags of `path`. The format is recognised from the content; a format lofty does
/// not know (CAF, Matroska, ...) has no tags (not an error). The primary tag of the format
/// comes first, the others fill what it lacks (e.g. ID3v1 behind ID3v2).
///
/// Errors ([`TagError::Read`]) are meant to become warnings: a track is never rejected
/// because of its tags. A panic inside lofty (a bug, on damaged data) is such an error too.
pub fn read_tags(path: &Path) -> Result<Tags> {
    match std::panic::catch_unwind(|| read_tags_unguarded(path)) {
        Ok(result) => result,
        Err(panic) => Err(TagError::Read {
            path: path.to_path_buf(),
            message: format!(
                "the tag reader crashed: {}",
                crate::error::panic_message(panic.as_ref())
            ),
        }),
    }
}

fn read_tags_unguarded(path: &Path) -> Result<Tags> {
    crate::failpoint::lofty_panic(path);
    let tags_error = |message: String| TagError::Read {
        path: path.to_path_buf(),
        message,
    };
    let options = ParseOptions::new()
        .read_properties(false)
        .read_cover_art(false);
    let probe = Probe::open(path)
        .map_err(|e| tags_error(error_chain(&e)))?
        .options(options)
        .guess_file_type()
        .map_err(|e| tags_error(e.to_string()))?;
    let file = match probe.read() {
        Ok(file) => file,
        Err(e) if e.is_unknown_format() => return Ok(Tags::default()),
        Err(e) => return Err(tags_error(error_chain(&e))),
    };
    let mut tags = Tags::default();
    if let Some(primary) = file.primary_tag() {
        tags.fill_from(primary);
    }
    for tag in file.tags() {
        tags.fill_from(tag);
    }
    Ok(tags)
}

/// "outer: inner: innermost", since lofty's own message names only the file type.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_track_has_the_first_genre_listed_and_case_does_not_split_genres() {
        assert_eq!(primary_genre("Rock; Pop"), Some("Rock"));
        assert_eq!(primary_genre(" ;\0Jazz\0Blues"), Some("Jazz"));
        assert_eq!(primary_genre(" ; "), None);
        let mut names = GenreNames::default();
        assert_eq!(names.genre_of(Some("Hip-Hop")), Some("Hip-Hop".into()));
        assert_eq!(names.genre_of(Some("hip-hop;Rap")), Some("Hip-Hop".into()));
        assert_eq!(names.genre_of(Some("")), None);
        assert_eq!(names.genre_of(None), None);
    }

    fn fixture(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(rel)
    }

    #[test]
    fn untagged_files_have_no_tags() {
        let tags = read_tags(&fixture("synthetic/sweep_22k.wav")).expect("tags");
        assert!(tags.is_empty(), "{tags:?}");
        let tags = read_tags(&fixture("real/percussive_etr.flac")).expect("tags");
        assert!(tags.is_empty(), "{tags:?}");
    }

    #[test]
    fn written_tags_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.flac");
        std::fs::copy(fixture("real/percussive_etr.flac"), &path).expect("copy");
        let mut file = lofty::read_from_path(&path).expect("read");
        let mut tag = Tag::new(file.primary_tag_type());
        tag.set_artist("  Kristian Picon ".into());
        tag.set_title("Credits Ballad".into());
        tag.set_genre("Soundtrack".into());
        tag.set_track(7);
        file.insert_tag(tag);
        file.save_to_path(&path, lofty::config::WriteOptions::default())
            .expect("save");
        let tags = read_tags(&path).expect("tags");
        assert_eq!(tags.artist.as_deref(), Some("Kristian Picon"));
        assert_eq!(tags.title.as_deref(), Some("Credits Ballad"));
        assert_eq!(tags.genre.as_deref(), Some("Soundtrack"));
        assert_eq!(tags.album, None);
        assert_eq!(tags.track_no, Some(7));
    }

    #[test]
    fn text_file_is_an_error_not_a_panic() {
        let result = read_tags(&fixture("decode/text.mp3"));
        assert!(matches!(result, Err(TagError::Read { .. }) | Ok(_)));
    }
}
