"""Every exception class, each raised by a real case, naming its file or database."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

import sonority
from conftest import FIXTURES, copy_fixtures


def test_read_error_is_an_oserror(tmp_path):
    missing = tmp_path / "missing.flac"
    with pytest.raises(sonority.ReadError) as e:
        sonority.features(missing)
    assert isinstance(e.value, OSError) and isinstance(e.value, sonority.SonorityError)
    assert e.value.path == str(missing) and str(missing) in str(e.value)


@pytest.mark.parametrize(
    "name, words",
    [
        ("decode/header_only.wav", "contains no audio"),
        ("decode/nan_f32.wav", "non-finite sample"),
        ("decode/rate0.wav", "invalid sample rate"),
        ("decode/channels0.wav", "invalid channel count"),
    ],
)
def test_decode_error(name, words):
    path = FIXTURES / name
    with pytest.raises(sonority.DecodeError, match=words) as e:
        sonority.features(path)
    assert type(e.value) is sonority.DecodeError
    assert e.value.path == str(path)


def test_unsupported_format_error(tmp_path):
    path = copy_fixtures(tmp_path, ["decode/text.mp3"])[0]
    with pytest.raises(sonority.UnsupportedFormatError, match="unsupported") as e:
        sonority.features(path)
    assert isinstance(e.value, sonority.DecodeError)
    assert e.value.path == str(path)


def test_database_errors(tmp_path):
    missing = tmp_path / "none.db"
    with pytest.raises(sonority.DatabaseError, match="no library database") as e:
        sonority.Library(missing)
    assert e.value.path == str(missing) and not missing.exists()

    not_sqlite = tmp_path / "text.db"
    shutil.copy(FIXTURES / "decode" / "text.mp3", not_sqlite)
    with pytest.raises(sonority.DatabaseError, match="not an SQLite database") as e:
        sonority.Library(not_sqlite)
    assert e.value.path == str(not_sqlite)

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as c:
        c.execute("CREATE TABLE notes (x TEXT)")
    with pytest.raises(sonority.DatabaseError, match="not a sonority library"):
        sonority.Library(foreign)


def test_schema_version_error(tmp_path):
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as c:
        c.execute(f"PRAGMA application_id = {0x736F6E6F}")
        c.execute("PRAGMA user_version = 99")
    with pytest.raises(sonority.SchemaVersionError, match="schema version 99") as e:
        sonority.Library(newer)
    assert isinstance(e.value, sonority.DatabaseError)
    assert e.value.path == str(newer)


def test_model_errors(tmp_path):
    empty = tmp_path / "empty.db"
    sonority.Model.from_centroids([[0.0]], ["tempo_bpm"], [100.0], [10.0]).save(empty)
    # A database with a model but no clustering of its own tracks still has a model...
    assert sonority.Model.load(empty).dims == ["tempo_bpm"]
    # ... one made by opening a fresh library has none.
    fresh = tmp_path / "fresh.db"
    shutil.copy(empty, fresh)
    with sqlite3.connect(fresh) as c:
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("DELETE FROM clusterings")
    with pytest.raises(sonority.ModelError, match="no clustering"):
        sonority.Library(fresh).model()
    with pytest.raises(sonority.ModelError, match="mfcc_mean_99"):
        sonority.Model.from_centroids([[0.0]], ["mfcc_mean_99"], [0.0], [1.0])
    with pytest.raises(sonority.ModelError, match="not finite"):
        sonority.Model.from_centroids([[float("nan")]], ["tempo_bpm"], [0.0], [1.0])
    assert issubclass(sonority.ModelError, ValueError)


def test_track_not_found(organized, tmp_path):
    lib = sonority.Library(organized)
    with pytest.raises(sonority.TrackNotFoundError, match="no track with id 987654"):
        lib.similar(987654)
    stranger = copy_fixtures(tmp_path, ["synthetic/sweep_22k.wav"])[0]
    with pytest.raises(sonority.TrackNotFoundError, match="not in the library") as e:
        lib.similar(stranger)
    assert isinstance(e.value, KeyError)
