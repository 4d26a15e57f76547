"""lightsheet: decode every chunk, and the first frame, of a light-sheet volume stored as
BigDataViewer XML/HDF5 (gzip) and as N5 (gzip, blosc): vstack vs h5py vs tensorstore.

Dataset (generated once, deterministic): c=2 setups, t=2 timepoints, each a (z, y, x) =
(64, 1024, 768) uint16 volume (0.40 GB logical in all), microscopy-like content made like
decode.py's (Gaussian blobs on a slowly varying background, shot and read noise). Chunks
(z, y, x) = (8, 64, 64), i.e. BDV subdivisions 64×64×8 (xyz), 64 KiB each, written as

  lightsheet-bdv.xml + .h5   BigDataViewer's published layout (as tests/fixtures'
                             write_bdv): t0000T/s0C/L/cells, uint16 stored as int16, h5py
                             gzip level 3 (deflate only, as BigDataViewer writes), 2 levels
                             (xyz factors 1,1,1 and 2,2,1; subdivisions 64,64,8 for both)
  lightsheet-gzip.n5         tensorstore's n5 driver, one 5-D dataset, dimensions
                             [x, y, z, c, t], blockSize [64, 64, 8, 1, 1], gzip level 3
  lightsheet-blosc.n5        the same with blosc lz4 clevel 5, byte shuffle

Readers decode level 0 from a warm page cache (every file read once before timing):

  decode:  vstack `vstack bench decode PATH --json` (the .xml for BDV, the .n5 dataset
           directory for N5): in-process time and the whole process
           h5py (chunk by chunk)   dset[box] for every chunk box of every view (through
                                   libhdf5's filter pipeline), one thread
           h5py (direct chunk + zlib)
                                   dset.id.read_direct_chunk(offset) + zlib.decompress in
                                   Python, one thread: the raw path like vstack's future
                                   H5Dread_chunk reader
           h5py (direct chunk + zlib, N threads)
                                   the same on a thread pool of one per core (zlib releases
                                   the GIL; h5py serialises the reads)
           h5py (whole view)       dset[...] per view: 4 reads of 100 MB
           tensorstore (chunk by chunk)
                                   one read() per block, 16 in flight (as decode.py)
           tensorstore             the whole 5-D array in one read()
  first frame: t=0, c=0, z=FRAME_Z. vstack `vstack bench plane PATH --at t=0,c=0,z=.. --json`
           (plane_ms: the plane in memory; first_frame_ms: rendered at 160x48 cells, at the
           level vstack picks for that frame; whole process); h5py / tensorstore: open + read
           the (y, x) plane of level 0 into NumPy, in process (fresh open each time) and as
           a `python -c` process (start, import, open, read).
"""
from __future__ import annotations

import collections
import concurrent.futures
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

import common
import decode
from common import Sample, Series, Stopwatch, fmt, log

NAME = "lightsheet"
DESCRIPTION = "BDV XML/HDF5 (gzip) and N5 (gzip, blosc) light-sheet volume: decode MB/s and first frame, vstack vs h5py vs tensorstore"
DEFAULT_REPS = 3

# VSTACK_BENCH_LIGHTSHEET_SHAPE=c,t,z,y,x (e.g. 2,2,40,256,192) for a quick smoke test.
_env_shape = os.environ.get("VSTACK_BENCH_LIGHTSHEET_SHAPE")
C, T, Z, Y, X = tuple(int(v) for v in _env_shape.split(",")) if _env_shape else (2, 2, 64, 1024, 768)
CHUNK = (8, 64, 64)                 # z, y, x  (BDV subdivisions 64,64,8 xyz)
DTYPE = np.dtype("<u2")
SEED = 20261201
GENERATOR = 1
GZIP_LEVEL = 3
BLOSC = {"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}
FRAME_AT = (0, 0, min(32, Z - 1))   # t, c, z
VOLUME_BYTES = Z * Y * X * DTYPE.itemsize
NBYTES = C * T * VOLUME_BYTES
CHUNKS_PER_VOLUME = math.prod(-(-s // c) for s, c in zip((Z, Y, X), CHUNK))
NCHUNKS = C * T * CHUNKS_PER_VOLUME
VIEWS = [(t, c) for t in range(T) for c in range(C)]
WINDOW = 16
SUFFIX = "" if not _env_shape else "-" + "x".join(map(str, (C, T, Z, Y, X)))


def paths() -> dict[str, Path]:
    d = common.DATA_DIR
    return {"bdv": d / f"lightsheet{SUFFIX}-bdv.xml", "n5-gzip": d / f"lightsheet{SUFFIX}-gzip.n5",
            "n5-blosc": d / f"lightsheet{SUFFIX}-blosc.n5"}


def h5_path() -> Path:
    return common.DATA_DIR / f"lightsheet{SUFFIX}-bdv.h5"


def _marker() -> Path:
    return common.DATA_DIR / f"lightsheet{SUFFIX}.marker.json"


def _want() -> dict:
    return {"generator": GENERATOR, "shape": [C, T, Z, Y, X], "chunk_zyx": list(CHUNK), "dtype": DTYPE.str,
            "seed": SEED, "hdf5": {"gzip": GZIP_LEVEL, "levels": [[1, 1, 1], [2, 2, 1]]},
            "n5": {"gzip": {"type": "gzip", "level": GZIP_LEVEL}, "blosc": BLOSC}}


def _ok() -> dict | None:
    try:
        m = json.loads(_marker().read_text())
    except (OSError, ValueError):
        return None
    if any(m.get(k) != v for k, v in _want().items()):
        return None
    if not (h5_path().is_file() and all(p.exists() for p in paths().values())):
        return None
    return m


# ---------------------------------------------------------------- dataset

BDV_XML = """<?xml version="1.0" encoding="UTF-8"?>
<SpimData version="0.2">
  <BasePath type="relative">.</BasePath>
  <SequenceDescription>
    <ImageLoader format="bdv.hdf5">
      <hdf5 type="relative">{h5}</hdf5>
    </ImageLoader>
    <ViewSetups>
{setups}
      <Attributes name="channel">
{channels}
      </Attributes>
    </ViewSetups>
    <Timepoints type="range">
      <first>0</first>
      <last>{last}</last>
    </Timepoints>
  </SequenceDescription>
  <ViewRegistrations>
  </ViewRegistrations>
</SpimData>
"""


def _n5_spec(path: Path, compression: dict | None = None) -> dict:
    s = {"driver": "n5", "kvstore": {"driver": "file", "path": str(path)}}
    if compression is not None:
        s |= {"create": True, "delete_existing": True,
              "metadata": {"dimensions": [X, Y, Z, C, T], "blockSize": [CHUNK[2], CHUNK[1], CHUNK[0], 1, 1],
                           "dataType": "uint16", "compression": compression,
                           "axes": ["x", "y", "z", "c", "t"]}}
    return s


def ensure_data(regenerate: bool = False) -> dict:
    if not regenerate and (m := _ok()) is not None:
        return m
    import h5py
    import tensorstore as ts
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    _marker().unlink(missing_ok=True)
    p = paths()
    log(f"generating the light-sheet dataset: c={C} t={T} (z, y, x)=({Z}, {Y}, {X}) uint16, "
        f"{NBYTES / 1e9:.2f} GB, as BDV HDF5 + N5 gzip + N5 blosc ...")
    t0 = time.perf_counter()
    for k in ("n5-gzip", "n5-blosc"):
        shutil.rmtree(p[k], ignore_errors=True)
    stores = {"n5-gzip": ts.open(_n5_spec(p["n5-gzip"], {"type": "gzip", "level": GZIP_LEVEL})).result(),
              "n5-blosc": ts.open(_n5_spec(p["n5-blosc"], BLOSC)).result()}
    resolutions = np.array([[1, 1, 1], [2, 2, 1]], dtype="f8")     # xyz
    subdivisions = np.array([[CHUNK[2], CHUNK[1], CHUNK[0]]] * 2, dtype="i4")
    rng = np.random.default_rng(SEED)
    total = 0
    tmp_h5 = h5_path().with_suffix(".h5.tmp")
    with h5py.File(tmp_h5, "w") as f:
        for c in range(C):
            f.create_dataset(f"s{c:02d}/resolutions", data=resolutions)
            f.create_dataset(f"s{c:02d}/subdivisions", data=subdivisions)
        for c in range(C):
            blobs = decode._blobs(rng, 400, c, (Z, Y, X))
            for t in range(T):
                l0 = f.create_dataset(f"t{t:05d}/s{c:02d}/0/cells", shape=(Z, Y, X), dtype="<i2", chunks=CHUNK,
                                      compression="gzip", compression_opts=GZIP_LEVEL)
                l1 = f.create_dataset(f"t{t:05d}/s{c:02d}/1/cells", shape=(Z, Y // 2, X // 2), dtype="<i2",
                                      chunks=CHUNK, compression="gzip", compression_opts=GZIP_LEVEL)
                for z0 in range(0, Z, CHUNK[0]):
                    z1 = min(Z, z0 + CHUNK[0])
                    slab = decode._slab(rng, blobs, t, c, z0, z1, (Y, X))
                    total += int(slab.sum(dtype=np.uint64))
                    l0[z0:z1] = slab.view("<i2")
                    half = slab[:, :Y // 2 * 2, :X // 2 * 2].reshape(z1 - z0, Y // 2, 2, X // 2, 2).mean((2, 4))
                    l1[z0:z1] = np.rint(half).astype(DTYPE).view("<i2")
                    writes = [s[:, :, z0:z1, c, t].write(slab.T) for s in stores.values()]
                    for w in writes:
                        w.result()
                log(f"  t={t} c={c} done ({time.perf_counter() - t0:.0f} s)")
    tmp_h5.replace(h5_path())
    setups = "\n".join(
        f"      <ViewSetup><id>{c}</id><name>ch{c}</name><size>{X} {Y} {Z}</size>"
        f"<voxelSize><unit>µm</unit><size>0.4 0.4 2.0</size></voxelSize>"
        f"<attributes><channel>{c}</channel></attributes></ViewSetup>" for c in range(C))
    channels = "\n".join(f"        <Channel><id>{c}</id><name>{c}</name></Channel>" for c in range(C))
    p["bdv"].write_text(BDV_XML.format(h5=h5_path().name, setups=setups, channels=channels, last=T - 1),
                        encoding="utf-8")
    marker = _want() | {"sum": total, "seconds": round(time.perf_counter() - t0, 1)}
    _marker().write_text(json.dumps(marker, indent=2) + "\n")
    log(f"generated in {time.perf_counter() - t0:.1f} s")
    return marker


def disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(q.stat().st_size for q in path.rglob("*") if q.is_file())


# ---------------------------------------------------------------- decode readers

def _boxes_zyx() -> list[tuple[slice, ...]]:
    return [tuple(slice(o, min(o + c, s)) for o, c, s in zip(origin, CHUNK, (Z, Y, X)))
            for origin in itertools.product(*(range(0, s, c) for s, c in zip((Z, Y, X), CHUNK)))]


def vstack_decode(path: Path, label: str, info: dict) -> common.Reader:
    def read() -> dict[str, Sample]:
        binary = common.vstack_bin()
        if not binary.exists():
            raise RuntimeError(f"{binary} not found (swift build -c release --product vstack)")
        with Stopwatch() as sw:
            r = subprocess.run([str(binary), "bench", "decode", str(path), "--json"], capture_output=True,
                               text=True, stdin=subprocess.DEVNULL, timeout=900)
        if r.returncode != 0:
            raise RuntimeError(f"exit {r.returncode}: {(r.stderr.strip() or r.stdout.strip())[:300]}")
        out = json.loads(r.stdout.strip().splitlines()[-1])
        if out["chunks"] != NCHUNKS or out["decoded_bytes"] != NBYTES:
            raise RuntimeError(f"decoded {out['chunks']} chunks / {out['decoded_bytes']} bytes, "
                               f"expected {NCHUNKS} / {NBYTES}")
        info["threads"] = out.get("threads")
        return {label: Sample(float(out["seconds"])), f"{label} (whole process)": sw.sample}
    return read


def h5py_readers(marker: dict) -> dict[str, common.Reader]:
    import h5py
    boxes = _boxes_zyx()
    offsets = [tuple(b.start for b in box) for box in boxes]
    names = [f"t{t:05d}/s{c:02d}/0/cells" for t, c in VIEWS]
    nominal = math.prod(CHUNK) * DTYPE.itemsize

    def chunkwise() -> dict[str, Sample]:
        done = 0
        with Stopwatch() as sw:
            with h5py.File(h5_path(), "r") as f:
                for n in names:
                    d = f[n]
                    for box in boxes:
                        done += d[box].nbytes
        if done != NBYTES:
            raise RuntimeError(f"h5py chunk by chunk: {done} bytes, expected {NBYTES}")
        return {"h5py (chunk by chunk)": sw.sample}

    def _direct(d, off) -> int:
        mask, raw = d.id.read_direct_chunk(off)
        if mask:
            raise RuntimeError(f"filter mask {mask} at {off}")
        n = len(zlib.decompress(raw))
        if n != nominal:
            raise RuntimeError(f"chunk {off}: {n} bytes, expected {nominal}")
        return n

    def direct() -> dict[str, Sample]:
        done = 0
        with Stopwatch() as sw:
            with h5py.File(h5_path(), "r") as f:
                for n in names:
                    d = f[n]
                    for off in offsets:
                        done += _direct(d, off)
        if done != NBYTES:
            raise RuntimeError(f"h5py direct: {done} bytes, expected {NBYTES}")
        return {"h5py (direct chunk + zlib)": sw.sample}

    threads = os.cpu_count() or 1

    def direct_threads() -> dict[str, Sample]:
        with Stopwatch() as sw:
            with h5py.File(h5_path(), "r") as f, concurrent.futures.ThreadPoolExecutor(threads) as pool:
                ds = [f[n] for n in names]
                done = sum(pool.map(lambda job: _direct(*job), ((d, off) for d in ds for off in offsets),
                                    chunksize=64))
        if done != NBYTES:
            raise RuntimeError(f"h5py direct threads: {done} bytes, expected {NBYTES}")
        return {f"h5py (direct chunk + zlib, {threads} threads)": sw.sample}

    def whole() -> dict[str, Sample]:
        total = 0
        with Stopwatch() as sw:
            with h5py.File(h5_path(), "r") as f:
                views = [f[n][...] for n in names]
        for v in views:                        # outside the timed region
            total += int(v.view(DTYPE).sum(dtype=np.uint64))
        if total != marker["sum"]:
            raise RuntimeError(f"h5py whole view: checksum {total} != {marker['sum']}")
        return {"h5py (whole view)": sw.sample}

    return {"h5py (chunk by chunk)": chunkwise, "h5py (direct chunk + zlib)": direct,
            "h5py (direct chunk + zlib, threads)": direct_threads, "h5py (whole view)": whole}


def tensorstore_readers(path: Path, marker: dict) -> dict[str, common.Reader]:
    import tensorstore as ts
    spec = _n5_spec(path)
    block = (CHUNK[2], CHUNK[1], CHUNK[0], 1, 1)
    dims = (X, Y, Z, C, T)
    boxes = [tuple(slice(o, min(o + b, s)) for o, b, s in zip(origin, block, dims))
             for origin in itertools.product(*(range(0, s, b) for s, b in zip(dims, block)))]

    def chunkwise() -> dict[str, Sample]:
        with Stopwatch() as sw:
            ctx = ts.Context({"cache_pool": {"total_bytes_limit": 0}})
            store = ts.open(spec, read=True, context=ctx).result()
            pending, done = collections.deque(), 0
            for box in boxes:
                pending.append(store[box].read())
                if len(pending) >= WINDOW:
                    done += pending.popleft().result().nbytes
            while pending:
                done += pending.popleft().result().nbytes
        if done != NBYTES:
            raise RuntimeError(f"tensorstore chunk by chunk: {done} bytes, expected {NBYTES}")
        return {"tensorstore (chunk by chunk)": sw.sample}

    def whole() -> dict[str, Sample]:
        with Stopwatch() as sw:
            ctx = ts.Context({"cache_pool": {"total_bytes_limit": 0}})
            a = ts.open(spec, read=True, context=ctx).result().read().result()
        s = int(a.sum(dtype=np.uint64))
        if s != marker["sum"]:
            raise RuntimeError(f"tensorstore: checksum {s} != {marker['sum']}")
        return {"tensorstore": sw.sample}

    return {"tensorstore (chunk by chunk)": chunkwise, "tensorstore": whole}


# ---------------------------------------------------------------- first-frame readers

def _at() -> str:
    t, c, z = FRAME_AT
    return f"t={t},c={c},z={z}"


def first_frame_readers(fmt_: str, reference: dict) -> dict[str, common.Reader]:
    t, c, z = FRAME_AT
    path = paths()[fmt_]

    def same(plane, who):
        plane = np.asarray(plane)
        if plane.shape != (Y, X):
            raise RuntimeError(f"{who}: plane shape {plane.shape}")
        if "plane" not in reference:
            reference["plane"] = plane
        elif not np.array_equal(reference["plane"], plane):
            raise RuntimeError(f"{who}: plane differs from the first reader's")

    def vstack(extra: list[str], label: str):
        def read() -> dict[str, Sample]:
            out, wall = common.run_vstack_json(["bench", "plane", str(path), "--at", _at(), *extra])
            reference.setdefault("vstack_levels", {})[label] = out.get("level")
            if extra:   # the 1:1 run: its frame is 768x512 cells, so only the plane compares
                return {f"{label} plane (in process)": Sample(out["plane_ms"] / 1e3)}
            return {f"{label} plane (in process)": Sample(out["plane_ms"] / 1e3),
                    f"{label} first frame (in process)": Sample(out["first_frame_ms"] / 1e3),
                    f"{label} first frame (whole process)": Sample(wall)}
        return read

    readers = {"vstack": vstack([], "vstack")}
    if fmt_ == "bdv":
        # 768x512 half-block cells = 768x1024 pixels: the whole plane at 1:1, so level 0
        readers["vstack 1:1"] = vstack(["--size", "768x512"], "vstack 1:1 (level 0)")
        name = f"t{t:05d}/s{c:02d}/0/cells"
        code = (f"import h5py, numpy as np; f = h5py.File({str(h5_path())!r}, 'r'); "
                f"p = f[{name!r}][{z}].view(np.uint16); assert p.shape == ({Y}, {X})")

        def h5() -> dict[str, Sample]:
            import h5py
            with Stopwatch() as sw:
                with h5py.File(h5_path(), "r") as f:
                    plane = f[name][z].view(DTYPE)
            same(plane, "h5py")
            return {"h5py": sw.sample}
        readers["h5py"] = h5
        peer_label = "h5py"
    else:
        code = (f"import tensorstore as ts; s = ts.open({json.dumps(_n5_spec(path))}).result(); "
                f"p = s[:, :, {z}, {c}, {t}].read().result().T; assert p.shape == ({Y}, {X})")

        def tstore() -> dict[str, Sample]:
            import tensorstore as ts
            with Stopwatch() as sw:
                store = ts.open(_n5_spec(path), context=ts.Context()).result()
                plane = store[:, :, z, c, t].read().result().T
            same(plane, "tensorstore")
            return {"tensorstore": sw.sample}
        readers["tensorstore"] = tstore
        peer_label = "tensorstore"

    def process() -> dict[str, Sample]:
        with Stopwatch() as sw:
            subprocess.run([sys.executable, "-c", code], check=True, stdin=subprocess.DEVNULL, timeout=300)
        return {f"{peer_label} (whole process)": sw.sample}
    readers[f"{peer_label} process"] = process
    return readers


# ---------------------------------------------------------------- run

DECODE_BASE = {"bdv": "h5py (chunk by chunk)", "n5-gzip": "tensorstore (chunk by chunk)",
               "n5-blosc": "tensorstore (chunk by chunk)"}
FRAME_BASE = {"bdv": "h5py", "n5-gzip": "tensorstore", "n5-blosc": "tensorstore"}
TITLES = {"bdv": f"BDV XML/HDF5, gzip {GZIP_LEVEL}", "n5-gzip": f"N5, gzip {GZIP_LEVEL}",
          "n5-blosc": "N5, blosc lz4-5 shuffle"}


def _decode_rows(series: dict[str, Series], base_label: str) -> list[list[str]]:
    def mbps(s):
        return NBYTES / s.median / 1e6 if s and s.median else None
    base = mbps(series.get(base_label))
    rows = []
    for label, s in series.items():
        if s.median is None:
            rows.append([label, "–", "–", "–", "–", "–", f"failed: {s.error}"])
            continue
        m = mbps(s)
        rows.append([label, fmt(s.median), fmt(s.best), f"{m:,.0f}", f"{m / base:.2f}×" if base else "–",
                     fmt(s.cpu_median, 2), f"failed after {len(s.samples)} reps: {s.error}" if s.error else ""])
    return rows


def _frame_rows(series: dict[str, Series], base_label: str) -> list[list[str]]:
    base = series.get(base_label)
    b = base.median if base else None
    rows = []
    for label, s in series.items():
        if s.median is None:
            rows.append([label, "–", "–", "–", f"failed: {s.error}"])
            continue
        rows.append([label, fmt(s.median * 1e3, 1), fmt(s.best * 1e3, 1),
                     f"{b / s.median:.2f}×" if b else "–",
                     f"failed after {len(s.samples)} reps: {s.error}" if s.error else ""])
    return rows


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    marker = ensure_data(regenerate)
    info = common.machine_info(["numpy", "h5py", "tensorstore"])
    info["vstack"] = common.vstack_version()
    try:
        import h5py
        info["libhdf5"] = h5py.version.hdf5_version
    except ImportError:
        pass
    vinfo: dict = {}
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "dataset": marker, "results": {}}
    sections = []
    for fmt_, path in paths().items():
        on_disk = disk_bytes(h5_path() if fmt_ == "bdv" else path)
        log(f"[lightsheet {fmt_}] warming the page cache: {path}")
        common.warm_files(h5_path() if fmt_ == "bdv" else path)
        readers = {"vstack": vstack_decode(path, "vstack", vinfo)}
        readers |= h5py_readers(marker) if fmt_ == "bdv" else tensorstore_readers(path, marker)
        decode = common.repeat(readers, reps)
        ref: dict = {}
        frame = common.repeat(first_frame_readers(fmt_, ref), max(reps, 5))
        sections.append((fmt_, on_disk, decode, frame, ref.get("vstack_levels", {})))
        payload["results"][fmt_] = {
            "path": str(path), "disk_bytes": on_disk, "compression_ratio": NBYTES / on_disk,
            "vstack_plane_levels": ref.get("vstack_levels", {}),
            "decode": {k: s.to_json() | ({"mb_per_s_median": NBYTES / s.median / 1e6} if s.median else {})
                       for k, s in decode.items()},
            "first_frame": {k: s.to_json() for k, s in frame.items()}}
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    info["vstack_threads"] = vinfo.get("threads")
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    payload["failed"] = sorted({f"{f} {part} {k}" for f, r in payload["results"].items()
                                for part in ("decode", "first_frame") for k, v in r[part].items() if v["error"]})
    payload["verdict"] = _verdict(payload)
    return _markdown(sections, info, reps, payload["verdict"]), payload


def _verdict(payload: dict) -> str:
    lines = []
    for f, r in payload["results"].items():
        d, fr = r["decode"], r["first_frame"]
        parts = []
        v = d.get("vstack", {}).get("median_s")
        for peer, s in d.items():
            if not peer.startswith("vstack") and v and s.get("median_s"):
                parts.append(f"{s['median_s'] / v:.2f}× {peer}")
        vf = fr.get("vstack first frame (in process)", {}).get("median_s")
        vp = fr.get("vstack plane (in process)", {}).get("median_s")
        vw = fr.get("vstack first frame (whole process)", {}).get("median_s")
        pb, pw = fr.get(FRAME_BASE[f], {}).get("median_s"), fr.get(f"{FRAME_BASE[f]} (whole process)", {}).get("median_s")
        frame = []
        if vp and pb:
            frame.append(f"plane {pb / vp:.2f}×")
        if vf and pb:
            frame.append(f"first frame {pb / vf:.2f}×")
        if vw and pw:
            frame.append(f"whole process {pw / vw:.2f}×")
        lines.append(f"- {TITLES[f]}: decode vstack ÷ " + (", ".join(parts) or "–")
                     + f"; first frame vs {FRAME_BASE[f]}: " + (", ".join(frame) or "–"))
    return "**Target ≥ 1.0× the peer** (medians, > 1 = vstack faster):\n" + "\n".join(lines)


def _markdown(sections, info, reps, verdict) -> str:
    t, c, z = FRAME_AT
    md = [f"## lightsheet: BDV XML/HDF5 and N5, {NBYTES / 1e9:.2f} GB uint16 light-sheet volume", "",
          common.machine_markdown(info),
          f"- libhdf5 {info.get('libhdf5', '?')} (h5py's); vstack {info['vstack']} ({common.vstack_bin()}), "
          f"{info.get('vstack_threads') or '?'} decode threads; load average at end "
          f"{' / '.join(str(x) for x in info['loadavg_end'])}",
          f"- data: c={C} setups × t={T} timepoints of (z, y, x) = ({Z}, {Y}, {X}), chunks (z, y, x) = {CHUNK} "
          f"(BDV subdivisions {CHUNK[2]}×{CHUNK[1]}×{CHUNK[0]} xyz, {math.prod(CHUNK) * 2 // 1024} KiB), "
          f"{NCHUNKS} chunks in level 0; BDV: gzip {GZIP_LEVEL} (no shuffle), uint16 stored as int16, 2 levels; "
          f"N5: one 5-D dataset [x, y, z, c, t] by tensorstore, gzip {GZIP_LEVEL} / blosc lz4 clevel 5 byte shuffle",
          f"- each reader once untimed, then {reps} timed repetitions round-robin (first frame: {max(reps, 5)}); "
          "warm page cache (every file read once first). MB/s = decoded bytes / median s / 1e6; "
          "×peer = ÷ the h5py (chunk by chunk) row (HDF5) or tensorstore (chunk by chunk) row (N5); "
          "CPU s = user+sys, median",
          f"- first frame: t={t}, c={c}, z={z}. vstack plane = `plane_ms` (the plane in memory), first frame = "
          "`first_frame_ms` (rendered at 160×48 cells), whole process = wall time of `vstack bench plane`; "
          "peers: open + read the level-0 (y, x) plane into NumPy, in process and as `python -c`. "
          "×peer = peer's in-process (or whole-process for whole-process rows) median ÷ this row's", ""]
    for fmt_, on_disk, decode, frame, levels in sections:
        md += [f"### {TITLES[fmt_]} ({on_disk / 1e6:,.0f} MB on disk, {NBYTES / on_disk:.2f}:1)", "",
               "Decode every chunk of level 0:", "",
               common.markdown_table(["reader", "median s", "best s", "MB/s", "×peer", "CPU s", "note"],
                                     _decode_rows(decode, DECODE_BASE[fmt_]), "lrrrrrl"), ""]
        rows = _frame_rows(frame, FRAME_BASE[fmt_])
        base = FRAME_BASE[fmt_]
        for r in rows:   # whole-process rows compare with the peer's whole process
            if "whole process" in r[0] and frame.get(f"{base} (whole process)") and frame[r[0]].median:
                r[3] = f"{frame[f'{base} (whole process)'].median / frame[r[0]].median:.2f}×"
        lv = ", ".join(f"{k}: level {v}" for k, v in levels.items())
        md += [f"First frame (vstack showed {lv}):" if lv else "First frame:", "",
               common.markdown_table(["reader", "median ms", "best ms", "×peer", "note"], rows, "lrrrl"), ""]
    md += [verdict, ""]
    return "\n".join(md)
