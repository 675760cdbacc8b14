//! `sonority cluster`: group what the database holds, and the table of clusters that
//! `cluster` and `organize` print.

use crate::args::ClusterArgs;
use crate::db;
use crate::print::{print_mode, print_table};
use anyhow::{Context, Result};
use clap::Args;
use sonority_library::{cluster_library, ClusterOutcome, Overview, Store};
use std::path::Path;

/// `sonority cluster`.
#[derive(Debug, Args)]
pub struct ClusterCommand {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Print the clusters as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Clusters the store and says what happened on stderr.
pub fn cluster_store(store: &mut Store, args: &ClusterArgs) -> Result<ClusterOutcome> {
    let outcome = cluster_library(store, &args.options()).context("clustering the library")?;
    print_mode(&outcome);
    Ok(outcome)
}

/// `sonority cluster`.
pub fn run(cmd: &ClusterCommand, db_arg: Option<&Path>) -> Result<()> {
    let mut store = db::open_existing(db_arg)?;
    let _lock = db::lock_for_writing(&store)?;
    let outcome = cluster_store(&mut store, &cmd.cluster)?;
    let overview = Overview::of(&store, &outcome)?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&overview)?);
    } else {
        print_table(&overview);
    }
    Ok(())
}
