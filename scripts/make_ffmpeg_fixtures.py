#!/usr/bin/env python3
"""Builds fixtures/ffmpeg/: real music in the formats sonority decodes through ffmpeg, plus the
multichannel lossy files that were decoded wrongly, and librosa's features of each.

Every file is 1.5 s of the real excerpts of fixtures/real/ (GPL-2+, see fixtures/README.md),
encoded by this machine's ffmpeg with bit-exact flags. Multichannel files take 6 different
channels from three excerpts (amerge + pan), so a channel mixed up or read from the wrong place
shows in the downmix. For each file `expected.json` records what ffprobe says (codec, rate,
channels), the frame count of ffmpeg's decode, which decoder sonority is expected to use, and
the reference: librosa 0.11's features (gen_reference.compute/summarize: the summary and the
rms, zero-crossing and centroid frames) of ffmpeg's float32 decode of the same file (Opus:
ffmpeg running libopus, see INPUT_DECODER), downmixed by librosa.to_mono and resampled by
librosa.resample (soxr_hq) to 22050 Hz, as gen_reference.py treats the files soundfile cannot
open.

Formats ffmpeg 5.1 here cannot encode are absent: APE, Musepack, DSD, AMR (no libopencore),
HE-AAC (no libfdk_aac), WMA Pro/Lossless.

Run from the repository root:  python3 scripts/make_ffmpeg_fixtures.py
Needs ffmpeg/ffprobe 5.x (libvorbis, libopus, libspeex) and scripts/requirements.txt.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# First: gen_reference pins numpy to one thread before numpy is imported.
import gen_reference as ref  # noqa: E402  (compute, summarize)

import librosa  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "ffmpeg"
REAL = ROOT / "fixtures" / "real"
FFMPEG = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-nostdin"]
BITEXACT = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]
START, SECONDS = "1.0", "1.5"
SR = 22050
FRAME_SUBSET = ["rms", "zero_crossing_rate", "spectral_centroid"]

# ffmpeg decodes Opus with its own decoder unless told otherwise; that one upsamples SILK's
# narrowband output to 48 kHz with another filter than libopus (the reference decoder, which
# sonority and libsndfile use): on opus_5_1_8k.opus it is 4 samples late and differs by up to
# 0.11 per sample, so the Opus reference is ffmpeg running libopus (`-c:a libopus`).
INPUT_DECODER = {".opus": "libopus"}

# (file, decoder sonority uses, what to encode: "stereo" or "5.1" source, ffmpeg output args)
FILES = [
    ("wmav2.wma", "ffmpeg", "stereo", ["-c:a", "wmav2", "-b:a", "64k"]),
    ("wavpack_mono_22k.wv", "ffmpeg", "stereo", ["-ac", "1", "-ar", "22050", "-c:a", "wavpack"]),
    ("tta_mono_22k.tta", "ffmpeg", "stereo", ["-ac", "1", "-ar", "22050", "-c:a", "tta"]),
    ("ac3_5_1.ac3", "ffmpeg", "5.1", ["-c:a", "ac3", "-b:a", "192k"]),
    ("eac3_stereo.eac3", "ffmpeg", "stereo", ["-c:a", "eac3", "-b:a", "96k"]),
    ("dts_stereo.dts", "ffmpeg", "stereo", ["-c:a", "dca", "-strict", "-2", "-b:a", "320k"]),
    ("speex_16k.spx", "ffmpeg", "stereo", ["-ac", "1", "-ar", "16000", "-c:a", "libspeex"]),
    ("real_144.ra", "ffmpeg", "stereo", ["-ac", "1", "-ar", "8000", "-c:a", "real_144"]),
    ("aac_5_1.m4a", "ffmpeg", "5.1", ["-c:a", "aac", "-b:a", "192k"]),
    ("mp3_in_wav.wav", "ffmpeg", "stereo", ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "wav"]),
    ("ac3_in_mka.mka", "ffmpeg", "stereo", ["-c:a", "ac3", "-b:a", "96k"]),
    # Decoded natively; the two multichannel cases, against the same reference.
    ("vorbis_5_1.ogg", "native", "5.1", ["-c:a", "libvorbis", "-q:a", "1"]),
    ("opus_5_1_8k.opus", "native", "5.1", ["-ar", "8000", "-c:a", "libopus", "-b:a", "48k"]),
]


def source_args(layout):
    """ffmpeg input arguments and filter for the excerpt(s) of `layout`."""
    cut = ["-ss", START, "-t", SECONDS]
    if layout == "stereo":
        return cut + ["-i", str(REAL / "electronic_freedroid.flac")], []
    inputs = []
    for name in ["electronic_freedroid", "percussive_etr", "ambient_freedroid"]:
        inputs += cut + ["-i", str(REAL / f"{name}.flac")]
    graph = "[0:a][1:a][2:a]amerge=inputs=3,pan=5.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=c4|c5=c5[a]"
    return inputs, ["-filter_complex", graph, "-map", "[a]"]


def ffprobe(path):
    cmd = ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
           "stream=codec_name,sample_rate,channels", "-of", "json", str(path)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)[
        "streams"][0]


def rounded(x):
    """Floats as float32 values (what librosa computes in), for a compact file."""
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [rounded(v) for v in x]
    if isinstance(x, float):
        return float(f"{x:.9g}")
    return x


def ffmpeg_f32(path, input_decoder):
    """(channels x samples float32, rate) of ffmpeg's decode, with `input_decoder` if given."""
    args = ["-c:a", input_decoder] if input_decoder else []
    info = ffprobe(path)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-nostdin"] + args + ["-i", str(path), "-map",
                          "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le", "-"],
                         check=True, capture_output=True).stdout
    y = np.frombuffer(raw, dtype="<f4").reshape(-1, int(info["channels"])).T
    return np.ascontiguousarray(y), int(info["sample_rate"])


def record(name, decoder):
    path = OUT / name
    info = ffprobe(path)
    input_decoder = INPUT_DECODER.get(path.suffix)
    y, sr_native = ffmpeg_f32(path, input_decoder)
    channels = y.shape[0]
    mono = librosa.to_mono(y)
    y22 = librosa.resample(mono, orig_sr=sr_native, target_sr=SR) if sr_native != SR else mono
    f, tempo, tuning, errors = ref.compute(y22, SR)
    summary = ref.summarize(f, tempo, tuning)
    return {
        "file": name,
        "bytes": path.stat().st_size,
        "decoder": decoder,
        "codec": info["codec_name"],
        "sample_rate": int(info["sample_rate"]),
        "channels": channels,
        "frames": int(y.shape[1]),
        "reference": "librosa on ffmpeg's float32 decode (to_mono, resample soxr_hq to 22050 Hz)",
        "ffmpeg_decoder": input_decoder,
        "n_samples": int(len(y22)),
        "frames_subset": {k: rounded(f[k].astype(np.float64).tolist()) for k in FRAME_SUBSET},
        "summary": rounded(summary),
        "librosa_errors": errors,
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    entries = []
    for name, decoder, layout, args in FILES:
        inputs, graph = source_args(layout)
        subprocess.run(FFMPEG + inputs + graph + BITEXACT + args + [str(OUT / name)], check=True)
        entries.append(record(name, decoder))
        print(f"{name:22} {entries[-1]['codec']:10} {entries[-1]['sample_rate']:6} Hz "
              f"{entries[-1]['channels']} ch {entries[-1]['frames']:7} frames "
              f"{entries[-1]['bytes'] / 1024:6.1f} KiB")
    doc = {
        "generator": "scripts/make_ffmpeg_fixtures.py",
        "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True,
                                 text=True).stdout.splitlines()[0],
        "librosa": librosa.__version__,
        "numpy": np.__version__,
        "files": entries,
    }
    (OUT / "expected.json").write_text(json.dumps(doc, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(entries)} files, {total / 1024:.0f} KiB in total")
    if total > 1024 * 1024:
        sys.exit("fixtures too large")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
