#!/usr/bin/env python3
"""Generate the scikit-learn / scipy reference values that sonority-cluster's tests compare against.

Run from the repository root:

    python3 scripts/gen_cluster_reference.py

It writes `fixtures/cluster/*.json`. Every data set is generated here with a fixed seed and stored
in the JSON itself (the Rust tests never run Python). Floats are written with Python's shortest
round-trip repr, so the Rust side (serde_json with `float_roundtrip`) reads back the exact f64.

Generated with scikit-learn 1.9.1, scipy 1.17.1, numpy 2.4.6 (Python 3.11).
"""

import json
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    completeness_score,
    davies_bouldin_score,
    homogeneity_score,
    silhouette_samples,
    silhouette_score,
    v_measure_score,
)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "cluster")


def tolist(a):
    return np.asarray(a).tolist()


def versions():
    return {
        "sklearn": sklearn.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }


def datasets():
    """Small data sets with known labels: (name, X, y, k, dim names, dim groups)."""
    out = []

    # 1. Isotropic blobs plus a constant column (scalers must not divide by zero).
    x, y = make_blobs(n_samples=300, centers=4, n_features=5, cluster_std=1.2, random_state=0)
    x = np.hstack([x, np.full((x.shape[0], 1), 3.25)])
    out.append(("blobs", x, y, 4))

    # 2. Anisotropic blobs (sheared), where k-means is not the right model.
    x, y = make_blobs(n_samples=300, centers=3, n_features=2, random_state=170)
    x = x @ np.array([[0.6, -0.6], [-0.4, 0.8]])
    out.append(("aniso", x, y, 3))

    # 3. Blobs of varied spread and size.
    rng = np.random.RandomState(7)
    x, y = make_blobs(
        n_samples=[150, 60, 90], n_features=3, cluster_std=[1.0, 2.5, 0.5], random_state=170
    )
    perm = rng.permutation(len(y))
    out.append(("varied", x[perm], y[perm], 3))

    # 4. Music-like table: groups of very different widths and scales.
    rng = np.random.RandomState(11)
    n = 240
    y = rng.randint(0, 3, size=n)
    rms = np.stack([0.05 + 0.1 * y + 0.02 * rng.randn(n), 0.01 + 0.005 * rng.rand(n)], axis=1)
    spectral = np.stack(
        [1500 + 800 * y + 300 * rng.randn(n) for _ in range(3)] + [0.1 * rng.rand(n) + 0.02 * y], axis=1
    )
    mfcc = rng.randn(n, 8) * 20 + np.outer(y, np.linspace(-10, 10, 8))
    tempo = (90 + 25 * y + 8 * rng.randn(n))[:, None]
    x = np.hstack([rms, spectral, mfcc, tempo])
    out.append(("music", x, y, 3))
    return out


MUSIC_DIMS = (
    [("rms_mean_0", "rms"), ("rms_std_0", "rms")]
    + [("spectral_centroid_mean_0", "spectral"), ("spectral_bandwidth_mean_0", "spectral"),
       ("spectral_rolloff_mean_0", "spectral"), ("spectral_flatness_mean_0", "spectral")]
    + [(f"mfcc_mean_{i}", "mfcc") for i in range(8)]
    + [("tempo_bpm", "rhythm")]
)


def dims_for(name, d):
    if name == "music":
        return [n for n, _ in MUSIC_DIMS], [g for _, g in MUSIC_DIMS]
    return [f"x{i}" for i in range(d)], ["a" if i % 2 == 0 else "b" for i in range(d)]


def label_metrics(truth, pred):
    return {
        "homogeneity": homogeneity_score(truth, pred),
        "completeness": completeness_score(truth, pred),
        "v_measure": v_measure_score(truth, pred),
        "adjusted_rand": adjusted_rand_score(truth, pred),
        "contingency": tolist(contingency_matrix(truth, pred)),
    }


def internal_metrics(x, labels):
    return {
        "silhouette": silhouette_score(x, labels),
        "silhouette_samples": tolist(silhouette_samples(x, labels)),
        "calinski_harabasz": calinski_harabasz_score(x, labels),
        "davies_bouldin": davies_bouldin_score(x, labels),
    }


def gmm_ref(x, k, cov):
    g = GaussianMixture(n_components=k, covariance_type=cov, random_state=0, n_init=3).fit(x)
    return {
        "weights": tolist(g.weights_),
        "means": tolist(g.means_),
        "covariances": tolist(g.covariances_),
        "bic": g.bic(x),
        "aic": g.aic(x),
        "mean_log_likelihood": g.score(x),
        "labels": tolist(g.predict(x)),
        "converged": bool(g.converged_),
    }


def agglo_ref(xs, k):
    out = {}
    for link in ["ward", "average", "complete", "single"]:
        labels = AgglomerativeClustering(n_clusters=k, linkage=link).fit_predict(xs)
        z = linkage(xs, method=link, metric="euclidean")
        out[link] = {"labels": tolist(labels), "heights": tolist(z[:, 2]), "sizes": tolist(z[:, 3])}
    # A precomputed (Manhattan) distance matrix with average and complete linkage.
    d = squareform(pdist(xs, metric="cityblock"))
    for link in ["average", "complete"]:
        labels = AgglomerativeClustering(
            n_clusters=k, linkage=link, metric="precomputed"
        ).fit_predict(d)
        z = linkage(squareform(d, checks=False), method=link)
        out[f"precomputed_cityblock_{link}"] = {
            "labels": tolist(labels),
            "heights": tolist(z[:, 2]),
        }
    return out


def dbscan_ref(xs, min_samples):
    nn = NearestNeighbors(n_neighbors=min_samples).fit(xs)
    dist, _ = nn.kneighbors(xs)
    kdist = np.sort(dist[:, -1])
    eps = float(np.quantile(kdist, 0.9))
    labels = DBSCAN(eps=eps, min_samples=min_samples).fit(xs)
    return {
        "min_samples": min_samples,
        "k_distance_sorted": tolist(kdist),
        "eps": eps,
        "labels": tolist(labels.labels_),
        "core_sample_indices": tolist(labels.core_sample_indices_),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, x, y, k in datasets():
        n, d = x.shape
        dim_names, dim_groups = dims_for(name, d)
        std = StandardScaler().fit(x)
        xs = std.transform(x)
        mm = MinMaxScaler().fit(x)
        rb = RobustScaler().fit(x)

        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(xs)
        km_labels = km.labels_

        # Sweep of k-means k for the select_k test (sklearn's best-of-10 inertia for each k).
        sweep = []
        for kk in range(2, 8):
            m = KMeans(n_clusters=kk, n_init=10, random_state=0).fit(xs)
            sweep.append({
                "k": kk,
                "inertia": m.inertia_,
                "silhouette": silhouette_score(xs, m.labels_),
                "calinski_harabasz": calinski_harabasz_score(xs, m.labels_),
                "davies_bouldin": davies_bouldin_score(xs, m.labels_),
            })

        pca = PCA(n_components=2).fit(xs)
        nn = NearestNeighbors(n_neighbors=6).fit(xs)
        qdist, qidx = nn.kneighbors(xs[:10])

        ref = {
            "versions": versions(),
            "name": name,
            "n": n,
            "d": d,
            "k": k,
            "dim_names": dim_names,
            "dim_groups": dim_groups,
            "x": tolist(x),
            "y": tolist(y),
            "standard": {"mean": tolist(std.mean_), "scale": tolist(std.scale_),
                          "first_rows": tolist(xs[:5])},
            "minmax": {"min": tolist(mm.data_min_), "range": tolist(mm.data_range_),
                       "first_rows": tolist(mm.transform(x)[:5])},
            "robust": {"center": tolist(rb.center_), "scale": tolist(rb.scale_),
                       "first_rows": tolist(rb.transform(x)[:5])},
            "kmeans": {"inertia": km.inertia_, "labels": tolist(km_labels),
                       "centers": tolist(km.cluster_centers_)},
            "kmeans_sweep": sweep,
            "metrics_true": internal_metrics(xs, y),
            "metrics_kmeans": internal_metrics(xs, km_labels),
            "labels_true_vs_kmeans": label_metrics(y, km_labels),
            "agglomerative": agglo_ref(xs, k),
            "gmm_full": gmm_ref(xs, k, "full"),
            "gmm_diag": gmm_ref(xs, k, "diag"),
            "dbscan": dbscan_ref(xs, 5),
            "pca": {"explained_variance_ratio": tolist(pca.explained_variance_ratio_),
                    "first_rows": tolist(pca.transform(xs)[:5])},
            "neighbors": {"queries": list(range(10)), "indices": tolist(qidx),
                          "distances": tolist(qdist)},
        }
        write(f"{name}.json", ref)

    # Label-only metrics on larger random labelings, including string labels and singletons.
    rng = np.random.RandomState(3)
    cases = []
    for n, ka, kb in [(500, 5, 7), (200, 2, 9), (1000, 12, 12), (50, 1, 4), (60, 6, 1)]:
        a = rng.randint(0, ka, size=n)
        b = np.where(rng.rand(n) < 0.6, a % kb, rng.randint(0, kb, size=n))
        cases.append({"truth": tolist(a), "pred": tolist(b), **label_metrics(a, b)})
    genres = np.array(["rock", "jazz", "folk", "metal", "ambient"])
    a = genres[rng.randint(0, 5, size=300)]
    b = np.array([(list(genres).index(g) * 3 + rng.randint(0, 2)) % 6 for g in a])
    cases.append({"truth": tolist(a), "pred": tolist(b), **label_metrics(a, b)})
    write("label_metrics.json", {"versions": versions(), "cases": cases})

    # A harder k-means problem: overlapping blobs where restarts matter.
    x, _ = make_blobs(n_samples=1000, centers=12, n_features=16, cluster_std=3.0, random_state=5)
    xs = StandardScaler().fit_transform(x)
    hard = {"versions": versions(), "x": tolist(np.round(xs, 12)), "runs": []}
    xr = np.array(hard["x"])
    for k in [5, 8, 12, 20]:
        m = KMeans(n_clusters=k, n_init=10, random_state=0).fit(xr)
        # scikit-learn's own spread: best-of-10 inertia for random_state 0..9.
        spread = [KMeans(n_clusters=k, n_init=10, random_state=s).fit(xr).inertia_ for s in range(10)]
        hard["runs"].append({"k": k, "inertia": m.inertia_, "inertia_by_seed": spread})
    write("kmeans_hard.json", hard)


def write(fname, obj):
    path = os.path.join(OUT, fname)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
