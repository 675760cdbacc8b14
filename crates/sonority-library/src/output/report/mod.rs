//! `sonority report`: one self-contained HTML page to see and hear the latest clustering, and
//! the same pictures as SVG files.
//!
//! The page holds everything inline (CSS, JavaScript, the data as one JSON blob) and makes no
//! network request: its Content-Security-Policy allows only its own inline script (by hash),
//! inline styles, `data:` images and audio from `file:` (or the page's own origin when served):
//!
//! ```text
//! default-src 'none'; script-src 'sha256-…'; style-src 'unsafe-inline'; img-src data:;
//! media-src 'self' file: blob: data:; base-uri 'none'; form-action 'none'
//! ```
//!
//! Relative audio paths resolve to `file:` URLs when the report is opened from disk:
//! `media-src file:` allows them by scheme (Chromium also matches them against `'self'` on a
//! `file:` page, but that is a browser's choice, not the standard's), and `'self'` allows the
//! report's own server when someone serves the folder over HTTP. `*` is not used: on a `file:`
//! page it would match `file:` too, but it also lets in every `http:`/`https:` host. Nothing
//! else may load: `connect-src`, `font-src`, frames and the rest fall back to `'none'` (checked
//! in Chromium: a `fetch` is refused, the audio plays).
//!
//! What the page shows: a 2-D map of all tracks coloured by family, each playlist in a shade of
//! its family's colour (canvas; a legend of families; hover for artist, title, family and
//! playlist, click to play), the centroid heatmap (clusters × the most distinguishing dims,
//! z-scored), the k sweep (inertia with the elbow and the chosen k, silhouette per k), one card
//! per family (its name's words explained with measured values, e.g. "dark — spectral
//! centroid 1,150 Hz (library 2,030 Hz)", its genre mix, and a card per playlist: name, size,
//! duration, its own words explained against the family, top features, genre mix, its tracks
//! with play buttons and "play all"), the family × genre and cluster × genre tables, "artists
//! that sound alike" (when tracks have artist tags), and the run's parameters and quality.
//! A clustering saved without families (older databases) shows one card per cluster, coloured
//! by cluster, as before.
//!
//! Every string from a file (tags, paths) reaches the page only through the JSON blob, whose
//! `<`, `>`, `&`, U+2028 and U+2029 are written as `\u` escapes, and the script inserts it
//! with `textContent` only.
//!
//! ```no_run
//! use sonority_library::output::report::{build_report, write_svgs, ReportOptions};
//! use sonority_library::Store;
//!
//! # fn main() -> sonority_library::Result<()> {
//! let store = Store::open(&Store::default_path()?)?;
//! let summary = build_report(&store, "report.html".as_ref(), &ReportOptions::default())?;
//! println!("{} tracks in {} clusters", summary.tracks, summary.clusters);
//! let pictures = write_svgs(&store, "pictures".as_ref(), &ReportOptions::default())?;
//! for file in &pictures.files {
//!     println!("wrote {}", file.display());
//! }
//! # Ok(()) }
//! ```

mod collect;
mod colours;
mod data;
mod dims;
mod genres;
mod html;
mod map;
mod svg;
mod words;

pub use data::{
    ArtistNeighbours, AudioLinks, FamilyGenreRow, FamilyGenreTable, GenreCount, GenreRow,
    GenreTable, Heatmap, MapInfo, QualityInfo, ReportCluster, ReportData, ReportFamily,
    ReportTrack, RunInfo, SimilarArtist, SweepInfo, SweepPoint, TopFeature,
};
pub use html::{render_html, CONTENT_SECURITY_POLICY_TEMPLATE};
pub use svg::SvgOutput;
pub use words::{
    measure_for, measure_name, name_words, Measure, MeasureIndex, Scale, WordExplanation, MEASURES,
};

use crate::error::{LibraryError, Result};
use sonority_store::Store;
use std::path::{Path, PathBuf};

/// Where the map's points come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MapProjection {
    /// The positions saved with the clustering (a PCA of the model's scaled space); a fresh
    /// PCA when some track has none.
    #[default]
    Stored,
    /// A fresh PCA of the clustered features.
    Pca,
    /// Exact t-SNE of the clustered features (up to 5,000 tracks; PCA beyond, with a note).
    Tsne,
}

/// Options of [`build_report`] and [`write_svgs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Link audio by `file://` URLs instead of paths relative to the report.
    pub absolute_paths: bool,
    /// The page's title (default "sonority report").
    pub title: Option<String>,
    /// How the map is made.
    pub projection: MapProjection,
    /// Columns of the heatmap.
    pub heatmap_dims: usize,
    /// Genres in the cluster × genre table (the rest are counted as "other").
    pub top_genres: usize,
    /// Points drawn in `map.svg` at most (a stratified sample per cluster beyond); the HTML
    /// map draws every track on a canvas.
    pub max_points_svg: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            absolute_paths: false,
            title: None,
            projection: MapProjection::Stored,
            heatmap_dims: 16,
            top_genres: 12,
            max_points_svg: 5_000,
        }
    }
}

/// What [`build_report`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    /// The HTML file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The clustering shown.
    pub clustering_id: i64,
    /// Tracks on the map.
    pub tracks: usize,
    /// Clusters (without the noise pseudo-cluster).
    pub clusters: usize,
    /// Tracks in no cluster.
    pub noise: usize,
    /// How the map was made ("PCA", "t-SNE", "positions saved with the clustering").
    pub map_method: String,
    /// Sections left out or degraded, and why.
    pub notes: Vec<String>,
}

/// Writes the report of the latest clustering to `out_html`, atomically (a temporary file in
/// the same folder, renamed over the target; the folder is created if missing). Audio is
/// linked relative to `out_html`'s folder unless [`ReportOptions::absolute_paths`], so the
/// report keeps playing when the report and the music move together.
///
/// Fails with [`LibraryError::NoClustering`] when the library has no clustering yet.
pub fn build_report(store: &Store, out_html: &Path, opts: &ReportOptions) -> Result<ReportSummary> {
    let dir = report_dir(out_html)?;
    let links = if opts.absolute_paths {
        AudioLinks::Absolute
    } else {
        AudioLinks::RelativeTo(dir)
    };
    let data = collect_report(store, &links, opts)?;
    let html = render_html(&data)?;
    write_atomic(out_html, html.as_bytes())?;
    Ok(ReportSummary {
        path: out_html.to_path_buf(),
        bytes: html.len() as u64,
        clustering_id: data.run.clustering_id,
        tracks: data.tracks.len(),
        clusters: data.clusters.iter().filter(|c| !c.noise).count(),
        noise: data.run.noise,
        map_method: data.map.method.clone(),
        notes: data.notes,
    })
}

/// Gathers what the report of the latest clustering shows, with audio linked as `links` says.
/// Fails with [`LibraryError::NoClustering`] when there is none.
pub fn collect_report(
    store: &Store,
    links: &AudioLinks,
    opts: &ReportOptions,
) -> Result<ReportData> {
    collect::collect(store, links, opts, crate::files::now_s())
}

/// Writes `map.svg`, `heatmap.svg` and `k_sweep.svg` of the latest clustering into `dir`
/// (created if missing), each atomically. A picture whose data is missing (no sweep when k
/// was given, no features for the heatmap) is skipped with a note. PNG is not written: it
/// would need a font embedded in the binary, and SVG viewers render text themselves.
pub fn write_svgs(store: &Store, dir: &Path, opts: &ReportOptions) -> Result<SvgOutput> {
    std::fs::create_dir_all(dir).map_err(|source| LibraryError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let data = collect_report(store, &AudioLinks::Absolute, opts)?;
    svg::write_all(&data, dir, opts)
}

/// The canonical folder of the report file, created if missing.
fn report_dir(out_html: &Path) -> Result<PathBuf> {
    let parent = match out_html.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .and_then(|()| std::fs::canonicalize(&parent))
        .map_err(|source| LibraryError::Io {
            path: parent,
            source,
        })
}

/// [`crate::files::write_atomic`], with the error naming `path`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::files::write_atomic(path, bytes).map_err(|source| LibraryError::Io {
        path: path.to_path_buf(),
        source,
    })
}
