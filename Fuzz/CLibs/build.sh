#!/usr/bin/env bash
# Builds c-blosc and libtiff with AddressSanitizer, from Debian source packages,
# into .build-asan/, and the decode driver (Fuzz/CLibs/decode.c) against them.
# Cached: a second run only relinks the driver when decode.c changed.
#
# Which source version: the installed binary's (dpkg) when its source can be
# fetched, else the newest fetchable version of the same upstream release listed
# in the signed Sources index (Fuzz/CLibs/pick_source.py orders them; a security
# update moves the binary before its source is always fetchable). One line says
# which was built; if none can be fetched the build fails with one line saying why.
#
# The sources come through apt with a private state directory (.build-asan/apt):
# the system's Debian sources list with `Types: deb-src`, no change to /etc/apt.
# apt checks the downloaded files against the signed Sources index.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD/.build-asan
mkdir -p "$top"
log=$top/build.log

# The versions installed here: the source packages of libblosc1 and libtiff6.
src_of() { dpkg-query -W -f='${source:Package}=${source:Version}' "$1"; }
blosc_installed=$(src_of libblosc1)      # c-blosc=1.21.3+ds-1
tiff_installed=$(src_of libtiff6)        # tiff=4.5.0-6+deb12u5
stamp="$blosc_installed $tiff_installed"
CFLAGS_ASAN="-g -O1 -fsanitize=address -fno-omit-frame-pointer"

if [ "$(head -1 "$top/lib/.stamp" 2>/dev/null)" != "$stamp" ]; then
  start=$SECONDS
  : >"$log"
  trap 'echo "asan-c: the build failed; the end of .build-asan/build.log:"; tail -30 "$log"' ERR
  # 1. The source packages (.dsc, orig tarball, Debian patches), once.
  apt_dir=$top/apt
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$top/src"
  : >"$apt_dir/empty.list"
  rm -f "$apt_dir/parts/"*
  src_list=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | xargs -r grep -l 'debian' | head -1 || true)
  if [ -n "$src_list" ]; then
    sed 's/^Types:.*/Types: deb-src/' "$src_list" >"$apt_dir/parts/debian.sources"
  else  # a classic one-line sources.list
    grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$apt_dir/parts/debian.list"
  fi
  apt_opts=(-o Dir::Etc::SourceList="$apt_dir/empty.list" -o Dir::Etc::SourceParts="$apt_dir/parts"
            -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1)
  if ! apt-get "${apt_opts[@]}" -qq update >>"$log" 2>&1; then
    trap - ERR
    echo "asan-c: cannot read Debian's Sources index (apt-get update with deb-src failed; see .build-asan/build.log)"
    exit 1
  fi
  # fetch_source PKG=INSTALLED: downloads the best fetchable version into $top/src and sets
  # $fetched to PKG=VERSION and $fetched_dsc to its .dsc file; on failure prints one line and exits.
  fetch_source() {
    local pkg=${1%%=*} installed=${1#*=} version tried=()
    local versions
    if ! versions=$(apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>>"$log" \
                    | python3 Fuzz/CLibs/pick_source.py "$pkg" "$installed"); then
      trap - ERR; exit 1  # pick_source.py said why
    fi
    for version in $versions; do
      if [ -f "$top/src/${pkg}_${version#*:}.dsc" ] \
         || (cd "$top/src" && apt-get "${apt_opts[@]}" -qq source --download-only "$pkg=$version") >>"$log" 2>&1; then
        fetched="$pkg=$version" fetched_dsc="${pkg}_${version#*:}.dsc"
        if [ "$version" = "$installed" ]; then
          echo "asan-c: $pkg $version (the installed version's source)"
        else
          echo "asan-c: $pkg $version (the source of the installed $installed cannot be fetched; the newest fetchable of upstream ${installed%-*})"
        fi
        return 0
      fi
      tried+=("$version")
    done
    trap - ERR
    echo "asan-c: no source of $pkg ${installed%-*} can be fetched (tried ${tried[*]}; see .build-asan/build.log)"
    exit 1
  }
  fetch_source "$blosc_installed"; blosc_src=$fetched blosc_dsc=$fetched_dsc
  fetch_source "$tiff_installed"; tiff_src=$fetched tiff_dsc=$fetched_dsc
  echo "asan-c: building $blosc_src and $tiff_src with -fsanitize=address (log: .build-asan/build.log)"
  # 2. Unpack with the Debian patches applied (dpkg-source; the .dsc signatures
  #    need debian-keyring to check, the hashes were checked by apt).
  rm -rf "$top/src/blosc" "$top/src/tiff"
  (cd "$top/src" && dpkg-source -x "$blosc_dsc" blosc && dpkg-source -x "$tiff_dsc" tiff) >>"$log" 2>&1
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
  printf '%s\nbuilt from %s %s\n' "$stamp" "$blosc_src" "$tiff_src" >"$top/lib/.stamp"
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
