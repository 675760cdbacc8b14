//! The organize step on real files: two levels, stability across reruns, growth and
//! reclustering, and a fresh fit once the library outgrows its playlists.

mod common;

use common::*;
use sonority_library::{cluster_library, ClusterMode, ClusterOptions, Store};
use std::collections::HashMap;

fn assignments(store: &Store) -> HashMap<i64, Option<i64>> {
    store
        .latest_clustering()
        .expect("read")
        .expect("a clustering")
        .data
        .assignments
        .iter()
        .map(|a| (a.track_id, a.cluster_id))
        .collect()
}

#[test]
fn two_levels_stable_reruns_growth_and_refit() {
    let lib = Library::new();
    lib.copy("real", "real", |n| {
        !n.ends_with(".opus") && !n.ends_with(".m4a")
    });
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let options = ClusterOptions {
        playlist_size: 4,
        ..ClusterOptions::default()
    };

    // First run: playlists nested in families, named "family / own words".
    let first = cluster_library(&mut store, &options).expect("cluster");
    assert!(
        matches!(first.mode, ClusterMode::Fitted { .. }),
        "{:?}",
        first.mode
    );
    let data = &first.data;
    assert!(data.k >= 2, "{} playlists", data.k);
    assert!(!data.families.is_empty());
    let n = data.assignments.len();
    assert_eq!(
        data.families.iter().map(|f| f.size).sum::<usize>(),
        n,
        "every track in one family"
    );
    for c in &data.clusters {
        let family = data
            .families
            .iter()
            .find(|f| Some(f.family_id) == c.family_id)
            .expect("each playlist has a family");
        let name = c.name.as_deref().expect("named");
        assert!(
            name.starts_with(family.name.as_deref().expect("named")),
            "{name}"
        );
        assert!(c.size <= 8, "{name}: {} tracks above the limit", c.size);
    }
    let before = assignments(&store);

    // An unchanged rerun changes nothing.
    let again = cluster_library(&mut store, &options).expect("cluster");
    assert_eq!(again.mode, ClusterMode::UpToDate);
    assert_eq!(assignments(&store), before);

    // A few new tracks join the existing playlists; old tracks stay where they were.
    lib.copy("real", "more", |n| n.ends_with(".opus"));
    run(&mut store, &lib.root, &common::options());
    let grown = cluster_library(&mut store, &options).expect("cluster");
    assert!(
        matches!(grown.mode, ClusterMode::Extended { added: 4, .. }),
        "{:?}",
        grown.mode
    );
    let after = assignments(&store);
    for (track, cluster) in &before {
        assert_eq!(after.get(track), Some(cluster), "track {track} moved");
    }
    assert!(
        after.values().all(Option::is_some),
        "every new track has a playlist"
    );

    // --recluster keeps ids and names where playlists persist.
    let refit = cluster_library(
        &mut store,
        &ClusterOptions {
            recluster: true,
            ..options.clone()
        },
    )
    .expect("cluster");
    match refit.mode {
        ClusterMode::Fitted { matched } => assert!(matched >= 1, "{matched}"),
        other => panic!("{other:?}"),
    }

    // Many new tracks: the playlists would grow far past their limit, so the library is
    // organised afresh instead of extended.
    lib.copy("synthetic", "synthetic", |_| true);
    lib.copy("real", "again", |n| n.ends_with(".m4a"));
    // Thirteen WAV variants of one test signal: they all join one playlist.
    lib.copy("decode", "wav", |n| n.starts_with("wav_"));
    run(&mut store, &lib.root, &common::options());
    let outgrown = cluster_library(&mut store, &options).expect("cluster");
    assert!(
        matches!(outgrown.mode, ClusterMode::Fitted { .. }),
        "{:?}",
        outgrown.mode
    );
    assert!(outgrown.data.clusters.iter().all(|c| c.size <= 8));
}

/// `organize()`, the main job as any front end calls it: analyse, cluster, write playlists in
/// family folders; the overview `cluster`/`organize` print agrees with what was stored.
#[test]
fn organize_analyses_clusters_writes_playlists_and_reruns_as_up_to_date() {
    use sonority_library::{organize, LibraryError, OrganizeOptions, Overview};
    use std::sync::atomic::AtomicBool;

    let lib = Library::new();
    lib.copy("real", "real", |n| {
        !n.ends_with(".opus") && !n.ends_with(".m4a")
    });
    lib.copy("synthetic", "synthetic", |_| true);
    let mut store = lib.store();
    let options = OrganizeOptions {
        analyze: options(),
        cluster: ClusterOptions {
            playlist_size: 4,
            ..ClusterOptions::default()
        },
        ..OrganizeOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let mut events = 0;
    let done = organize(
        &mut store,
        &lib.root,
        &options,
        &mut |_| events += 1,
        &cancel,
    )
    .expect("organize");
    assert!(events > 0, "progress reported");
    assert!(done.analysis.analysed >= 10, "{:?}", done.analysis);
    assert_eq!(done.playlists_dir, lib.root.join("sonority-playlists"));
    let outcome = done.clustering.as_ref().expect("clustered");
    assert!(matches!(outcome.mode, ClusterMode::Fitted { .. }));
    let written = done.playlists.as_ref().expect("playlists");
    assert_eq!(written.written.len(), outcome.data.k);
    for path in &written.written {
        assert!(path.is_file(), "{}", path.display());
        // One folder per family inside the playlists folder.
        assert_eq!(
            path.parent().and_then(|p| p.parent()),
            Some(done.playlists_dir.as_path())
        );
    }

    let overview = Overview::of(&store, outcome).expect("overview");
    assert_eq!(overview.clusters.len(), outcome.data.k);
    assert_eq!(overview.tracks, done.analysis.analysed);
    let mut in_families: Vec<i64> = overview
        .families
        .iter()
        .flat_map(|f| f.clusters.iter().copied())
        .collect();
    in_families.sort_unstable();
    let mut ids: Vec<i64> = overview.clusters.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    assert_eq!(in_families, ids, "every playlist in exactly one family");
    for c in &overview.clusters {
        assert!(!c.examples.is_empty() && c.examples.len() <= 3, "{c:?}");
    }
    let json = serde_json::to_value(&overview).expect("json");
    assert_eq!(
        json["clusters"].as_array().map(Vec::len),
        Some(outcome.data.k)
    );
    assert_eq!(json["mode"]["mode"], "fitted");

    // A rerun analyses nothing and keeps the clustering.
    let again = organize(&mut store, &lib.root, &options, &mut |_| {}, &cancel).expect("rerun");
    assert_eq!(again.analysis.analysed, 0);
    assert_eq!(
        again.clustering.as_ref().map(|c| &c.mode),
        Some(&ClusterMode::UpToDate)
    );

    // Interrupted before the analysis ends: nothing clustered, nothing written.
    let fresh = Library::new();
    fresh.copy("synthetic", "synthetic", |_| true);
    let stopped = AtomicBool::new(true);
    let interrupted = organize(
        &mut fresh.store(),
        &fresh.root,
        &options,
        &mut |_| {},
        &stopped,
    )
    .expect("interrupted");
    assert!(interrupted.analysis.cancelled, "{:?}", interrupted.analysis);
    assert!(interrupted.clustering.is_none() && interrupted.playlists.is_none());
    assert!(!fresh.root.join("sonority-playlists").exists());

    // Not a folder: a clear error naming it.
    let file = lib.root.join("real").read_dir().expect("dir").next();
    let file = file.expect("a file").expect("entry").path();
    let err = organize(&mut store, &file, &options, &mut |_| {}, &cancel).expect_err("a file");
    assert!(matches!(err, LibraryError::NotAFolder(_)), "{err}");
    assert!(err.to_string().contains("is not a folder"), "{err}");
}
