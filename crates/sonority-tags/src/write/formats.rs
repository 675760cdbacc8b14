//! The formats lofty can write, read as lofty's concrete file types, so that exactly one tag is
//! changed and saved, and a fingerprint of everything else to check that nothing else moved.

use super::id3_raw::RawId3;
use super::TagField;
use crate::error::{Result, TagError};
use crate::sniff::{sniff_bytes, Sniffed};
use lofty::aac::AacFile;
use lofty::ape::{ApeFile, ApeItem, ApeTag};
use lofty::config::{ParseOptions, ParsingMode, WriteOptions as LoftyWriteOptions};
use lofty::file::{AudioFile, FileType};
use lofty::flac::FlacFile;
use lofty::id3::v1::Id3v1Tag;
use lofty::id3::v2::{Frame, FrameId, Id3v2Tag, Id3v2Version, TextInformationFrame};
use lofty::iff::aiff::{AiffFile, AiffTextChunks};
use lofty::iff::wav::{RiffInfoList, WavFile};
use lofty::mp4::{Atom, AtomData, AtomIdent, Ilst, Mp4File};
use lofty::mpeg::MpegFile;
use lofty::musepack::MpcFile;
use lofty::ogg::tag::VorbisComments;
use lofty::ogg::{OggPictureStorage, OpusFile, SpeexFile, VorbisFile};
use lofty::probe::Probe;
use lofty::properties::FileProperties;
use lofty::tag::{ItemKey, ItemValue, TagExt, TagType};
use lofty::wavpack::WavPackFile;
use lofty::TextEncoding;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

/// The key of the iTunes freeform atoms ("----:com.apple.iTunes:NAME").
const ITUNES_MEAN: &str = "com.apple.iTunes";

/// How files are parsed for writing: strictly (a tag lofty could only partly read is an error,
/// not a silent loss on rewrite), without lofty's implicit conversions between tag versions,
/// and with the pictures (which some formats rewrite from what was read).
fn parse_options() -> ParseOptions {
    ParseOptions::new()
        .parsing_mode(ParsingMode::Strict)
        .implicit_conversions(false)
        .read_cover_art(true)
        .read_properties(true)
}

/// A file lofty can write, parsed.
pub(super) struct Audio {
    kind: Kind,
    properties: FileProperties,
    /// The ID3v2 tag at the start of an MP3 or AAC file as raw frames, when [`RawId3`] can
    /// edit it (it then writes instead of lofty).
    raw_id3: Option<RawId3>,
}

/// Why [`Audio::write_copy`] failed.
pub(super) enum CopyError {
    /// Reading the original or writing the copy.
    Io(std::io::Error),
    /// lofty's message.
    Tag(String),
}

enum Kind {
    Mpeg(MpegFile),
    Aac(AacFile),
    Wav(WavFile),
    Aiff(AiffFile),
    Flac(FlacFile),
    Vorbis(VorbisFile),
    Opus(OpusFile),
    Speex(SpeexFile),
    Mp4(Mp4File),
    Ape(ApeFile),
    WavPack(WavPackFile),
    Mpc(MpcFile),
}

/// Which tag holds the field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Id3v2,
    Vorbis,
    Ilst,
    Ape,
}

/// Parses `file` (from its start), recognising the format from the content. `path` is only
/// for messages.
pub(super) fn read(file: &mut File, path: &Path) -> Result<Audio> {
    crate::failpoint::lofty_panic(path);
    let io = |source| TagError::Io {
        path: path.to_path_buf(),
        action: "cannot read",
        source,
    };
    // The crate's sniffer first: it knows text, pictures and the containers lofty does not
    // (lofty would take a Matroska file for AAC, having found a frame sync in it).
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut *file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    let sniffed = sniff_bytes(&head, head.len() < SNIFF_LEN);
    match sniffed {
        Sniffed::Audio(kind @ ("caf" | "matroska")) => return Err(unsupported(path, kind)),
        Sniffed::NotAudio(what) if what != "unrecognised content" => {
            return Err(TagError::NotAudio {
                path: path.to_path_buf(),
                what: what.to_string(),
            })
        }
        _ => {}
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut reader = BufReader::new(file);
    let file_type = Probe::new(&mut reader)
        .options(parse_options())
        .guess_file_type()
        .map_err(io)?
        .file_type();
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    let Some(file_type) = file_type else {
        return Err(match sniffed {
            Sniffed::Audio(kind) => unsupported(path, kind),
            Sniffed::NotAudio(what) => TagError::NotAudio {
                path: path.to_path_buf(),
                what: what.to_string(),
            },
        });
    };
    let parse = |e: lofty::error::FileParseError| TagError::Parse {
        path: path.to_path_buf(),
        message: error_chain(&e),
    };
    let options = parse_options();
    let r = &mut reader;
    let kind = match file_type {
        FileType::Mpeg => Kind::Mpeg(MpegFile::read_from(r, options).map_err(parse)?),
        FileType::Aac => Kind::Aac(AacFile::read_from(r, options).map_err(parse)?),
        FileType::Wav => Kind::Wav(WavFile::read_from(r, options).map_err(parse)?),
        FileType::Aiff => Kind::Aiff(AiffFile::read_from(r, options).map_err(parse)?),
        FileType::Flac => Kind::Flac(FlacFile::read_from(r, options).map_err(parse)?),
        FileType::Vorbis => Kind::Vorbis(VorbisFile::read_from(r, options).map_err(parse)?),
        FileType::Opus => Kind::Opus(OpusFile::read_from(r, options).map_err(parse)?),
        FileType::Speex => Kind::Speex(SpeexFile::read_from(r, options).map_err(parse)?),
        FileType::Mp4 => Kind::Mp4(Mp4File::read_from(r, options).map_err(parse)?),
        FileType::Ape => Kind::Ape(ApeFile::read_from(r, options).map_err(parse)?),
        FileType::WavPack => Kind::WavPack(WavPackFile::read_from(r, options).map_err(parse)?),
        FileType::Mpc => Kind::Mpc(MpcFile::read_from(r, options).map_err(parse)?),
        other => {
            return Err(TagError::Unsupported {
                path: path.to_path_buf(),
                format: format!("{other:?}"),
            })
        }
    };
    if matches!(kind, Kind::Vorbis(_) | Kind::Opus(_) | Kind::Speex(_)) {
        if let Some(detail) = super::ogg_pages::first_damage(&mut reader).map_err(io)? {
            return Err(TagError::Damaged {
                path: path.to_path_buf(),
                detail,
            });
        }
    }
    let properties = match &kind {
        Kind::Mpeg(f) => file_properties(f.properties()),
        Kind::Aac(f) => file_properties(f.properties()),
        Kind::Wav(f) => file_properties(f.properties()),
        Kind::Aiff(f) => file_properties(f.properties()),
        Kind::Flac(f) => file_properties(f.properties()),
        Kind::Vorbis(f) => file_properties(f.properties()),
        Kind::Opus(f) => file_properties(f.properties()),
        Kind::Speex(f) => file_properties(f.properties()),
        Kind::Mp4(f) => file_properties(f.properties()),
        Kind::Ape(f) => file_properties(f.properties()),
        Kind::WavPack(f) => file_properties(f.properties()),
        Kind::Mpc(f) => file_properties(f.properties()),
    };
    let raw_id3 = match kind {
        Kind::Mpeg(_) | Kind::Aac(_) => RawId3::read(&mut reader).map_err(io)?,
        _ => None,
    };
    Ok(Audio {
        kind,
        properties,
        raw_id3,
    })
}

/// lofty's common view of a format's properties (some are `Copy`, some only `Clone`).
fn file_properties<P: Clone + Into<FileProperties>>(properties: &P) -> FileProperties {
    properties.clone().into()
}

/// How many bytes the sniffer looks at.
const SNIFF_LEN: usize = 16 * 1024;

fn unsupported(path: &Path, kind: &str) -> TagError {
    TagError::Unsupported {
        path: path.to_path_buf(),
        format: match kind {
            "caf" => "CAF".to_string(),
            "matroska" => "Matroska/WebM".to_string(),
            other => other.to_string(),
        },
    }
}

impl Audio {
    fn family(&self) -> Family {
        match self.kind {
            Kind::Mpeg(_) | Kind::Aac(_) | Kind::Wav(_) | Kind::Aiff(_) => Family::Id3v2,
            Kind::Flac(_) | Kind::Vorbis(_) | Kind::Opus(_) | Kind::Speex(_) => Family::Vorbis,
            Kind::Mp4(_) => Family::Ilst,
            Kind::Ape(_) | Kind::WavPack(_) | Kind::Mpc(_) => Family::Ape,
        }
    }

    /// The format's usual name.
    pub(super) fn format_name(&self) -> &'static str {
        match self.kind {
            Kind::Mpeg(_) => "MPEG audio (MP3)",
            Kind::Aac(_) => "AAC (ADTS)",
            Kind::Wav(_) => "WAV",
            Kind::Aiff(_) => "AIFF",
            Kind::Flac(_) => "FLAC",
            Kind::Vorbis(_) => "Ogg Vorbis",
            Kind::Opus(_) => "Opus",
            Kind::Speex(_) => "Speex",
            Kind::Mp4(_) => "MP4",
            Kind::Ape(_) => "Monkey's Audio",
            Kind::WavPack(_) => "WavPack",
            Kind::Mpc(_) => "Musepack",
        }
    }

    /// Where `field` is written, e.g. "ID3v2.4 TIT1".
    pub(super) fn location(&self, field: &TagField) -> String {
        match (self.family(), field) {
            (Family::Id3v2, TagField::Grouping) => format!("{} TIT1", self.id3_version_name()),
            (Family::Id3v2, TagField::Custom(n)) => {
                format!("{} TXXX:{n}", self.id3_version_name())
            }
            (Family::Vorbis, _) => format!("Vorbis comment {}", vorbis_key(field)),
            (Family::Ilst, TagField::Grouping) => "MP4 ©grp".to_string(),
            (Family::Ilst, TagField::Custom(n)) => format!("MP4 ----:{ITUNES_MEAN}:{n}"),
            (Family::Ape, _) => format!("APEv2 {}", ape_key(field)),
        }
    }

    fn id3v2(&self) -> Option<&Id3v2Tag> {
        match &self.kind {
            Kind::Mpeg(f) => f.id3v2(),
            Kind::Aac(f) => f.id3v2(),
            Kind::Wav(f) => f.id3v2(),
            Kind::Aiff(f) => f.id3v2(),
            _ => None,
        }
    }

    /// ID3v2.3 tags are written back as 2.3; 2.2 (which lofty cannot write) and new tags as 2.4.
    fn writes_id3v23(&self) -> bool {
        self.id3v2()
            .is_some_and(|t| t.original_version() == Id3v2Version::V3)
    }

    fn id3_version_name(&self) -> &'static str {
        if self.writes_id3v23() {
            "ID3v2.3"
        } else {
            "ID3v2.4"
        }
    }

    /// The values of `field` (empty: absent).
    pub(super) fn get(&self, field: &TagField) -> Vec<String> {
        match &self.kind {
            Kind::Mpeg(_) | Kind::Aac(_) | Kind::Wav(_) | Kind::Aiff(_) => {
                self.id3v2().map(|t| id3_get(t, field)).unwrap_or_default()
            }
            Kind::Flac(f) => f
                .vorbis_comments()
                .map(|t| vorbis_get(t, field))
                .unwrap_or_default(),
            Kind::Vorbis(f) => vorbis_get(f.vorbis_comments(), field),
            Kind::Opus(f) => vorbis_get(f.vorbis_comments(), field),
            Kind::Speex(f) => vorbis_get(f.vorbis_comments(), field),
            Kind::Mp4(f) => f.ilst().map(|t| ilst_get(t, field)).unwrap_or_default(),
            Kind::Ape(f) => f.ape().map(|t| ape_get(t, field)).unwrap_or_default(),
            Kind::WavPack(f) => f.ape().map(|t| ape_get(t, field)).unwrap_or_default(),
            Kind::Mpc(f) => f.ape().map(|t| ape_get(t, field)).unwrap_or_default(),
        }
    }

    /// Sets `field` to `values` in memory (no values: removes it), creating the tag if needed.
    pub(super) fn set(&mut self, field: &TagField, values: &[String]) {
        if self
            .raw_id3
            .as_ref()
            .is_some_and(|raw| !raw.can_edit(field))
        {
            self.raw_id3 = None;
        }
        if let Some(raw) = &mut self.raw_id3 {
            raw.set(field, values);
        }
        macro_rules! optional {
            ($file:expr, $get:ident, $set:ident, $new:expr, $op:ident) => {{
                if $file.$get().is_none() && !values.is_empty() {
                    $file.$set($new);
                }
                if let Some(tag) = $file.$get() {
                    $op(tag, field, values);
                }
            }};
        }
        match &mut self.kind {
            Kind::Mpeg(f) => optional!(f, id3v2_mut, set_id3v2, Id3v2Tag::new(), id3_set),
            Kind::Aac(f) => optional!(f, id3v2_mut, set_id3v2, Id3v2Tag::new(), id3_set),
            Kind::Wav(f) => optional!(f, id3v2_mut, set_id3v2, Id3v2Tag::new(), id3_set),
            Kind::Aiff(f) => optional!(f, id3v2_mut, set_id3v2, Id3v2Tag::new(), id3_set),
            Kind::Flac(f) => optional!(
                f,
                vorbis_comments_mut,
                set_vorbis_comments,
                VorbisComments::new(),
                vorbis_set
            ),
            Kind::Vorbis(f) => vorbis_set(f.vorbis_comments_mut(), field, values),
            Kind::Opus(f) => vorbis_set(f.vorbis_comments_mut(), field, values),
            Kind::Speex(f) => vorbis_set(f.vorbis_comments_mut(), field, values),
            Kind::Mp4(f) => optional!(f, ilst_mut, set_ilst, Ilst::new(), ilst_set),
            Kind::Ape(f) => optional!(f, ape_mut, set_ape, ApeTag::new(), ape_set),
            Kind::WavPack(f) => optional!(f, ape_mut, set_ape, ApeTag::new(), ape_set),
            Kind::Mpc(f) => optional!(f, ape_mut, set_ape, ApeTag::new(), ape_set),
        }
    }

    /// Writes into `copy` (a new, empty file) the original with the field set: the raw ID3v2
    /// editor's tag followed by the original's audio, or a copy of the original into which
    /// lofty writes the one tag that holds the field, and nothing else.
    pub(super) fn write_copy(
        &mut self,
        original: &mut File,
        copy: &mut File,
    ) -> std::result::Result<(), CopyError> {
        if let Some(raw) = &self.raw_id3 {
            let mut out = BufWriter::new(&mut *copy);
            raw.write_copy(original, &mut out)
                .and_then(|()| out.flush())
                .map_err(CopyError::Io)?;
            return Ok(());
        }
        original
            .seek(SeekFrom::Start(0))
            .and_then(|_| std::io::copy(original, copy))
            .map_err(CopyError::Io)?;
        self.save(copy).map_err(CopyError::Tag)
    }

    /// Writes the one tag that holds the field into `file` (a copy of the parsed file), and
    /// nothing else. Returns lofty's message on failure.
    fn save(&mut self, file: &mut File) -> std::result::Result<(), String> {
        let options = LoftyWriteOptions::new()
            .use_id3v23(self.writes_id3v23())
            .lossy_text_encoding(false)
            .parse_options(parse_options());
        file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        let result = match &mut self.kind {
            Kind::Mpeg(_) | Kind::Aac(_) | Kind::Wav(_) | Kind::Aiff(_) => match self.id3v2() {
                Some(tag) => tag.save_to(file, options),
                None => Ok(()),
            },
            // A FLAC file's pictures are held by the file, not by its Vorbis comments: save the
            // file (Vorbis comments + pictures), without the ID3v2 tag lofty can only strip.
            Kind::Flac(f) => {
                let id3v2 = f.remove_id3v2();
                let result = f.save_to(file, options);
                if let Some(tag) = id3v2 {
                    f.set_id3v2(tag);
                }
                result
            }
            Kind::Vorbis(f) => f.vorbis_comments().save_to(file, options),
            Kind::Opus(f) => f.vorbis_comments().save_to(file, options),
            Kind::Speex(f) => f.vorbis_comments().save_to(file, options),
            Kind::Mp4(f) => match f.ilst() {
                Some(tag) => tag.save_to(file, options),
                None => Ok(()),
            },
            Kind::Ape(f) => save_optional(f.ape(), file, options),
            Kind::WavPack(f) => save_optional(f.ape(), file, options),
            Kind::Mpc(f) => save_optional(f.ape(), file, options),
        };
        result.map_err(|e| error_chain(&e))
    }

    /// Everything lofty reads from the file except `field`: every tag re-encoded (with
    /// lofty's defaults, which are lossless, so a tag version change that drops frames shows),
    /// the pictures a FLAC file holds, and the audio properties.
    pub(super) fn fingerprint_without(&self, field: &TagField) -> Fingerprint {
        let mut tags: Vec<(&'static str, Vec<u8>)> = Vec::new();
        let id3v2 = |tag: Option<&Id3v2Tag>| {
            let mut tag = tag.cloned().unwrap_or_default();
            id3_set(&mut tag, field, &[]);
            ("ID3v2", dump(&tag))
        };
        let vorbis = |tag: Option<&VorbisComments>| {
            let mut tag = tag.cloned().unwrap_or_default();
            vorbis_set(&mut tag, field, &[]);
            // A Vorbis comment block without items is as good as none.
            let mut bytes = dump_unless_empty(&tag);
            if tag.is_empty() {
                bytes.clear();
            }
            ("Vorbis comments", bytes)
        };
        let ilst = |tag: Option<&Ilst>| {
            let mut tag = tag.cloned().unwrap_or_default();
            ilst_set(&mut tag, field, &[]);
            ("ilst", dump_unless_empty(&tag))
        };
        let ape = |tag: Option<&ApeTag>| {
            let mut tag = tag.cloned().unwrap_or_default();
            ape_set(&mut tag, field, &[]);
            ("APEv2", dump_unless_empty(&tag))
        };
        let id3v1 = |tag: Option<&Id3v1Tag>| ("ID3v1", tag.map(dump).unwrap_or_default());
        let riff = |tag: Option<&RiffInfoList>| ("RIFF INFO", tag.map(dump).unwrap_or_default());
        let aiff =
            |tag: Option<&AiffTextChunks>| ("AIFF text chunks", tag.map(dump).unwrap_or_default());
        let other_id3v2 = |tag: Option<&Id3v2Tag>| ("ID3v2", tag.map(dump).unwrap_or_default());
        let other_ape = |tag: Option<&ApeTag>| ("APEv2", tag.map(dump).unwrap_or_default());
        match &self.kind {
            Kind::Mpeg(f) => tags.extend([id3v2(f.id3v2()), id3v1(f.id3v1()), other_ape(f.ape())]),
            Kind::Aac(f) => tags.extend([id3v2(f.id3v2()), id3v1(f.id3v1())]),
            Kind::Wav(f) => tags.extend([id3v2(f.id3v2()), riff(f.riff_info())]),
            Kind::Aiff(f) => tags.extend([id3v2(f.id3v2()), aiff(f.text_chunks())]),
            Kind::Flac(f) => {
                tags.push(vorbis(f.vorbis_comments()));
                tags.push(other_id3v2(f.id3v2()));
                tags.push(("FLAC pictures", pictures(f.pictures())));
            }
            Kind::Vorbis(f) => tags.push(vorbis(Some(f.vorbis_comments()))),
            Kind::Opus(f) => tags.push(vorbis(Some(f.vorbis_comments()))),
            Kind::Speex(f) => tags.push(vorbis(Some(f.vorbis_comments()))),
            Kind::Mp4(f) => tags.push(ilst(f.ilst())),
            Kind::Ape(f) => tags.extend([ape(f.ape()), id3v1(f.id3v1()), other_id3v2(f.id3v2())]),
            Kind::WavPack(f) => tags.extend([ape(f.ape()), id3v1(f.id3v1())]),
            Kind::Mpc(f) => tags.extend([ape(f.ape()), id3v1(f.id3v1()), other_id3v2(f.id3v2())]),
        }
        Fingerprint {
            tags,
            duration: self.properties.duration(),
            sample_rate: self.properties.sample_rate(),
            channels: self.properties.channels(),
            bit_depth: self.properties.bit_depth(),
        }
    }
}

fn save_optional(
    tag: Option<&ApeTag>,
    file: &mut File,
    options: LoftyWriteOptions,
) -> std::result::Result<(), lofty::error::FileEncodingError> {
    match tag {
        Some(tag) => tag.save_to(file, options),
        None => Ok(()),
    }
}

/// See [`Audio::fingerprint_without`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fingerprint {
    tags: Vec<(&'static str, Vec<u8>)>,
    duration: Duration,
    sample_rate: Option<u32>,
    channels: Option<u8>,
    bit_depth: Option<u8>,
}

impl Fingerprint {
    /// What differs between `self` (before) and `after`, if anything. Durations may differ by
    /// a millisecond (some are estimated from sizes).
    pub(super) fn difference(&self, after: &Fingerprint) -> Option<String> {
        for ((name, before), (_, now)) in self.tags.iter().zip(&after.tags) {
            if before != now {
                return Some(format!("the {name} tag would change beyond the field"));
            }
        }
        if self.tags.len() != after.tags.len() {
            return Some("the file's tags would change".to_string());
        }
        let drift = self.duration.abs_diff(after.duration);
        if drift > Duration::from_millis(1) {
            return Some(format!(
                "the duration would change from {:?} to {:?}",
                self.duration, after.duration
            ));
        }
        if (self.sample_rate, self.channels, self.bit_depth)
            != (after.sample_rate, after.channels, after.bit_depth)
        {
            return Some("the audio properties would change".to_string());
        }
        None
    }
}

fn dump<T: TagExt>(tag: &T) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Err(e) = tag.dump_to(&mut bytes, LoftyWriteOptions::default()) {
        // A tag that cannot be encoded cannot match anything: keep the message instead.
        bytes = format!("unencodable: {e}").into_bytes();
    }
    bytes
}

fn dump_unless_empty<T: TagExt>(tag: &T) -> Vec<u8> {
    if tag.is_empty() {
        Vec::new()
    } else {
        dump(tag)
    }
}

fn pictures(pictures: &[(lofty::picture::Picture, lofty::picture::PictureInformation)]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (picture, info) in pictures {
        bytes.extend_from_slice(
            format!(
                "{:?}|{:?}|{:?}|{:?}|{}|",
                picture.pic_type(),
                picture.mime_type(),
                picture.description(),
                info,
                picture.data().len()
            )
            .as_bytes(),
        );
        bytes.extend_from_slice(picture.data());
    }
    bytes
}

// ---- ID3v2 ----

const TIT1: &str = "TIT1";

fn id3_matches(frame: &Frame<'_>, field: &TagField) -> bool {
    match field {
        TagField::Grouping => frame.id_str() == TIT1,
        TagField::Custom(name) => {
            matches!(frame, Frame::UserText(f) if f.description.eq_ignore_ascii_case(name))
        }
    }
}

fn id3_get(tag: &Id3v2Tag, field: &TagField) -> Vec<String> {
    tag.into_iter()
        .filter(|frame| id3_matches(frame, field))
        .flat_map(|frame| match frame {
            Frame::Text(f) => split_nul(&f.value),
            Frame::UserText(f) => split_nul(&f.content),
            _ => Vec::new(),
        })
        .collect()
}

fn id3_set(tag: &mut Id3v2Tag, field: &TagField, values: &[String]) {
    tag.retain(|frame| !id3_matches(frame, field));
    if values.is_empty() {
        return;
    }
    let value = values.join("\0");
    let frame = match field {
        TagField::Grouping => Frame::Text(TextInformationFrame::new(
            FrameId::Valid(Cow::Borrowed(TIT1)),
            TextEncoding::UTF8,
            value,
        )),
        TagField::Custom(name) => Frame::UserText(lofty::id3::v2::ExtendedTextFrame::new(
            TextEncoding::UTF8,
            name.clone(),
            value,
        )),
    };
    let _ = tag.insert(frame);
}

// ---- Vorbis comments ----

fn vorbis_key(field: &TagField) -> &str {
    match field {
        TagField::Grouping => "GROUPING",
        TagField::Custom(name) => name,
    }
}

fn vorbis_get(tag: &VorbisComments, field: &TagField) -> Vec<String> {
    tag.get_all(vorbis_key(field)).map(str::to_string).collect()
}

/// Replaces the field's comments where the first of them was (else at the end), keeping the
/// order of every other comment (lofty's own `remove` reorders them).
fn vorbis_set(tag: &mut VorbisComments, field: &TagField, values: &[String]) {
    let key = vorbis_key(field);
    let items: Vec<(String, String)> = tag.take_items().collect();
    let mut placed = false;
    for (k, v) in items {
        if k.eq_ignore_ascii_case(key) {
            if !placed {
                for value in values {
                    tag.push(key.to_string(), value.clone());
                }
                placed = true;
            }
            continue;
        }
        tag.push(k, v);
    }
    if !placed {
        for value in values {
            tag.push(key.to_string(), value.clone());
        }
    }
}

// ---- MP4 ----

fn ilst_ident(field: &TagField) -> AtomIdent<'static> {
    match field {
        TagField::Grouping => AtomIdent::Fourcc(*b"\xa9grp"),
        TagField::Custom(name) => AtomIdent::Freeform {
            mean: Cow::Borrowed(ITUNES_MEAN),
            name: Cow::Owned(name.clone()),
        },
    }
}

fn ilst_matches(ident: &AtomIdent<'_>, field: &TagField) -> bool {
    match (ident, field) {
        (AtomIdent::Fourcc(code), TagField::Grouping) => code == b"\xa9grp",
        (AtomIdent::Freeform { mean, name }, TagField::Custom(custom)) => {
            mean == ITUNES_MEAN && name.eq_ignore_ascii_case(custom)
        }
        _ => false,
    }
}

fn ilst_get(tag: &Ilst, field: &TagField) -> Vec<String> {
    tag.into_iter()
        .filter(|atom| ilst_matches(atom.ident(), field))
        .flat_map(|atom| atom.data())
        .filter_map(|data| match data {
            AtomData::UTF8(s) | AtomData::UTF16(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn ilst_set(tag: &mut Ilst, field: &TagField, values: &[String]) {
    tag.retain(|atom| !ilst_matches(atom.ident(), field));
    let data = values.iter().cloned().map(AtomData::UTF8).collect();
    if let Some(atom) = Atom::from_collection(ilst_ident(field), data) {
        tag.insert(atom);
    }
}

// ---- APEv2 ----

fn ape_key(field: &TagField) -> &str {
    match field {
        TagField::Grouping => "Grouping",
        TagField::Custom(name) => name,
    }
}

fn ape_get(tag: &ApeTag, field: &TagField) -> Vec<String> {
    tag.get(ape_key(field))
        .and_then(ApeItem::text_values)
        .map(|values| values.map(str::to_string).collect())
        .unwrap_or_default()
}

fn ape_set(tag: &mut ApeTag, field: &TagField, values: &[String]) {
    let key = ape_key(field);
    tag.remove(key);
    if values.is_empty() {
        return;
    }
    // The key was validated by `TagField::parse` (or is "Grouping"), so this cannot fail; if it
    // did, the field would be missing and the verification would refuse the write.
    if let Ok(item) = ApeItem::new(key.to_string(), ItemValue::Text(values.join("\0"))) {
        tag.insert(item);
    }
}

// ---- names ----

/// The standard tag that `name` denotes in a format where a custom field is keyed by its
/// name (Vorbis comments, APE, an iTunes freeform atom, a TXXX description lofty maps, RIFF
/// INFO), if any.
pub(super) fn standard_key(name: &str) -> Option<String> {
    let mp4 = format!("----:{ITUNES_MEAN}:{name}");
    let standard = [
        (TagType::VorbisComments, name),
        (TagType::Ape, name),
        (TagType::Id3v2, name),
        (TagType::Mp4Ilst, mp4.as_str()),
        (TagType::RiffInfo, name),
    ]
    .into_iter()
    .find_map(|(tag_type, key)| ItemKey::from_key(tag_type, key))
    .map(|key: ItemKey| format!("{key:?}"));
    standard
}

fn split_nul(value: &str) -> Vec<String> {
    value.split('\0').map(str::to_string).collect()
}

/// "outer: inner: innermost", since lofty's own message often names only the file type.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !message.ends_with(&next) {
            message.push_str(": ");
            message.push_str(&next);
        }
        source = s.source();
    }
    message
}
