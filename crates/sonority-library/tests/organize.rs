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
