#!/usr/bin/env bash
# A bare Debian root filesystem for the bundle tests (tests/python/test_dist.py):
#   bare-rootfs.sh DIR          debootstrap --variant=minbase bookworm: no Swift, no -dev package, no Python
#   bare-rootfs.sh DIR --venv   the same plus python3-venv (for the wheel test only)
# Made once and reused: DIR/.complete marks a finished rootfs. The mirror is the host's own
# (/etc/apt/sources.list.d/debian.sources, else deb.debian.org). Needs root and debootstrap.
set -euo pipefail
dir=${1:?usage: bare-rootfs.sh DIR [--venv]}
extra=${2:-}
[ -e "$dir/.complete" ] && exit 0
command -v debootstrap >/dev/null || { echo "bare-rootfs: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
mirror=$(sed -nE 's/^URIs: *(\S+\/debian)\/?$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
include=()
[ "$extra" = --venv ] && include=(--include=python3-venv)
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
debootstrap --variant=minbase "${include[@]}" bookworm "$dir" "$mirror" >"$dir.log" 2>&1 \
  || { echo "bare-rootfs: debootstrap failed, see $dir.log" >&2; exit 1; }
rm -rf "$dir"/var/cache/apt/archives/*.deb
# A user of its own (uid 4242) with a home, to run the bundle as nobody special.
chroot "$dir" useradd -m -u 4242 -s /bin/sh vuser
touch "$dir/.complete"
