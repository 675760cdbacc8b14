//! The saved model end to end: fit, name, save, load, assign new tracks, align a refit.

mod common;

use common::*;
use sonority_cluster::*;

fn music() -> FeatureTable {
    table(&fixture("music.json"))
}

fn kmeans(k: usize, seed: u64) -> AlgorithmParams {
    AlgorithmParams::KMeans(KMeansParams::new(k).seed(seed))
}

#[test]
fn kmeans_model_names_saves_and_assigns() {
    let t = music();
    let model = named(kmeans(3, 0)).fit(&t).unwrap();
    let c = &model.clustering;
    assert_eq!(c.k(), 3);
    assert_eq!(c.labels.len(), t.n_tracks());
    assert!(c.quality.silhouette.is_some() && c.quality.calinski_harabasz.is_some());
    let names: Vec<&str> = c.clusters.iter().map(|c| c.name.as_str()).collect();
    println!("names: {names:?}");
    for (i, a) in names.iter().enumerate() {
        assert!(!a.is_empty());
        for b in &names[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // The music fixture's classes differ in tempo, brightness and loudness.
    assert!(
        names.iter().any(|n| n.contains("fast")) && names.iter().any(|n| n.contains("slow")),
        "{names:?}"
    );

    let json = model.to_json().unwrap();
    let back = Model::from_json(&json).unwrap().with_words(WORDS);
    assert_eq!(back, model);
    // Training tracks are assigned to their own clusters.
    let placed = back.assign(&t).unwrap();
    for (a, l) in placed.iter().zip(&c.labels) {
        assert_eq!(a.cluster, *l);
        assert!((0.0..=1.0).contains(&a.confidence));
        assert!(a.distance >= 0.0);
    }
    // Columns in another order, plus an extra column, are fine.
    let mut names_rev: Vec<&str> = t.dim_names();
    names_rev.reverse();
    let shuffled = t.select_dims(&names_rev).unwrap();
    assert_eq!(back.assign(&shuffled).unwrap(), placed);
    // A missing column is a clear error.
    let fewer = t.select_dims(&names_rev[1..]).unwrap();
    let err = back.assign(&fewer).unwrap_err().to_string();
    assert!(err.contains(names_rev[0]), "{err}");
}

#[test]
fn other_format_versions_are_refused() {
    let model = named(kmeans(2, 0)).fit(&music()).unwrap();
    let json = model.to_json().unwrap().replacen(
        &format!("\"format_version\":{MODEL_FORMAT_VERSION}"),
        "\"format_version\":999",
        1,
    );
    assert!(matches!(
        Model::<String>::from_json(&json),
        Err(ClusterError::ModelVersion { found: 999, .. })
    ));
}

#[test]
fn every_algorithm_assigns_its_training_tracks_back() {
    let t = music();
    let algos = [
        AlgorithmParams::GaussianMixture(GmmParams::new(3).covariance(CovarianceType::Diag)),
        AlgorithmParams::GaussianMixture(GmmParams::new(3)),
        AlgorithmParams::Agglomerative(AgglomerativeParams::new(3)),
        AlgorithmParams::Dbscan(DbscanParams::new().min_samples(5)),
    ];
    for algo in algos {
        let name = algo.name();
        let model = named(algo)
            .groups(["rms", "spectral", "rhythm"])
            .fit(&t)
            .unwrap();
        assert_eq!(
            model.dims().len(),
            7,
            "{name}: rms + spectral + rhythm dims"
        );
        let back = Model::from_json(&model.to_json().unwrap())
            .unwrap()
            .with_words(WORDS);
        assert_eq!(back, model, "{name}: JSON round trip");
        let placed = back.assign(&t).unwrap();
        let agree = placed
            .iter()
            .zip(&model.clustering.labels)
            .filter(|(a, l)| a.cluster == **l)
            .count();
        println!(
            "{name}: k {} quality {:?}; {agree}/{} training tracks assigned back",
            model.clustering.k(),
            model.clustering.quality,
            t.n_tracks()
        );
        assert!(agree as f64 >= 0.9 * t.n_tracks() as f64, "{name}");
        if let AlgorithmParams::Dbscan(p) = &model.clustering.algorithm {
            assert!(p.eps.is_some(), "the eps used is recorded");
        }
    }
}

#[test]
fn realigned_refit_keeps_ids_and_names() {
    let t = music();
    let first: Vec<usize> = (0..200).collect();
    let old = named(kmeans(3, 0))
        .fit(&t.select_rows(&first).unwrap())
        .unwrap();
    // The grown library, fitted with another seed: cluster numbering is arbitrary.
    let mut new = named(kmeans(3, 11)).fit(&t).unwrap();
    let matches = new.align_to(&old, None).unwrap();
    assert!(matches.iter().all(|m| m.matched));
    let same = (0..200)
        .filter(|&i| new.clustering.labels[i] == old.clustering.labels[i])
        .count();
    assert!(
        same >= 190,
        "only {same}/200 shared tracks kept their cluster id"
    );
    for c in &new.clustering.clusters {
        assert_eq!(Some(&c.name), old.clustering.cluster(c.id).map(|o| &o.name));
    }
    // Assignments now report the aligned ids.
    let placed = new.assign(&t).unwrap();
    assert_eq!(
        placed.iter().map(|a| a.cluster).collect::<Vec<_>>(),
        new.clustering.labels
    );

    // One more cluster than before: the extra one gets a fresh id and a distinct name.
    let mut bigger = named(kmeans(4, 0)).fit(&t).unwrap();
    let m = bigger.align_to(&old, None).unwrap();
    assert_eq!(m.iter().filter(|m| m.matched).count(), 3);
    let fresh: Vec<_> = m.iter().filter(|m| !m.matched).collect();
    assert_eq!(fresh.len(), 1);
    assert_eq!(fresh[0].id, 3);
    let names: Vec<&String> = bigger.clustering.clusters.iter().map(|c| &c.name).collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // Fewer clusters than before: ids stay a subset of the old ones.
    let mut smaller = named(kmeans(2, 0)).fit(&t).unwrap();
    smaller.align_to(&old, None).unwrap();
    assert!(smaller.clustering.clusters.iter().all(|c| c.id < 3));
}

#[test]
fn similar_tracks_are_exact_neighbours() {
    let t = music();
    let model = named(kmeans(3, 0)).fit(&t).unwrap();
    let sim = model.similar(&t, "track0007", 5).unwrap();
    assert_eq!(sim.len(), 5);
    assert!(sim.iter().all(|s| s.id != "track0007"));
    let x = model.scaler.transform(&t).unwrap();
    let q = x.row(7);
    let mut all: Vec<(f64, usize)> = (0..x.nrows())
        .filter(|&i| i != 7)
        .map(|i| {
            (
                x.row(i)
                    .iter()
                    .zip(q.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt(),
                i,
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (s, (d, i)) in sim.iter().zip(&all) {
        assert_eq!(s.id, format!("track{i:04}"));
        assert!((s.distance - d).abs() < 1e-12);
    }
    assert!(model.similar(&t, "nope", 3).is_err());
}

#[test]
fn group_balance_changes_the_geometry_not_the_api() {
    let t = music();
    let p = named(kmeans(3, 0)).scaler(ScalerParams::standard().balance_groups(true));
    let m = p.fit(&t).unwrap();
    let x = m.scaler.transform(&t).unwrap();
    // Each of the 4 groups has total variance 1.
    let var = |c: usize| {
        let col = x.column(c);
        let mean = col.mean().unwrap();
        col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / col.len() as f64
    };
    let mfcc: f64 = (6..14).map(var).sum();
    assert!((mfcc - 1.0).abs() < 1e-9 && (var(14) - 1.0).abs() < 1e-9);
    assert!(m.clustering.quality.inertia.is_finite());
}

#[test]
fn clustering_serialises_for_storage() {
    let model = named(kmeans(3, 0)).fit(&music()).unwrap();
    let s = serde_json::to_string(&model.clustering).unwrap();
    let back: Clustering = serde_json::from_str(&s).unwrap();
    assert_eq!(back, model.clustering);
    assert!(s.contains("\"algorithm\":\"kmeans\""), "{}", &s[..120]);
    let sweep = KSweepParams::new(2, 5)
        .fit(model.scaler.transform(&music()).unwrap().view())
        .unwrap();
    let s = serde_json::to_string(&sweep).unwrap();
    assert!(s.contains("silhouette") && !s.contains("labels"));
    let proj = pca_2d(model.scaler.transform(&music()).unwrap().view()).unwrap();
    assert_eq!(proj.coords.dim(), (240, 2));
    serde_json::to_string(&proj).unwrap();
}

/// Three well-separated groups of tracks of sizes `sizes` in 3 named dims, jittered.
fn three_groups(sizes: [usize; 3], seed: u64) -> FeatureTable {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let dims = vec![
        Dim::new("tempo_bpm", "rhythm"),
        Dim::new("spectral_centroid_mean_0", "spectral"),
        Dim::new("rms_mean_0", "rms"),
    ];
    let centres = [
        [70.0, 800.0, 0.02],
        [170.0, 4000.0, 0.3],
        [120.0, 2000.0, 0.1],
    ];
    let mut rows = Vec::new();
    for (g, &size) in sizes.iter().enumerate() {
        for i in 0..size {
            let c = centres[g];
            rows.push((
                format!("g{g}-{i}"),
                vec![
                    c[0] + rng.gen_range(-5.0..5.0),
                    c[1] + rng.gen_range(-100.0..100.0),
                    c[2] + rng.gen_range(-0.005..0.005),
                ],
            ));
        }
    }
    FeatureTable::from_rows(dims, rows).unwrap()
}

#[test]
fn hierarchical_families_keep_ids_and_names_when_the_library_grows() {
    let params = named(AlgorithmParams::Hierarchical(
        HierarchyParams::default()
            .playlist_size(10)
            .families(FamilyCount::Fixed(3)),
    ));
    let before = params.fit(&three_groups([60, 40, 20], 1)).unwrap();
    let family_of_group = |m: &Model, g: usize| {
        let i = m
            .clustering
            .track_ids
            .iter()
            .position(|t| t.starts_with(&format!("g{g}-")))
            .unwrap();
        let c = m.clustering.labels[i].unwrap();
        let f = m.clustering.cluster(c).unwrap().family.unwrap();
        m.clustering.family(f).unwrap().clone()
    };
    // Every playlist is named "family / own words" and nests in one family.
    for c in &before.clustering.clusters {
        let fam = before.clustering.family(c.family.unwrap()).unwrap();
        assert!(c.name.starts_with(&fam.name), "{} in {}", c.name, fam.name);
        assert!(fam.clusters.contains(&c.id));
    }
    // The smallest group grows into the largest: families are numbered by size, so a fresh fit
    // numbers them differently, and alignment must follow the sound, not the number.
    let mut after = params.fit(&three_groups([60, 40, 90], 2)).unwrap();
    assert_ne!(
        family_of_group(&after, 2).id,
        family_of_group(&before, 2).id,
        "the test needs the numbering to change"
    );
    after.align_to(&before, None).unwrap();
    for g in 0..3 {
        let (a, b) = (family_of_group(&after, g), family_of_group(&before, g));
        assert_eq!((a.id, &a.name), (b.id, &b.name), "group {g}");
    }
    for c in &after.clustering.clusters {
        let fam = after.clustering.family(c.family.unwrap()).unwrap();
        assert!(c.name.starts_with(&fam.name), "{} in {}", c.name, fam.name);
        assert!(fam.clusters.contains(&c.id));
    }
}

/// Three centroids in a standardised 2-dim space (tempo, brightness), as a k-means fitted
/// elsewhere after a standard scaler gives them.
fn imported() -> Model {
    let dims = vec![
        Dim::new("tempo_bpm", "rhythm"),
        Dim::new("spectral_centroid_mean_0", "spectral"),
    ];
    let centroids = ndarray::array![[1.5, 0.1], [-1.2, -0.9], [-0.2, 1.4]];
    Model::from_centroids(
        dims,
        centroids,
        vec![120.0, 2000.0],
        vec![20.0, 500.0],
        None,
        WORDS,
    )
    .unwrap()
}

#[test]
fn a_model_from_centroids_round_trips_and_is_named_by_its_centroids() {
    let model = imported();
    let back = Model::from_json(&model.to_json().unwrap())
        .unwrap()
        .with_words(WORDS);
    assert_eq!(back, model);
    let dims: Vec<&str> = model.dims().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(dims, ["tempo_bpm", "spectral_centroid_mean_0"]);
    assert_eq!(model.scaler.center(), [120.0, 2000.0]);
    assert_eq!(model.scaler.scale(), [20.0, 500.0]);
    let names: Vec<&str> = model
        .clustering
        .clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    // Each name starts with the word of the dim where the centroid stands furthest out.
    assert!(names[0].starts_with("fast"), "{names:?}");
    assert!(names[1].starts_with("slow"), "{names:?}");
    assert!(names[2].starts_with("bright"), "{names:?}");
    // Every cluster is in exactly one family, and the families list them.
    let mut listed: Vec<usize> = model
        .clustering
        .families
        .iter()
        .flat_map(|f| f.clusters.clone())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, [0, 1, 2]);
    for c in &model.clustering.clusters {
        let f = c.family.unwrap();
        assert!(model.clustering.families[f].clusters.contains(&c.id));
    }
    // Names given are kept.
    let named: Model = Model::from_centroids(
        model.dims().to_vec(),
        ndarray::array![[0.0, 0.0]],
        vec![0.0, 0.0],
        vec![1.0, 1.0],
        Some(vec!["mine".into()]),
        WORDS,
    )
    .unwrap();
    assert_eq!(named.clustering.clusters[0].name, "mine");
}

#[test]
fn a_model_from_centroids_assigns_the_nearest_centroid() {
    let model = imported();
    let rows = [
        [150.0, 2100.0],
        [90.0, 1500.0],
        [115.0, 2700.0],
        [140.0, 1950.0],
    ];
    let table = FeatureTable::from_rows(
        model.dims().to_vec(),
        rows.iter()
            .enumerate()
            .map(|(i, r)| (format!("t{i}"), r.to_vec())),
    )
    .unwrap();
    let placed = model.assign(&table).unwrap();
    let centroids = [[1.5, 0.1], [-1.2, -0.9], [-0.2, 1.4]];
    for (r, a) in rows.iter().zip(&placed) {
        // By hand: standardise, then the squared distance to each centroid.
        let z = [(r[0] - 120.0) / 20.0, (r[1] - 2000.0) / 500.0];
        let d: Vec<f64> = centroids
            .iter()
            .map(|c| ((z[0] - c[0]).powi(2) + (z[1] - c[1]).powi(2)).sqrt())
            .collect();
        let nearest = (0..3).min_by(|&i, &j| d[i].total_cmp(&d[j])).unwrap();
        assert_eq!(a.cluster, Some(nearest), "{r:?}: distances {d:?}");
        assert!((a.distance - d[nearest]).abs() < 1e-12);
    }
    // The four rows were chosen to land in each cluster, the last one in the first too.
    let clusters: Vec<Option<usize>> = placed.iter().map(|a| a.cluster).collect();
    assert_eq!(clusters, [Some(0), Some(1), Some(2), Some(0)]);
}

#[test]
fn a_model_from_centroids_refuses_bad_input() {
    let dims = vec![Dim::new("a", "g"), Dim::new("b", "g")];
    let ok = ndarray::array![[0.0, 1.0]];
    let bad = |r: sonority_cluster::Result<Model>| r.unwrap_err().to_string();
    assert!(bad(Model::from_centroids(
        dims.clone(),
        ndarray::array![[0.0]],
        vec![0.0, 0.0],
        vec![1.0, 1.0],
        None,
        WORDS
    ))
    .contains("1 columns for 2 dims"));
    assert!(bad(Model::from_centroids(
        dims.clone(),
        ok.clone(),
        vec![0.0],
        vec![1.0, 1.0],
        None,
        WORDS
    ))
    .contains("1 means"));
    assert!(bad(Model::from_centroids(
        dims.clone(),
        ok.clone(),
        vec![0.0, 0.0],
        vec![1.0, -1.0],
        None,
        WORDS
    ))
    .contains("\"b\""));
    assert!(bad(Model::from_centroids(
        dims.clone(),
        ndarray::array![[0.0, f64::NAN]],
        vec![0.0, 0.0],
        vec![1.0, 1.0],
        None,
        WORDS
    ))
    .contains("not finite"));
    assert!(bad(Model::from_centroids(
        dims,
        ok,
        vec![0.0, 0.0],
        vec![1.0, 1.0],
        Some(vec![]),
        WORDS
    ))
    .contains("0 names"));
}
