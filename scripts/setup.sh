#!/usr/bin/env bash
# Installs what building and testing sonority needs beyond the Rust toolchain, on Debian or
# Ubuntu: cmake (the bundled libopus is built with it) and a C compiler; with --test also the
# programs the tests drive (mpv, a real player that parses our playlists; ffmpeg, which makes
# the per-format files of the tag-writing tests; Chromium and ChromeDriver for the HTML
# report; a Java 17 runtime for the Spark job's local-cluster test; python3-venv for the
# Python tests' venv). Does nothing for what is already installed.
set -euo pipefail

want=(cmake gcc)
if [[ "${1:-}" == "--test" ]]; then
  want+=(mpv chromium chromium-driver ffmpeg python3-venv openjdk-17-jre-headless)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: please install: ${missing[*]} (no apt-get on this system)" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
