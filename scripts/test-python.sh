#!/usr/bin/env bash
# The Python package's tests (part of scripts/test.sh): makes a venv in target/py-venv with
# what crates/sonority-py/requirements-test.txt lists (from PyPI), builds the extension module
# into it with maturin (the dev profile, as cargo test builds), and runs pytest on
# crates/sonority-py/tests against it and the `sonority` binary of the same build.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/py-venv"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  -r crates/sonority-py/requirements-test.txt
cargo build -p sonority-cli
VIRTUAL_ENV="$(cd "$venv" && pwd)" PATH="$(cd "$venv" && pwd)/bin:$PATH" \
  "$venv/bin/maturin" develop --quiet -m crates/sonority-py/Cargo.toml
export SONORITY_BIN="$(cd "$target/debug" && pwd)/sonority"
# pytest exits 5 when it collected no test: that is a failure here too.
"$venv/bin/python" -m pytest crates/sonority-py/tests -q "$@"
