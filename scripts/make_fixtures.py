#!/usr/bin/env python3
"""Generate the synthetic audio fixtures in fixtures/synthetic/.

Deterministic: fixed seeds, and every integer file is quantised here (round(x * 32768), clipped to
int16) and written as int16, so libsndfile's own float->int conversion is never involved.
Re-running the script rewrites byte-identical files.

    python3 scripts/make_fixtures.py            # writes fixtures/synthetic/*.wav

Only numpy and soundfile are needed (see scripts/requirements.txt).
"""
from __future__ import annotations

import os
import struct
import sys

import numpy as np
import soundfile as sf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "synthetic")


def t_axis(sr: int, seconds: float) -> np.ndarray:
    return np.arange(int(round(sr * seconds)), dtype=np.float64) / sr


def fade(x: np.ndarray, sr: int, ms: float = 10.0) -> np.ndarray:
    """Raised-cosine fade-in/out of `ms` milliseconds (avoids broadband clicks at the edges)."""
    n = int(sr * ms / 1000)
    if n == 0 or 2 * n > x.shape[0]:
        return x
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    y = x.copy()
    y[:n] *= ramp[:, None] if y.ndim == 2 else ramp
    y[-n:] *= ramp[::-1, None] if y.ndim == 2 else ramp[::-1]
    return y


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def write_pcm16(name: str, x: np.ndarray, sr: int) -> None:
    sf.write(os.path.join(OUT, name), to_int16(x), sr, subtype="PCM_16", format="WAV")


def write_float32_wav(name: str, x: np.ndarray, sr: int) -> None:
    """Mono IEEE-float WAV: 'fmt ' (16 bytes, format 3), 'fact', 'data'.

    Written by hand because libsndfile adds a PEAK chunk holding the current time, which would make
    the file differ on every run.
    """
    data = np.ascontiguousarray(x, dtype="<f4").tobytes()
    n = x.shape[0]
    fmt = struct.pack("<HHIIHH", 3, 1, sr, sr * 4, 4, 32)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<II", 4, n)
            + b"data" + struct.pack("<I", len(data)) + data)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def note_hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


def chord(sr: int, seconds: float, cents: float) -> np.ndarray:
    t = t_axis(sr, seconds)
    ratio = 2.0 ** (cents / 1200.0)
    y = sum(0.2 * np.sin(2 * np.pi * note_hz(m) * ratio * t) for m in (60, 64, 67))  # C4 E4 G4
    return fade(y, sr)


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    sr = 22050

    # 1. Logarithmic sine sweep 50 Hz -> 10 kHz, 3 s, amplitude 0.5.
    t = t_axis(sr, 3.0)
    f0, f1, T = 50.0, 10000.0, 3.0
    k = np.log(f1 / f0)
    phase = 2 * np.pi * f0 * T / k * (np.exp(t / T * k) - 1.0)
    write_pcm16("sweep_22k.wav", fade(0.5 * np.sin(phase), sr), sr)

    # 2. White noise, uniform in [-0.3, 0.3], seed 0.
    rng = np.random.default_rng(0)
    write_pcm16("noise_22k.wav", rng.uniform(-0.3, 0.3, int(3 * sr)), sr)

    # 3. C major triad C4 E4 G4 (A4 = 440 Hz, equal temperament), 0.2 each, 10 ms fades.
    write_pcm16("chord_cmaj_22k.wav", chord(sr, 3.0, 0.0), sr)

    # 4. The same triad 30 cents sharp: librosa's estimate_tuning should give about +0.30.
    write_pcm16("chord_cmaj_detuned30c_22k.wav", chord(sr, 3.0, 30.0), sr)

    # 5. 120 bpm click track, 6 s: a click every 0.5 s from t = 0; each click is a 1 kHz sine
    #    burst of 20 ms with a 4 ms exponential decay, peak 0.8.
    n = int(6 * sr)
    y = np.zeros(n)
    tc = np.arange(int(0.02 * sr)) / sr
    click = 0.8 * np.sin(2 * np.pi * 1000.0 * tc) * np.exp(-tc / 0.004)
    for start in range(0, n, int(0.5 * sr)):
        seg = click[: n - start]
        y[start : start + seg.shape[0]] += seg
    write_pcm16("click120_22k.wav", y, sr)

    # 6. Digital silence, 3 s.
    write_pcm16("silence_22k.wav", np.zeros(int(3 * sr)), sr)

    # 7. A clip shorter than n_fft: 0.05 s (1102 samples) of a 440 Hz sine, amplitude 0.5.
    write_pcm16("short_0.05s_22k.wav", 0.5 * np.sin(2 * np.pi * 440.0 * t_axis(sr, 0.05)), sr)

    # 8. Stereo 44.1 kHz 16-bit, 3 s, different content per channel:
    #    left = 440 Hz sine 0.4; right = 1320 Hz sine 0.25 + uniform noise 0.1 (seed 1).
    sr44 = 44100
    t = t_axis(sr44, 3.0)
    rng = np.random.default_rng(1)
    left = 0.4 * np.sin(2 * np.pi * 440.0 * t)
    right = 0.25 * np.sin(2 * np.pi * 1320.0 * t) + rng.uniform(-0.1, 0.1, t.shape[0])
    write_pcm16("stereo_44k.wav", fade(np.stack([left, right], axis=1), sr44), sr44)

    # 9. 48 kHz 32-bit float mono, 3 s: band-limited sawtooth, f0 = 220 Hz, all harmonics up to
    #    23.9 kHz (so there is content above the 11025 Hz Nyquist of the 22050 Hz analysis rate,
    #    which the resampler must remove), peak about 0.5.
    sr48 = 48000
    t = t_axis(sr48, 3.0)
    saw = np.zeros_like(t)
    h = 1
    while 220.0 * h < 23900.0:
        saw += np.sin(2 * np.pi * 220.0 * h * t) / h
        h += 1
    saw *= 0.5 / np.max(np.abs(saw))
    write_float32_wav("float_48k.wav", fade(saw, sr48), sr48)

    # 10. 8 kHz mono 16-bit, 3 s: 300 Hz + 1200 Hz tones with a 4 Hz amplitude modulation.
    sr8 = 8000
    t = t_axis(sr8, 3.0)
    env = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * t)
    y8 = env * (0.3 * np.sin(2 * np.pi * 300.0 * t) + 0.2 * np.sin(2 * np.pi * 1200.0 * t))
    write_pcm16("mono_8k.wav", fade(y8, sr8), sr8)

    for name in sorted(os.listdir(OUT)):
        info = sf.info(os.path.join(OUT, name))
        print(f"{name:34s} {info.samplerate:6d} Hz {info.channels} ch {info.frames:7d} frames "
              f"{info.subtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
