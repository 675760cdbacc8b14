#!/usr/bin/env python3
"""Writes fixtures/resample/: an input signal and what librosa's resampler makes of it.

librosa.resample(y, orig_sr=R, target_sr=22050, res_type="soxr_hq") is
`soxr.resample(y, R, 22050, quality="soxr_hq")` followed by `librosa.util.fix_length` to
ceil(len(y) * 22050 / R) samples (zero padding or truncation). This script does exactly that
with python-soxr 1.1.0 (the version scripts/requirements.txt pins, whose libsoxr
crates/sonority-soxr-sys builds), without needing librosa itself.

Files (raw little-endian float32, no header):
  input.f32            6,000 samples: a chirp, white noise, a click and silence, peak 0.9
  from_<R>.f32         the input taken as R Hz, resampled to 22050 Hz, for each R in RATES

Usage (from the repository root, in a venv with numpy and soxr==1.1.0):
    python3 scripts/gen_resample_reference.py
"""

import os

import numpy as np
import soxr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "resample")
TARGET = 22050
RATES = [8000, 11025, 16000, 44100, 48000, 96000]
N = 6_000


def make_input():
    rng = np.random.default_rng(20260607)
    t = np.arange(N, dtype=np.float64) / N
    chirp = 0.5 * np.sin(2 * np.pi * (50 * t + 0.5 * 3000 * t * t))
    noise = 0.2 * rng.standard_normal(N)
    y = chirp + noise
    y[N // 3] += 0.8  # a click
    y[2 * N // 3 : 2 * N // 3 + 500] = 0.0  # a stretch of digital silence
    y *= 0.9 / np.max(np.abs(y))
    return y.astype(np.float32)


def librosa_resample(y, orig_sr):
    """librosa 0.11's resample(res_type="soxr_hq", fix=True) for a mono float32 signal."""
    out = soxr.resample(y, orig_sr, TARGET, quality="soxr_hq")  # librosa passes res_type
    n = int(np.ceil(len(y) * (float(TARGET) / orig_sr)))  # librosa's n_samples
    if len(out) < n:
        out = np.pad(out, (0, n - len(out)))
    return np.ascontiguousarray(out[:n], dtype=np.float32)


def main():
    assert soxr.__version__ == "1.1.0", f"soxr {soxr.__version__}: the reference needs 1.1.0"
    os.makedirs(OUT, exist_ok=True)
    y = make_input()
    y.astype("<f4").tofile(os.path.join(OUT, "input.f32"))
    for rate in RATES:
        out = librosa_resample(y, rate)
        out.astype("<f4").tofile(os.path.join(OUT, f"from_{rate}.f32"))
        print(f"{rate} Hz -> {TARGET} Hz: {len(out)} samples")


if __name__ == "__main__":
    main()
