#!/usr/bin/env bash
# The Parquet readers and the Spark job (part of scripts/test.sh, after scripts/test-python.sh,
# whose venv target/py-venv holds the `sonority` package and pytest): installs
# scripts/requirements-dist.txt into that venv, then checks that pandas, polars and DuckDB read
# the exports (scripts/check-exports.py) and runs the Spark job on a local cluster of two
# executor processes (scripts/test_spark.py). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/py-venv"
[[ -x "$venv/bin/python" ]] || { echo "test-dist: run scripts/test-python.sh first (it makes $venv)" >&2; exit 1; }
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-dist.txt
export SONORITY_BIN="$(cd "$target/debug" && pwd)/sonority"
"$venv/bin/python" scripts/check-exports.py "$SONORITY_BIN"
# pytest exits 5 when it collected no test: that is a failure here too.
"$venv/bin/python" -m pytest scripts/test_spark.py -q "$@"
