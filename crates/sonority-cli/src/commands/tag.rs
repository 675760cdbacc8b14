//! `sonority tag`: write each track's cluster name into a tag field (opt-in), or undo it.

use crate::{db, interrupt};
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::{
    shown, shown_text, tag_clusters, undo_tags, TagField, TagFileReport, TagOutcome, TagRunOptions,
};
use std::path::Path;

/// `sonority tag`.
///
/// Writing into music files is the one thing sonority does to them, so it is opt-in, atomic
/// (a temporary copy is written, verified and renamed over the original) and keeps the audio
/// and every other tag byte for byte. The previous value is kept in the database: `--undo`
/// restores it. Read-only files, files changed since they were analysed and formats that
/// cannot be written safely are skipped with a message. The previous value is committed to
/// the database before the file is replaced, and Ctrl-C stops after the file in progress.
#[derive(Debug, Args)]
pub struct TagCommand {
    /// The field: `grouping` (ID3 TIT1, Vorbis GROUPING, MP4 ©grp; what players show as
    /// "Grouping") or a custom name (ID3 TXXX, a Vorbis comment, an MP4 freeform atom).
    #[arg(long, default_value = "grouping", value_name = "NAME")]
    pub field: String,
    /// Write each track's family name instead of its playlist name.
    #[arg(long, conflicts_with = "undo")]
    pub family: bool,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Restore the values the field had before sonority wrote it (before its latest write,
    /// following back through its own consecutive writes), in every file whose field still
    /// holds what sonority wrote; a value changed since is left alone and reported.
    #[arg(long)]
    pub undo: bool,
    /// Let written files take the current time as modification time (default: keep theirs).
    #[arg(long)]
    pub touch: bool,
    /// Print JSON lines, one per file.
    #[arg(long)]
    pub json: bool,
}

/// Runs it.
pub fn run(cmd: &TagCommand, db_arg: Option<&Path>) -> Result<()> {
    let field = TagField::parse(&cmd.field).with_context(|| format!("--field {}", cmd.field))?;
    let mut store = db::open_existing(db_arg)?;
    let _lock = if cmd.dry_run {
        None
    } else {
        Some(db::lock_for_writing(&store)?)
    };
    let options = TagRunOptions {
        field,
        dry_run: cmd.dry_run,
        preserve_mtime: !cmd.touch,
        family: cmd.family,
    };
    let cancel = interrupt::cancel_flag_after_file();
    let (mut written, mut unchanged, mut skipped) = (0, 0, 0);
    let mut json_error = None;
    let mut show = |r: &TagFileReport| {
        if cmd.json {
            match serde_json::to_string(r) {
                Ok(line) => println!("{line}"),
                Err(e) => json_error = Some(e),
            }
        }
        match &r.outcome {
            TagOutcome::Written {
                previous,
                new,
                location,
                not_kept,
            } => {
                written += 1;
                if !cmd.json {
                    println!(
                        "{} {}: {:?} -> {:?} ({location})",
                        if cmd.dry_run { "would write" } else { "wrote" },
                        shown(&r.path),
                        previous.as_deref().unwrap_or(""),
                        new.as_deref().unwrap_or("")
                    );
                }
                for what in not_kept {
                    eprintln!("warning: {}: {}", shown(&r.path), shown_text(what));
                }
            }
            TagOutcome::Unchanged => unchanged += 1,
            TagOutcome::Skipped { reason } => {
                skipped += 1;
                eprintln!("skipped: {}", shown_text(reason));
            }
        }
    };
    let run = if cmd.undo {
        undo_tags(&mut store, &options, &cancel, &mut show)?
    } else {
        tag_clusters(&mut store, &options, &cancel, &mut show)?
    };
    if let Some(e) = json_error {
        return Err(e.into());
    }
    for note in &run.recovered {
        eprintln!("recovered: {}", shown_text(note));
    }
    eprintln!(
        "{} {written} file(s), {unchanged} already up to date, {skipped} skipped",
        match (cmd.dry_run, cmd.undo) {
            (true, _) => "would change",
            (false, true) => "restored",
            (false, false) => "tagged",
        }
    );
    if run.cancelled {
        eprintln!(
            "stopped early (Ctrl-C): {} file(s) not done; every file is either written and \
             recorded or untouched — run `sonority tag{}` again to finish",
            run.not_done,
            if cmd.undo { " --undo" } else { "" }
        );
    }
    Ok(())
}
