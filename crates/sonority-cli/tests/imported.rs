//! `sonority organize` with a model imported from elsewhere (the Python package's
//! `Model.from_centroids(...).save(db)`, here through the library functions it calls): the
//! folder's tracks are placed at the nearest centroid, a rerun keeps them, nothing is refitted
//! until `--recluster`.

mod common;

use common::{fixtures, sonority};

use sonority_cluster::{Dim, FeatureTable, Fit, ScalerParams};
use sonority_library::{
    analysis_dims, analyze_files, model_from_centroids, save_imported_model, FeatureConfig, Store,
};
use std::path::{Path, PathBuf};

/// Runs `sonority organize`; its stderr and stdout.
fn organize(db: &Path, music: &Path, extra: &[&str]) -> String {
    let out = sonority(db)
        .arg("organize")
        .arg(music)
        .arg("--playlists")
        .arg(music.with_file_name("playlists"))
        .args(extra)
        .output()
        .expect("run sonority");
    // What it did goes to stderr, the playlists to stdout.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.status.success(), "{text}");
    text
}

const DIMS: [&str; 6] = [
    "spectral_centroid_mean_0",
    "rms_mean_0",
    "tempo_bpm",
    "mfcc_mean_1",
    "zero_crossing_rate_mean_0",
    "onset_strength_mean_0",
];

#[test]
fn organize_places_tracks_into_an_imported_model() {
    let config = FeatureConfig::default();
    let all = analysis_dims(&config);
    let cols: Vec<usize> = DIMS
        .iter()
        .map(|d| all.iter().position(|a| a.name == *d).expect("known dim"))
        .collect();
    let pick = |values: &[f64]| cols.iter().map(|&c| values[c]).collect::<Vec<f64>>();

    // The "catalogue": the FLAC excerpts, analysed without a library; its standard scaler, and
    // three centroids at the standardised rows of three of them.
    let catalogue: Vec<PathBuf> = [
        "ambient_freedroid",
        "electronic_freedroid",
        "orchestral_wesnoth",
        "percussive_etr",
    ]
    .iter()
    .map(|k| fixtures().join(format!("real/{k}.flac")))
    .collect();
    let rows: Vec<Vec<f64>> = analyze_files(&catalogue, &config, 2, &|_, _| {})
        .expect("analysis")
        .into_iter()
        .map(|r| pick(&r.outcome.expect("analysed").values))
        .collect();
    // The scaler as scikit-learn's StandardScaler fits it (the library's own).
    let d = DIMS.len();
    let dim_list: Vec<Dim> = DIMS.iter().map(|n| Dim::new(*n, "catalogue")).collect();
    let table = FeatureTable::from_rows(
        dim_list,
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i.to_string(), r.clone())),
    )
    .expect("table");
    let scaler = ScalerParams::standard().fit(&table).expect("scaler");
    let (mean, scale) = (scaler.center().to_vec(), scaler.scale().to_vec());
    let centroids = scaler
        .transform(&table)
        .expect("scaled")
        .slice(ndarray::s![..3, ..])
        .to_owned();
    let dims: Vec<String> = DIMS.iter().map(|s| s.to_string()).collect();
    let model = model_from_centroids(
        &config,
        centroids.clone(),
        &dims,
        mean.clone(),
        scale.clone(),
        None,
    )
    .expect("model");

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.db");
    let mut store = Store::open(&db).expect("open");
    save_imported_model(&mut store, &model, &config).expect("save");
    drop(store);

    // A fresh folder of files the catalogue never saw.
    let music = dir.path().join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    for k in [
        "ambient_freedroid",
        "electronic_freedroid",
        "orchestral_wesnoth",
        "percussive_etr",
    ] {
        for ext in ["mp3", "ogg"] {
            std::fs::copy(
                fixtures().join(format!("real/{k}.{ext}")),
                music.join(format!("{k}.{ext}")),
            )
            .expect("copy");
        }
    }
    let out = organize(&db, &music, &[]);
    assert!(
        out.contains("placed 8 new track(s) into the existing clusters"),
        "{out}"
    );

    let check = |expected_tracks: usize| {
        let store = Store::open(&db).expect("open");
        let saved = store
            .latest_clustering()
            .expect("read")
            .expect("clustering");
        assert_eq!(saved.data.algorithm, "imported");
        let matrix = store
            .features_table(&config.analysis_version())
            .expect("read")
            .expect("tracks");
        assert_eq!(matrix.tracks.len(), expected_tracks);
        assert_eq!(saved.data.assignments.len(), expected_tracks);
        for (t, v) in matrix.tracks.iter().zip(&matrix.values) {
            let x = pick(v);
            let dist = |c: usize| -> f64 {
                (0..d)
                    .map(|j| ((x[j] - mean[j]) / scale[j] - centroids[[c, j]]).powi(2))
                    .sum()
            };
            let nearest = (0..3).min_by(|&a, &b| dist(a).total_cmp(&dist(b))).unwrap();
            let a = saved
                .data
                .assignments
                .iter()
                .find(|a| a.track_id == t.id)
                .expect("assigned");
            assert_eq!(a.cluster_id, Some(nearest as i64), "{}", t.path.display());
        }
        let names: Vec<String> = saved
            .data
            .clusters
            .iter()
            .map(|c| c.name.clone().unwrap_or_default())
            .collect();
        let model_names: Vec<String> = model
            .clustering
            .clusters
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(names, model_names);
    };
    check(8);

    // More files: placed too; nothing refitted.
    for k in ["ambient_freedroid", "percussive_etr"] {
        std::fs::copy(
            fixtures().join(format!("real/{k}.opus")),
            music.join(format!("{k}.opus")),
        )
        .expect("copy");
    }
    let out = organize(&db, &music, &[]);
    assert!(out.contains("placed 2 new track(s)"), "{out}");
    check(10);

    // --recluster replaces it with the library's own clustering.
    organize(&db, &music, &["--recluster"]);
    let store = Store::open(&db).expect("open");
    let saved = store
        .latest_clustering()
        .expect("read")
        .expect("clustering");
    assert_eq!(saved.data.algorithm, "hierarchical");
}
