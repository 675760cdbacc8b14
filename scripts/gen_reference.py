#!/usr/bin/env python3
"""librosa reference values for every audio fixture: fixtures/reference/<path with / -> __>.json.

    python3 scripts/gen_reference.py              # all of fixtures/synthetic and fixtures/real
    python3 scripts/gen_reference.py --no-timing  # skip fixtures/reference/timing.json
    python3 scripts/gen_reference.py --check      # also print the documented-behaviour checks
    python3 scripts/gen_reference.py --timing-only  # only timing.json (run it on a quiet machine)

Pinned versions: scripts/requirements.txt (librosa 0.11.0). Every feature is computed with librosa's
defaults exactly as /FEATURES.md says (see compute() below). The output is deterministic: the same
inputs and versions give byte-identical JSON.

JSON layout (schema "sonority-reference/1"): see fixtures/README.md. In short:
  file, librosa_version, loader ("soundfile" | "audioread"), source (container facts),
  signal (sr, n_samples, duration_s), frame_dtypes, frames (synthetic files and the .ogg of each real
  excerpt only), summary, native (files whose sr != 22050: the same with librosa.load(sr=None)),
  warnings (messages librosa emitted).

Frame values are written exactly as librosa returns them, as the shortest decimal that round-trips
the array's own dtype: float32 for rms, flatness, chroma, mel, mfcc and onset strength; float64 for
zero_crossing_rate, centroid, bandwidth, rolloff and contrast (librosa returns those in float64,
see frame_dtypes). Summaries are computed in float64 from those arrays and written in full precision.
"""
from __future__ import annotations

import os

# Single-threaded, before numpy is imported (timing.json compares against one core).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import librosa  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
REF = os.path.join(FIX, "reference")
AUDIO_EXT = (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aiff", ".opus")
SR = 22050

FRAME_KEYS = [
    "rms", "zero_crossing_rate", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff",
    "spectral_flatness", "spectral_contrast", "chroma_stft", "chroma_stft_tuning0",
    "melspectrogram", "mfcc", "onset_strength",
]


# --------------------------------------------------------------------------------------------
# librosa
# --------------------------------------------------------------------------------------------
def load(path: str, sr: int | None) -> tuple[np.ndarray, int, str]:
    """librosa.load, and which backend read the file.

    Files soundfile cannot open (MP4/M4A) would go through audioread, which asks the ffmpeg
    binary for 16-bit samples: a quantisation that no float decoder (ours included) shares and
    that dominates the quietest bins. For those we decode with ffmpeg to float32 ourselves and
    then run librosa.load's own steps (to_mono, then resample with soxr_hq and fix_length), so
    the reference is librosa's analysis of the decoded audio rather than of its 16-bit copy.
    """
    try:
        sf.info(path)
    except Exception:  # noqa: BLE001 - soundfile's error types vary by version
        y, sr_native = ffmpeg_f32(path)
        y = librosa.to_mono(y)
        if sr is not None and sr != sr_native:
            y = librosa.resample(y, orig_sr=sr_native, target_sr=sr)
            return y, sr, "ffmpeg-f32le"
        return y, sr_native, "ffmpeg-f32le"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y, sr_out = librosa.load(path, sr=sr)  # mono=True, res_type="soxr_hq", float32
    loader = "soundfile"
    for w in caught:
        if "Trying audioread instead" in str(w.message):
            loader = "audioread"
        else:  # hand the others on to the caller's record
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return y, int(sr_out), loader


def ffmpeg_f32(path: str) -> tuple[np.ndarray, int]:
    """(channels x samples float32, native rate) as ffmpeg decodes the file."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
         "stream=sample_rate,channels", "-of", "json", path],
        check=True, capture_output=True, text=True).stdout
    stream = json.loads(probe)["streams"][0]
    channels, rate = int(stream["channels"]), int(stream["sample_rate"])
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le", "-"],
        check=True, capture_output=True).stdout
    y = np.frombuffer(raw, dtype="<f4").reshape(-1, channels).T
    return np.ascontiguousarray(y), rate


def compute(y: np.ndarray, sr: int) -> tuple[dict[str, np.ndarray | None], float, float, dict]:
    """All frame features, tempo and tuning, with librosa's defaults (FEATURES.md)."""
    errors: dict[str, str] = {}
    S = np.abs(librosa.stft(y, n_fft=2048, hop_length=512))  # center=True, zero padding
    P = S**2
    f: dict[str, np.ndarray | None] = {}
    f["rms"] = librosa.feature.rms(y=y)
    f["zero_crossing_rate"] = librosa.feature.zero_crossing_rate(y)
    f["spectral_centroid"] = librosa.feature.spectral_centroid(S=S, sr=sr)
    f["spectral_bandwidth"] = librosa.feature.spectral_bandwidth(S=S, sr=sr)
    f["spectral_rolloff"] = librosa.feature.spectral_rolloff(S=S, sr=sr)
    f["spectral_flatness"] = librosa.feature.spectral_flatness(S=S)
    try:
        f["spectral_contrast"] = librosa.feature.spectral_contrast(S=S, sr=sr)
    except librosa.util.exceptions.ParameterError as e:  # sr=8000: band edge 6400 >= Nyquist
        f["spectral_contrast"] = None
        errors["spectral_contrast"] = f"librosa.util.exceptions.ParameterError: {e}"
    f["chroma_stft"] = librosa.feature.chroma_stft(S=P, sr=sr)
    f["chroma_stft_tuning0"] = librosa.feature.chroma_stft(S=P, sr=sr, tuning=0)
    mel = librosa.feature.melspectrogram(S=P, sr=sr)
    f["melspectrogram"] = mel
    f["mfcc"] = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=20)
    onset = librosa.onset.onset_strength(y=y, sr=sr)
    f["onset_strength"] = onset[np.newaxis, :]
    tempo = float(librosa.feature.tempo(onset_envelope=onset, sr=sr)[0])
    tuning = float(librosa.estimate_tuning(S=P, sr=sr, bins_per_octave=12))
    return f, tempo, tuning, errors


def summarize(f: dict[str, np.ndarray | None], tempo: float, tuning: float) -> dict:
    out: dict = {}
    for k in FRAME_KEYS:
        a = f[k]
        if a is None:
            out[k] = None
            continue
        a64 = a.astype(np.float64)
        out[k] = {"mean": a64.mean(axis=1).tolist(), "std": a64.std(axis=1, ddof=0).tolist()}
    m = f["mfcc"][1:13].astype(np.float64)
    cov = None
    if m.shape[1] >= 2:
        cov = np.cov(m, ddof=1)[np.triu_indices(12)].tolist()
    out["timbre"] = {"mean": m.mean(axis=1).tolist(), "cov_upper": cov}
    out["tempo"] = {"bpm": tempo}
    out["tuning"] = tuning
    return out


def analyse(path: str, sr: int | None):
    y, sr_out, loader = load(path, sr)
    f, tempo, tuning, errors = compute(y, sr_out)
    return y, sr_out, loader, f, summarize(f, tempo, tuning), errors


# --------------------------------------------------------------------------------------------
# source facts
# --------------------------------------------------------------------------------------------
def source_info(path: str) -> dict:
    try:
        i = sf.info(path)
        return {"sr": int(i.samplerate), "channels": int(i.channels), "n_frames": int(i.frames),
                "format": i.format, "subtype": i.subtype, "from": "soundfile.info"}
    except Exception:
        pass
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
         "stream=sample_rate,channels,duration_ts,time_base,codec_name:format=format_name,duration",
         "-of", "json", path], capture_output=True, check=True, text=True).stdout
    j = json.loads(out)
    st, fm = j["streams"][0], j["format"]
    sr = int(st["sample_rate"])
    if st.get("time_base") == f"1/{sr}" and "duration_ts" in st:
        n = int(st["duration_ts"])
    else:
        n = int(round(float(fm["duration"]) * sr))
    return {"sr": sr, "channels": int(st["channels"]), "n_frames": n,
            "format": fm["format_name"], "subtype": st["codec_name"], "from": "ffprobe"}


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------
def fmt_float(v) -> str:
    """Shortest decimal that round-trips v in its own dtype (np.float32 or np.float64)."""
    if not np.isfinite(v):
        return "null"
    a = np.format_float_positional(v, unique=True, trim="-")
    b = np.format_float_scientific(v, unique=True, trim="-")
    return a if len(a) <= len(b) else b


def fmt_row(row: np.ndarray) -> str:
    return "[" + ",".join(fmt_float(v) for v in row) + "]"


def py_json(x) -> str:
    """Compact JSON for Python values; floats in full double precision, NaN/inf -> null."""
    def clean(o):
        if isinstance(o, float):
            return o if math.isfinite(o) else None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        return o
    return json.dumps(clean(x), separators=(",", ":"), allow_nan=False)


def write_json(path: str, doc: dict) -> None:
    """One top-level key per line; one line per frame-array row; summaries one line per feature."""
    lines = ["{"]
    items = list(doc.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if k == "frames":
            lines.append(f'  "frames": {{')
            fk = list(v.items())
            for j, (name, arr) in enumerate(fk):
                c2 = "," if j < len(fk) - 1 else ""
                if arr is None:
                    lines.append(f'    "{name}": null{c2}')
                    continue
                rows = ",\n      ".join(fmt_row(r) for r in arr)
                lines.append(f'    "{name}": [\n      {rows}\n    ]{c2}')
            lines.append("  }" + comma)
        elif k in ("summary", "native") and isinstance(v, dict):
            lines.append(f'  "{k}": ' + nested(v, 2) + comma)
        else:
            lines.append(f'  "{k}": {py_json(v)}{comma}')
    lines.append("}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def nested(d: dict, indent: int) -> str:
    pad = " " * (indent + 2)
    parts = []
    for k, v in d.items():
        if isinstance(v, dict) and k in ("summary",):
            parts.append(f'{pad}"{k}": ' + nested(v, indent + 2))
        else:
            parts.append(f'{pad}"{k}": {py_json(v)}')
    return "{\n" + ",\n".join(parts) + "\n" + " " * indent + "}"


# --------------------------------------------------------------------------------------------
def fixture_files() -> list[str]:
    out = []
    for sub in ("synthetic", "real"):
        d = os.path.join(FIX, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.lower().endswith(AUDIO_EXT):
                out.append(f"{sub}/{name}")
    return out


def wants_frames(rel: str) -> bool:
    return rel.startswith("synthetic/") or (rel.startswith("real/") and rel.endswith(".ogg"))


def process(rel: str) -> dict:
    path = os.path.join(FIX, rel)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y, sr, loader, f, summary, errors = analyse(path, SR)
        src = source_info(path)
        doc: dict = {
            "schema": "sonority-reference/1",
            "file": rel,
            "librosa_version": librosa.__version__,
            "loader": loader,
            "source": src,
            "signal": {"sr": sr, "n_samples": int(y.shape[0]), "duration_s": y.shape[0] / sr},
            "frame_dtypes": {k: (None if f[k] is None else str(f[k].dtype)) for k in FRAME_KEYS},
        }
        if wants_frames(rel):
            doc["frames"] = {k: f[k] for k in FRAME_KEYS}
        doc["summary"] = summary
        if errors:
            doc["errors"] = errors
        if src["sr"] != SR:
            yn, srn, _, _, summary_n, errors_n = analyse(path, None)
            nat = {"signal": {"sr": srn, "n_samples": int(yn.shape[0]),
                              "duration_s": yn.shape[0] / srn},
                   "summary": summary_n}
            if errors_n:
                nat["errors"] = errors_n
            doc["native"] = nat
    msgs = sorted({f"{w.category.__name__}: {w.message}" for w in caught
                   if "Trying audioread instead" not in str(w.message)})
    doc["warnings"] = msgs
    return doc


def _children_cpu() -> float:
    """CPU seconds of finished child processes (audioread runs ffmpeg for .m4a)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timing(rels: list[str], repeats: int) -> dict:
    """Wall time of librosa.load(sr=22050) + all features + summary, after a warm-up run."""
    rows = []
    load_before = os.getloadavg()
    for rel in rels:
        path = os.path.join(FIX, rel)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loader = analyse(path, SR)[2]  # warm-up (numba JIT, file cache, filter caches)
            ts, cpu, tl = [], [], []
            for _ in range(repeats):
                c0 = time.process_time() + _children_cpu()
                t0 = time.perf_counter()
                y, sr, _ = load(path, SR)
                t1 = time.perf_counter()
                f, tempo, tuning, _ = compute(y, sr)
                summarize(f, tempo, tuning)
                ts.append(time.perf_counter() - t0)
                tl.append(t1 - t0)
                cpu.append(time.process_time() + _children_cpu() - c0)
        info = source_info(path)
        dur = info["n_frames"] / info["sr"]
        med = statistics.median(ts)
        rows.append({"file": rel, "loader": loader, "audio_duration_s": dur,
                     "wall_s_median": med, "wall_s_min": min(ts),
                     "load_wall_s_median": statistics.median(tl),
                     "cpu_s_median": statistics.median(cpu), "runs": repeats,
                     "x_realtime": dur / med})
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba
    import scipy
    import soxr
    return {
        "schema": "sonority-reference-timing/1",
        "what": "librosa.load(path, sr=22050) + every frame feature, tempo, tuning and the "
                "summaries, as scripts/gen_reference.py computes them; single-threaded "
                "(OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=1); one warm-up run, then the median "
                "of the timed runs. cpu_s counts this process and its children (the ffmpeg that "
                "audioread runs for .m4a); it is the steadier figure when the machine is busy "
                "(see load_average_before_after)",
        "machine": {"cpu": cpu, "cores_visible": os.cpu_count(), "python": platform.python_version()},
        "versions": {"librosa": librosa.__version__, "numpy": np.__version__,
                     "scipy": scipy.__version__, "soundfile": sf.__version__,
                     "soxr": soxr.__version__, "numba": numba.__version__},
        "load_average_before_after": [load_before, os.getloadavg()],
        "files": rows,
        "total_audio_s": sum(r["audio_duration_s"] for r in rows),
        "total_wall_s_median": sum(r["wall_s_median"] for r in rows),
    }


def checks() -> None:
    """Print the documented librosa behaviours of FEATURES.md as measured on the fixtures."""
    def ref(rel):
        with open(os.path.join(REF, rel.replace("/", "__") + ".json")) as fh:
            return json.load(fh)
    s = ref("synthetic/silence_22k.wav")["summary"]
    print("silence:", {k: (s[k]["mean"] if len(s[k]["mean"]) <= 2 else
                           f"all {set(s[k]['mean'])}") for k in FRAME_KEYS if k != "mfcc"})
    print("silence mfcc0 mean:", s["mfcc"]["mean"][0], " other mfcc means:", set(s["mfcc"]["mean"][1:]),
          " tempo:", s["tempo"], " tuning:", s["tuning"])
    for rel in ("synthetic/click120_22k.wav", "synthetic/chord_cmaj_22k.wav",
                "synthetic/chord_cmaj_detuned30c_22k.wav", "synthetic/short_0.05s_22k.wav"):
        d = ref(rel)
        print(f"{rel}: tempo {d['summary']['tempo']['bpm']} tuning {d['summary']['tuning']} "
              f"frames {len(d['frames']['rms'][0])}")
    # onset_strength(y=) equals the FEATURES.md definition computed from our own mel
    path = os.path.join(FIX, "real/percussive_etr.ogg")
    y, sr = librosa.load(path, sr=SR)
    S = np.abs(librosa.stft(y))
    P = S**2
    db = librosa.power_to_db(librosa.feature.melspectrogram(S=P, sr=sr))
    d = np.maximum(0.0, db[:, 1:] - db[:, :-1]).mean(axis=0)
    mine = np.concatenate([np.zeros(3, np.float32), d])[: db.shape[1]]
    lib = librosa.onset.onset_strength(y=y, sr=sr)
    print("onset_strength(y) vs spec definition: max abs diff", float(np.abs(mine - lib).max()))
    t_chroma = librosa.feature.chroma_stft(S=P, sr=sr)
    t_explicit = librosa.feature.chroma_stft(
        S=P, sr=sr, tuning=librosa.estimate_tuning(S=P, sr=sr, bins_per_octave=12))
    print("chroma_stft(S=P) == chroma_stft(S=P, tuning=estimate_tuning(S=P)):",
          bool(np.array_equal(t_chroma, t_explicit)),
          " tuning from P:", librosa.estimate_tuning(S=P, sr=sr),
          " tuning from |X| instead:", librosa.estimate_tuning(S=S, sr=sr))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--timing-only", action="store_true",
                    help="only rewrite timing.json (on a quiet machine: other load skews it)")
    ap.add_argument("files", nargs="*", help="paths relative to fixtures/ (default: all)")
    args = ap.parse_args()
    os.makedirs(REF, exist_ok=True)
    rels = args.files or fixture_files()
    if not args.files and not args.timing_only:
        # Drop references whose audio file is gone (e.g. an AIFF no longer made).
        keep = {r.replace("/", "__") + ".json" for r in rels}
        for name in os.listdir(REF):
            if name.startswith(("synthetic__", "real__")) and name not in keep:
                os.remove(os.path.join(REF, name))
    for rel in ([] if args.timing_only else rels):
        doc = process(rel)
        out = os.path.join(REF, rel.replace("/", "__") + ".json")
        write_json(out, doc)
        print(f"{rel:40s} {doc['loader']:9s} T={len(doc['frames']['rms'][0]) if 'frames' in doc else '-'!s:>4s} "
              f"tempo={doc['summary']['tempo']['bpm']:.2f} tuning={doc['summary']['tuning']:+.2f} "
              f"{os.path.getsize(out) / 1024:7.1f} KiB")
    if not args.no_timing and not args.files:
        t = timing([r for r in rels if r.startswith("real/")], args.repeats)
        with open(os.path.join(REF, "timing.json"), "w") as fh:
            json.dump(t, fh, indent=1)
            fh.write("\n")
        for r in t["files"]:
            print(f"timing {r['file']:40s} wall {r['wall_s_median'] * 1000:7.1f} ms, cpu "
                  f"{r['cpu_s_median'] * 1000:7.1f} ms for {r['audio_duration_s']:.2f} s of audio")
    if args.check:
        checks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
