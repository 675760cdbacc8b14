//! A model fitted elsewhere (centroids, dims, scaler mean and scale) saved into a library: the
//! library's tracks are placed into its clusters, never refitted on their own; `--recluster`
//! replaces it. Also: the store-less batch analysis gives the values the store holds.

mod common;

use common::*;
use ndarray::Array2;
use sonority_library::{
    analysis_dims, analyze_files, cluster_library, model_from_centroids, save_imported_model,
    ClusterMode, ClusterOptions, FeatureConfig, LibraryError, Store,
};
use std::collections::HashMap;
use std::path::PathBuf;

/// The dims the "catalogue" model reads: a few of every kind, and the log duration.
const DIMS: [&str; 8] = [
    "spectral_centroid_mean_0",
    "spectral_flatness_mean_0",
    "rms_mean_0",
    "mfcc_mean_1",
    "mfcc_mean_2",
    "tempo_bpm",
    "zero_crossing_rate_mean_0",
    "duration_log_s",
];

/// The values of `DIMS` of every analysed track of `store`, by track id.
fn dim_values(store: &Store) -> HashMap<i64, Vec<f64>> {
    let config = FeatureConfig::default();
    let matrix = store
        .features_table(&config.analysis_version())
        .expect("read")
        .expect("analysed tracks");
    let all = analysis_dims(&config);
    let cols: Vec<usize> = DIMS
        .iter()
        .map(|d| all.iter().position(|a| a.name == *d).expect("known dim"))
        .collect();
    matrix
        .tracks
        .iter()
        .zip(&matrix.values)
        .map(|(t, v)| {
            let duration = sonority_library::clustering::duration_log(t.duration_s);
            let row: Vec<f64> = cols
                .iter()
                .map(|&c| if c == v.len() { duration } else { v[c] })
                .collect();
            (t.id, row)
        })
        .collect()
}

#[test]
fn an_imported_model_is_extended_never_refitted() {
    // A "catalogue": the FLAC excerpts, analysed into their own store; its standard scaler and
    // three centroids (the standardised rows of three tracks) stand for a model fitted by
    // another engine.
    let catalogue = Library::new();
    catalogue.copy("real", "real", |n| n.ends_with(".flac"));
    let mut cat_store = catalogue.store();
    run(&mut cat_store, &catalogue.root, &options());
    let rows: Vec<Vec<f64>> = {
        let mut v: Vec<(i64, Vec<f64>)> = dim_values(&cat_store).into_iter().collect();
        v.sort_by_key(|(id, _)| *id);
        v.into_iter().map(|(_, r)| r).collect()
    };
    assert!(rows.len() >= 4, "{} catalogue tracks", rows.len());
    let d = DIMS.len();
    let n = rows.len() as f64;
    let mean: Vec<f64> = (0..d)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    // Sample standard deviations, as Spark's StandardScaler has them; a constant column (the
    // excerpts may share a duration) gets 1, as scikit-learn's does.
    let scale: Vec<f64> = (0..d)
        .map(|j| (rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
        .map(|s| if s > 0.0 { s } else { 1.0 })
        .collect();
    let k = 3;
    let centroids = Array2::from_shape_fn((k, d), |(c, j)| (rows[c][j] - mean[j]) / scale[j]);
    let dims: Vec<String> = DIMS.iter().map(|s| s.to_string()).collect();
    let config = FeatureConfig::default();
    let model = model_from_centroids(
        &config,
        centroids.clone(),
        &dims,
        mean.clone(),
        scale.clone(),
        None,
    )
    .expect("model");

    // Unknown dims are refused by name.
    let mut wrong = dims.clone();
    wrong[0] = "spectral_centroid_mean_9".into();
    let err = model_from_centroids(&config, centroids.clone(), &wrong, mean, scale, None)
        .expect_err("unknown dim");
    assert!(
        matches!(&err, LibraryError::UnknownDims(d) if d == &["spectral_centroid_mean_9"]),
        "{err}"
    );

    // A fresh library gets the model before it has any track.
    let lib = Library::new();
    lib.copy("real", "real", |n| {
        n.ends_with(".mp3") || n.ends_with(".ogg")
    });
    let mut store = lib.store();
    let saved = save_imported_model(&mut store, &model, &config).expect("save");
    let names: Vec<String> = model
        .clustering
        .clusters
        .iter()
        .map(|c| c.name.clone())
        .collect();
    run(&mut store, &lib.root, &options());
    // Options that would refit a library of its own at once (playlists of one track).
    let options = ClusterOptions {
        playlist_size: 1,
        ..ClusterOptions::default()
    };
    let first = cluster_library(&mut store, &options).expect("cluster");
    let values = dim_values(&store);
    assert_eq!(
        first.mode,
        ClusterMode::Extended {
            added: values.len(),
            removed: 0
        }
    );
    assert!(first.id > saved);
    assert_eq!(first.data.algorithm, "imported");
    assert_eq!(first.data.k, k);
    let by_id: HashMap<i64, Option<i64>> = first
        .data
        .assignments
        .iter()
        .map(|a| (a.track_id, a.cluster_id))
        .collect();
    let (z_mean, z_scale) = (model.scaler.center(), model.scaler.scale());
    for (id, row) in &values {
        // Nearest centroid, by hand.
        let dist = |c: usize| -> f64 {
            (0..d)
                .map(|j| ((row[j] - z_mean[j]) / z_scale[j] - centroids[[c, j]]).powi(2))
                .sum()
        };
        let nearest = (0..k).min_by(|&a, &b| dist(a).total_cmp(&dist(b))).unwrap();
        assert_eq!(by_id[id], Some(nearest as i64), "track {id}");
    }
    let stored_names: Vec<String> = first
        .data
        .clusters
        .iter()
        .map(|c| c.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(stored_names, names);
    assert_eq!(
        first.data.clusters.iter().map(|c| c.size).sum::<usize>(),
        values.len()
    );
    assert!(first.data.clusters.iter().all(|c| c.family_id.is_some()));

    // More tracks join; the old ones stay; nothing is refitted however large a cluster grows.
    lib.copy("real", "more", |n| {
        n.ends_with(".flac") || n.ends_with(".opus")
    });
    run(&mut store, &lib.root, &common::options());
    let grown = cluster_library(&mut store, &options).expect("cluster");
    assert!(
        matches!(grown.mode, ClusterMode::Extended { added, removed: 0 } if added > 0),
        "{:?}",
        grown.mode
    );
    assert_eq!(grown.data.algorithm, "imported");
    for a in &grown.data.assignments {
        if let Some(before) = by_id.get(&a.track_id) {
            assert_eq!(&a.cluster_id, before, "track {} moved", a.track_id);
        }
    }

    // Only --recluster replaces it with the library's own clustering.
    let refit = cluster_library(
        &mut store,
        &ClusterOptions {
            recluster: true,
            ..ClusterOptions::default()
        },
    )
    .expect("recluster");
    assert!(matches!(refit.mode, ClusterMode::Fitted { .. }));
    assert_eq!(refit.data.algorithm, "hierarchical");
}

#[test]
fn the_batch_analysis_gives_the_stored_values() {
    let lib = Library::new();
    lib.copy("real", "real", |n| n.starts_with("percussive"));
    lib.copy("decode", "junk", |n| n == "text.mp3");
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let config = FeatureConfig::default();
    let matrix = store
        .features_table(&config.analysis_version())
        .expect("read")
        .expect("tracks");
    let mut paths: Vec<PathBuf> = matrix.tracks.iter().map(|t| t.path.clone()).collect();
    paths.push(lib.path("junk/text.mp3"));
    paths.push(lib.path("junk/missing.flac"));
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let results = analyze_files(&paths, &config, 2, &|_, total| {
        assert_eq!(total, paths.len());
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .expect("analysis");
    assert_eq!(calls.into_inner(), paths.len());
    assert_eq!(results.len(), paths.len());
    let width = analysis_dims(&config).len();
    for ((r, t), stored) in results.iter().zip(&matrix.tracks).zip(&matrix.values) {
        assert_eq!(r.path, t.path);
        let a = r.outcome.as_ref().expect("analysed");
        assert_eq!(a.values.len(), width);
        // Bit for bit: the same code on the same file.
        assert_eq!(&a.values[..width - 1], &stored[..]);
        assert_eq!(Some(a.source.duration_s), t.duration_s);
    }
    let text = results[paths.len() - 2].outcome.as_ref().expect_err("text");
    assert!(
        text.contains("text.mp3") && text.contains("not audio"),
        "{text}"
    );
    let missing = results[paths.len() - 1]
        .outcome
        .as_ref()
        .expect_err("missing");
    assert!(missing.contains("missing.flac"), "{missing}");
}
