#!/usr/bin/env python3
"""The classic "cluster my music" notebook, done twice on the same files: (a) with librosa, as
the usual notebooks do (a loop of librosa.load + librosa.feature.*, the means and standard
deviations of MFCC, spectral and chroma features, and the tempo), (b) with sonority.analyze
(the same features, computed in Rust on every core). Both then run the same scikit-learn steps:
StandardScaler, KMeans, silhouette, t-SNE. Prints the timings and the silhouettes.

Needs: librosa and scikit-learn besides sonority (pip install librosa scikit-learn
./crates/sonority-py).

    python examples/notebook_classic.py MUSIC_DIR [--k 6] [--jobs N] [--skip-librosa]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from sklearn.cluster import KMeans
    from sklearn.manifold import TSNE
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler
except ImportError as e:  # pragma: no cover
    raise SystemExit(f"this example needs scikit-learn (pip install scikit-learn): {e}")

import sonority

AUDIO = {".flac", ".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a", ".aiff", ".aif"}


def librosa_features(path: str, librosa) -> dict:
    """What the classic notebooks compute per track (at librosa's default 22050 Hz, mono)."""
    y, sr = librosa.load(path, sr=22050, mono=True)
    f = {}
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    for i in range(20):
        f[f"mfcc_mean_{i}"] = mfcc[i].mean()
        f[f"mfcc_std_{i}"] = mfcc[i].std()
    for name, v in [
        ("spectral_centroid", librosa.feature.spectral_centroid(y=y, sr=sr)),
        ("spectral_bandwidth", librosa.feature.spectral_bandwidth(y=y, sr=sr)),
        ("spectral_rolloff", librosa.feature.spectral_rolloff(y=y, sr=sr)),
        ("zero_crossing_rate", librosa.feature.zero_crossing_rate(y)),
        ("rms", librosa.feature.rms(y=y)),
    ]:
        f[f"{name}_mean_0"] = v.mean()
        f[f"{name}_std_0"] = v.std()
    chroma = librosa.feature.chroma_stft(y=y, sr=sr)
    for i in range(12):
        f[f"chroma_stft_mean_{i}"] = chroma[i].mean()
    contrast = librosa.feature.spectral_contrast(y=y, sr=sr)
    for i in range(contrast.shape[0]):
        f[f"spectral_contrast_mean_{i}"] = contrast[i].mean()
    tempo = librosa.feature.rhythm.tempo(y=y, sr=sr) if hasattr(librosa.feature, "rhythm") else librosa.beat.tempo(y=y, sr=sr)
    f["tempo_bpm"] = float(np.atleast_1d(tempo)[0])
    return f


def sklearn_steps(x: np.ndarray, k: int) -> tuple:
    """StandardScaler, KMeans, silhouette, t-SNE: the notebook's second half."""
    z = StandardScaler().fit_transform(x)
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(z)
    sil = silhouette_score(z, labels)
    xy = TSNE(n_components=2, random_state=0, perplexity=min(30, len(x) - 1)).fit_transform(z)
    return labels, sil, xy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("music", type=Path)
    ap.add_argument("--k", type=int, default=6)
    ap.add_argument("--jobs", type=int, default=None, help="sonority's threads (default: every core)")
    ap.add_argument("--skip-librosa", action="store_true")
    args = ap.parse_args()
    paths = sorted(str(p) for p in args.music.rglob("*") if p.suffix.lower() in AUDIO and p.is_file())
    print(f"{len(paths)} audio files under {args.music}; {os.cpu_count()} cores; sonority {sonority.__version__}")

    # (b) sonority
    t0 = time.perf_counter()
    df = sonority.analyze(paths, jobs=args.jobs, progress=False)
    t_feat_s = time.perf_counter() - t0
    ok = df[df["error"].isna()]
    print(f"\nsonority.analyze: {len(ok)} analysed, {len(df) - len(ok)} failed, {t_feat_s:.1f} s")

    classic_cols = None
    if not args.skip_librosa:
        try:
            import librosa
        except ImportError as e:  # pragma: no cover
            raise SystemExit(f"this example needs librosa (pip install librosa), or --skip-librosa: {e}")
        # (a) librosa, one file after the other as the notebooks do
        rows, failed = [], 0
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for p in paths:
                try:
                    rows.append({"path": p, **librosa_features(p, librosa)})
                except Exception:  # noqa: BLE001 - a notebook skips what it cannot load
                    failed += 1
        t_feat_l = time.perf_counter() - t0
        lib_df = pd.DataFrame(rows)
        classic_cols = [c for c in lib_df.columns if c != "path"]
        print(f"librosa loop: {len(lib_df)} analysed, {failed} failed, {t_feat_l:.1f} s (librosa {librosa.__version__})")
        t0 = time.perf_counter()
        _, sil_l, _ = sklearn_steps(lib_df[classic_cols].to_numpy(), args.k)
        t_total_l = t_feat_l + time.perf_counter() - t0
    # The same columns from sonority (its dims carry the same names), then every dim.
    cols = classic_cols or [c for c in ok.columns if c.startswith(("mfcc_mean", "mfcc_std", "chroma_stft_mean", "spectral_contrast_mean")) or c in (
        "spectral_centroid_mean_0", "spectral_centroid_std_0", "spectral_bandwidth_mean_0", "spectral_bandwidth_std_0",
        "spectral_rolloff_mean_0", "spectral_rolloff_std_0", "zero_crossing_rate_mean_0", "zero_crossing_rate_std_0",
        "rms_mean_0", "rms_std_0", "tempo_bpm")]
    t0 = time.perf_counter()
    _, sil_s, _ = sklearn_steps(ok[cols].to_numpy(), args.k)
    t_total_s = t_feat_s + time.perf_counter() - t0
    _, sil_all, _ = sklearn_steps(ok[sonority.dims()].to_numpy(), args.k)

    print(f"\nk-means k={args.k} on {len(cols)} features, then t-SNE:")
    print(f"{'':28}{'features':>10}{'total':>10}{'silhouette':>12}")
    if classic_cols:
        print(f"{'(a) librosa + scikit-learn':28}{t_feat_l:>9.1f}s{t_total_l:>9.1f}s{sil_l:>12.3f}")
    print(f"{'(b) sonority + scikit-learn':28}{t_feat_s:>9.1f}s{t_total_s:>9.1f}s{sil_s:>12.3f}")
    if classic_cols:
        print(f"speed-up of the feature step: {t_feat_l / t_feat_s:.1f}x, of the whole notebook: {t_total_l / t_total_s:.1f}x")
        common = lib_df.merge(ok, on="path", suffixes=("_librosa", "_sonority"))
        rel = {
            c: np.abs(common[c + "_librosa"] - common[c + "_sonority"]) / (np.abs(common[c + "_librosa"]).max() or 1)
            for c in classic_cols
        }
        worst = max(rel, key=lambda c: rel[c].max())
        where = common.loc[rel[worst].idxmax(), "path"]
        print(
            f"largest difference of a feature between the two, relative to its largest value: {rel[worst].max():.1e} "
            f"({worst}, {Path(where).name}; {len(common)} files in both); median over features "
            f"{np.median([r.max() for r in rel.values()]):.1e}"
        )
    print(f"(sonority, all {len(sonority.dims())} dims: silhouette {sil_all:.3f})")


if __name__ == "__main__":
    main()
