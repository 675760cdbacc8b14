//! Speed and memory figures for the README (a benchmark, not a timed test).
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-cluster cargo bench -p sonority-cluster            # everything
//! CARGO_TARGET_DIR=/work/target-cluster cargo bench -p sonority-cluster -- ward    # one case
//! /usr/bin/time -v <target>/release/deps/cluster_bench-<hash> ward                 # peak memory
//! ```
//!
//! Cases: `kmeans` (k = 10 on 100,000 × 120 standardised rows), `sweep` (k = 2..15 with
//! silhouette on 10,000 rows), `ward` (10,000 rows), `knn` (1,000 queries on 100,000 rows),
//! `linfa` (linfa-clustering's k-means on the same 100,000 rows, for comparison).
//!
//! Data: 20 overlapping Gaussian blobs in 120 dims (centres N(0, 0.5²) per dim, unit noise),
//! standardised; clusters that overlap like real music features, which makes k-means iterate
//! much longer than on well separated blobs. Wall and CPU seconds are both printed: on a
//! shared machine CPU time is the steadier figure.

use std::time::Instant;

use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sonority_cluster::agglomerative::{AgglomerativeParams, Linkage};
use sonority_cluster::kmeans::KMeansParams;
use sonority_cluster::neighbors::NeighborIndex;
use sonority_cluster::select_k::KSweepParams;
use sonority_cluster::Fit;

fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `n × d` standardised rows from `centers` overlapping blobs.
fn blobs(n: usize, d: usize, centers: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let c = Array2::from_shape_fn((centers, d), |_| 0.5 * normal(&mut rng));
    let mut x = Array2::from_shape_fn((n, d), |_| normal(&mut rng));
    for i in 0..n {
        let j = rng.gen_range(0..centers);
        let mut r = x.row_mut(i);
        r += &c.row(j);
    }
    let mean = x.mean_axis(Axis(0)).unwrap_or_default();
    let std = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 0.0 { s } else { 1.0 });
    (x - &mean) / &std
}

/// CPU time (user + system) of this process so far, from /proc/self/stat, in seconds.
fn cpu_time() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let (t, c) = (Instant::now(), cpu_time());
    let out = f();
    println!(
        "{what:<58} {:>7.2} s wall {:>7.2} s cpu",
        t.elapsed().as_secs_f64(),
        cpu_time() - c
    );
    out
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |case: &str| args.is_empty() || args.iter().any(|a| a == case);
    println!(
        "sonority-cluster bench: {} threads (rayon)",
        rayon::current_num_threads()
    );

    if want("kmeans") || want("knn") || want("linfa") {
        let x = blobs(100_000, 120, 20, 1);
        if want("kmeans") {
            for n_init in [1, 3, 10] {
                let m = timed(
                    &format!("k-means k=10, 100000 x 120, n_init {n_init}"),
                    || {
                        KMeansParams::new(10)
                            .n_init(n_init)
                            .fit(x.view())
                            .expect("k-means")
                    },
                );
                println!(
                    "    inertia {:.1}, {} iterations (best run)",
                    m.inertia, m.n_iter
                );
            }
        }
        if want("linfa") {
            use linfa::traits::Fit;
            let ds = linfa::DatasetBase::from(x.clone());
            let m = timed(
                "linfa-clustering k-means k=10, 100000 x 120, n_runs 1",
                || {
                    linfa_clustering::KMeans::params_with_rng(
                        10,
                        Xoshiro256PlusPlus::seed_from_u64(0),
                    )
                    .n_runs(1)
                    .fit(&ds)
                    .expect("linfa k-means")
                },
            );
            // linfa reports the mean squared distance; scale to a sum for comparison.
            println!("    inertia {:.1}", m.inertia() * x.nrows() as f64);
        }
        if want("knn") {
            let index = timed("nearest neighbours: index 100000 x 120", || {
                NeighborIndex::new(x.view()).expect("index")
            });
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
            let rows: Vec<usize> = (0..1000).map(|_| rng.gen_range(0..x.nrows())).collect();
            let q = x.select(Axis(0), &rows);
            let res = timed("nearest neighbours: 1000 queries, 10 nearest each", || {
                index.query_batch(q.view(), 10).expect("query")
            });
            println!(
                "    first query: nearest {} at {:.3}",
                res[0][1].index, res[0][1].distance
            );
        }
    }
    if want("sweep") {
        let x = blobs(10_000, 120, 8, 2);
        let s = timed(
            "k sweep 2..15 (k-means n_init 3 + silhouette), 10000 x 120",
            || KSweepParams::new(2, 15).fit(x.view()).expect("sweep"),
        );
        println!(
            "    chosen k {} (silhouette), elbow {:?}",
            s.chosen_k, s.elbow_k
        );
    }
    if want("ward") {
        let x = blobs(10_000, 120, 8, 3);
        let a = timed("Ward linkage, 10000 x 120, cut at k = 8", || {
            AgglomerativeParams::new(8)
                .linkage(Linkage::Ward)
                .fit(x.view())
                .expect("ward")
        });
        println!(
            "    last merge height {:.2}",
            a.merges.last().map_or(0.0, |m| m.distance)
        );
    }
}
