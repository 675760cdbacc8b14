"""sonority.analyze(): one row per path, the values `sonority export` writes for the same
files (compared exactly: the same Rust code; CSV floats are written in shortest round-trip
form and read back with pandas' round_trip parser), failures as rows with their error."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import sonority
from conftest import FIXTURES, REAL, copy_fixtures, export_frame


def test_analyze_equals_the_export_of_the_same_files(organized, tmp_path):
    exported = export_frame(organized).set_index("path")
    paths = sorted(exported.index)
    assert len(paths) == len(REAL)
    df = sonority.analyze(paths, jobs=2, progress=False)
    assert list(df.columns[:3]) == ["path", "error", "duration_s"]
    dims = sonority.dims()
    assert list(df.columns[3:]) == dims
    assert list(df["path"]) == paths
    assert df["error"].isna().all(), df["error"].tolist()
    # Every dim of the export, by name: same names, same numbers.
    export_dims = [c for c in exported.columns if c in set(dims)]
    assert export_dims == dims
    got = df.set_index("path")
    np.testing.assert_array_equal(got[dims].to_numpy(), exported.loc[paths, dims].to_numpy())
    np.testing.assert_array_equal(
        got["duration_s"].to_numpy(), exported.loc[paths, "duration_s"].to_numpy()
    )
    assert got[dims].dtypes.eq(np.float64).all()


def test_failures_are_rows_with_their_error(tmp_path):
    good = copy_fixtures(tmp_path, ["real/percussive_etr.mp3"])[0]
    corrupt = copy_fixtures(tmp_path, ["decode/nan_f32.wav", "decode/header_only.wav"])
    text = copy_fixtures(tmp_path, ["decode/text.mp3"])[0]
    missing = tmp_path / "missing.flac"
    paths = [good, *corrupt, text, missing]
    df = sonority.analyze(paths, progress=False)
    assert len(df) == len(paths)
    assert list(df["path"]) == [str(p) for p in paths]
    assert df.loc[0, "error"] is None
    assert not df.iloc[0, 3:].isna().any()
    for i, expect in [(1, "non-finite"), (2, "no audio"), (3, "not audio"), (4, "missing.flac")]:
        err = df.loc[i, "error"]
        assert isinstance(err, str) and expect in err, err
        assert str(paths[i].name) in err
        assert math.isnan(df.loc[i, "duration_s"])
        assert df.iloc[i, 3:].isna().all()
    # The good file's row equals its features() summary (the same analysis).
    doc = sonority.features(good)
    assert df.loc[0, "tempo_bpm"] == doc["summary"]["tempo"]["bpm"]
    assert df.loc[0, "rms_mean_0"] == doc["summary"]["rms"]["mean"][0]
    assert df.loc[0, "duration_s"] == doc["source"]["duration_s"]


def test_one_path_and_jobs():
    one = FIXTURES / "synthetic" / "sweep_22k.wav"
    a = sonority.analyze(one, progress=False)
    b = sonority.analyze([str(one)], jobs=1, progress=False)
    assert len(a) == 1
    pd.testing.assert_frame_equal(a, b)
    assert sonority.analyze([], progress=False).shape == (0, 3 + len(sonority.dims()))


def test_progress_goes_to_stderr(capfd):
    sonority.analyze([FIXTURES / "synthetic" / "sweep_22k.wav"], progress=True)
    err = capfd.readouterr().err
    assert "analysed 1/1 files" in err
