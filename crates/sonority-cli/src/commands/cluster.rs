//! `sonority cluster`: group what the database holds, and the table of clusters that
//! `cluster` and `organize` print.

use crate::db;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use sonority_library::{
    cluster_library, one_line, Algorithm, ClusterLine, ClusterMode, ClusterOptions, ClusterOutcome,
    FamilyCount, KChoice, Overview, Store, DEFAULT_GROUPS,
};
use std::path::Path;

/// The algorithm, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgorithmArg {
    /// Playlists sized for listening (a Ward tree cut by size), grouped into families (the
    /// default).
    Hierarchical,
    /// k-means with k-means++ starts.
    Kmeans,
    /// Gaussian mixture (full covariances).
    Gmm,
    /// Agglomerative clustering, Ward linkage.
    Ward,
    /// Density-based; finds its own number of clusters and leaves outliers unassigned.
    Dbscan,
}

/// Clustering options shared by `cluster` and `organize`.
#[derive(Debug, Args, Clone)]
pub struct ClusterArgs {
    /// Number of clusters (playlists). `auto`: one playlist per --playlist-size tracks with the
    /// default algorithm; the other algorithms sweep k = 2..12 and keep the best silhouette.
    #[arg(long, short = 'k', default_value = "auto", value_parser = parse_k)]
    pub k: KChoice,
    /// Clustering algorithm.
    #[arg(long, value_enum, default_value = "hierarchical")]
    pub algorithm: AlgorithmArg,
    /// Tracks per playlist aimed at (default algorithm). No playlist gets more than 100 tracks
    /// or 15% of the library.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(2..=10_000))]
    pub playlist_size: u64,
    /// Number of families the playlists are grouped into: `auto` (from the family tree, 4 to 15
    /// depending on the library) or a number.
    #[arg(long, default_value = "auto", value_parser = parse_families)]
    pub families: FamilyCount,
    /// Feature groups to cluster on, comma-separated. Groups: timbre, mfcc, spectral, contrast,
    /// chroma, rms, zcr, rhythm, duration, mel, chroma_tuning0.
    #[arg(long = "features", value_delimiter = ',', default_values_t = DEFAULT_GROUPS.iter().map(|s| s.to_string()).collect::<Vec<_>>())]
    pub groups: Vec<String>,
    /// Fit new clusters instead of placing new tracks into the existing ones (ids and names
    /// are kept where clusters persist).
    #[arg(long)]
    pub recluster: bool,
    /// Seed of every random choice (runs are reproducible).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// `sonority cluster`.
#[derive(Debug, Args)]
pub struct ClusterCommand {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Print the clusters as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `auto` (None) or a whole number of at least `min` named `what`.
fn auto_or_number(s: &str, min: usize, what: &str) -> Result<Option<usize>, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    match s.parse::<usize>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ => Err(format!(
            "expected `auto` or a number of {what} of at least {min}, got {s:?}"
        )),
    }
}

fn parse_k(s: &str) -> Result<KChoice, String> {
    Ok(auto_or_number(s, 2, "clusters")?.map_or(KChoice::Auto, KChoice::Fixed))
}

fn parse_families(s: &str) -> Result<FamilyCount, String> {
    Ok(auto_or_number(s, 1, "families")?.map_or(FamilyCount::Auto, FamilyCount::Fixed))
}

impl ClusterArgs {
    /// The library options these arguments stand for.
    pub fn options(&self) -> ClusterOptions {
        ClusterOptions {
            algorithm: match self.algorithm {
                AlgorithmArg::Hierarchical => Algorithm::Hierarchical,
                AlgorithmArg::Kmeans => Algorithm::Kmeans,
                AlgorithmArg::Gmm => Algorithm::Gmm,
                AlgorithmArg::Ward => Algorithm::Ward,
                AlgorithmArg::Dbscan => Algorithm::Dbscan,
            },
            k: self.k,
            groups: self.groups.clone(),
            playlist_size: usize::try_from(self.playlist_size).unwrap_or(usize::MAX),
            families: self.families,
            recluster: self.recluster,
            seed: self.seed,
            ..ClusterOptions::default()
        }
    }
}

/// Clusters the store and says what happened on stderr.
pub fn cluster_store(store: &mut Store, args: &ClusterArgs) -> Result<ClusterOutcome> {
    let outcome = cluster_library(store, &args.options()).context("clustering the library")?;
    print_mode(&outcome);
    Ok(outcome)
}

/// Says on stderr how a clustering came about.
pub fn print_mode(outcome: &ClusterOutcome) {
    match &outcome.mode {
        ClusterMode::UpToDate => eprintln!("clusters are up to date (clustering #{})", outcome.id),
        ClusterMode::Extended { added, removed } => eprintln!(
            "placed {added} new track(s) into the existing clusters ({removed} gone); \
             use --recluster to fit new clusters"
        ),
        ClusterMode::Fitted { matched } => eprintln!(
            "fitted {} {} in {} famil{} with {}{}",
            outcome.data.k,
            if outcome.data.algorithm == "hierarchical" {
                "playlists"
            } else {
                "clusters"
            },
            outcome.data.families.len(),
            if outcome.data.families.len() == 1 {
                "y"
            } else {
                "ies"
            },
            outcome.data.algorithm,
            if *matched > 0 {
                format!(" ({matched} kept their id and name)")
            } else {
                String::new()
            }
        ),
    }
}

/// Prints the clusters table, grouped by family, and the quality figures.
pub fn print_table(overview: &Overview) {
    let width = overview
        .clusters
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:>3}  {:<width$}  {:>5}  examples", "id", "name", "size");
    let print_line = |l: &ClusterLine| {
        let examples = l.examples.join(" | ");
        println!(
            "{:>3}  {:<width$}  {:>5}  {examples}",
            l.id,
            one_line(&l.name),
            l.size
        );
    };
    for f in &overview.families {
        let members: Vec<&ClusterLine> = overview
            .clusters
            .iter()
            .filter(|l| l.family_id == Some(f.id))
            .collect();
        println!(
            "family {}: {} ({} tracks, {} playlist{})",
            f.id,
            one_line(f.name.as_deref().unwrap_or("")),
            f.size,
            members.len(),
            if members.len() == 1 { "" } else { "s" }
        );
        members.into_iter().for_each(print_line);
    }
    overview
        .clusters
        .iter()
        .filter(|l| !overview.families.iter().any(|f| Some(f.id) == l.family_id))
        .for_each(print_line);
    if overview.unassigned > 0 {
        println!("     (unassigned outliers: {})", overview.unassigned);
    }
    let fmt = |key: &str| {
        overview
            .quality_figure(key)
            .map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
    };
    println!(
        "quality: silhouette {} · Calinski-Harabasz {} · Davies-Bouldin {} · {} tracks · clustering #{}",
        fmt("silhouette"),
        fmt("calinski_harabasz"),
        fmt("davies_bouldin"),
        overview.tracks,
        overview.clustering_id
    );
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
