#!/usr/bin/env bash
# Release build for the relocatable bundle (make dist): the Swift runtime and Foundation linked
# statically (--static-swift-stdlib), and every C library Debian ships as a .a archive linked
# statically too. Libraries without a .a (libcurl and its TLS/Kerberos stack) stay shared; they
# travel in the bundle's lib/ (scripts/dist.sh).
#
# How: PKG_CONFIG_PATH points SwiftPM at copies of the .pc files whose Libs line names a private
# directory, STATIC/, searched before the system's. There each lib<name>.a is a small GNU ld
# script, GROUP(archive + its static dependencies from pkg-config --static), so link order does
# not matter; a dependency without a .a stays a shared -l flag.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-dist}
STATIC=$PWD/$SCRATCH/static-libs
A=/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
rm -rf "$STATIC"; mkdir -p "$STATIC/pkgconfig"

# Dependencies pkg-config does not list (Debian's libblosc also uses snappy, a C++ library;
# libhdf5 uses szip/aec and libcurl).
declare -A extra=([blosc]="-llz4 -lzstd -lz -lsnappy -lstdc++ -lm" [hdf5-serial]="-lsz -laec -lz -lcurl -lcrypto -lm"
                  [libtiff-4]="-lstdc++")
# Kept shared: glibc's own libraries (never linked statically), and libcurl, whose Debian .a needs
# archives Debian does not ship (nghttp2, rtmp, ssh2, psl, gssapi, ldap), with the OpenSSL it loads
# (one copy in the process: libhdf5's S3 code uses the same libcrypto).
shared=" c m dl pthread rt resolv curl crypto ssl "
archive() {  # the .a for -lNAME, or nothing (not an error)
  local n=$1
  case $shared in *" $n "*) return 0 ;; esac
  [ "$n" = hdf5 ] && n=hdf5_serial
  [ -f "$A/lib$n.a" ] && echo "$A/lib$n.a"
}
# pc NAME LIB: NAME.pc with "Libs: -L$STATIC -lLIB", and lib LIB.a = GROUP(its archives)
pc() {
  local pkg=$1 lib=$2 parts=() seen=" "
  local src; src=$(pkg-config --variable=pcfiledir "$pkg")/$pkg.pc
  for flag in $(pkg-config --static --libs-only-l "$pkg") ${extra[$pkg]:-}; do
    case $seen in *" $flag "*) continue ;; esac; seen+="$flag "
    local a; a=$(archive "${flag#-l}") || true
    if [ -n "$a" ]; then parts+=("$a"); else parts+=("$flag"); fi
  done
  if [ -z "$(archive "$lib")" ]; then
    # no static archive: keep the shared library, searched on the default path only
    sed -E "s|^Libs:.*|Libs: -l$lib|" "$src" >"$STATIC/pkgconfig/$pkg.pc"
    echo "dist: $pkg stays shared"
    return
  fi
  sed -E "s|^Libs:.*|Libs: -L$STATIC -l$lib|" "$src" >"$STATIC/pkgconfig/$pkg.pc"
  echo "GROUP ( ${parts[*]} )" >"$STATIC/lib$lib.a"
  echo "dist: $pkg static: ${parts[*]}"
}
pc blosc blosc; pc libzstd zstd; pc zlib z; pc liblz4 lz4; pc libtiff-4 tiff
pc ncursesw ncursesw; pc libcurl curl; pc hdf5-serial hdf5
echo "GROUP ( $A/libtinfo.a )" >"$STATIC/libtinfo.a"   # CNcursesw's module map links tinfo by name
# The C++ runtime (the Swift runtime, snappy and Lerc use it) and the unwinder, static as well.
GCCLIB=$(dirname "$(gcc -print-file-name=libstdc++.a)")
echo "GROUP ( $GCCLIB/libstdc++.a )" >"$STATIC/libstdc++.a"
echo "GROUP ( $GCCLIB/libgcc_eh.a )" >"$STATIC/libgcc_s.a"

# Built on Debian 12, the static runtimes reference three symbols of glibc 2.35/2.36; this object
# answers them with older ones, so the bundle needs glibc 2.34 (scripts/dist/glibc-compat.c).
gcc -O2 -fPIC -c scripts/dist/glibc-compat.c -o "$STATIC/glibc-compat.o"
COMPAT=(-Xlinker "$STATIC/glibc-compat.o" -Xlinker --wrap=hypot -Xlinker --wrap=hypotf)

# The link inputs above are not tracked by SwiftPM: relink every time.
rm -f "$SCRATCH/release/vstack" "$SCRATCH"/*/release/vstack
PKG_CONFIG_PATH=$STATIC/pkgconfig swift build -c release --product vstack --scratch-path "$SCRATCH" \
  --static-swift-stdlib -j 2 -Xlinker -s "${COMPAT[@]}" "$@"
