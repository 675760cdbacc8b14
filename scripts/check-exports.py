#!/usr/bin/env python3
"""Checks that the Python data tools read `sonority export` as it is.

Organises a small library built from the fixtures with the given binary, exports it as CSV,
JSON and Parquet, and checks that
  - pandas reads the CSV and JSON (the same values, a few ulps apart: see below);
  - pandas (pyarrow), polars and DuckDB read the Parquet with typed columns (float64
    features, int64 ids, string text) and exactly the CSV's values;
  - the package's Library.export_parquet and Parquet to a piped stdout are the same file,
    and Parquet to a terminal is refused.

    scripts/check-exports.py [path/to/sonority]      (scripts/test-dist.sh runs it)
"""

import os
import pty
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
FIXED = ["path", "artist", "album", "title", "genre", "duration_s", "family_id", "family_name",
         "cluster_id", "cluster_name", "cluster_distance", "codec"]
TEXT = ["path", "artist", "album", "title", "genre", "family_name", "cluster_name", "codec"]
INT = ["family_id", "cluster_id"]


def sonority(binary, db, *args, **kw):
    return subprocess.run([str(binary), "--db", str(db), *args], check=True,
                          stderr=subprocess.PIPE, **kw)


def main():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    binary = Path(sys.argv[1] if len(sys.argv) > 1 else f"{target}/debug/sonority").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        music = tmp / "music"
        music.mkdir()
        files = [*sorted((ROOT / "fixtures/real").glob("*.ogg")),
                 *sorted((ROOT / "fixtures/real").glob("*.mp3")),
                 ROOT / "fixtures/synthetic/noise_22k.wav",
                 ROOT / "fixtures/synthetic/sweep_22k.wav"]
        for f in files:
            shutil.copy(f, music)
        db = tmp / "db"
        sonority(binary, db, "organize", "-q", "-k", "3", str(music), stdout=subprocess.DEVNULL)
        sonority(binary, db, "export", "--format", "csv", "-o", str(tmp / "export.csv"))
        sonority(binary, db, "export", "--format", "csv", "--raw-csv", "-o", str(tmp / "raw.csv"))
        sonority(binary, db, "export", "--format", "json", "-o", str(tmp / "export.json"))
        sonority(binary, db, "export", "--format", "parquet", "-o", str(tmp / "export.parquet"))
        with open(tmp / "piped.parquet", "wb") as piped:
            sonority(binary, db, "export", "--format", "parquet", stdout=piped)
        parquet = tmp / "export.parquet"

        # CSV and JSON through pandas.
        c = pd.read_csv(tmp / "export.csv")
        j = pd.read_json(tmp / "export.json")
        n = len(files)
        assert c.shape == j.shape == (n, c.shape[1]), (c.shape, j.shape)
        assert list(c.columns[:12]) == FIXED and list(j.columns[:12]) == FIXED
        feats = list(c.columns[12:])
        assert "tempo_bpm" in feats and "timbre_cov_11_11" in feats and "mfcc_mean_0" in feats
        assert all(c[f].dtype == np.float64 for f in feats), "a feature column is not numeric"
        # pandas' default float parsers are fast, not correctly rounded: a few ulps apart.
        assert np.allclose(c[feats].values, j[feats].values, rtol=1e-12, atol=1e-12)
        assert c["cluster_id"].nunique() == 3, c["cluster_id"].unique()
        assert c["family_id"].dtype == np.int64 and c["family_name"].notna().all()

        # The reference for Parquet: the raw CSV (text as stored), floats parsed exactly.
        ref = pd.read_csv(tmp / "raw.csv", float_precision="round_trip", keep_default_na=False,
                          na_values={k: [""] for k in c.columns})

        # Parquet's own schema, as pyarrow reads it.
        schema = pq.read_schema(parquet)
        assert schema.names == list(c.columns), schema.names
        for field in schema:
            if field.name in TEXT:
                want = pa.string()
            elif field.name in INT:
                want = pa.int64()
            else:
                want = pa.float64()
            assert field.type == want, (field.name, field.type)
            assert field.nullable == (field.name in FIXED and field.name != "path"), field

        def same(frame, reader):
            assert list(frame.columns) == list(ref.columns), reader
            assert len(frame) == n, (reader, len(frame))
            for col in ref.columns:
                got, want = list(frame[col]), list(ref[col])
                if col in TEXT:
                    # None, NaN (pandas) and NA all stand for a null cell.
                    got = [None if v is None or v != v else v for v in got]
                    want = [None if v is None or v != v else v for v in want]
                    assert got == want, (reader, col, got, want)
                else:
                    g = np.array(got, dtype=np.float64)
                    w = np.array(want, dtype=np.float64)
                    # Exactly equal (NaN where the CSV cell is empty): the CSV holds the
                    # shortest decimal that reads back as the same float64.
                    assert np.array_equal(g, w, equal_nan=True), (reader, col)

        # pandas through pyarrow.
        p = pd.read_parquet(parquet, engine="pyarrow")
        assert all(p[f].dtype == np.float64 for f in feats)
        assert p["family_id"].dtype == np.int64 and p["cluster_id"].dtype == np.int64
        same(p, "pandas")

        # polars.
        q = pl.read_parquet(parquet)
        for name, dtype in q.schema.items():
            want = pl.String if name in TEXT else pl.Int64 if name in INT else pl.Float64
            assert dtype == want, (name, dtype)
        same(q.to_pandas(), "polars")

        # DuckDB: the types it sees, every value, and a query by cluster.
        con = duckdb.connect()
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')").fetchall()
        types = {r[0]: r[1] for r in described}
        assert list(types) == list(ref.columns), list(types)
        for name, t in types.items():
            want = "VARCHAR" if name in TEXT else "BIGINT" if name in INT else "DOUBLE"
            assert t == want, (name, t)
        same(con.execute(f"SELECT * FROM read_parquet('{parquet}')").df(), "duckdb")
        by_cluster = con.execute(
            f"SELECT cluster_name, count(*) AS n, avg(tempo_bpm) AS tempo "
            f"FROM '{parquet}' GROUP BY cluster_name ORDER BY cluster_name").fetchall()
        want = ref.groupby("cluster_name")["tempo_bpm"].agg(["count", "mean"]).sort_index()
        assert [r[0] for r in by_cluster] == list(want.index), by_cluster
        assert [r[1] for r in by_cluster] == list(want["count"]), by_cluster
        # Sums of the same floats in another order: a few ulps.
        assert np.allclose([r[2] for r in by_cluster], want["mean"], rtol=1e-12)

        # The Python package writes the same file.
        import sonority as package
        assert package.Library(db).export_parquet(tmp / "package.parquet") == n
        assert (tmp / "package.parquet").read_bytes() == parquet.read_bytes()

        # A piped stdout gets the same file; a terminal is refused.
        assert (tmp / "piped.parquet").read_bytes() == parquet.read_bytes()
        primary, secondary = pty.openpty()
        try:
            refused = subprocess.run([str(binary), "--db", str(db), "export", "--format",
                                      "parquet"], stdout=secondary, stderr=subprocess.PIPE)
        finally:
            os.close(secondary)
            os.close(primary)
        assert refused.returncode != 0, "Parquet was written to a terminal"
        assert b"terminal" in refused.stderr, refused.stderr

        print(f"pandas {pd.__version__} (pyarrow {pa.__version__}), polars {pl.__version__}, "
              f"duckdb {duckdb.__version__}: CSV, JSON and Parquet exports read as {n} rows x "
              f"{c.shape[1]} columns; Parquet typed and equal to the CSV")


if __name__ == "__main__":
    main()
