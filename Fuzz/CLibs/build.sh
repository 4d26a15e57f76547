#!/usr/bin/env bash
# Builds c-blosc and libtiff with AddressSanitizer, from the Debian source
# packages of exactly the versions installed (dpkg), into .build-asan/, and the
# decode driver (Fuzz/CLibs/decode.c) against them. Cached: a second run only
# relinks the driver when decode.c changed.
#
# The sources come through apt with a private state directory (.build-asan/apt):
# the system's Debian sources list with `Types: deb-src`, no change to /etc/apt.
# apt checks the downloaded files against the signed Sources index.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD/.build-asan
mkdir -p "$top"
log=$top/build.log

# The versions Debian ships here: the source package of libblosc1 and libtiff6.
src_of() { dpkg-query -W -f='${source:Package}=${source:Version}' "$1"; }
blosc_src=$(src_of libblosc1)      # c-blosc=1.21.3+ds-1
tiff_src=$(src_of libtiff6)        # tiff=4.5.0-6+deb12u4
stamp="$blosc_src $tiff_src"
CFLAGS_ASAN="-g -O1 -fsanitize=address -fno-omit-frame-pointer"

if [ "$(cat "$top/lib/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "asan-c: building $blosc_src and $tiff_src with -fsanitize=address (log: .build-asan/build.log)"
  start=$SECONDS
  : >"$log"
  trap 'echo "asan-c: the build failed; the end of .build-asan/build.log:"; tail -30 "$log"' ERR
  # 1. The source packages (.dsc, orig tarball, Debian patches), once.
  apt_dir=$top/apt
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$top/src"
  : >"$apt_dir/empty.list"
  src_list=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | xargs grep -l 'debian' | head -1 || true)
  if [ -n "$src_list" ]; then
    sed 's/^Types:.*/Types: deb-src/' "$src_list" >"$apt_dir/parts/debian.sources"
  else  # a classic one-line sources.list
    grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$apt_dir/parts/debian.list"
  fi
  apt_opts=(-o Dir::Etc::SourceList="$apt_dir/empty.list" -o Dir::Etc::SourceParts="$apt_dir/parts"
            -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1)
  if ! ls "$top/src/${blosc_src/=/_}.dsc" "$top/src/${tiff_src/=/_}.dsc" >/dev/null 2>&1; then
    apt-get "${apt_opts[@]}" -qq update >>"$log" 2>&1
    (cd "$top/src" && apt-get "${apt_opts[@]}" -qq source --download-only "$blosc_src" "$tiff_src") >>"$log" 2>&1
  fi
  # 2. Unpack with the Debian patches applied (dpkg-source; the .dsc signatures
  #    need debian-keyring to check, the hashes were checked by apt).
  rm -rf "$top/src/blosc" "$top/src/tiff"
  (cd "$top/src" && dpkg-source -x "${blosc_src/=/_}.dsc" blosc && dpkg-source -x "${tiff_src/=/_}.dsc" tiff) >>"$log" 2>&1
  # 3. Static libraries, with the options Debian's rules pass (external lz4, zstd,
  #    zlib and snappy for blosc; libtiff with every codec whose -dev is present).
  rm -rf "$top/lib" "$top/obj"
  mkdir -p "$top/lib"
  cmake -S "$top/src/blosc" -B "$top/obj/blosc" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="$CFLAGS_ASAN" \
    -DBUILD_SHARED=OFF -DBUILD_STATIC=ON -DBUILD_TESTS=OFF -DBUILD_FUZZERS=OFF -DBUILD_BENCHMARKS=OFF \
    -DPREFER_EXTERNAL_LZ4=ON -DPREFER_EXTERNAL_ZSTD=ON -DPREFER_EXTERNAL_ZLIB=ON -DDEACTIVATE_SNAPPY=OFF >>"$log" 2>&1
  cmake --build "$top/obj/blosc" -j2 >>"$log" 2>&1
  cmake -S "$top/src/tiff" -B "$top/obj/tiff" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="$CFLAGS_ASAN" \
    -DBUILD_SHARED_LIBS=OFF -Dtiff-tools=OFF -Dtiff-tests=OFF -Dtiff-contrib=OFF -Dtiff-docs=OFF -Dcxx=OFF >>"$log" 2>&1
  cmake --build "$top/obj/tiff" -j2 --target tiff >>"$log" 2>&1
  cp "$(find "$top/obj/blosc" -name libblosc.a)" "$(find "$top/obj/tiff" -name libtiff.a)" "$top/lib/"
  mkdir -p "$top/include"
  cp "$top/src/blosc/blosc/blosc.h" "$top/src/blosc/blosc/blosc-export.h" "$top/include/"
  cp "$top/src/tiff/libtiff/tiff.h" "$top/src/tiff/libtiff/tiffio.h" "$top/src/tiff/libtiff/tiffvers.h" \
     "$(find "$top/obj/tiff" -name tiffconf.h)" "$top/include/"
  echo "$stamp" >"$top/lib/.stamp"
  echo "asan-c: libraries built in $((SECONDS - start)) s"
  trap - ERR
fi

# 4. The driver, linked statically against the sanitized libraries (and against the
#    codec libraries they call: Debian's zlib, zstd, lz4, snappy, jpeg, webp, lzma,
#    LERC, JBIG and libdeflate, the same set libtiff6 links, not sanitized).
if [ ! -x "$top/decode" ] || [ Fuzz/CLibs/decode.c -nt "$top/decode" ] || [ "$top/lib/.stamp" -nt "$top/decode" ]; then
    cc $CFLAGS_ASAN -Wall -o "$top/decode" Fuzz/CLibs/decode.c -I"$top/include" \
    "$top/lib/libtiff.a" "$top/lib/libblosc.a" \
    -lwebp -llzma -lLerc -ljbig -ljpeg -ldeflate -llz4 -lzstd -lz -lsnappy -lstdc++ -lpthread -lm
fi
