//! `sonority evaluate`: clusters against genre tags or a CSV of labels.

use crate::db;
use anyhow::Result;
use clap::Args;
use sonority_library::{evaluate, LabelSource};
use std::path::{Path, PathBuf};

/// `sonority evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateCommand {
    /// A CSV file of `path,label` rows (default: the files' genre tags).
    #[arg(long, value_name = "CSV")]
    pub labels: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs it.
pub fn run(cmd: &EvaluateCommand, db_arg: Option<&Path>) -> Result<()> {
    let store = db::open_existing(db_arg)?;
    let source = cmd
        .labels
        .clone()
        .map_or(LabelSource::GenreTags, LabelSource::Csv);
    let e = evaluate(&store, &source)?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(());
    }
    let a = &e.agreement;
    println!(
        "{} labelled tracks ({} without a label left out)",
        e.labelled, e.unlabelled
    );
    println!("homogeneity   {:.4}", a.homogeneity);
    println!("completeness  {:.4}", a.completeness);
    println!("V-measure     {:.4}", a.v_measure);
    println!("adjusted Rand {:.4}", a.adjusted_rand);
    println!();
    let c = &a.contingency;
    let w = c
        .rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    print!("{:<w$}", "label");
    for (j, _) in c.cols.iter().enumerate() {
        print!(" {:>6}", format!("c{j}"));
    }
    println!();
    for (r, row) in c.rows.iter().zip(&c.counts) {
        print!("{r:<w$}");
        for n in row {
            print!(" {n:>6}");
        }
        println!();
    }
    for (j, name) in c.cols.iter().enumerate() {
        println!("  c{j} = {name}");
    }
    Ok(())
}
