//! Odd inputs give errors, not panics; results do not depend on the thread count.

mod common;

use common::*;
use ndarray::Array2;
use sonority_cluster::*;

fn algorithms(k: usize) -> Vec<AlgorithmParams> {
    vec![
        AlgorithmParams::KMeans(KMeansParams::new(k)),
        AlgorithmParams::GaussianMixture(GmmParams::new(k).covariance(CovarianceType::Diag)),
        AlgorithmParams::GaussianMixture(GmmParams::new(k)),
        AlgorithmParams::Agglomerative(AgglomerativeParams::new(k)),
        AlgorithmParams::Dbscan(DbscanParams::new().min_samples(2)),
    ]
}

fn table_of(x: Array2<f64>) -> FeatureTable {
    let dims = (0..x.ncols())
        .map(|j| Dim::new(format!("d{j}"), "g"))
        .collect();
    let ids = (0..x.nrows()).map(|i| format!("t{i}")).collect();
    FeatureTable::new(ids, dims, x).unwrap()
}

#[test]
fn odd_tables_do_not_panic() {
    let cases = vec![
        ("one row", Array2::from_elem((1, 3), 1.0)),
        ("identical rows", Array2::from_elem((20, 3), 2.5)),
        ("no columns", Array2::zeros((10, 0))),
        (
            "two rows",
            Array2::from_shape_vec((2, 2), vec![0.0, 0.0, 1.0, 1.0]).unwrap(),
        ),
        (
            "huge values",
            Array2::from_shape_fn((12, 2), |(i, j)| 1e150 * (i + j) as f64),
        ),
        (
            "tiny values",
            Array2::from_shape_fn((12, 2), |(i, j)| 1e-300 * (i * 3 + j) as f64),
        ),
    ];
    for (what, x) in cases {
        let t = table_of(x);
        for algo in algorithms(3) {
            let name = algo.name();
            // Either a model or an error; never a panic.
            match ModelParams::new(algo).fit(&t) {
                Ok(m) => {
                    let _ = m.assign(&t);
                    let _ = Model::<String>::from_json(&m.to_json().unwrap());
                }
                Err(e) => println!("{what} / {name}: {e}"),
            }
        }
        let _ = KSweepParams::new(2, 3).fit(t.data());
        let _ = pca_2d(t.data());
        let _ = TsneParams::default().fit(t.data());
        let _ = NeighborIndex::new(t.data()).and_then(|i| i.query_batch(t.data(), 3));
    }
}

#[test]
fn bad_parameters_are_errors() {
    let t = table(&fixture("blobs.json"));
    assert!(
        ModelParams::new(AlgorithmParams::KMeans(KMeansParams::new(0)))
            .fit(&t)
            .is_err()
    );
    assert!(
        ModelParams::new(AlgorithmParams::KMeans(KMeansParams::new(3)))
            .groups(["nope"])
            .fit(&t)
            .is_err()
    );
    assert!(ModelParams::new(AlgorithmParams::GaussianMixture(
        GmmParams::new(2).reg_covar(-1.0)
    ))
    .fit(&t)
    .is_err());
    assert!(KSweepParams::new(5, 2).fit(t.data()).is_err());
    assert!(KSweepParams::new(1, 3).fit(t.data()).is_err());
    assert!(DbscanParams::new().eps(f64::NAN).fit(t.data()).is_err());
    let bad = TsneParams {
        perplexity: -1.0,
        ..TsneParams::default()
    };
    assert!(bad.fit(t.data()).is_err());
    assert!(metrics::silhouette_score(t.data(), &[0, 1]).is_err());
    assert!(metrics::adjusted_rand_score(&[0, 1], &[0]).is_err());
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let r = fixture("kmeans_hard.json");
    let x = matrix(&r["x"]);
    let run = || {
        let km = KMeansParams::new(8).fit(x.view()).unwrap();
        let sil = metrics::silhouette_samples(x.view(), &km.labels).unwrap();
        let g = GmmParams::new(4)
            .covariance(CovarianceType::Diag)
            .fit(x.view())
            .unwrap();
        let nn = NeighborIndex::new(x.view())
            .unwrap()
            .query_batch(x.view(), 4)
            .unwrap();
        let sweep = KSweepParams::new(2, 5).fit(x.view()).unwrap();
        (km, sil, g, nn, sweep)
    };
    let many = run();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(run);
    assert!(
        many == one,
        "results differ between 1 thread and the default pool"
    );
}
