//! `sonority status` and `sonority errors`.

use crate::db;
use anyhow::Result;
use clap::Args;
use sonority_library::{shown, shown_text};
use std::path::Path;

/// `sonority status`.
#[derive(Debug, Args)]
pub struct StatusCommand {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `sonority errors`.
#[derive(Debug, Args)]
pub struct ErrorsCommand {
    /// Print JSON (one object per failed file).
    #[arg(long)]
    pub json: bool,
}

/// Prints what the database holds.
pub fn status(cmd: &StatusCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let s = store.status()?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    println!("database   {}", shown(&s.path));
    println!("schema     {}", s.schema_version);
    println!(
        "tracks     {} ({} analysed, {} failed)",
        s.tracks, s.analysed, s.failed
    );
    println!(
        "audio      {}",
        crate::progress::audio_duration(s.total_duration_s)
    );
    for (version, n) in &s.by_analysis_version {
        println!("analysis   {n} tracks with {version}");
    }
    match &s.latest_clustering {
        Some(c) => println!(
            "clustering #{} · {} · k={} in {} families · {} tracks",
            c.id, c.algorithm, c.k, c.families, c.tracks
        ),
        None => println!("clustering none yet (run `sonority cluster` or `sonority organize`)"),
    }
    Ok(())
}

/// Prints the files whose analysis failed, and why.
pub fn errors(cmd: &ErrorsCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let failed = store.errors()?;
    if cmd.json {
        for t in &failed {
            // The path as a string, plus its raw bytes when it is not UTF-8.
            let mut line = serde_json::Map::new();
            sonority_library::output::json_path::insert_path(&mut line, "path", Some(&t.path));
            line.insert("error".into(), serde_json::json!(t.error));
            line.insert("size".into(), serde_json::json!(t.size));
            line.insert("analyzed_at".into(), serde_json::json!(t.analyzed_at));
            println!("{}", serde_json::Value::Object(line));
        }
        return Ok(());
    }
    if failed.is_empty() {
        println!("no failed files");
    }
    for t in &failed {
        println!("{}", shown(&t.path));
        println!(
            "    {}",
            shown_text(t.error.as_deref().unwrap_or("unknown error"))
        );
    }
    Ok(())
}
