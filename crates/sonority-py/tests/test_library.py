"""sonority.Library and Model.load on a database made by `sonority organize`, checked against
`sonority export` of the same database."""

from __future__ import annotations

import numpy as np
import pandas as pd

import sonority
from conftest import REAL, cli_json_lines, export_frame


def test_tracks_features_clusters_playlists(organized):
    lib = sonority.Library(organized)
    exported = export_frame(organized).set_index("path").sort_index()

    tracks = lib.tracks().set_index("path").sort_index()
    assert list(tracks.index) == list(exported.index)
    for col in ["artist", "album", "title", "genre"]:
        assert col in tracks.columns
    np.testing.assert_array_equal(tracks["duration_s"], exported["duration_s"])
    assert tracks["error"].isna().all()

    features = lib.features().set_index("path").sort_index()
    dims = sonority.dims()
    assert list(features.columns) == ["track_id", *dims]
    np.testing.assert_array_equal(features[dims].to_numpy(), exported[dims].to_numpy())

    playlists = lib.playlists().set_index("path").sort_index()
    assert list(playlists.columns) == [
        "track_id", "cluster_id", "cluster_name", "family_id", "family_name", "distance"
    ]
    assert list(playlists.index) == list(exported.index)
    for ours, theirs in [
        ("cluster_id", "cluster_id"),
        ("cluster_name", "cluster_name"),
        ("family_id", "family_id"),
        ("family_name", "family_name"),
    ]:
        assert playlists[ours].astype(object).tolist() == exported[theirs].astype(object).tolist(), ours
    np.testing.assert_array_equal(playlists["distance"], exported["cluster_distance"])

    clusters = lib.clusters()
    assert list(clusters.columns) == ["cluster_id", "name", "family_id", "family_name", "size"]
    assert clusters["size"].sum() == len(REAL)
    counts = playlists["cluster_id"].value_counts()
    for _, row in clusters.iterrows():
        assert counts.get(row["cluster_id"], 0) == row["size"]
        names = exported.loc[exported["cluster_id"] == row["cluster_id"], "family_name"]
        assert set(names) <= {row["family_name"]}


def test_similar_by_id_and_by_path(organized):
    lib = sonority.Library(organized)
    tracks = lib.tracks()
    seed = tracks.iloc[0]
    by_id = lib.similar(int(seed["id"]), n=4)
    by_path = lib.similar(seed["path"], n=4)
    pd.testing.assert_frame_equal(by_id, by_path)
    assert len(by_id) == 4 and seed["id"] not in set(by_id["track_id"])
    assert by_id["distance"].is_monotonic_increasing
    # The CLI's answer for the same track: one JSON line per similar track.
    rows = cli_json_lines("similar", seed["path"], "-n", "4", "--json", "--db", str(organized))
    assert [r["path"] for r in rows] == by_id["path"].tolist()
    np.testing.assert_array_equal(by_id["distance"].to_numpy(), [r["distance"] for r in rows])


def test_model_of_a_library(organized):
    lib = sonority.Library(organized)
    model = lib.model()
    loaded = sonority.Model.load(organized)
    assert model.dims == loaded.dims and model.names == loaded.names
    clusters = lib.clusters()
    assert sorted(model.cluster_ids) == sorted(clusters["cluster_id"])
    assert set(model.names) == set(clusters["name"])
    assert model.centroids.shape == (len(model), len(model.dims))
    # assign() places rows at the nearest centroid of the model's scaled space; compute it by
    # hand from the scaler (mean, scale, group weights) and the centroids.
    features = lib.features()
    ids = model.assign(features)
    x = features[model.dims].to_numpy()
    z = (x - model.mean) / model.scale * np.asarray(model._m.weight)
    d = ((z[:, None, :] - model.centroids[None, :, :]) ** 2).sum(axis=2)
    expect = np.asarray(model.cluster_ids)[d.argmin(axis=1)]
    np.testing.assert_array_equal(ids, expect)
    # A 2-D array in dims order gives the same.
    np.testing.assert_array_equal(model.assign(x), ids)
