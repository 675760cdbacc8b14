//! Gathers the report's [`ReportData`] from the store: the latest clustering's cards (its
//! clusters and noise), families, tracks with their audio links and playing order, then the
//! map ([`super::map`]), what sets each cluster apart ([`super::dims`]), the genre tables
//! ([`super::genres`]) and the artists that sound alike.
//!
//! The saved clustering comes typed from the store; a model this build cannot read only
//! removes what depends on it (the cluster words from the model, the artists that sound
//! alike), with a note, and never fails the report.

use super::colours::{cluster_color, shade, NOISE_COLOR};
use super::data::*;
use super::dims::{cluster_z_scores, explain_names, heatmap_of, model_top, top_features};
use super::genres::genre_table;
use super::map::{normalize, positions};
use super::ReportOptions;
use crate::dim_words::DIM_WORDS;
use crate::error::{LibraryError, Result};
use crate::files::{file_url, relative_path, url_path};
use crate::query::similar::ArtistSpace;
use sonority_cluster::{KSweep, Model, Quality};
use sonority_store::{
    ClusteringData, FamilyRow, FeatureMatrix, SavedClustering, Store, StoredModel, TrackId,
    TrackRow,
};
use std::collections::HashMap;
use std::path::Path;

/// Reads the latest clustering and everything the report shows about it.
pub(super) fn collect(
    store: &Store,
    links: &AudioLinks,
    opts: &ReportOptions,
    generated_at: i64,
) -> Result<ReportData> {
    let saved = store
        .latest_clustering()?
        .ok_or(LibraryError::NoClustering)?;
    collect_from(store, &saved, links, opts, generated_at)
}

/// As [`collect`], for a given clustering.
pub(super) fn collect_from(
    store: &Store,
    saved: &SavedClustering,
    links: &AudioLinks,
    opts: &ReportOptions,
    generated_at: i64,
) -> Result<ReportData> {
    let data = &saved.data;
    let mut notes = Vec::new();
    let model = usable_model(&data.model, &mut notes);
    let model = model.as_ref();

    let rows: HashMap<TrackId, TrackRow> = store.tracks()?.into_iter().map(|t| (t.id, t)).collect();
    let missing = data
        .assignments
        .iter()
        .filter(|a| !rows.contains_key(&a.track_id))
        .count();
    if missing > 0 {
        notes.push(format!(
            "{missing} tracks of the clustering are no longer in the library and are left out"
        ));
    }
    let Cards {
        mut clusters,
        position,
        noise,
    } = cards(data, &rows);
    let mut families = build_families(data, &mut clusters, &position);
    let Shown {
        mut tracks,
        distances,
        stored_xy,
    } = shown_tracks(data, &rows, &position, noise, links);

    // Features: for the heatmap, the cards' top dims and a recomputed projection.
    let features = store.features_table(&data.analysis_version)?;
    if features.is_none() {
        notes.push(format!(
            "no features of analysis version {} are stored: no heatmap",
            data.analysis_version
        ));
    }
    let feature_rows = feature_rows(features.as_ref(), &tracks);
    let (xy, map) = positions(
        opts.projection,
        &stored_xy,
        &Measured {
            tracks: &tracks,
            features: features.as_ref(),
            rows: &feature_rows,
            model,
        },
        clusters.len(),
        &mut notes,
    );
    for (t, p) in tracks.iter_mut().zip(normalize(&xy)) {
        t.x = p[0];
        t.y = p[1];
    }
    fill_cards(&mut clusters, &tracks, &distances);
    for f in &mut families {
        f.size = f.clusters.iter().map(|&c| clusters[c].size).sum();
        f.duration_s = f.clusters.iter().map(|&c| clusters[c].duration_s).sum();
    }

    let measured = Measured {
        tracks: &tracks,
        features: features.as_ref(),
        rows: &feature_rows,
        model,
    };
    let heatmap = describe_cards(&measured, &mut clusters, opts, &mut notes);
    explain_names(&measured, &mut clusters, &mut families);
    let (genres, family_genres) = genre_table(
        &tracks,
        &mut clusters,
        &mut families,
        opts.top_genres.max(1),
    );
    let artists = artist_neighbours(features.as_ref(), model, &mut notes);
    let noise = noise.map_or(0, |i| clusters[i].size);
    let total_duration_s = clusters.iter().map(|c| c.duration_s).sum();

    Ok(ReportData {
        title: opts
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "sonority report".to_string()),
        generated_at,
        run: run_info(saved, tracks.len(), noise, total_duration_s),
        map,
        clusters,
        families,
        tracks,
        heatmap,
        sweep: sweep_info(data.sweep.as_ref()),
        quality: Some(quality_info(&data.quality)),
        genres,
        family_genres,
        artists,
        notes,
    })
}

/// The cards of a clustering: its clusters in id order, then noise when a track shown is in
/// no cluster.
struct Cards {
    clusters: Vec<ReportCluster>,
    /// Card index of each cluster id.
    position: HashMap<i64, usize>,
    /// Card index of the noise card, if there is one.
    noise: Option<usize>,
}

fn cards(data: &ClusteringData, rows: &HashMap<TrackId, TrackRow>) -> Cards {
    let mut cluster_rows: Vec<_> = data.clusters.iter().collect();
    cluster_rows.sort_by_key(|c| c.cluster_id);
    let position: HashMap<i64, usize> = cluster_rows
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cluster_id, i))
        .collect();
    let card = |id: i64, name: String, color: String, noise: bool| ReportCluster {
        id,
        name,
        size: 0,
        duration_s: 0.0,
        color,
        top: Vec::new(),
        genres: Vec::new(),
        tracks: Vec::new(),
        noise,
        family: None,
        own_name: None,
        words: Vec::new(),
    };
    let mut clusters: Vec<ReportCluster> = cluster_rows
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("cluster {}", c.cluster_id));
            card(c.cluster_id, name, cluster_color(i), false)
        })
        .collect();
    let needs_noise = data.assignments.iter().any(|a| {
        rows.contains_key(&a.track_id) && a.cluster_id.and_then(|c| position.get(&c)).is_none()
    });
    let noise = needs_noise.then(|| {
        clusters.push(card(
            -1,
            "noise (no cluster)".to_string(),
            NOISE_COLOR.to_string(),
            true,
        ));
        clusters.len() - 1
    });
    Cards {
        clusters,
        position,
        noise,
    }
}

/// The tracks shown (those of the clustering still in the library), in assignment (track id)
/// order, with their distance to their centre and their saved map position.
struct Shown {
    tracks: Vec<ReportTrack>,
    distances: Vec<Option<f64>>,
    stored_xy: Vec<Option<[f64; 2]>>,
}

fn shown_tracks(
    data: &ClusteringData,
    rows: &HashMap<TrackId, TrackRow>,
    position: &HashMap<i64, usize>,
    noise: Option<usize>,
    links: &AudioLinks,
) -> Shown {
    let n = data.assignments.len();
    let mut shown = Shown {
        tracks: Vec::with_capacity(n),
        distances: Vec::with_capacity(n),
        stored_xy: Vec::with_capacity(n),
    };
    for a in &data.assignments {
        let Some(row) = rows.get(&a.track_id) else {
            continue;
        };
        let Some(cluster) = a
            .cluster_id
            .and_then(|c| position.get(&c).copied())
            .or(noise)
        else {
            continue;
        };
        shown.tracks.push(ReportTrack {
            id: row.id,
            title: row
                .tags
                .title
                .clone()
                .unwrap_or_else(|| file_stem(&row.path)),
            artist: row.tags.artist.clone(),
            album: row.tags.album.clone(),
            genre: row.tags.genre.clone(),
            duration_s: row.duration_s.filter(|d| d.is_finite() && *d >= 0.0),
            src: audio_src(&row.path, links),
            cluster,
            x: 0.5,
            y: 0.5,
        });
        shown.distances.push(a.distance.filter(|d| d.is_finite()));
        shown.stored_xy.push(match (a.x, a.y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Some([x, y]),
            _ => None,
        });
    }
    shown
}

/// Each track's row of the feature matrix, if it has one.
fn feature_rows(features: Option<&FeatureMatrix>, tracks: &[ReportTrack]) -> Vec<Option<usize>> {
    match features {
        Some(f) => {
            let by_id: HashMap<TrackId, usize> = f
                .tracks
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id, i))
                .collect();
            tracks.iter().map(|t| by_id.get(&t.id).copied()).collect()
        }
        None => vec![None; tracks.len()],
    }
}

/// The cards' sizes, durations and playing order: nearest the centre first, then by artist
/// and title.
fn fill_cards(clusters: &mut [ReportCluster], tracks: &[ReportTrack], distances: &[Option<f64>]) {
    for (i, t) in tracks.iter().enumerate() {
        let c = &mut clusters[t.cluster];
        c.size += 1;
        c.duration_s += t.duration_s.unwrap_or(0.0);
        c.tracks.push(i);
    }
    for c in clusters {
        c.tracks.sort_by(|&a, &b| {
            let (da, db) = (distances[a], distances[b]);
            match (da, db) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| sort_key(&tracks[a]).cmp(&sort_key(&tracks[b])))
        });
    }
}

/// z-scores of every cluster on every dim: the heatmap and the cards' top dims (without
/// features, the model's own description still names the top dims).
fn describe_cards(
    measured: &Measured<'_>,
    clusters: &mut [ReportCluster],
    opts: &ReportOptions,
    notes: &mut Vec<String>,
) -> Option<Heatmap> {
    let heatmap = cluster_z_scores(measured, clusters).map(|z| {
        for (ci, c) in clusters.iter_mut().enumerate() {
            if !c.noise {
                c.top = top_features(&z, ci, measured.model, c.id, TOP_PER_CARD);
            }
        }
        heatmap_of(&z, clusters, opts.heatmap_dims.max(1))
    });
    if heatmap.is_none() && measured.features.is_some() {
        notes.push("no dim varies across the tracks: no heatmap".to_string());
    }
    if let Some(m) = measured.model.filter(|_| heatmap.is_none()) {
        for c in clusters.iter_mut().filter(|c| !c.noise) {
            c.top = model_top(m, c.id, TOP_PER_CARD).unwrap_or_default();
        }
    }
    heatmap
}

/// Family cards from the clustering's families (none for clusterings saved without them):
/// each playlist is tied to its family, named by its own words and coloured in a shade of its
/// family's colour. Families without a playlist are left out.
fn build_families(
    data: &ClusteringData,
    clusters: &mut [ReportCluster],
    position: &HashMap<i64, usize>,
) -> Vec<ReportFamily> {
    let mut rows: Vec<&FamilyRow> = data.families.iter().collect();
    rows.sort_by_key(|f| f.family_id);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let index: HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, f)| (f.family_id, i))
        .collect();
    for c in &data.clusters {
        if let (Some(f), Some(&ci)) = (
            c.family_id.and_then(|f| index.get(&f).copied()),
            position.get(&c.cluster_id),
        ) {
            members[f].push(ci);
        }
    }
    let mut families: Vec<ReportFamily> = Vec::new();
    for (row, mut cards) in rows.into_iter().zip(members) {
        if cards.is_empty() {
            continue;
        }
        cards.sort_unstable();
        let fi = families.len();
        let name = row
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("family {}", row.family_id));
        let color = cluster_color(fi);
        for (j, &ci) in cards.iter().enumerate() {
            let c = &mut clusters[ci];
            c.family = Some(fi);
            c.color = shade(&color, j, cards.len());
            c.own_name = own_name(&c.name, &name);
        }
        families.push(ReportFamily {
            id: row.family_id,
            name,
            color,
            size: 0,
            duration_s: 0.0,
            clusters: cards,
            words: Vec::new(),
            genres: Vec::new(),
        });
    }
    // Playlists without a family take colours after the families'.
    let mut next = families.len();
    for c in clusters.iter_mut() {
        if !families.is_empty() && c.family.is_none() && !c.noise {
            c.color = cluster_color(next);
            next += 1;
        }
    }
    families
}

/// A playlist's own words: its name after "`family` / ", or after the last separator when
/// the family was renamed since; `None` when it is named as its family.
fn own_name(name: &str, family: &str) -> Option<String> {
    let sep = sonority_cluster::FAMILY_SEPARATOR;
    let own = match name.strip_prefix(family).and_then(|r| r.strip_prefix(sep)) {
        Some(own) => own,
        None => name.rsplit_once(sep)?.1,
    };
    let own = own.trim();
    (!own.is_empty()).then(|| own.to_string())
}

fn run_info(saved: &SavedClustering, tracks: usize, noise: usize, total: f64) -> RunInfo {
    let d: &ClusteringData = &saved.data;
    RunInfo {
        clustering_id: saved.id,
        created_at: saved.created_at,
        algorithm: d.algorithm.clone(),
        analysis_version: d.analysis_version.clone(),
        k: d.k,
        selection: Some(d.selection.clone()),
        params: Some(d.params.clone()),
        tracks,
        noise,
        total_duration_s: total,
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned())
}

fn sort_key(t: &ReportTrack) -> (String, String) {
    (
        t.artist.clone().unwrap_or_default().to_lowercase(),
        t.title.to_lowercase(),
    )
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// The saved model, with a note when this build cannot use it.
fn usable_model(model: &StoredModel, notes: &mut Vec<String>) -> Option<Model<TrackId>> {
    if let StoredModel::Unreadable(reason) = model {
        notes.push(format!(
            "the saved model cannot be read ({reason}): cluster words come from the features only"
        ));
    }
    model.get().map(|m| m.clone().with_words(DIM_WORDS))
}

/// The quality figures as the report shows them (figures that are not finite left out).
fn quality_info(q: &Quality) -> QualityInfo {
    QualityInfo {
        inertia: finite(Some(q.inertia)),
        silhouette: finite(q.silhouette),
        silhouette_rows: Some(q.silhouette_rows).filter(|&n| n > 0),
        calinski_harabasz: finite(q.calinski_harabasz),
        davies_bouldin: finite(q.davies_bouldin),
        bic: finite(q.bic),
        noise: Some(q.noise),
    }
}

/// The choice of k as the report shows it (figures that are not finite left out); `None`
/// without a sweep or points.
fn sweep_info(sweep: Option<&KSweep>) -> Option<SweepInfo> {
    let s = sweep.filter(|s| !s.points.is_empty())?;
    Some(SweepInfo {
        points: s
            .points
            .iter()
            .map(|p| SweepPoint {
                k: p.k,
                inertia: finite(Some(p.inertia)),
                silhouette: finite(Some(p.silhouette)),
                calinski_harabasz: finite(Some(p.calinski_harabasz)),
                davies_bouldin: finite(Some(p.davies_bouldin)),
                bic: finite(p.bic),
            })
            .collect(),
        chosen_k: Some(s.chosen_k),
        elbow_k: s.elbow_k,
        rule: Some(s.rule),
    })
}

/// The max number of tracks of one artist compared in "artists that sound alike" (evenly
/// spaced through their list): the cost grows with it times the library's tracks.
const MAX_SEED_TRACKS: usize = 64;

/// Artists listed in "artists that sound alike".
const ARTISTS_LISTED: usize = 20;

/// Nearest artists listed for each.
const ARTIST_NEIGHBOURS: usize = 3;

/// "Artists that sound alike": for the artists with the most tracks (at least two), their
/// nearest artists by [`crate::similar_artists`]' measure. `None` when no track has an artist
/// tag, or (with a note) when the model or the features are missing.
fn artist_neighbours(
    features: Option<&FeatureMatrix>,
    model: Option<&Model<TrackId>>,
    notes: &mut Vec<String>,
) -> Option<Vec<ArtistNeighbours>> {
    let f = features?;
    let tagged = f.tracks.iter().any(|t| {
        t.tags
            .artist
            .as_deref()
            .is_some_and(|a| !a.trim().is_empty())
    });
    if !tagged {
        return None;
    }
    let Some(model) = model else {
        notes.push("no saved model: the artists that sound alike are not shown".to_string());
        return None;
    };
    let space = crate::clustering::feature_table(f)
        .and_then(|table| ArtistSpace::new(model, &table, &f.tracks));
    let space = match space {
        Ok(s) => s,
        Err(e) => {
            notes.push(format!(
                "cannot compare artists ({e}): the artists that sound alike are not shown"
            ));
            return None;
        }
    };
    let mut out = Vec::new();
    for (artist, n) in space
        .by_tracks()
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .take(ARTISTS_LISTED)
    {
        match space.similar(&artist, ARTIST_NEIGHBOURS, Some(MAX_SEED_TRACKS)) {
            Ok((_, similar)) => out.push(ArtistNeighbours {
                artist,
                tracks: n,
                similar: similar
                    .into_iter()
                    .filter(|s| s.distance.is_finite())
                    .map(|s| SimilarArtist {
                        artist: s.artist,
                        tracks: s.tracks,
                        distance: (s.distance * 1e4).round() / 1e4,
                    })
                    .collect(),
            }),
            Err(e) => notes.push(format!("cannot compare the artist {artist:?} ({e})")),
        }
    }
    Some(out)
}

/// Dims listed on each card.
const TOP_PER_CARD: usize = 6;

/// The URL of an audio file for the page: relative to the report's folder when there is a
/// relative path, else a `file://` URL. Every byte outside the URL-safe set is
/// percent-encoded, so `#`, `?`, `%` and spaces in names survive.
pub(super) fn audio_src(path: &Path, links: &AudioLinks) -> String {
    if let AudioLinks::RelativeTo(dir) = links {
        if let Some(rel) = relative_path(dir, path) {
            return url_path(&rel);
        }
    }
    file_url(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonority_store::Selection;
    use std::path::PathBuf;

    #[test]
    fn relative_paths_climb_and_descend() {
        let links = AudioLinks::RelativeTo(PathBuf::from("/m/reports"));
        assert_eq!(
            audio_src(Path::new("/m/music/a b/#1?.ogg"), &links),
            "../music/a%20b/%231%3F.ogg"
        );
        assert_eq!(audio_src(Path::new("/m/reports/x.wav"), &links), "x.wav");
        assert_eq!(
            audio_src(Path::new("/m/music/é.ogg"), &AudioLinks::Absolute),
            "file:///m/music/%C3%A9.ogg"
        );
    }

    #[test]
    fn sweep_figures_that_are_not_finite_are_left_out() {
        let text = r#"{"points": [{"k": 2, "inertia": 10.0, "silhouette": null,
            "calinski_harabasz": 1.0, "davies_bouldin": 1.0, "bic": null}],
            "elbow_k": null, "chosen_k": 2, "rule": "silhouette"}"#;
        let sweep: KSweep = serde_json::from_str(text).expect("a saved sweep");
        let s = sweep_info(Some(&sweep)).expect("sweep");
        assert_eq!(s.points[0].silhouette, None);
        assert_eq!(s.points[0].inertia, Some(10.0));
        assert_eq!(s.chosen_k, Some(2));
        assert!(sweep_info(None).is_none());
    }

    /// Times the gathering of a 20,000-track report from a store (no model, all dims):
    /// `cargo test -p sonority-library --lib collect_20k -- --ignored --nocapture`.
    #[test]
    #[ignore = "a benchmark: fills a 20,000-track store"]
    fn collect_20k() {
        use sonority_features::{FeatureConfig, FeatureLayout, SourceInfo};
        use sonority_store::{AnalysisRecord, ClusterRow, RecordOutcome, TrackAssignment};
        use sonority_tags::Tags;

        let n = 20_000;
        let config = FeatureConfig::default();
        let version = config.analysis_version();
        let layout = FeatureLayout::for_config(&config);
        let mut store = Store::open_in_memory().expect("store");
        let layout_id = store.layout_id(&version, &layout).expect("layout");
        let mut seed = 1u64;
        let mut rand = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let t0 = std::time::Instant::now();
        for chunk in 0..n / 1000 {
            let records: Vec<AnalysisRecord> = (0..1000)
                .map(|i| {
                    let i = chunk * 1000 + i;
                    AnalysisRecord {
                        file: sonority_store::FileVersion {
                            path: PathBuf::from(format!(
                                "/music/artist {}/track {i}.flac",
                                i % 300
                            )),
                            size: 1,
                            mtime_ns: 1,
                        },
                        tags: Tags {
                            artist: Some(format!("artist {}", i % 300)),
                            title: Some(format!("track {i}")),
                            genre: Some(["Rock", "Jazz", "Ambient"][i % 3].to_string()),
                            ..Tags::default()
                        },
                        warnings: Vec::new(),
                        outcome: RecordOutcome::Analysed {
                            source: SourceInfo {
                                sample_rate: 44_100,
                                channels: 2,
                                codec: "flac".into(),
                                decoder: sonority_features::Decoder::Native,
                                n_frames: 1,
                                duration_s: 200.0,
                            },
                            values: (0..layout.len())
                                .map(|j| rand() + (i % 12 * j % 7) as f64)
                                .collect(),
                        },
                    }
                })
                .collect();
            store
                .write_batch(&version, layout_id, &records)
                .expect("write");
        }
        let k = 12;
        let tracks = store.tracks().expect("tracks");
        let data = ClusteringData {
            algorithm: "kmeans".into(),
            analysis_version: version.clone(),
            selection: Selection::Imported(sonority_store::ImportedSelection::new(Vec::new())),
            params: sonority_cluster::ModelParams::new(sonority_cluster::AlgorithmParams::KMeans(
                sonority_cluster::KMeansParams::new(k),
            )),
            k,
            quality: Quality::default(),
            sweep: None,
            model: StoredModel::Absent,
            families: Vec::new(),
            clusters: (0..k)
                .map(|c| ClusterRow {
                    cluster_id: c as i64,
                    name: None,
                    size: 0,
                    centroid: vec![0.0],
                    x: None,
                    y: None,
                    family_id: None,
                })
                .collect(),
            assignments: tracks
                .iter()
                .enumerate()
                .map(|(i, t)| TrackAssignment {
                    track_id: t.id,
                    cluster_id: Some((i % k) as i64),
                    distance: Some(rand()),
                    confidence: None,
                    x: Some(rand()),
                    y: Some(rand()),
                })
                .collect(),
        };
        store.save_clustering(&data).expect("save");
        println!("filled the store in {:?}", t0.elapsed());
        let t0 = std::time::Instant::now();
        let report = collect(
            &store,
            &AudioLinks::RelativeTo(PathBuf::from("/reports")),
            &ReportOptions::default(),
            0,
        )
        .expect("collect");
        let collected = t0.elapsed();
        let html = super::super::render_html(&report).expect("render");
        println!(
            "20,000 tracks, {} dims: collected in {collected:?}, rendered in {:?} ({:.1} MB)",
            layout.len(),
            t0.elapsed() - collected,
            html.len() as f64 / 1e6
        );
        assert_eq!(report.tracks.len(), n);
    }

    #[test]
    fn playlists_take_their_own_words_and_shades_of_their_family() {
        assert_eq!(
            own_name("calm · dark / bright · fast", "calm · dark").as_deref(),
            Some("bright · fast")
        );
        // A family renamed since: the words after the separator.
        assert_eq!(
            own_name("old name / bright", "new name").as_deref(),
            Some("bright")
        );
        assert_eq!(own_name("calm · dark", "calm · dark"), None);
        assert_eq!(own_name("bright · fast", "calm"), None);
        let base = cluster_color(0);
        assert_eq!(shade(&base, 0, 1), base);
        let shades: Vec<String> = (0..6).map(|j| shade(&base, j, 6)).collect();
        let mut unique = shades.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6, "{shades:?}");
        // Darkest first, lightest last, all of one hue (blue dominates in every shade).
        let channels = |hex: &str| -> Vec<u8> {
            (0..3)
                .map(|i| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0))
                .collect()
        };
        let sum = |hex: &str| channels(hex).iter().map(|&c| u32::from(c)).sum::<u32>();
        assert!(sum(&shades[0]) < sum(&shades[5]));
        for s in &shades {
            let c = channels(s);
            assert!(c[2] > c[0] && c[2] >= c[1], "{s}");
        }
    }

    #[test]
    fn normalize_fills_the_unit_square() {
        let n = normalize(&[[0.0, 5.0], [2.0, 5.0], [1.0, 5.0]]);
        assert_eq!(n, vec![[0.0, 0.5], [1.0, 0.5], [0.5, 0.5]]);
    }
}
