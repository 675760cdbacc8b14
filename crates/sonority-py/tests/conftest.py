"""Shared helpers: the fixtures folder, the `sonority` binary of the same build (SONORITY_BIN,
set by scripts/test-python.sh; a missing binary fails the tests, it never skips them), and a
library database made by `sonority organize` on fixture files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures"


def sonority_bin() -> str:
    path = os.environ.get("SONORITY_BIN") or str(ROOT / "target" / "debug" / "sonority")
    assert Path(path).is_file(), (
        f"the sonority binary {path} is missing: build it (cargo build -p sonority-cli) or "
        "run scripts/test-python.sh"
    )
    return path


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the sonority binary; its output as text."""
    done = subprocess.run(
        [sonority_bin(), *args], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    if check:
        assert done.returncode == 0, f"sonority {' '.join(args)}: {done.stderr}"
    return done


def cli_json_lines(*args: str) -> list:
    return [json.loads(line) for line in cli(*args).stdout.splitlines() if line.strip()]


def export_frame(db: Path) -> pd.DataFrame:
    """`sonority export --format csv` of a database, floats read back exactly."""
    out = db.parent / "export.csv"
    cli("export", "--format", "csv", "--raw-csv", "-o", str(out), "--db", str(db))
    return pd.read_csv(out, float_precision="round_trip")


def copy_fixtures(dest: Path, names: list) -> list:
    """Copies fixture files (paths relative to fixtures/) into dest; their new paths."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        target = dest / Path(name).name
        shutil.copy(FIXTURES / name, target)
        out.append(target.resolve())
    return out


# Real music excerpts in four formats: the files most tests analyse.
REAL = [
    f"real/{kind}.{ext}"
    for kind in ("ambient_freedroid", "electronic_freedroid", "orchestral_wesnoth", "percussive_etr")
    for ext in ("flac", "mp3", "ogg")
]


@pytest.fixture(scope="session")
def organized(tmp_path_factory) -> Path:
    """A database made by `sonority organize` on the REAL excerpts (its music folder beside
    it, in `music/`)."""
    base = tmp_path_factory.mktemp("organized")
    copy_fixtures(base / "music", REAL)
    db = base / "library.db"
    cli("organize", str(base / "music"), "--db", str(db), "--playlists", str(base / "playlists"))
    return db
