#!/usr/bin/env bash
# The test command of README.md: installs what the tests need, then runs every test of the
# workspace. The tests need no Python: librosa and scikit-learn reference values are committed
# under fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cargo test --workspace "$@"
