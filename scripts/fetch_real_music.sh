#!/usr/bin/env bash
# Build fixtures/real/: 5-second excerpts of freely licensed game music shipped by Debian as
# Ogg Vorbis, plus one transcode of each excerpt into every other format the decoder must read.
#
#   scripts/fetch_real_music.sh
#
# Needs: apt-get with the Debian archive reachable, dpkg-deb, ffmpeg with the flac, libmp3lame,
# aac, pcm_s16be, pcm_s24le and libopus encoders, oggenc (vorbis-tools; installed if missing and
# we are root), python3 with numpy and soundfile.
#
# For each track: `apt-get download PKG=VERSION` into a temporary directory, extract only the track
# and the package's copyright file, and cut 5.000 s (220500 frames) starting at START seconds.
#
# Cutting: the script first tries a stream copy (no re-encoding) and keeps it only if libsndfile
# and ffmpeg decode it to the same 220500 stereo frames. A stream-copied Vorbis cut does not pass
# that check (the cut falls between packets and the granule positions no longer describe the
# audio: libsndfile and ffmpeg disagree by thousands of frames, and not only at the end), so each
# excerpt is re-encoded: the whole track is decoded by ffmpeg to 44.1 kHz stereo float, cut by
# sample index, and encoded with the reference encoder oggenc -q 5 with a fixed Ogg serial number.
# (ffmpeg's own -ss/-t follow packet timestamps and gave 5.006 s for one track; ffmpeg's libvorbis
# wrapper wrote final granule positions that made the decoders disagree on the length.)
#
# Each excerpt is then transcoded by ffmpeg to FLAC 16-bit, MP3 (LAME, 192k CBR), AAC-LC in M4A
# (ffmpeg's native aac, 128k), Opus (libopus 96k), and for two of them (size; see PCM_EXTRAS)
# AIFF 16-bit and WAV 24-bit. Every ffmpeg output
# uses +bitexact and drops metadata, so re-running gives identical files with the same
# ffmpeg/libvorbis/LAME/libopus versions.
#
# The licence and author of each track are in fixtures/README.md; each package's copyright file is
# copied to fixtures/real/licenses/, and fixtures/real/sources.tsv lists what was taken from where.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/fixtures/real"
DUR=5
RATE=44100
# name | Debian package | version | path inside the package | start (s)
TRACKS=(
  "orchestral_wesnoth|wesnoth-1.16-music|1:1.16.9-1|usr/share/games/wesnoth/1.16/data/core/music/battle-epic.ogg|40"
  "electronic_freedroid|freedroidrpg-data|1.0-1|usr/share/freedroidrpg/data/sound/music/temple.ogg|56"
  "percussive_etr|extremetuxracer-data|0.8.2-1|usr/share/games/etr/music/credits1-cp.ogg|42"
  "ambient_freedroid|freedroidrpg-data|1.0-1|usr/share/freedroidrpg/data/sound/music/town.ogg|25"
)
# The uncompressed transcodes (AIFF 16-bit, WAV 24-bit) hold the same PCM as the FLAC and cost
# 2.2 MB per excerpt; to keep fixtures/ under its 15 MB budget they are made only for these
# excerpts. ALL_FORMATS=1 makes them for every excerpt.
PCM_EXTRAS=" orchestral_wesnoth percussive_etr "
ALL_FORMATS="${ALL_FORMATS:-0}"

if ! command -v oggenc >/dev/null; then
  echo "oggenc not found: installing vorbis-tools" >&2
  apt-get install -y vorbis-tools >/dev/null
fi
ENCODERS="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
for enc in flac libmp3lame aac pcm_s16be pcm_s24le libopus; do
  if ! grep -qE "^ A[.A-Z]{5} $enc " <<<"$ENCODERS"; then
    echo "ffmpeg lacks the $enc encoder" >&2
    exit 1
  fi
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT/licenses"

FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
BITEXACT=(-map_metadata -1 -fflags +bitexact -flags:a +bitexact)

# cut_wav SRC START_S N DST: frames [START_S*44100, +N) of ffmpeg's 44.1 kHz stereo decode of SRC,
# written as a float WAV.
cut_wav() {
  python3 - "$@" <<'PY'
import subprocess, sys
import numpy as np, soundfile as sf
src, start, n, dst = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
raw = subprocess.run(["ffmpeg", "-v", "error", "-i", src, "-f", "f32le", "-ar", "44100", "-ac", "2", "-"],
                     capture_output=True, check=True).stdout
y = np.frombuffer(raw, np.float32).reshape(-1, 2)
a = int(round(start * 44100))
assert a + n <= y.shape[0], "track too short"
sf.write(dst, y[a:a + n], 44100, subtype="FLOAT")
PY
}

# decoders_agree FILE N: true if libsndfile and ffmpeg decode FILE to the same N stereo frames.
decoders_agree() {
  python3 - "$@" <<'PY'
import subprocess, sys
import numpy as np, soundfile as sf
path, want = sys.argv[1], int(sys.argv[2])
try:
    a, _ = sf.read(path, dtype="float32", always_2d=True)
except Exception:
    sys.exit(1)
raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-ac", "2", "-"],
                     capture_output=True, check=True).stdout
b = np.frombuffer(raw, np.float32).reshape(-1, 2)
ok = a.shape == b.shape == (want, 2) and float(np.abs(a - b).max()) < 1e-4
sys.exit(0 if ok else 1)
PY
}

printf 'name\tpackage\tversion\tpath\tstart_s\tduration_s\tsource_sha256\tcut\n' > "$OUT/sources.tsv"

for entry in "${TRACKS[@]}"; do
  IFS='|' read -r name pkg ver path start <<<"$entry"
  echo "== $name: $pkg $ver /$path from ${start}s"
  work="$TMP/$name"
  mkdir -p "$work"
  debdir="$TMP/debs/$pkg"   # one download per package, shared by its tracks
  if [[ ! -d "$debdir" ]]; then
    mkdir -p "$debdir"
    if ! (cd "$debdir" && apt-get download "$pkg=$ver" >/dev/null 2>&1); then
      echo "   $pkg=$ver is not available; taking the archive's current version" >&2
      (cd "$debdir" && apt-get download "$pkg" >/dev/null)
    fi
  fi
  deb="$(ls "$debdir"/*.deb)"
  got_ver="$(dpkg-deb -f "$deb" Version)"
  dpkg-deb --fsys-tarfile "$deb" \
    | tar -x -C "$work" "./$path" "./usr/share/doc/$pkg/copyright"
  src="$work/$path"
  cp "$work/usr/share/doc/$pkg/copyright" "$OUT/licenses/$pkg.copyright"
  sha="$(sha256sum "$src" | cut -d' ' -f1)"

  ogg="$OUT/$name.ogg"
  frames=$((DUR * RATE))
  "${FF[@]}" -ss "$start" -i "$src" -t "$DUR" -c:a copy "${BITEXACT[@]}" "$ogg"
  if decoders_agree "$ogg" "$frames"; then
    cut=stream-copy
  else
    cut_wav "$src" "$start" "$frames" "$work/cut.wav"
    oggenc -Q -q 5 --serial 1 -o "$ogg" "$work/cut.wav" 2>"$work/oggenc.log" \
      || { cat "$work/oggenc.log" >&2; exit 1; }
    decoders_agree "$ogg" "$frames" || { echo "   $ogg decodes inconsistently" >&2; exit 1; }
    cut=re-encoded-oggenc-q5
  fi
  echo "   $cut -> $(basename "$ogg")"
  printf '%s\t%s\t%s\t/%s\t%s\t%s\t%s\t%s\n' "$name" "$pkg" "$got_ver" "$path" "$start" "$DUR" "$sha" "$cut" \
    >> "$OUT/sources.tsv"

  # Transcodes of the excerpt, all made from one float WAV decode of the .ogg (so they hold the
  # same music). Encoding straight from the Ogg demuxer gave libopus pages with a wrong granule
  # position (96488 instead of 96000) that libsndfile rejects as malformed; the WAV demuxer's
  # timestamps are exact.
  "${FF[@]}" -i "$ogg" -c:a pcm_f32le "$work/excerpt.wav"
  pcm="$work/excerpt.wav"
  "${FF[@]}" -i "$pcm" -c:a flac -sample_fmt s16 "${BITEXACT[@]}" "$OUT/$name.flac"
  "${FF[@]}" -i "$pcm" -c:a libmp3lame -b:a 192k "${BITEXACT[@]}" "$OUT/$name.mp3"
  "${FF[@]}" -i "$pcm" -c:a aac -b:a 128k "${BITEXACT[@]}" "$OUT/$name.m4a"
  "${FF[@]}" -i "$pcm" -c:a libopus -b:a 96k "${BITEXACT[@]}" "$OUT/$name.opus"
  if [[ "$ALL_FORMATS" == 1 || "$PCM_EXTRAS" == *" $name "* ]]; then
    "${FF[@]}" -i "$pcm" -c:a pcm_s16be "${BITEXACT[@]}" "$OUT/$name.aiff"
    "${FF[@]}" -i "$pcm" -c:a pcm_s24le "${BITEXACT[@]}" "$OUT/${name}_24.wav"
  else
    rm -f "$OUT/$name.aiff" "$OUT/${name}_24.wav"
  fi
  rm -rf "$work"
done

# The copyright files point at Debian's common-licenses; ship the GPL text itself next to them.
if [[ -f /usr/share/common-licenses/GPL-2 ]]; then
  cp /usr/share/common-licenses/GPL-2 "$OUT/licenses/GPL-2"
fi

ls -l "$OUT"
du -sh "$OUT"
