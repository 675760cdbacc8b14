#!/usr/bin/env python3
"""Compare sonority's frame features with librosa's on any signal, for debugging.

Loads AUDIO with librosa (22050 Hz, mono, soxr_hq), hands the very same float32 samples to
sonority's `analyze_raw` example, and prints per feature the largest absolute and relative
difference. This isolates the feature math from decoding and resampling.

    python3 scripts/compare_features.py AUDIO [AUDIO ...]
    python3 scripts/compare_features.py --synthetic     # noise, chord, sweep
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import librosa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def librosa_features(y, sr):
    S = np.abs(librosa.stft(y))
    P = S ** 2
    mel = librosa.feature.melspectrogram(S=P, sr=sr)
    return {
        "rms": librosa.feature.rms(y=y),
        "zero_crossing_rate": librosa.feature.zero_crossing_rate(y),
        "spectral_centroid": librosa.feature.spectral_centroid(S=S, sr=sr),
        "spectral_bandwidth": librosa.feature.spectral_bandwidth(S=S, sr=sr),
        "spectral_rolloff": librosa.feature.spectral_rolloff(S=S, sr=sr),
        "spectral_flatness": librosa.feature.spectral_flatness(S=S),
        "spectral_contrast": librosa.feature.spectral_contrast(S=S, sr=sr),
        "chroma_stft": librosa.feature.chroma_stft(S=P, sr=sr),
        "chroma_stft_tuning0": librosa.feature.chroma_stft(S=P, sr=sr, tuning=0),
        "melspectrogram": mel,
        "mfcc": librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=20),
        "onset_strength": librosa.onset.onset_strength(y=y, sr=sr)[None, :],
    }, {
        "tempo": float(librosa.feature.tempo(onset_envelope=librosa.onset.onset_strength(y=y, sr=sr), sr=sr)[0]),
        "tuning": float(librosa.estimate_tuning(S=P, sr=sr)),
    }


def ours(y, sr):
    with tempfile.NamedTemporaryFile(suffix=".f32", delete=False) as f:
        f.write(y.astype("<f4").tobytes())
        name = f.name
    try:
        out = subprocess.run(
            ["cargo", "run", "-q", "--release", "-p", "sonority-features", "--example", "analyze_raw", "--", name, str(sr)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(name)
    return json.loads(out)


def compare(label, y, sr):
    ref, scalars = librosa_features(y, sr)
    doc = ours(y, sr)
    print(f"== {label}: {len(y)} samples")
    for key, want in ref.items():
        got = np.array(doc["frames"][key], dtype=np.float64)
        if got.shape != want.shape:
            print(f"  {key:22s} SHAPE {got.shape} vs {want.shape}")
            continue
        diff = np.abs(got - want)
        scale = np.max(np.abs(want)) or 1.0
        i = np.unravel_index(np.argmax(diff), diff.shape)
        print(f"  {key:22s} max|d|={diff.max():.3e} rel={diff.max()/scale:.3e} at {i} (want {want[i]:.6g} got {got[i]:.6g})")
    print(f"  tempo  ours {doc['summary']['tempo']['bpm']:.4f} librosa {scalars['tempo']:.4f}")
    print(f"  tuning ours {doc['summary']['tuning']:.4f} librosa {scalars['tuning']:.4f}")


def synthetic():
    sr = 22050
    rng = np.random.default_rng(0)
    t = np.arange(3 * sr) / sr
    yield "noise", (0.3 * rng.standard_normal(3 * sr)).astype(np.float32), sr
    chord = sum(np.sin(2 * np.pi * f * 2 ** (0.3 / 12) * t) for f in (261.63, 329.63, 392.0)) / 3
    yield "detuned chord", chord.astype(np.float32), sr
    yield "sweep", librosa.chirp(fmin=50, fmax=10000, sr=sr, duration=3).astype(np.float32), sr


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args == ["--synthetic"]:
        for label, y, sr in synthetic():
            compare(label, y, sr)
    for path in [a for a in args if a != "--synthetic"]:
        y, sr = librosa.load(path, sr=22050)
        compare(path, y, sr)
