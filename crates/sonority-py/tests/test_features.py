"""sonority.features() equals `sonority features --json` of the same build.

Tolerance: none. Both run the same Rust code on the same file; the CLI prints every f64 with
serde_json's shortest round-trip form and Python's json reads it back to the same double, so
the numbers must be equal bit for bit (frame values are float32 in both: the CLI prints
f64::from(f32), the package returns float32 arrays)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sonority
from conftest import FIXTURES, cli, cli_json_lines

FILES = [
    "real/percussive_etr.flac",
    "real/ambient_freedroid.mp3",
    "real/orchestral_wesnoth.ogg",
    "real/electronic_freedroid.opus",
    "synthetic/stereo_44k.wav",
    "synthetic/short_0.05s_22k.wav",
]


def same(a, b, where="doc"):
    """Exact equality of two JSON-like documents (NaN never occurs: JSON has null)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{where}: keys {a.keys()} vs {b.keys()}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert float(a) == float(b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.mark.parametrize("name", FILES)
def test_features_equal_the_cli_json(name):
    path = str(FIXTURES / name)
    (expected,) = cli_json_lines("features", "--json", path)
    got = sonority.features(path)
    same(got, expected)
    assert got["schema"] == "afx-features/1"
    assert "frames" not in got


@pytest.mark.parametrize("name", FILES[:2] + FILES[-1:])
def test_frames_are_numpy_arrays_equal_to_the_cli(name):
    path = str(FIXTURES / name)
    (expected,) = cli_json_lines("features", "--json", "--frames", path)
    got = sonority.features(path, frames=True)
    frames = got.pop("frames")
    exp_frames = expected.pop("frames")
    same(got, expected)
    assert frames.keys() == exp_frames.keys()
    n_frames = None
    for key, rows in exp_frames.items():
        arr = frames[key]
        assert isinstance(arr, np.ndarray) and arr.dtype == np.float32 and arr.ndim == 2, key
        want = np.array([[math.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
        assert arr.shape == want.shape, key
        np.testing.assert_array_equal(arr.astype(np.float64), want, err_msg=key)
        n_frames = n_frames or arr.shape[1]
        assert arr.shape[1] == n_frames
    assert frames["mfcc"].shape[0] == 20 and frames["melspectrogram"].shape[0] == 128


def test_paths_may_be_pathlike():
    p = FIXTURES / "synthetic" / "sweep_22k.wav"
    assert sonority.features(p)["summary"] == sonority.features(str(p))["summary"]


def test_the_version_is_the_clis():
    out = cli("--version").stdout.split()
    assert out[-1] == sonority.__version__, out
