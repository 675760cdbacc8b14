#!/usr/bin/env bash
# Checks that pandas reads `sonority export` as it is (CSV and JSON): organises a small
# library built from the fixtures, exports it both ways and reads both with pandas.
#   scripts/check-export-pandas.sh [path/to/sonority]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/sonority}
python3 -c "import pandas" 2>/dev/null || python3 -m pip install -q pandas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/music"
cp fixtures/real/*.ogg fixtures/real/*.mp3 fixtures/synthetic/noise_22k.wav fixtures/synthetic/sweep_22k.wav "$tmp/music/"
"$bin" --db "$tmp/db" organize -q -k 3 "$tmp/music" > /dev/null
"$bin" --db "$tmp/db" export --format csv -o "$tmp/export.csv" 2> /dev/null
"$bin" --db "$tmp/db" export --format json -o "$tmp/export.json" 2> /dev/null
python3 - "$tmp" <<'PY'
import sys, numpy as np, pandas as pd
d = sys.argv[1]
c = pd.read_csv(f"{d}/export.csv")
j = pd.read_json(f"{d}/export.json")
assert c.shape == j.shape == (10, c.shape[1]), (c.shape, j.shape)
fixed = ["path", "artist", "album", "title", "genre", "duration_s", "family_id", "family_name",
         "cluster_id", "cluster_name", "cluster_distance", "codec"]
assert list(c.columns[:12]) == fixed and list(j.columns[:12]) == fixed
feats = list(c.columns[12:])
assert "tempo_bpm" in feats and "timbre_cov_11_11" in feats and "mfcc_mean_0" in feats
assert all(c[f].dtype == np.float64 for f in feats), "a feature column is not numeric"
# pandas parses floats with its own fast (not correctly rounded) parsers: a few ulps apart.
assert np.allclose(c[feats].values, j[feats].values, rtol=1e-12, atol=1e-12)
assert c["cluster_id"].nunique() == 3, c["cluster_id"].unique()
assert c["family_id"].dtype == np.int64 and c["family_name"].notna().all()
print(f"pandas {pd.__version__}: CSV and JSON exports read as {c.shape[0]} rows x {c.shape[1]} columns")
PY
