//! The arguments several commands share (`organize` takes those of `analyze`, `cluster` and
//! `playlists`), and what library options they stand for.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;
use sonority_features::Decoder;
use sonority_library::output::playlist::PlaylistOptions;
use sonority_library::{
    Algorithm, AnalyzeOptions, ClusterOptions, FamilyCount, KChoice, DEFAULT_GROUPS,
};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments shared by `analyze` and `organize`.
#[derive(Debug, Args, Clone)]
pub struct AnalyzeArgs {
    /// The music folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Worker threads for the analysis (default: one per core).
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub jobs: usize,
    /// Also scan hidden files and folders (names starting with a dot).
    #[arg(long)]
    pub hidden: bool,
    /// Analyse again files that failed before even if they did not change.
    #[arg(long)]
    pub retry_failed: bool,
    /// Give up a file still not analysed after this many seconds plus 10 s per megabyte of
    /// it (a decoder stuck on damaged data, a network share that stopped answering): it is
    /// recorded as failed and the run goes on. 0 waits forever.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub file_timeout: u64,
    /// Forget the tracks stored under DIR whose files are gone even when none of them was
    /// found (by default such a run forgets nothing: an empty folder is more likely a drive
    /// that is not mounted than a library you deleted).
    #[arg(long)]
    pub force_forget: bool,
    /// Print only failures and the final summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Which decoder reads the files: native, and ffmpeg for what it cannot read (auto); or
    /// only one of them.
    #[arg(long, value_enum, default_value = "auto")]
    pub decoder: DecoderArg,
}

/// `--decoder auto|native|ffmpeg` (sonority_features::Decoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecoderArg {
    /// Native decoders; ffmpeg (if installed) for the formats they cannot read.
    Auto,
    /// Native decoders only (formats such as WMA, APE, AC-3 are not analysed).
    Native,
    /// Every file through ffmpeg.
    Ffmpeg,
}

impl From<DecoderArg> for Decoder {
    fn from(arg: DecoderArg) -> Self {
        match arg {
            DecoderArg::Auto => Decoder::Auto,
            DecoderArg::Native => Decoder::Native,
            DecoderArg::Ffmpeg => Decoder::Ffmpeg,
        }
    }
}

impl AnalyzeArgs {
    /// The library options these arguments stand for.
    pub fn options(&self) -> AnalyzeOptions {
        let mut options = AnalyzeOptions {
            jobs: self.jobs,
            retry_failed: self.retry_failed,
            force_forget: self.force_forget,
            file_timeout: (self.file_timeout > 0).then(|| Duration::from_secs(self.file_timeout)),
            ..AnalyzeOptions::default()
        };
        options.scan.include_hidden = self.hidden;
        options.features.decoder = self.decoder.into();
        options
    }
}

/// What `--help` says of each algorithm.
fn algorithm_help(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Hierarchical => {
            "Playlists sized for listening (a Ward tree cut by size), grouped into families (the \
             default)"
        }
        Algorithm::Kmeans => "k-means with k-means++ starts",
        Algorithm::Gmm => "Gaussian mixture (full covariances)",
        Algorithm::Ward => "Agglomerative clustering, Ward linkage",
        Algorithm::Dbscan => {
            "Density-based; finds its own number of clusters and leaves outliers unassigned"
        }
    }
}

/// `--algorithm`: one of [`Algorithm::ALL`] by name, each listed with its help (clap's
/// `ValueEnum` cannot be implemented here for a type of another crate).
fn algorithm_parser() -> impl TypedValueParser<Value = Algorithm> {
    PossibleValuesParser::new(
        Algorithm::ALL.map(|a| PossibleValue::new(a.name()).help(algorithm_help(a))),
    )
    .try_map(|name| name.parse::<Algorithm>())
}

/// Clustering options shared by `cluster` and `organize`.
#[derive(Debug, Args, Clone)]
pub struct ClusterArgs {
    /// Number of clusters (playlists). `auto`: one playlist per --playlist-size tracks with the
    /// default algorithm; the other algorithms sweep k = 2..12 and keep the best silhouette.
    #[arg(long, short = 'k', default_value = "auto", value_parser = parse_k)]
    pub k: KChoice,
    /// Clustering algorithm.
    #[arg(long, default_value = "hierarchical", value_parser = algorithm_parser())]
    pub algorithm: Algorithm,
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
            algorithm: self.algorithm,
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

/// Playlist options shared by `playlists` and `organize`.
#[derive(Debug, Args, Clone)]
pub struct PlaylistArgs {
    /// Folder for the playlists [organize's default: DIR/sonority-playlists]. Only playlists
    /// sonority wrote there before are ever replaced or removed.
    #[arg(long = "playlists", value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Write absolute paths instead of paths relative to the playlist.
    #[arg(long)]
    pub absolute: bool,
}

impl PlaylistArgs {
    /// The library options.
    pub fn options(&self) -> PlaylistOptions {
        PlaylistOptions {
            absolute: self.absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Command;

    /// The `--features` help lists every group by hand: it must name exactly the feature
    /// groups (sonority-features' and the library's duration).
    #[test]
    fn the_features_help_lists_every_group() {
        let command = ClusterArgs::augment_args(Command::new("cluster"));
        let help = command
            .get_arguments()
            .find(|a| a.get_id() == "groups")
            .and_then(|a| a.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let listed = help
            .split_once("Groups: ")
            .map_or("", |(_, list)| list.trim_end_matches('.'));
        let mut listed: Vec<&str> = listed.split(", ").collect();
        let mut groups: Vec<&str> = sonority_features::GROUPS.to_vec();
        groups.push(sonority_library::clustering::DURATION_GROUP);
        listed.sort_unstable();
        groups.sort_unstable();
        assert_eq!(listed, groups, "{help}");
    }
}
