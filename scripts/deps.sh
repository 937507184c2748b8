#!/usr/bin/env bash
# Installs the system packages palmd builds and tests with, only those missing.
# Idempotent and cheap when everything is present: one dpkg query, no apt calls.
set -euo pipefail

packages=(
  pkg-config        # cgo flags for OpenCV
  libopencv-dev     # OpenCV 4.6 for gocv (vision, QR second opinion)
  socat             # pseudo-terminal pairs for serial-link tests
  dbus-daemon       # a private bus for the RAUC backend's tests (firmware/update)
  chromium          # the touchscreen kiosk and its screen tests
  fonts-ipafont-gothic # Japanese glyphs for the screens in ja (4 MB; DejaVu has none)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
