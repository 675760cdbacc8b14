#!/usr/bin/env python3
"""Builds the decoder fixtures in fixtures/decode/ and records what ffmpeg makes of each.

Every good file is a short synthetic signal (a different sine mix on every channel, so a
wrong downmix or a shifted start shows), written either by hand (the WAV variants, so the
header layout is exactly what the name says) or by ffmpeg's encoders. The bad files are
damaged on purpose. For each file `expected.json` records:

* `sample_rate`, `channels`, `codec` as ffprobe reports them;
* `frames`: the number of frames of an actual ffmpeg decode (`ffmpeg -i f -f f32le -`);
* `mono`: statistics of the mono signal librosa would load, averaged exactly as numpy does
  (`np.mean(axis=0)` in float32, librosa's `to_mono`): its RMS, 16 block RMS values, and 33
  sample values at evenly spaced positions. `reference` says whose decode that is: soundfile's
  (libsndfile 1.2 reads WAV, AIFF, FLAC, Ogg Vorbis/Opus and MP3, and is what `librosa.load`
  tries first) or, where soundfile cannot read the file (MP4) or stops early
  (`soundfile_differs`: a VBR MP3 without a Xing frame), ffmpeg's; `soundfile_frames` is
  soundfile's frame count when it reads the file;
* `lossless`: whether a bit-exact match with ffmpeg is expected;
* for damaged files, `expect`: the error variant or warning the Rust decoder must give.

Run from the repository root:  python3 scripts/make_decode_fixtures.py
Needs ffmpeg/ffprobe (5.x with libmp3lame, libvorbis, libopus) and numpy.
"""

import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "decode"
FFMPEG = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
BITEXACT = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]

# WAVE format tags and the KSDATAFORMAT sub-type GUID tail shared by PCM and IEEE float.
WAVE_FORMAT_PCM = 1
WAVE_FORMAT_IEEE_FLOAT = 3
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")


def signal(sr, channels, seconds, amp=0.4):
    """A sine mix per channel: channel c holds f_c = 220 * (1 + c * 0.37) Hz and its fifth."""
    n = int(round(sr * seconds))
    t = np.arange(n, dtype=np.float64) / sr
    out = np.empty((n, channels), dtype=np.float64)
    for c in range(channels):
        f = 220.0 * (1.0 + c * 0.37)
        f = min(f, sr * 0.4)
        out[:, c] = amp * (0.7 * np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 1.5 * f * t + c))
    # A short fade in and out so lossy codecs do not smear a click over the edges.
    fade = min(n // 8, int(sr * 0.005))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade)
        out[:fade] *= ramp[:, None]
        out[-fade:] *= ramp[::-1, None]
    return out


def wav_bytes(data_bytes, channels, sr, bits, tag, extensible=False, channel_mask=0,
              block_align=None, byte_rate=None, data_size=None):
    """A RIFF/WAVE file written by hand, so each header variant is exactly as named."""
    block_align = block_align if block_align is not None else channels * bits // 8
    byte_rate = byte_rate if byte_rate is not None else sr * block_align
    if extensible:
        fmt = struct.pack("<HHIIHH", WAVE_FORMAT_EXTENSIBLE, channels, sr, byte_rate, block_align, bits)
        fmt += struct.pack("<HHI", 22, bits, channel_mask) + struct.pack("<H", tag) + GUID_TAIL
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, sr, byte_rate, block_align, bits)
        if tag != WAVE_FORMAT_PCM:
            fmt += struct.pack("<H", 0)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if tag == WAVE_FORMAT_IEEE_FLOAT and not extensible:
        frames = len(data_bytes) // max(block_align, 1)
        chunks += b"fact" + struct.pack("<II", 4, frames)
    size = len(data_bytes) if data_size is None else data_size
    chunks += b"data" + struct.pack("<I", size) + data_bytes
    if len(data_bytes) % 2:
        chunks += b"\0"
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def quantise(x, bits):
    """Float in [-1, 1) to signed integers of `bits` bits (round to nearest, clip)."""
    scale = float(1 << (bits - 1))
    return np.clip(np.round(x * scale), -scale, scale - 1).astype(np.int64)


def pcm_payload(x, kind):
    """Interleaved little-endian sample bytes of the (frames, channels) array x."""
    flat = x.reshape(-1)
    if kind == "u8":
        return (quantise(flat, 8) + 128).astype(np.uint8).tobytes()
    if kind == "s16":
        return quantise(flat, 16).astype("<i2").tobytes()
    if kind == "s24":
        v = quantise(flat, 24).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        return v.tobytes()
    if kind == "s32":
        return quantise(flat, 32).astype("<i4").tobytes()
    if kind == "f32":
        return flat.astype("<f4").tobytes()
    if kind == "f64":
        return flat.astype("<f8").tobytes()
    raise ValueError(kind)


BITS = {"u8": 8, "s16": 16, "s24": 24, "s32": 32, "f32": 32, "f64": 64}


def write_wav(name, sr, channels, seconds, kind, extensible=False, channel_mask=0):
    x = signal(sr, channels, seconds)
    tag = WAVE_FORMAT_IEEE_FLOAT if kind.startswith("f") else WAVE_FORMAT_PCM
    data = pcm_payload(x, kind)
    (OUT / name).write_bytes(wav_bytes(data, channels, sr, BITS[kind], tag, extensible, channel_mask))


def encode(name, sr, channels, seconds, args, source_kind="f32le"):
    """Encodes the synthetic signal with ffmpeg: raw float input, `args` select the codec."""
    x = signal(sr, channels, seconds).astype("<f4")
    cmd = FFMPEG + ["-f", source_kind, "-ar", str(sr), "-ac", str(channels), "-i", "-"]
    cmd += BITEXACT + args + [str(OUT / name)]
    subprocess.run(cmd, input=x.tobytes(), check=True)


def ffprobe(path):
    cmd = ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
           "stream=codec_name,sample_rate,channels", "-of", "json", str(path)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return None
    streams = json.loads(res.stdout).get("streams", [])
    return streams[0] if streams else None


def ffmpeg_decode(path, channels):
    """All channels as float32 (frames, channels), or None when ffmpeg fails outright."""
    cmd = ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "f32le", "-"]
    res = subprocess.run(cmd, capture_output=True)
    if res.returncode != 0 and not res.stdout:
        return None, res.stderr.decode(errors="replace").strip()
    pcm = np.frombuffer(res.stdout, dtype="<f4")
    return pcm.reshape(-1, channels), res.stderr.decode(errors="replace").strip()


def mono_stats(frames):
    """librosa's to_mono on soundfile's layout: np.mean over the transposed (C, n) array."""
    y = np.mean(frames.T, axis=0) if frames.shape[1] > 1 else frames[:, 0]
    y = y.astype(np.float32)
    n = len(y)
    probes = [int(i * (n - 1) // 32) for i in range(33)] if n else []
    blocks = np.array_split(y.astype(np.float64), 16) if n >= 16 else []
    return {
        "rms": float(np.sqrt(np.mean(y.astype(np.float64) ** 2))) if n else 0.0,
        "block_rms": [float(np.sqrt(np.mean(b ** 2))) for b in blocks],
        "probe_index": probes,
        "probe_value": [float(y[i]) for i in probes],
    }


GOOD = []  # (file name, lossless)
BAD = []  # (file name, expectation dict)


def build_good():
    # WAV, every sample format; the integer ones as plain PCM and the wide ones also extensible.
    write_wav("wav_u8.wav", 22050, 2, 0.3, "u8")
    write_wav("wav_s16.wav", 44100, 2, 0.25, "s16")
    write_wav("wav_s24.wav", 44100, 2, 0.2, "s24")
    write_wav("wav_s32.wav", 44100, 2, 0.15, "s32")
    write_wav("wav_f32.wav", 44100, 2, 0.15, "f32")
    write_wav("wav_f64.wav", 44100, 1, 0.15, "f64")
    write_wav("wav_ext_s16.wav", 44100, 2, 0.2, "s16", extensible=True, channel_mask=0x3)
    write_wav("wav_ext_s24.wav", 48000, 2, 0.15, "s24", extensible=True, channel_mask=0x3)
    write_wav("wav_ext_f32.wav", 48000, 2, 0.15, "f32", extensible=True, channel_mask=0x3)
    write_wav("wav_5_1.wav", 44100, 6, 0.1, "s16", extensible=True, channel_mask=0x3F)
    write_wav("wav_32ch.wav", 8000, 32, 0.1, "s16", extensible=True, channel_mask=0)
    write_wav("wav_8k_mono.wav", 8000, 1, 0.5, "s16")
    write_wav("wav_384k.wav", 384000, 1, 0.1, "s16")
    GOOD.extend((n, True) for n in [
        "wav_u8.wav", "wav_s16.wav", "wav_s24.wav", "wav_s32.wav", "wav_f32.wav", "wav_f64.wav",
        "wav_ext_s16.wav", "wav_ext_s24.wav", "wav_ext_f32.wav", "wav_5_1.wav", "wav_32ch.wav",
        "wav_8k_mono.wav", "wav_384k.wav"])

    encode("flac_s16.flac", 44100, 2, 0.5, ["-c:a", "flac"])
    encode("flac_s24_192k.flac", 192000, 2, 0.1,
           ["-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"])
    encode("aiff_s16.aiff", 44100, 2, 0.25, ["-c:a", "pcm_s16be"])
    encode("m4a_alac.m4a", 44100, 2, 0.25, ["-c:a", "alac", "-sample_fmt", "s16p"])
    # CAF counts whole ALAC packets of 4096 frames: its length is not a truncation warning.
    encode("caf_alac.caf", 44100, 2, 0.3, ["-c:a", "alac", "-sample_fmt", "s16p"])
    GOOD.extend((n, True) for n in [
        "flac_s16.flac", "flac_s24_192k.flac", "aiff_s16.aiff", "m4a_alac.m4a", "caf_alac.caf"])

    encode("mp3_cbr.mp3", 44100, 2, 1.5, ["-c:a", "libmp3lame", "-b:a", "64k"])
    encode("mp3_vbr.mp3", 44100, 2, 1.5, ["-c:a", "libmp3lame", "-q:a", "6"])
    encode("mp3_mono_22k.mp3", 22050, 1, 1.0, ["-c:a", "libmp3lame", "-b:a", "32k"])
    # MP3 without a Xing/Info frame: decoders must read to the last frame, not to a length
    # estimated from the first frames (a loud start then silence makes that estimate short).
    encode("mp3_cbr_noxing.mp3", 44100, 2, 1.5,
           ["-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0"])
    encode("mp3_vbr_noxing_quiet_end.mp3", 44100, 2, 4.0,
           ["-af", "volume=enable='gte(t,1)':volume=0", "-c:a", "libmp3lame", "-q:a", "0",
            "-write_xing", "0"])
    encode("ogg_vorbis.ogg", 44100, 2, 1.5, ["-c:a", "libvorbis", "-q:a", "1"])
    encode("m4a_aac.m4a", 44100, 2, 1.5, ["-c:a", "aac", "-b:a", "64k"])
    encode("m4a_aac_mono_48k.m4a", 48000, 1, 1.0, ["-c:a", "aac", "-b:a", "48k"])
    # 96 kHz does not fit the MP4 sample entry's 16-bit rate: it comes from the AAC config.
    encode("m4a_aac_96k.m4a", 96000, 2, 0.3, ["-c:a", "aac", "-b:a", "128k"])
    encode("opus_stereo.opus", 48000, 2, 1.5, ["-c:a", "libopus", "-b:a", "32k"])
    encode("opus_mono.opus", 48000, 1, 1.0, ["-c:a", "libopus", "-b:a", "24k"])
    # 5.1: channel mapping family 1, libopus's multistream decoder.
    encode("opus_5_1.opus", 48000, 6, 0.3, ["-c:a", "libopus", "-b:a", "96k"])
    # libvorbis's 5.1 mapping chains its coupling steps ((0,2), (3,4), (0,1), (0,3)), which a
    # decoder must undo from the last to the first; its 7.1 mapping codes 8 uncoupled channels
    # with one residue of type 1, whose partition classes must stay per channel.
    encode("ogg_vorbis_5_1.ogg", 44100, 6, 1.5, ["-c:a", "libvorbis", "-q:a", "1"])
    encode("ogg_vorbis_7_1.ogg", 44100, 8, 1.5, ["-c:a", "libvorbis", "-q:a", "1"])
    GOOD.extend((n, False) for n in [
        "mp3_cbr.mp3", "mp3_vbr.mp3", "mp3_mono_22k.mp3", "mp3_cbr_noxing.mp3",
        "mp3_vbr_noxing_quiet_end.mp3", "ogg_vorbis.ogg", "m4a_aac.m4a",
        "m4a_aac_mono_48k.m4a", "m4a_aac_96k.m4a", "opus_stereo.opus", "opus_mono.opus",
        "opus_5_1.opus", "ogg_vorbis_5_1.ogg", "ogg_vorbis_7_1.ogg"])


def truncate(src, dst, fraction):
    data = (OUT / src).read_bytes()
    (OUT / dst).write_bytes(data[: int(len(data) * fraction)])


def garble(src, dst, at, length, seed):
    """Overwrites `length` bytes at fraction `at` of the file with random bytes."""
    data = bytearray((OUT / src).read_bytes())
    rng = np.random.default_rng(seed)
    start = int(len(data) * at)
    data[start:start + length] = rng.integers(0, 256, size=length, dtype=np.uint8).tobytes()
    (OUT / dst).write_bytes(bytes(data))


def with_sbr_fill(adts):
    """Adds an ID_FIL element with an EXT_SBR_DATA payload before the ID_END element of every
    ADTS frame (no CRC, one raw data block per frame, as ffmpeg writes them)."""
    out = bytearray()
    at = 0
    while at + 7 <= len(adts):
        head = adts[at:at + 7]
        length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5)
        assert head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and head[1] & 1, "ADTS without CRC"
        bits = "".join(f"{b:08b}" for b in adts[at + 7:at + length])
        end = bits.rstrip("0")
        assert end.endswith("111"), "no ID_END"
        # ID_FIL (110), count 1, then one byte: extension type EXT_SBR_DATA (1101) and 4 bits.
        bits = end[:-3] + "110" + "0001" + "1101" + "0000" + "111"
        bits += "0" * (-len(bits) % 8)
        payload = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
        new_len = 7 + len(payload)
        head = bytearray(head)
        head[3] = (head[3] & 0xFC) | (new_len >> 11)
        head[4] = (new_len >> 3) & 0xFF
        head[5] = ((new_len & 0x07) << 5) | (head[5] & 0x1F)
        out += head + payload
        at += length
    return bytes(out)


def build_bad():
    # Truncated files: the audio up to the cut must come out, with a warning.
    truncate("wav_s16.wav", "trunc_wav.wav", 0.6)
    truncate("flac_s16.flac", "trunc_flac.flac", 0.6)
    truncate("mp3_cbr.mp3", "trunc_mp3.mp3", 0.6)
    # A longer Ogg than ogg_vorbis.ogg, so that whole audio pages survive the cut.
    encode("tmp_long.ogg", 44100, 2, 5.0, ["-c:a", "libvorbis", "-q:a", "0"])
    truncate("tmp_long.ogg", "trunc_ogg.ogg", 0.6)
    encode("tmp_faststart.m4a", 44100, 2, 1.5, ["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"])
    truncate("tmp_faststart.m4a", "trunc_m4a.m4a", 0.6)
    (OUT / "tmp_faststart.m4a").unlink()
    for name in ["trunc_wav.wav", "trunc_flac.flac", "trunc_mp3.mp3", "trunc_ogg.ogg", "trunc_m4a.m4a"]:
        BAD.append((name, {"warning": True, "min_fraction": 0.4}))

    # Garbage in the middle: the damaged packets are skipped with a warning.
    garble("mp3_cbr.mp3", "garbage_mp3.mp3", 0.5, 600, 1)
    garble("flac_s16.flac", "garbage_flac.flac", 0.5, 400, 2)
    garble("tmp_long.ogg", "garbage_ogg.ogg", 0.7, 400, 3)
    (OUT / "tmp_long.ogg").unlink()
    for name in ["garbage_mp3.mp3", "garbage_flac.flac", "garbage_ogg.ogg"]:
        BAD.append((name, {"warning": True, "min_fraction": 0.6}))

    # 5.1 AAC: symphonia's AAC decoder refuses more than two channels (and enabling them
    # decodes a real 5.1 mix wrongly): a clear Unsupported error.
    encode("m4a_aac_5_1.m4a", 48000, 6, 0.2, ["-c:a", "aac", "-b:a", "192k"])
    BAD.append(("m4a_aac_5_1.m4a", {"error": "Unsupported"}))

    # Implicitly signalled HE-AAC, made by hand (no HE-AAC encoder here): an AAC-LC ADTS
    # stream whose every frame gets an SBR fill element before its END element. A decoder
    # without SBR must refuse it rather than decode the half-rate core as the track.
    encode("tmp_lc.aac", 22050, 2, 0.5, ["-c:a", "aac", "-b:a", "64k", "-f", "adts"])
    (OUT / "aac_implicit_sbr.aac").write_bytes(with_sbr_fill((OUT / "tmp_lc.aac").read_bytes()))
    (OUT / "tmp_lc.aac").unlink()
    BAD.append(("aac_implicit_sbr.aac", {"error": "Unsupported"}))

    (OUT / "empty.wav").write_bytes(b"")
    BAD.append(("empty.wav", {"error": "NoAudio"}))
    (OUT / "text.mp3").write_text(
        "This is not an MP3 file.\nIt is a plain text file with an audio extension.\n" * 20)
    BAD.append(("text.mp3", {"error": "Unsupported"}))
    (OUT / "header_only.wav").write_bytes(wav_bytes(b"", 2, 44100, 16, WAVE_FORMAT_PCM))
    BAD.append(("header_only.wav", {"error": "NoAudio"}))

    x = signal(44100, 1, 0.1).astype("<f4")
    x[2205] = np.nan
    (OUT / "nan_f32.wav").write_bytes(wav_bytes(x.tobytes(), 1, 44100, 32, WAVE_FORMAT_IEEE_FLOAT))
    BAD.append(("nan_f32.wav", {"error": "NonFinite", "position_s": 2205 / 44100}))
    x = signal(44100, 2, 0.1).astype("<f4")
    x[3000, 1] = np.inf
    (OUT / "inf_f32.wav").write_bytes(wav_bytes(x.tobytes(), 2, 44100, 32, WAVE_FORMAT_IEEE_FLOAT))
    BAD.append(("inf_f32.wav", {"error": "NonFinite", "position_s": 3000 / 44100}))

    data = pcm_payload(signal(44100, 1, 0.05), "s16")
    (OUT / "rate0.wav").write_bytes(wav_bytes(data, 1, 0, 16, WAVE_FORMAT_PCM, byte_rate=88200))
    BAD.append(("rate0.wav", {"error": "InvalidSampleRate"}))
    (OUT / "channels0.wav").write_bytes(wav_bytes(data, 0, 44100, 16, WAVE_FORMAT_PCM, block_align=2))
    BAD.append(("channels0.wav", {"error": "InvalidChannels"}))


def record(name, lossless, expect=None):
    path = OUT / name
    info = ffprobe(path)
    entry = {"file": name, "bytes": path.stat().st_size}
    if expect is None:
        entry["lossless"] = lossless
    else:
        entry["expect"] = expect
    if info is None:
        entry["ffmpeg"] = "no audio stream"
        return entry
    channels = int(info["channels"])
    entry.update(codec=info["codec_name"], sample_rate=int(info["sample_rate"]), channels=channels)
    frames, stderr = ffmpeg_decode(path, max(channels, 1)) if channels > 0 else (None, "no channels")
    if frames is None:
        entry["ffmpeg"] = "decode failed: " + stderr[:200]
        return entry
    entry["frames"] = int(frames.shape[0])
    if stderr:
        # Without the decoder's address ("[flac @ 0x5560...]"), so reruns write the same file.
        entry["ffmpeg_stderr"] = re.sub(r" @ 0x[0-9a-f]+\]", "]", stderr.splitlines()[0])[:200]
    reference, reference_frames = "ffmpeg", frames
    try:
        sf_frames = sf.read(str(path), dtype="float32", always_2d=True)[0]
        entry["soundfile_frames"] = int(sf_frames.shape[0])
        if sf_frames.shape[0] == frames.shape[0]:
            reference, reference_frames = "soundfile", sf_frames
        else:
            # libsndfile stops at its own estimate of the length of a VBR MP3 without a
            # Xing/Info frame; ffmpeg (and every player) decodes to the last frame.
            entry["soundfile_differs"] = "soundfile decodes another length than ffmpeg"
    except Exception:  # soundfile cannot read MP4, damaged files, ...
        pass
    if expect is None:
        entry["reference"] = reference
        entry["mono"] = mono_stats(reference_frames)
    return entry


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        if old.is_file():
            old.unlink()
    build_good()
    build_bad()
    entries = [record(n, lossless) for n, lossless in GOOD]
    entries += [record(n, False, expect) for n, expect in BAD]
    doc = {
        "generator": "scripts/make_decode_fixtures.py",
        "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0],
        "numpy": np.__version__,
        "files": entries,
    }
    (OUT / "expected.json").write_text(json.dumps(doc, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    biggest = max(OUT.iterdir(), key=lambda p: p.stat().st_size)
    print(f"{len(entries)} files, {total / 1024:.0f} KiB in total, largest {biggest.name} "
          f"({biggest.stat().st_size / 1024:.0f} KiB)")
    if total > 2 * 1024 * 1024 or biggest.stat().st_size > 100 * 1024:
        sys.exit("fixtures too large")


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
