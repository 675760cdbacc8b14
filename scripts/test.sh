#!/usr/bin/env bash
# The test command of README.md: installs what the tests need, then runs every test of the
# workspace, then the Python package's tests (scripts/test-python.sh: a venv in
# target/py-venv, the wheel built with maturin, pytest). The Rust tests need no Python:
# librosa and scikit-learn reference values are committed under fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cargo test --workspace "$@"
scripts/test-python.sh
