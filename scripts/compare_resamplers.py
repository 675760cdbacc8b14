#!/usr/bin/env python3
"""Compares sonority's decode + resample with `librosa.load(path, sr=22050)`.

For every file given (default: the real recordings in fixtures/real/), the Rust example
`resample_dump` decodes and resamples the file with each resampler (libsoxr HQ, rubato) and
writes raw f32; this script loads the same file with librosa (soundfile or audioread, then
soxr_hq and fix_length) and reports, per file and resampler:

* length check (must be equal),
* max |ours - librosa|,
* SNR in dB of ours against librosa (10 log10 of signal energy over difference energy),
* the largest, over the 128 Slaney mel bands, of |mean over frames of the dB difference|
  (librosa's melspectrogram with its defaults, power_to_db with amin 1e-10, no top_db).

It also reports the native-rate decode against `librosa.load(path, sr=None)`.

Usage (from the repository root):
    cargo build -p sonority-features --example resample_dump
    python3 scripts/compare_resamplers.py [FILE ...]
"""

import glob
import os
import subprocess
import sys
import tempfile

import librosa
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SR = 22050


def find_dump_binary():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "examples", "resample_dump")
        if os.path.exists(path):
            return path
    sys.exit("build it first: cargo build -p sonority-features --example resample_dump")


def ours(binary, path, mode):
    with tempfile.NamedTemporaryFile(suffix=".f32") as out:
        subprocess.run([binary, path, out.name, mode, str(SR)], check=True, capture_output=True)
        return np.fromfile(out.name, dtype="<f4")


def mel_db(y):
    s = librosa.feature.melspectrogram(y=y, sr=SR)
    return librosa.power_to_db(s, ref=1.0, amin=1e-10, top_db=None)


def compare(a, ref):
    n = min(len(a), len(ref))
    diff = a[:n].astype(np.float64) - ref[:n].astype(np.float64)
    energy = np.sum(ref[:n].astype(np.float64) ** 2)
    noise = np.sum(diff**2)
    snr = float("inf") if noise == 0 else 10 * np.log10(energy / noise)
    return len(a) == len(ref), float(np.max(np.abs(diff))) if n else 0.0, snr


def main(files):
    binary = find_dump_binary()
    print(f"librosa {librosa.__version__}, target rate {SR} Hz\n")
    header = f"{'file':32} {'what':8} {'len':>5} {'max|diff|':>10} {'SNR dB':>8} {'max band dB':>11}"
    print(header)
    print("-" * len(header))
    worst = {}
    for path in files:
        name = os.path.basename(path)
        native_ref, _ = librosa.load(path, sr=None)
        same_len, maxdiff, snr = compare(ours(binary, path, "native"), native_ref)
        print(f"{name:32} {'decode':8} {'ok' if same_len else 'DIFF':>5} {maxdiff:10.2e} {snr:8.1f} {'':>11}")
        ref, _ = librosa.load(path, sr=SR)
        ref_mel = mel_db(ref)
        for mode in ("soxr", "rubato"):
            y = ours(binary, path, mode)
            same_len, maxdiff, snr = compare(y, ref)
            band = float(np.max(np.abs(np.mean(mel_db(y) - ref_mel, axis=1)))) if same_len else float("nan")
            print(f"{name:32} {mode:8} {'ok' if same_len else 'DIFF':>5} {maxdiff:10.2e} {snr:8.1f} {band:11.4f}")
            w = worst.setdefault(mode, [0.0, float("inf"), 0.0])
            w[0] = max(w[0], maxdiff)
            w[1] = min(w[1], snr)
            w[2] = max(w[2], band)
    print("\nworst over all files:")
    for mode, (maxdiff, snr, band) in worst.items():
        print(f"  {mode:8} max|diff| {maxdiff:.2e}   min SNR {snr:.1f} dB   max band mean dB diff {band:.4f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        args = sorted(
            p for p in glob.glob(os.path.join(ROOT, "fixtures", "real", "*"))
            if os.path.splitext(p)[1] in (".flac", ".wav", ".aiff", ".mp3", ".ogg", ".opus", ".m4a")
        )
    main(args)
