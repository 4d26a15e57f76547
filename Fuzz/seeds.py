#!/usr/bin/env python3
"""Seed inputs for the fuzz targets, from the generated fixtures (small files only).

Writes <out>/<target>/ (a fresh copy each run) and <out>/<target>-corrupt/: the
inputs made from the deliberately corrupted fixtures (zarr/errors, broken TIFFs),
which `make test` runs once each under AddressSanitizer. Inputs follow the
targets' layouts (Fuzz/Support/FuzzSupport.swift): metadata, then the separator
and chunk 0 for the Zarr targets; a selector byte and sizes for FuzzCodecs.
"""
import hashlib, json, math, os, shutil, sys

SEP = b"\n--payload--\n"
MAX_FILE = 64 << 10      # seed files are small: the fuzzer mutates them thousands of times a second
PER_TARGET = 48          # and a few dozen per target are enough to reach every parser path

fixtures, out = sys.argv[1], sys.argv[2]
seeds = {}               # (target, corrupt) -> {hash: bytes}

def add(target, data, corrupt=False):
    if len(data) <= MAX_FILE:
        seeds.setdefault((target, corrupt), {})[hashlib.sha1(data).hexdigest()] = data

def read(path):
    with open(path, "rb") as f:
        return f.read()

def first_chunk(array_dir, metadata_names):
    """Chunk 0's file (the first key in sorted order that is not metadata), if small."""
    for root, dirs, files in sorted(os.walk(array_dir)):
        dirs.sort()
        for name in sorted(files):
            if name not in metadata_names and not name.startswith("."):
                path = os.path.join(root, name)
                return read(path) if os.path.getsize(path) <= MAX_FILE else None
    return None

def descriptions(tiff):
    """ImageDescription texts found in a TIFF's bytes (ImageJ keys, OME-XML, tifffile JSON), up to their NUL."""
    found = []
    for start in (b"ImageJ=", b"<?xml", b'{"shape"'):
        i = tiff.find(start)
        if i >= 0:
            end = tiff.find(b"\0", i)
            found.append(tiff[i:end if end >= 0 else len(tiff)][:MAX_FILE - 1])
    return found

CODEC_MODE = {"blosc": 0, "zstd": 1, "zlib": 2, "gzip": 3, "lz4": 4}
for root, dirs, files in sorted(os.walk(fixtures)):
    dirs.sort()
    corrupt = "/errors" in root
    if ".zarray" in files:
        meta = read(os.path.join(root, ".zarray"))
        chunk = first_chunk(root, {".zarray", ".zattrs"})
        add("FuzzZarrV2", meta + (SEP + chunk if chunk is not None else b""), corrupt)
        try:
            m = json.loads(meta)
            compressor = (m.get("compressor") or {}).get("id")
            size = math.prod(m["chunks"]) * int(m["dtype"][2:])
        except Exception:
            compressor, size = None, 0
        if chunk is not None and compressor in CODEC_MODE and 0 < size < 1 << 15:
            a = size << 1 | 1
            add("FuzzCodecs", bytes([CODEC_MODE[compressor], a >> 8, a & 255, 0, 16]) + chunk, corrupt)
            if compressor == "blosc":  # partial reads: a range, and items
                add("FuzzCodecs", bytes([7, a >> 9, (a >> 1) & 255, 0, 16]) + chunk, corrupt)
                add("FuzzCodecs", bytes([8, 0, 0, 1, 4]) + chunk, corrupt)
            if compressor in ("zstd", "zlib", "gzip"):
                add("FuzzCodecs", bytes([6, 0, ["zstd", "zlib", "gzip"].index(compressor), 0, 8]) + chunk, corrupt)
    if "zarr.json" in files:
        meta = read(os.path.join(root, "zarr.json"))
        if b'"array"' in meta:
            chunk = first_chunk(root, {"zarr.json"})
            add("FuzzZarrV3", meta + (SEP + chunk if chunk is not None else b""), corrupt)
        elif b"multiscales" in meta or b"plate" in meta or b"well" in meta:
            add("FuzzOME", meta, corrupt)
    if "attributes.json" in files and os.sep + "n5" in root:
        attrs = read(os.path.join(root, "attributes.json"))
        if b'"dimensions"' in attrs:
            block = first_chunk(root, {"attributes.json"})
            add("FuzzN5", attrs + (SEP + block if block is not None else b""), corrupt or "/errors" in root)
    if ".zattrs" in files:
        attrs = read(os.path.join(root, ".zattrs"))
        if len(attrs) > 2:
            add("FuzzOME", attrs, corrupt)
    for name in files:
        if name.endswith(".npy") and os.sep + "npy" in root:
            add("FuzzNpy", read(os.path.join(root, name)))
        if name.endswith(".xml") and os.sep + "hdf5" in root:
            add("FuzzBDV", read(os.path.join(root, name)))
        if name.endswith(".h5") and os.sep + "hdf5" in root:
            add("FuzzHDF5", read(os.path.join(root, name)), any(w in name for w in ("corrupt", "truncated", "not-hdf5", "refused")))
        if name.endswith((".tif", ".tiff")):
            data = read(os.path.join(root, name))
            add("FuzzTiff", data, corrupt or any(w in name for w in ("corrupt", "truncated")))
            for description in descriptions(data):
                add("FuzzTiffAxes", bytes([len(description) % 32]) + description)

# Descriptions no fixture carries: tifffile's JSON shape, and an ImageJ stack of 12 pages.
add("FuzzTiffAxes", bytes([5]) + b'{"shape": [2, 3, 2, 2]}')
add("FuzzTiffAxes", bytes([11]) + b"ImageJ=1.53t\nimages=12\nchannels=2\nslices=3\nframes=2\nhyperstack=true\nmode=composite\nunit=micron\nspacing=2.5\nfinterval=0.5\n")

for (target, corrupt), items in sorted(seeds.items()):
    d = os.path.join(out, target + ("-corrupt" if corrupt else ""))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    # Sharded, transposed and checksummed arrays first: they reach the most code.
    ranked = sorted(items.items(), key=lambda kv: (-sum(w in kv[1] for w in (b"sharding", b"transpose", b"crc32c")), kv[0]))
    for h, data in ranked[:PER_TARGET if not corrupt else None]:
        with open(os.path.join(d, h), "wb") as f:
            f.write(data)
print("seeds:", ", ".join(f"{t}{'-corrupt' if c else ''} {min(len(v), PER_TARGET) if not c else len(v)}" for (t, c), v in sorted(seeds.items())))
