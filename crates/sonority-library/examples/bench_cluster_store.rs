//! The clustering step of `sonority organize` on a large store made from real feature vectors.
//!
//! ```text
//! cargo run --release -p sonority-library --example bench_cluster_store -- SOURCE.db N OUT.db
//! ```
//!
//! Copies the analysed tracks of SOURCE.db (a library analysed by `sonority analyze`) into a new
//! store OUT.db until it holds N tracks (then 10% more): track i takes the features of source track i mod m with
//! seeded Gaussian jitter of 5% of each dim's standard deviation (so that no two tracks are the
//! same point). Then times `cluster_library` with the default options (the organize defaults),
//! and once more after adding 10% new tracks (the incremental path of a rerun). Run it under
//! `/usr/bin/time -v` for the peak memory. Prints figures; asserts nothing.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rusqlite::{params, Connection};
use sonority_library::{cluster_library, ClusterOptions, FeatureConfig, Store};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, source, n, out] = args.as_slice() else {
        return Err("usage: bench_cluster_store SOURCE.db N OUT.db".into());
    };
    let n: usize = n.parse()?;
    let _ = std::fs::remove_file(out);
    drop(Store::open(std::path::Path::new(out))?); // creates the schema

    let src = Connection::open(source)?;
    let mut stmt = src.prepare(
        "SELECT t.duration_s, t.analysis_version, l.layout, f.vector FROM tracks t \
         JOIN features f ON f.track_id = t.id JOIN feature_layouts l ON l.id = f.layout_id \
         WHERE t.error IS NULL ORDER BY t.id",
    )?;
    let rows: Vec<(Option<f64>, String, String, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let Some((_, source_version, layout, _)) = rows.first().cloned() else {
        return Err("the source store has no analysed track".into());
    };
    // Stored under this build's analysis version (the layout is the same across versions that
    // only changed how values are computed), so that `cluster_library` finds them.
    let version = FeatureConfig::default().analysis_version();
    let vectors: Vec<Vec<f64>> = rows
        .iter()
        .filter(|r| r.1 == source_version)
        .map(|r| {
            r.3.chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .collect()
        })
        .collect();
    let d = vectors[0].len();
    let m = vectors.len() as f64;
    let std: Vec<f64> = (0..d)
        .map(|j| {
            let mean = vectors.iter().map(|v| v[j]).sum::<f64>() / m;
            (vectors.iter().map(|v| (v[j] - mean).powi(2)).sum::<f64>() / m).sqrt()
        })
        .collect();
    println!(
        "source: {} analysed tracks of {d} dims; building {n} tracks",
        vectors.len()
    );

    let mut db = Connection::open(out)?;
    let fill = |db: &mut Connection, from: usize, to: usize| -> rusqlite::Result<()> {
        let tx = db.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO feature_layouts (analysis_version, layout) VALUES (?1, ?2)",
            params![version, layout],
        )?;
        let layout_id: i64 = tx.query_row(
            "SELECT id FROM feature_layouts WHERE analysis_version = ?1",
            [&version],
            |r| r.get(0),
        )?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(from as u64);
        for i in from..to {
            let v = &vectors[i % vectors.len()];
            let jittered: Vec<u8> = v
                .iter()
                .zip(&std)
                .flat_map(|(x, s)| {
                    // Box-Muller: one standard normal per dim.
                    let (u1, u2): (f64, f64) = (rng.gen::<f64>().max(1e-300), rng.gen());
                    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                    (x + 0.05 * s * z).to_le_bytes()
                })
                .collect();
            tx.execute(
                "INSERT INTO tracks (path, size, mtime_ns, duration_s, analysis_version, \
                 analyzed_at) VALUES (?1, 1, 0, ?2, ?3, 0)",
                params![
                    format!("/bench/{i:06}.flac"),
                    rows[i % rows.len()].0,
                    version
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO features (track_id, layout_id, vector) VALUES (?1, ?2, ?3)",
                params![id, layout_id, jittered],
            )?;
        }
        tx.commit()
    };
    fill(&mut db, 0, n)?;
    drop(db);

    let mut store = Store::open(std::path::Path::new(out))?;
    let options = ClusterOptions::default();
    let t = Instant::now();
    let first = cluster_library(&mut store, &options)?;
    println!(
        "first clustering of {n} tracks: {:.1} s · {} playlists in {} families",
        t.elapsed().as_secs_f64(),
        first.data.k,
        first.data.families.len()
    );
    let mut db = Connection::open(out)?;
    fill(&mut db, n, n + n / 10)?;
    drop(db);
    let t = Instant::now();
    let grown = cluster_library(&mut store, &options)?;
    println!(
        "{} new tracks placed: {:.1} s ({:?})",
        n / 10,
        t.elapsed().as_secs_f64(),
        grown.mode
    );
    Ok(())
}
