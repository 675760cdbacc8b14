#!/usr/bin/env bash
# The test command of README.md: installs what the tests need, then runs every test of the
# workspace, then the Python tests: the package's (scripts/test-python.sh: a venv in
# target/py-venv, the wheel built with maturin, pytest), then in the same venv the readers of
# the Parquet export and the Spark job on a local cluster (scripts/test-dist.sh). The Rust
# tests need no Python: librosa and scikit-learn reference values are committed under
# fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cargo test --workspace "$@"
scripts/test-python.sh
scripts/test-dist.sh
