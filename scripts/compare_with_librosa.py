#!/usr/bin/env python3
"""Check sonority's per-track summary against librosa's on any audio files.

For each file, runs `sonority features --json FILE` and the librosa path of
scripts/gen_reference.py (librosa.load at 22050 Hz with soxr_hq, then every feature of
FEATURES.md), and prints per feature the largest difference of the means and standard
deviations, relative to the largest magnitude of that feature's means, plus tempo and tuning.

    python3 scripts/compare_with_librosa.py [--sonority PATH] FILE [FILE ...]

PATH defaults to target/release/sonority (build it with `cargo build --release -p sonority-cli`).
Needs scripts/requirements.txt (librosa) and, for M4A/Opus, ffmpeg (librosa's own loaders cannot
read them; gen_reference.py then decodes with ffmpeg, as the committed references do).

Lossless sources give the same samples to both sides, so the differences are float32 (librosa)
versus f64 (sonority) arithmetic: around 1e-6 and below. Lossy sources are decoded by different
decoders (ffmpeg/libsndfile versus symphonia), whose samples differ by about 1e-6: features that
read the quietest bins (flatness, the contrast valleys) show that most.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import gen_reference as g  # noqa: E402

FEATURES = [
    "rms", "zero_crossing_rate", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff",
    "spectral_flatness", "spectral_contrast", "chroma_stft", "chroma_stft_tuning0",
    "melspectrogram", "mfcc", "onset_strength",
]


def relative(ours, theirs) -> float:
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    scale = max(np.abs(b).max(), 1e-30)
    return float(np.abs(a - b).max() / scale)


def compare(path: str, sonority: str) -> bool:
    run = subprocess.run([sonority, "features", "--json", path], capture_output=True, text=True)
    if run.returncode != 0:
        print(f"{path}: sonority failed: {run.stderr.strip()}")
        return False
    ours = json.loads(run.stdout)["summary"]
    _, _, loader, _, theirs, _ = g.analyse(path, 22050)
    print(f"== {path} (librosa loader: {loader})")
    for k in FEATURES:
        if theirs.get(k) is None:
            print(f"  {k:22s} librosa gives none (see FEATURES.md)")
            continue
        m = relative(ours[k]["mean"], theirs[k]["mean"])
        s = relative(ours[k]["std"], theirs[k]["std"])
        print(f"  {k:22s} mean {m:9.2e}  std {s:9.2e}")
    tm = relative(ours["timbre"]["mean"], theirs["timbre"]["mean"])
    tc = relative(ours["timbre"]["cov_upper"], theirs["timbre"]["cov_upper"])
    print(f"  {'timbre':22s} mean {tm:9.2e}  cov {tc:9.2e}")
    same_tempo = ours["tempo"]["bpm"] == theirs["tempo"]["bpm"]
    same_tuning = ours["tuning"] == theirs["tuning"]
    print(f"  tempo  {ours['tempo']['bpm']:.3f} vs {theirs['tempo']['bpm']:.3f} bpm"
          f"{'' if same_tempo else '  DIFFERENT'}")
    print(f"  tuning {ours['tuning']:.2f} vs {theirs['tuning']:.2f}"
          f"{'' if same_tuning else '  DIFFERENT'}")
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sonority", default=os.path.join(ROOT, "target", "release", "sonority"))
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    ok = all([compare(f, args.sonority) for f in args.files])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
