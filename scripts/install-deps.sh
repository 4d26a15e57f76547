#!/usr/bin/env bash
# Installs the Debian packages vstack builds against. With --test, also what the tests drive:
# tmux, nginx for HTTP, libsixel-bin (sixel2png) and chafa for the pixel modes, what `make asan-c`
# builds c-blosc and libtiff from source with (gcc with libasan, cmake, dpkg-dev, snappy), and
# debootstrap and openssl for the release bundle's tests. With --bench, the peers benchmarks run
# (chafa). With --dist, what `make dist` links statically and packs with (libsnappy-dev's .a,
# libstdc++, python3-venv for the build venv) and the bare root filesystem its tests run in
# (debootstrap). A fast no-op when all are present.
set -euo pipefail
pkgs=(pkg-config libncursesw5-dev libtiff-dev libblosc-dev libzstd-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev libhdf5-dev)
if [ "${1:-}" = "--test" ]; then pkgs+=(tmux nginx libsixel-bin chafa gcc g++ cmake dpkg-dev bzip2 xz-utils libsnappy-dev debootstrap openssl); fi
if [ "${1:-}" = "--bench" ]; then pkgs+=(chafa nginx); fi
if [ "${1:-}" = "--dist" ]; then pkgs+=(gcc g++ libsnappy-dev python3-venv debootstrap tmux nginx openssl); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# python3 -m venv needs ensurepip (Debian splits it into python3-venv).
if [ "${1:-}" != "" ] && [ "${1:-}" != "--bench" ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
