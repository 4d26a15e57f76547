#!/usr/bin/env bash
# Builds the fuzz targets (Package.swift declares them when VSTACK_FUZZ is set)
# with libFuzzer and AddressSanitizer into .build-fuzz, apart from the normal .build.
# gold's "Cannot export local symbol '__asan_…'" warnings (about 140 a link) are dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in "$@"; do
  VSTACK_FUZZ=1 "${SWIFT:-swift}" build -c debug --build-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address --product "$target" 2>&1 | { grep -v "Cannot export local symbol '__asan" || true; }
done
