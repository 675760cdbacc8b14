//! `sonority evaluate`: clusters against genre tags or a CSV of labels.

use crate::db;
use anyhow::Result;
use clap::Args;
use sonority_cluster::metrics::{Contingency, LabelAgreement};
use sonority_library::{evaluate, LabelSource, LatestClustering};
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
    let e = evaluate(&LatestClustering::load(&store)?, &source)?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(());
    }
    let a = &e.agreement;
    println!(
        "{} labelled tracks ({} without a label left out)",
        e.labelled, e.unlabelled
    );
    let row = |name: &str, f: &dyn Fn(&LabelAgreement<String, String>) -> f64| match &e.families {
        Some(fam) => println!("{name:<14}{:>9.4}{:>10.4}", f(a), f(fam)),
        None => println!("{name:<14}{:>9.4}", f(a)),
    };
    if e.families.is_some() {
        println!("{:<14}{:>9}{:>10}", "", "playlists", "families");
    }
    row("homogeneity", &|x| x.homogeneity);
    row("completeness", &|x| x.completeness);
    row("V-measure", &|x| x.v_measure);
    row("adjusted Rand", &|x| x.adjusted_rand);
    println!();
    if let Some(fam) = &e.families {
        print_table(&fam.contingency, "f");
        println!();
    }
    print_table(&a.contingency, "c");
    Ok(())
}

/// The label x group counts, columns named `<prefix><n>` and listed below.
fn print_table(c: &Contingency<String, String>, prefix: &str) {
    let w = c
        .rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    print!("{:<w$}", "label");
    for (j, _) in c.cols.iter().enumerate() {
        print!(" {:>6}", format!("{prefix}{j}"));
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
        println!("  {prefix}{j} = {name}");
    }
}
