"""Model.from_centroids + save, then `sonority organize` on a fresh folder places its tracks
into those clusters (nearest centroid, computed here by hand) and never refits them."""

from __future__ import annotations

import numpy as np
import pytest

import sonority
from conftest import REAL, cli, copy_fixtures, export_frame

DIMS = [
    "spectral_centroid_mean_0",
    "spectral_flatness_mean_0",
    "rms_mean_0",
    "mfcc_mean_1",
    "mfcc_mean_2",
    "tempo_bpm",
    "onset_strength_mean_0",
]


def catalogue_model(tmp_path, k=3):
    """A standard scaler and a small k-means (Lloyd's iterations in numpy) fitted on the FLAC
    and Opus excerpts: a stand-in for a model fitted by another engine."""
    files = [f for f in (copy_fixtures(tmp_path / "catalogue", [p.replace(".flac", e) for p in REAL if p.endswith(".flac") for e in (".flac", ".opus")]))]
    df = sonority.analyze(files, progress=False)
    assert df["error"].isna().all()
    x = df[DIMS].to_numpy()
    mean = x.mean(axis=0)
    scale = x.std(axis=0, ddof=1)  # Spark's StandardScaler: the sample standard deviation
    z = (x - mean) / scale
    centroids = z[:k].copy()
    for _ in range(20):
        labels = ((z[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
        centroids = np.array([z[labels == c].mean(axis=0) if (labels == c).any() else centroids[c] for c in range(k)])
    return centroids, mean, scale


def nearest(x, centroids, mean, scale):
    z = (x - mean) / scale
    return ((z[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)


def test_from_centroids_save_and_organize(tmp_path):
    centroids, mean, scale = catalogue_model(tmp_path)
    model = sonority.Model.from_centroids(centroids, DIMS, mean, scale)
    assert model.dims == DIMS and len(model) == 3 and model.algorithm == "kmeans"
    np.testing.assert_array_equal(model.centroids, centroids)
    np.testing.assert_array_equal(model.mean, mean)
    np.testing.assert_array_equal(model.scale, scale)
    assert len(set(model.names)) == 3 and all(model.names)
    assert set(model.family_ids) == set(model.family_names)

    db = tmp_path / "db" / "library.db"
    assert not db.exists()
    model.save(db)
    assert db.exists()

    # A fresh folder: the MP3 and Ogg excerpts, which the model never saw.
    music = tmp_path / "music"
    copy_fixtures(music, [p for p in REAL if not p.endswith(".flac")])
    out = cli("organize", str(music), "--db", str(db), "--playlists", str(tmp_path / "pl")).stdout
    exported = export_frame(db)
    assert len(exported) == len(REAL) * 2 // 3
    expect = nearest(exported[DIMS].to_numpy(), centroids, mean, scale)
    np.testing.assert_array_equal(exported["cluster_id"].to_numpy(), expect)
    names = dict(zip(model.cluster_ids, model.names))
    assert exported["cluster_name"].tolist() == [names[c] for c in expect]
    fam_names = model.family_names
    fam_of = dict(zip(model.cluster_ids, model.family_ids))
    assert exported["family_name"].tolist() == [fam_names[fam_of[c]] for c in expect]
    # The package's own assign agrees, and so does the library's view.
    np.testing.assert_array_equal(model.assign(exported), expect)
    lib = sonority.Library(db)
    assert lib.model().names == model.names
    assert lib.clusters()["size"].sum() == len(exported)
    assert "imported" in cli("status", "--db", str(db)).stdout, out

    # Another run with more files: the old tracks stay, the model is not refitted.
    copy_fixtures(music / "more", [p for p in REAL if p.endswith(".flac")])
    cli("organize", str(music), "--db", str(db), "--playlists", str(tmp_path / "pl"))
    grown = export_frame(db)
    assert len(grown) == len(REAL)
    np.testing.assert_array_equal(
        grown["cluster_id"].to_numpy(), nearest(grown[DIMS].to_numpy(), centroids, mean, scale)
    )
    assert lib.model().names == model.names

    # Only --recluster replaces it.
    cli("organize", str(music), "--db", str(db), "--playlists", str(tmp_path / "pl"), "--recluster")
    assert "imported" not in cli("status", "--db", str(db)).stdout


def test_names_given_and_bad_input(tmp_path):
    centroids = np.array([[1.0, 0.0], [-1.0, 0.5]])
    m = sonority.Model.from_centroids(centroids, ["tempo_bpm", "rms_mean_0"], [120, 0.1], [20, 0.05], names=["a", "b"])
    assert m.names == ["a", "b"]
    ids = m.assign(np.array([[150.0, 0.1], [90.0, 0.13]]))
    assert ids.tolist() == [0, 1]
    with pytest.raises(sonority.ModelError, match="tempo_bmp"):
        sonority.Model.from_centroids(centroids, ["tempo_bmp", "rms_mean_0"], [0, 0], [1, 1])
    with pytest.raises(sonority.ModelError, match="2 names for 1 centroids|1 names"):
        sonority.Model.from_centroids(centroids[:1], ["tempo_bpm", "rms_mean_0"], [0, 0], [1, 1], names=["a", "b"])
    with pytest.raises(sonority.ModelError, match="lacks"):
        m.assign(sonority.analyze([], progress=False)[["path"]])
