//! The store on its own: schema and migrations, refusal of files it must not touch,
//! clusterings and tag history.

mod common;

use common::*;
use rusqlite::Connection;
use sonority_cluster::select_k::KPoint;
use sonority_cluster::{
    AgglomerativeParams, AlgorithmParams, Dim, FamilyCount, KRule, KSweep, Model, ModelParams,
    Quality,
};
use sonority_library::{
    Algorithm, ClusterRow, ClusteringData, FamilyRow, FitSelection, KChoice, LatestClustering,
    LibraryError, Selection, Store, StoreError, StoredModel, TagChange, TagWrite, TrackAssignment,
    DB_ENV, SCHEMA_VERSION,
};
use std::fs;

#[test]
fn new_database_has_the_current_schema_and_settings() {
    let lib = Library::new();
    assert!(!lib.db.parent().expect("parent").exists());
    let store = lib.store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.path(), lib.db);
    drop(store);
    // Reopening does not migrate again.
    let store = lib.store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let status = store.status().expect("status");
    assert_eq!((status.tracks, status.analysed, status.failed), (0, 0, 0));
    assert!(status.latest_clustering.is_none());
    drop(store);

    let conn = Connection::open(&lib.db).expect("sqlite");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .expect("application id");
    assert_eq!(app, sonority_store::APPLICATION_ID);
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    tables.sort();
    assert_eq!(
        tables,
        [
            "analysis_in_progress",
            "clusterings",
            "clusters",
            "families",
            "feature_layouts",
            "features",
            "tag_history",
            "track_clusters",
            "tracks"
        ]
    );
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
}

#[test]
fn empty_file_is_migrated_from_version_0() {
    let lib = Library::new();
    fs::create_dir_all(lib.db.parent().expect("parent")).expect("mkdir");
    fs::write(&lib.db, b"").expect("zero-byte database");
    let store = lib.store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(store.tracks().expect("tracks").is_empty());
}

/// A version 2 library (before the tag history became a write-ahead record) is migrated:
/// its rows count as completed tag writes, with no identity, and undo can follow them.
#[test]
fn version_2_tag_history_is_migrated() {
    use sonority_store::{TagWriteKind, TagWriteState, MIGRATIONS};
    let lib = Library::new();
    fs::create_dir_all(lib.db.parent().expect("parent")).expect("mkdir");
    {
        let conn = Connection::open(&lib.db).expect("sqlite");
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "application_id", sonority_store::APPLICATION_ID)
            .expect("app id");
        conn.pragma_update(None, "user_version", 2)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO tracks (id, path, size, mtime_ns, analysis_version, analyzed_at) \
                 VALUES (7, '/music/a.flac', 10, 20, 'v', 30); \
             INSERT INTO tag_history (track_id, path, field, previous_value, new_value, \
                 written_at) VALUES (7, '/music/a.flac', 'grouping', 'mine', 'cluster', 40);",
        )
        .expect("v2 rows");
    }
    let store = lib.store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    const { assert!(SCHEMA_VERSION >= 3) };
    let history = store.field_history("grouping").expect("history");
    assert_eq!(history.len(), 1);
    let row = &history[0];
    assert_eq!(row.track, Some(7));
    assert_eq!(row.previous.as_deref(), Some("mine"));
    assert_eq!(row.new.as_deref(), Some("cluster"));
    assert_eq!(row.state, TagWriteState::Done);
    assert_eq!(row.kind, TagWriteKind::Tag);
    assert_eq!(row.identity, None);
    drop(store);
    let conn = Connection::open(&lib.db).expect("sqlite");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    // The new columns refuse values outside their sets.
    assert!(conn
        .execute("UPDATE tag_history SET state = 'bogus'", [])
        .is_err());
}

/// A write is recorded as pending and committed before the file is replaced, then marked
/// done (or abandoned); an undo's rows are marked undone only once the undo is complete.
#[test]
fn pending_tag_writes_are_completed_or_abandoned() {
    use sonority_store::{PendingTagWrite, TagWriteKind, TagWriteState};
    let lib = Library::new();
    let mut store = lib.store();
    let write = |kind, previous: &str, new: &str, undoes: Vec<i64>| PendingTagWrite {
        track: None,
        path: "/music/x.mp3".into(),
        field: "grouping".into(),
        previous: Some(previous.into()),
        new: Some(new.into()),
        kind,
        clustering: None,
        undoes,
    };
    let tag = store
        .begin_tag_write(&write(TagWriteKind::Tag, "mine", "A", vec![]))
        .expect("begin");
    // Committed before the caller goes on: another connection sees it.
    {
        let conn = Connection::open(&lib.db).expect("sqlite");
        let state: String = conn
            .query_row("SELECT state FROM tag_history WHERE id = ?1", [tag], |r| {
                r.get(0)
            })
            .expect("row");
        assert_eq!(state, "pending");
    }
    store
        .complete_tag_write(tag, (1, 2), 3, 4)
        .expect("complete");
    let undo = store
        .begin_tag_write(&write(TagWriteKind::Undo, "A", "mine", vec![tag]))
        .expect("begin undo");
    let states = |store: &Store| -> Vec<(TagWriteState, Option<i64>)> {
        store
            .field_history("grouping")
            .expect("history")
            .into_iter()
            .map(|e| (e.state, e.undone_by))
            .collect()
    };
    assert_eq!(
        states(&store),
        [
            (TagWriteState::Done, Some(undo)),
            (TagWriteState::Pending, None)
        ]
    );
    // An undo that did not happen frees the row it meant to restore.
    store.abandon_tag_write(undo).expect("abandon");
    assert_eq!(
        states(&store),
        [
            (TagWriteState::Done, None),
            (TagWriteState::Abandoned, None)
        ]
    );
    let undo = store
        .begin_tag_write(&write(TagWriteKind::Undo, "A", "mine", vec![tag]))
        .expect("begin undo");
    store
        .complete_tag_write(undo, (1, 5), 3, 4)
        .expect("complete");
    let history = store.field_history("grouping").expect("history");
    assert_eq!(history[0].state, TagWriteState::Undone);
    assert_eq!(history[0].identity, Some((1, 2)));
    assert_eq!(history[2].state, TagWriteState::Done);
    assert_eq!(history[2].kind, TagWriteKind::Undo);
}

/// Version 4 (in-progress marks) migrates a version-3 library: its tracks stay, the table of
/// files in progress is added.
#[test]
fn version_3_library_gains_the_in_progress_marks() {
    let lib = Library::small();
    {
        let mut store = lib.store();
        run(&mut store, &lib.root, &options());
    }
    {
        // Back to version 3 (the tag history's write-ahead record): no in-progress table.
        let conn = Connection::open(&lib.db).expect("sqlite");
        conn.execute_batch("DROP TABLE analysis_in_progress; PRAGMA user_version = 3;")
            .expect("downgrade");
    }
    let store = lib.store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.status().expect("status").tracks, 12);
    drop(store);
    let conn = Connection::open(&lib.db).expect("sqlite");
    let marks: i64 = conn
        .query_row("SELECT COUNT(*) FROM analysis_in_progress", [], |r| {
            r.get(0)
        })
        .expect("the table exists");
    assert_eq!(marks, 0);
}

/// A library of the synthetic chords, analysed, with its store and track ids.
fn analysed_chords() -> (Library, Store, Vec<i64>) {
    let lib = Library::new();
    lib.copy("synthetic", "", |n| n.starts_with("chord"));
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let ids = store
        .tracks()
        .expect("tracks")
        .iter()
        .map(|t| t.id)
        .collect();
    (lib, store, ids)
}

#[test]
fn version_4_clusterings_get_the_algorithm_names_people_type_and_integer_track_ids() {
    let (lib, mut store, ids) = analysed_chords();
    // Four clusterings as version 4 named them; the params say which linkage was used.
    let mut saved = Vec::new();
    for linkage in ["ward", "ward", "average", "ward"] {
        let mut data = clustering(&ids);
        data.params = ModelParams::new(AlgorithmParams::Agglomerative(AgglomerativeParams {
            k: 2,
            linkage: serde_json::from_value(serde_json::Value::from(linkage)).expect("linkage"),
        }));
        saved.push(store.save_clustering(&data).expect("save"));
    }
    drop(store);
    {
        let conn = Connection::open(&lib.db).expect("sqlite");
        for (id, old) in saved.iter().zip([
            "gaussian_mixture",
            "agglomerative",
            "agglomerative",
            "kmeans",
        ]) {
            conn.execute(
                "UPDATE clusterings SET algorithm = ?1 WHERE id = ?2",
                rusqlite::params![old, id],
            )
            .expect("old name");
        }
        // Version 4 saved models keyed by the ids as strings.
        conn.execute(
            "UPDATE clusterings SET model = json_set(model, \
                 '$.clustering.track_ids', json('[\"12\", \"3\", \"7\"]'), \
                 '$.clustering.labels', json('[0, 1, 0]'))",
            [],
        )
        .expect("string ids");
        conn.pragma_update(None, "user_version", 4)
            .expect("downgrade");
    }
    let store = lib.store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let names: Vec<String> = store
        .clusterings()
        .expect("list")
        .into_iter()
        .map(|c| c.algorithm)
        .collect();
    // A non-Ward agglomerative keeps its generic name; the others take the names of
    // `--algorithm`.
    assert_eq!(names, ["gmm", "ward", "agglomerative", "kmeans"]);
    // The models read again, keyed by the store's ids, in their order.
    for id in saved {
        let model = store
            .clustering(id)
            .expect("read")
            .expect("some")
            .data
            .model;
        let model = model.get().expect("a readable model");
        assert_eq!(model.clustering.track_ids, [12, 3, 7]);
        assert_eq!(model.clustering.labels, [Some(0), Some(1), Some(0)]);
    }
}

#[test]
fn newer_schema_is_refused() {
    let lib = Library::new();
    drop(lib.store());
    {
        let conn = Connection::open(&lib.db).expect("sqlite");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .expect("bump");
    }
    let err = Store::open(&lib.db).expect_err("newer schema");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported, .. }
            if found == SCHEMA_VERSION + 7 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("newer sonority"), "{message}");
    assert!(message.contains(&*lib.db.to_string_lossy()), "{message}");
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let lib = Library::new();
    fs::create_dir_all(lib.db.parent().expect("parent")).expect("mkdir");
    {
        let conn = Connection::open(&lib.db).expect("sqlite");
        conn.execute_batch("CREATE TABLE songs (id INTEGER PRIMARY KEY, name TEXT);")
            .expect("foreign schema");
    }
    let before = fs::read(&lib.db).expect("read");
    let err = Store::open(&lib.db).expect_err("foreign");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err:?}");
    assert!(err.to_string().contains("not a sonority library"));
    assert_eq!(fs::read(&lib.db).expect("read"), before, "left untouched");
}

#[test]
fn corrupt_database_gives_a_clear_error() {
    let lib = Library::new();
    fs::create_dir_all(lib.db.parent().expect("parent")).expect("mkdir");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7919 % 251) as u8).collect();
    fs::write(&lib.db, &garbage).expect("write");
    let err = Store::open(&lib.db).expect_err("garbage");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("damaged or is not an SQLite database"),
        "{message}"
    );
    assert!(message.contains(&*lib.db.to_string_lossy()), "{message}");
    assert_eq!(fs::read(&lib.db).expect("read"), garbage, "left untouched");

    // A real library cut in half: refused at open or at the first query, never a panic.
    let lib = Library::small();
    {
        let mut store = lib.store();
        run(&mut store, &lib.root, &options());
    }
    let bytes = fs::read(&lib.db).expect("read");
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(lib.db.with_file_name(format!("library.db{suffix}")));
    }
    fs::write(&lib.db, &bytes[..bytes.len() / 2]).expect("truncate");
    match Store::open(&lib.db) {
        Err(e) => assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}"),
        Ok(store) => {
            let result = store.tracks().and_then(|_| store.features_table("x"));
            let result = result.and_then(|_| store.status());
            if let Err(e) = result {
                assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
            }
        }
    }
}

#[test]
fn read_only_database_gives_a_clear_error() {
    let lib = Library::small();
    {
        let mut store = lib.store();
        run(&mut store, &lib.root, &options());
    }
    // Opened read-only: reading works, writing is refused with a clear error.
    let mut store = Store::open_read_only(&lib.db).expect("open read-only");
    assert_eq!(store.status().expect("status").tracks, 12);
    fs::remove_file(lib.path("synthetic/sweep_22k.wav")).expect("rm");
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let err =
        sonority_library::analyze_library(&mut store, &lib.root, &options(), &mut |_| {}, &cancel)
            .expect_err("read-only");
    assert!(
        matches!(err, LibraryError::Store(StoreError::ReadOnly { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("is read-only"), "{err}");
    drop(store);

    // Read-only open of a file that does not exist is an error, not a new library.
    let err = Store::open_read_only(&lib.dir.path().join("none.db")).expect_err("missing");
    assert!(err.to_string().contains("none.db"), "{err}");
}

/// A database file (and folder) the user may not write opens with a clear error. As root
/// (CI) the test runs again as an unprivileged user.
#[cfg(unix)]
#[test]
fn unwritable_database_file_is_refused_as_read_only() {
    use std::os::unix::fs::PermissionsExt;
    if run_unprivileged("unwritable_database_file_is_refused_as_read_only") {
        return;
    }
    let lib = Library::small();
    {
        let mut store = lib.store();
        run(&mut store, &lib.root, &options());
    }
    let dir = lib.db.parent().expect("parent");
    for entry in fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).expect("chmod");
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).expect("chmod");
    let err = Store::open(&lib.db);
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    let err = err.expect_err("read-only file");
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("is read-only"), "{err}");
}

/// A model of two clusters over two dims, as an engine elsewhere would give it.
fn two_cluster_model() -> Model<i64> {
    Model::from_centroids(
        vec![
            Dim::new("mfcc_mean_0", "mfcc"),
            Dim::new("chroma_mean_0", "chroma"),
        ],
        ndarray::array![[0.5, -1.25], [3.0, 0.0]],
        vec![1.0, 0.5],
        vec![2.0, 0.25],
        Some(vec!["tonal".into(), "noisy".into()]),
        // Named by hand; the words table is never saved, so a loaded model has none.
        &[],
    )
    .expect("model")
}

fn clustering(track_ids: &[i64]) -> ClusteringData {
    let point = |k: usize, silhouette: f64| KPoint {
        k,
        inertia: 10.0 / k as f64,
        silhouette,
        calinski_harabasz: 12.5,
        davies_bouldin: 0.75,
        bic: None,
        labels: Vec::new(),
    };
    let model = two_cluster_model();
    ClusteringData {
        algorithm: "kmeans".into(),
        analysis_version: "v-test".into(),
        selection: Selection::Fitted(FitSelection {
            groups: vec!["mfcc".into(), "chroma".into()],
            algorithm: Algorithm::Kmeans,
            k: KChoice::Auto,
            playlist_size: 30,
            families: FamilyCount::Fixed(1),
        }),
        params: model.params.clone(),
        k: 2,
        quality: Quality {
            silhouette: Some(0.41),
            ..Quality::default()
        },
        sweep: Some(KSweep {
            points: vec![point(2, 0.41), point(3, 0.3)],
            elbow_k: None,
            chosen_k: 2,
            rule: KRule::Silhouette,
        }),
        model: StoredModel::Model(Box::new(model)),
        families: vec![FamilyRow {
            family_id: 0,
            name: Some("calm".into()),
            size: 3,
            x: Some(0.4),
            y: None,
        }],
        clusters: vec![
            ClusterRow {
                cluster_id: 0,
                name: Some("tonal".into()),
                size: 2,
                centroid: vec![0.5, -1.25],
                x: Some(0.1),
                y: Some(0.2),
                family_id: Some(0),
            },
            ClusterRow {
                cluster_id: 1,
                name: None,
                size: 1,
                centroid: vec![3.0, 0.0],
                x: None,
                y: None,
                family_id: None,
            },
        ],
        assignments: track_ids
            .iter()
            .enumerate()
            .map(|(i, &id)| TrackAssignment {
                track_id: id,
                cluster_id: if i == 3 { None } else { Some((i % 2) as i64) },
                distance: Some(i as f64 * 0.5),
                confidence: Some(0.9),
                x: Some(i as f64),
                y: Some(-(i as f64)),
            })
            .collect(),
    }
}

#[test]
fn clusterings_round_trip_and_follow_forgotten_tracks() {
    let lib = Library::new();
    lib.copy("synthetic", "", |n| {
        n.starts_with("chord") || n.starts_with("s")
    });
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let ids: Vec<i64> = store
        .tracks()
        .expect("tracks")
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids.len(), 6);
    let mut data = clustering(&ids[..4]);
    // Assignments come back by track id.
    data.assignments.sort_by_key(|a| a.track_id);
    let first = store.save_clustering(&data).expect("save");
    let second = store.save_clustering(&data).expect("save");
    assert!(second > first);
    let latest = store.latest_clustering().expect("latest").expect("some");
    assert_eq!(latest.id, second);
    assert!(latest.created_at > 0);
    assert_eq!(latest.data, data);
    assert_eq!(
        store.clustering(first).expect("q").expect("some").data,
        data
    );
    assert!(store.clustering(999).expect("q").is_none());
    let list = store.clusterings().expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!((list[1].k, list[1].tracks), (2, 4));
    assert_eq!(
        store
            .status()
            .expect("status")
            .latest_clustering
            .map(|c| c.id),
        Some(second)
    );

    // An assignment to a cluster that does not exist is refused, and nothing is saved.
    let mut bad = clustering(&ids[..1]);
    bad.assignments[0].cluster_id = Some(9);
    assert!(store.save_clustering(&bad).is_err());
    let mut bad = clustering(&ids[..1]);
    bad.clusters[1].centroid[0] = f64::NAN;
    assert!(matches!(
        store.save_clustering(&bad),
        Err(StoreError::NonFiniteCentroid(1))
    ));
    assert_eq!(store.clusterings().expect("list").len(), 2);

    // Forgetting a track drops its assignments.
    let gone = store.track(ids[0]).expect("q").expect("row").path;
    fs::remove_file(&gone).expect("rm");
    run(&mut store, &lib.root, &options());
    let latest = store.latest_clustering().expect("q").expect("some");
    assert_eq!(latest.data.assignments.len(), 3);
    assert!(store.delete_clustering(first).expect("delete"));
    assert!(!store.delete_clustering(first).expect("delete"));
    assert_eq!(store.clusterings().expect("list").len(), 1);
}

#[test]
fn a_model_this_build_cannot_read_is_reported_not_lost() {
    let (lib, mut store, ids) = analysed_chords();
    let id = store.save_clustering(&clustering(&ids)).expect("save");
    drop(store);
    // A model written by a build with another format version.
    let conn = Connection::open(&lib.db).expect("open");
    conn.execute(
        "UPDATE clusterings SET model = json_set(model, '$.format_version', 99) WHERE id = ?1",
        [id],
    )
    .expect("update");
    drop(conn);
    let store = lib.store();
    let saved = store.clustering(id).expect("read").expect("some");
    match &saved.data.model {
        StoredModel::Unreadable(reason) => assert!(reason.contains("version 99"), "{reason}"),
        other => panic!("expected an unreadable model, got {other:?}"),
    }
    // Everything else of the clustering still reads.
    assert_eq!(saved.data.clusters, clustering(&ids).clusters);
    let err = match LatestClustering::load(&store) {
        Err(e) => e,
        Ok(_) => panic!("a clustering without a readable model loaded"),
    };
    assert!(
        matches!(err, LibraryError::Store(StoreError::UnreadableModel { clustering, .. }) if clustering == id),
        "{err:?}"
    );
    assert!(err.to_string().contains("--recluster"), "{err}");
}

#[test]
fn tag_writes_are_recorded_and_keep_the_track_up_to_date() {
    let lib = Library::new();
    lib.copy("synthetic", "", |n| {
        n == "sweep_22k.wav" || n == "noise_22k.wav"
    });
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let track = store
        .track_by_path(&lib.path("sweep_22k.wav"))
        .expect("q")
        .expect("row");
    let clustering_id = store
        .save_clustering(&clustering(&[track.id]))
        .expect("save");

    // Pretend a tag writer changed the file: new size and mtime.
    let path = lib.path("sweep_22k.wav");
    let mut bytes = fs::read(&path).expect("read");
    bytes.extend_from_slice(b"LIST\x04\x00\x00\x00INFO");
    fs::write(&path, &bytes).expect("write");
    let meta = fs::metadata(&path).expect("stat");
    let mtime_ns = meta
        .modified()
        .expect("mtime")
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as i64;
    let write = TagWrite {
        track: track.id,
        changes: vec![
            TagChange {
                field: "genre".into(),
                previous: None,
                new: Some("Sweeps".into()),
            },
            TagChange {
                field: "track_no".into(),
                previous: None,
                new: Some("4".into()),
            },
            TagChange {
                field: "SONORITY_CLUSTER".into(),
                previous: Some("old".into()),
                new: Some("tonal".into()),
            },
        ],
        size: meta.len(),
        mtime_ns,
        clustering: Some(clustering_id),
    };
    store.record_tag_write(&write).expect("record");
    let row = store.track(track.id).expect("q").expect("row");
    assert_eq!(row.tags.genre.as_deref(), Some("Sweeps"));
    assert_eq!(row.tags.track_no, Some(4));
    assert_eq!(row.size, meta.len());

    let history = store.tag_history(Some(track.id)).expect("history");
    assert_eq!(history.len(), 3);
    assert_eq!(history[2].field, "SONORITY_CLUSTER");
    assert_eq!(history[2].previous.as_deref(), Some("old"));
    assert_eq!(history[2].new.as_deref(), Some("tonal"));
    assert_eq!(history[0].path, path);
    assert_eq!(history[0].clustering, Some(clustering_id));
    assert!(history.windows(2).all(|w| w[0].id < w[1].id));

    // The rewritten file is not analysed again: its audio did not change.
    let rerun = run(&mut store, &lib.root, &options());
    assert_eq!(rerun.report.analysed, 0);

    // Unknown tracks are refused; history outlives a forgotten track.
    let mut unknown = write.clone();
    unknown.track = 12345;
    assert!(matches!(
        store.record_tag_write(&unknown),
        Err(StoreError::UnknownTrack(12345))
    ));
    fs::remove_file(&path).expect("rm");
    run(&mut store, &lib.root, &options());
    let all = store.tag_history(None).expect("history");
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|h| h.track.is_none() && h.path == path));
}

#[test]
fn default_path_honours_the_environment() {
    // The only test in this binary that touches the environment.
    let previous = std::env::var_os(DB_ENV);
    std::env::set_var(DB_ENV, "/tmp/somewhere/else.db");
    let chosen = Store::default_path();
    std::env::set_var(DB_ENV, "");
    let fallback = Store::default_path();
    match previous {
        Some(v) => std::env::set_var(DB_ENV, v),
        None => std::env::remove_var(DB_ENV),
    }
    assert_eq!(
        chosen.expect("env path"),
        std::path::PathBuf::from("/tmp/somewhere/else.db")
    );
    if let Ok(path) = fallback {
        assert!(path.ends_with("sonority/library.db"), "{}", path.display());
    }
}

#[test]
fn in_memory_store_works() {
    let store = Store::open_in_memory().expect("memory");
    assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
    assert!(store.features_table("x").expect("q").is_none());
}

/// Forget only what is really gone: an empty root (an unmounted drive's mount point), a root
/// whose every known file is gone, a missing or unreadable root forget nothing and say so;
/// a partly vanished library forgets its missing files; `force_forget` forgets all.
#[test]
fn an_empty_or_vanished_root_forgets_nothing() {
    use sonority_library::WithheldReason;
    let lib = Library::small();
    let mut store = lib.store();
    let first = run(&mut store, &lib.root, &options());
    let known = store.tracks().expect("tracks").len();
    assert!(known >= 10, "{known}");
    assert_eq!(first.report.forget_withheld, None);

    // The drive is not mounted: the mount point is an empty folder.
    let away = lib.dir.path().join("away");
    fs::rename(&lib.root, &away).expect("unmount");
    fs::create_dir(&lib.root).expect("empty mount point");
    let empty = run(&mut store, &lib.root, &options());
    assert_eq!(empty.report.removed, 0);
    let withheld = empty.report.forget_withheld.clone().expect("withheld");
    assert_eq!(withheld.reason, WithheldReason::EmptyRoot);
    assert_eq!(withheld.missing, known);
    assert_eq!(store.tracks().expect("tracks").len(), known);

    // Another library is mounted there: none of the known files is found.
    fs::copy(
        fixtures().join("synthetic/noise_22k.wav"),
        lib.root.join("other.wav"),
    )
    .expect("copy");
    let other = run(&mut store, &lib.root, &options());
    assert_eq!(other.report.removed, 0);
    let withheld = other.report.forget_withheld.clone().expect("withheld");
    assert_eq!(withheld.reason, WithheldReason::NoneFound);
    assert_eq!(store.tracks().expect("tracks").len(), known + 1);
    fs::remove_file(lib.root.join("other.wav")).expect("rm");
    run(&mut store, &lib.root, &options());

    // The root is gone altogether: the run fails and forgets nothing.
    fs::remove_dir(&lib.root).expect("rmdir");
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let err =
        sonority_library::analyze_library(&mut store, &lib.root, &options(), &mut |_| {}, &cancel)
            .expect_err("missing root");
    assert!(matches!(err, LibraryError::Root { .. }), "{err:?}");
    assert_eq!(store.tracks().expect("tracks").len(), known + 1);

    // Mounted again, minus one file: that one is forgotten (and the stray one).
    fs::rename(&away, &lib.root).expect("mount");
    fs::remove_file(lib.root.join("synthetic/noise_22k.wav")).expect("rm");
    let partial = run(&mut store, &lib.root, &options());
    assert_eq!(partial.report.removed, 2);
    assert_eq!(partial.report.forget_withheld, None);
    assert_eq!(store.tracks().expect("tracks").len(), known - 1);

    // The user really removed everything: forced, it is forgotten.
    for entry in fs::read_dir(&lib.root).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path).expect("rm -r");
        } else {
            fs::remove_file(&path).expect("rm");
        }
    }
    let kept = run(&mut store, &lib.root, &options());
    assert_eq!(kept.report.removed, 0);
    assert!(kept.report.forget_withheld.is_some());
    let forced = run(
        &mut store,
        &lib.root,
        &sonority_library::AnalyzeOptions {
            force_forget: true,
            ..options()
        },
    );
    assert_eq!(forced.report.removed, known - 1);
    assert!(store.tracks().expect("tracks").is_empty());
}

/// An unreadable library folder forgets nothing. As root (CI) the test runs again as an
/// unprivileged user, since root reads any folder.
#[cfg(unix)]
#[test]
fn an_unreadable_root_forgets_nothing() {
    use std::os::unix::fs::PermissionsExt;
    if run_unprivileged("an_unreadable_root_forgets_nothing") {
        return;
    }
    let lib = Library::small();
    let mut store = lib.store();
    run(&mut store, &lib.root, &options());
    let known = store.tracks().expect("tracks").len();
    assert!(known >= 10, "{known}");
    fs::set_permissions(&lib.root, fs::Permissions::from_mode(0o000)).expect("chmod");
    let locked = run(&mut store, &lib.root, &options());
    fs::set_permissions(&lib.root, fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(locked.report.removed, 0);
    assert_eq!(store.tracks().expect("tracks").len(), known);
}
