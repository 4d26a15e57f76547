"""decode: read (decompress) every chunk of a >= 1 GiB uint16 Zarr array.

Dataset: shape (2, 3, 128, 1024, 768) = 1.21e9 bytes of uint16 (t, c, z, y, x), chunks
(1, 1, 16, 256, 256) = 2 MiB each, 576 chunks; blosc zstd level 5 with bitshuffle (the seed
post's setting), written once as Zarr v2 (numcodecs.Blosc) and as Zarr v3 (BloscCodec), same
data. Content is microscopy-like: Gaussian blobs ("cells") on a slowly varying background
plus shot noise (Poisson, normal approximation) and read noise.

Readers, each decoding the whole array into memory, from a warm page cache:
  tensorstore   ts.open(driver zarr / zarr3, fresh Context with a 0-byte cache).read()
  tensorstore (chunk by chunk)
                the same store, one read() per chunk, at most WINDOW in flight, each
                result dropped: decode without assembling one 1.2 GB array, i.e. the
                same work as `vstack bench decode` (the like-for-like comparison)
  zarr-python   zarr.open_array(path, mode='r')[...]
  vstack        `vstack bench decode PATH --json` (subprocess): its in-process decode time
                and, as a second row, the wall time of the whole process. It decodes
                every chunk into its own buffer and drops it (no whole-array assembly).
"""
from __future__ import annotations

from typing import Iterator

import collections
import itertools
import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Series, Stopwatch, fmt, log

NAME = "decode"
DESCRIPTION = "decode every chunk of a >= 1 GiB uint16 Zarr (blosc zstd bitshuffle): vstack vs zarr-python vs tensorstore"
DEFAULT_REPS = 3

SHAPE = (2, 3, 128, 1024, 768)      # t, c, z, y, x
CHUNKS = (1, 1, 16, 256, 256)
DTYPE = np.dtype("<u2")
SEED = 20261121
GENERATOR = 1                       # bump when the generated content changes
FORMATS = ("v2", "v3")
NBYTES = math.prod(SHAPE) * DTYPE.itemsize
NCHUNKS = math.prod(-(-s // c) for s, c in zip(SHAPE, CHUNKS))
assert NBYTES >= 2**30


def dataset_path(fmt_: str) -> Path:
    return common.DATA_DIR / f"decode-{fmt_}.zarr"


def _marker_path(fmt_: str) -> Path:
    return common.DATA_DIR / f"decode-{fmt_}.marker.json"


def _expected_marker(fmt_: str) -> dict:
    return {"generator": GENERATOR, "format": fmt_, "shape": list(SHAPE), "chunks": list(CHUNKS),
            "dtype": DTYPE.str, "seed": SEED,
            "codec": {"id": "blosc", "cname": "zstd", "clevel": 5, "shuffle": "bitshuffle"}}


def _marker_ok(fmt_: str) -> dict | None:
    """The stored marker if the dataset is complete and was made with these parameters."""
    try:
        marker = json.loads(_marker_path(fmt_).read_text())
    except (OSError, ValueError):
        return None
    want = _expected_marker(fmt_)
    if any(marker.get(k) != v for k, v in want.items()) or not dataset_path(fmt_).is_dir():
        return None
    return marker


# ---------------------------------------------------------------- dataset

def _blobs(rng: np.random.Generator, n: int, channel: int, zyx: tuple[int, int, int] | None = None) -> dict[str, np.ndarray]:
    """n Gaussian blobs in one (z, y, x) volume (default this benchmark's); channel sets their size and brightness."""
    Z, Y, X = zyx or SHAPE[2:]
    return {
        "z": rng.uniform(0, Z, n), "y": rng.uniform(0, Y, n), "x": rng.uniform(0, X, n),
        "sz": rng.uniform(1.5, 5.0, n),
        "sxy": rng.uniform(3.0, 14.0, n) * (1.0 + 0.4 * channel),
        "amp": rng.lognormal(np.log(600.0 / (1 + channel)), 0.6, n),
        # slow drift between time points
        "vy": rng.normal(0, 3, n), "vx": rng.normal(0, 3, n),
    }


def stacks(rng: np.random.Generator, T: int, C: int, Z: int, dtype) -> "Iterator[tuple[int, int, np.ndarray]]":
    """(t, c, volume) for every whole (Z, Y, X) stack of a T × C dataset of this content with
    the blobs spread over all Z (scrub's and dask_script's data), channel by channel, built in
    slabs of 16 planes: the same values for the same `rng`."""
    _, _, _, Y, X = SHAPE
    for c in range(C):
        blobs = _blobs(rng, 400, c)
        blobs["z"] = rng.uniform(0, Z, len(blobs["z"]))     # decode's own volume is shallower
        for t in range(T):
            volume = np.empty((Z, Y, X), dtype)
            for z0 in range(0, Z, 16):
                volume[z0:z0 + 16] = _slab(rng, blobs, t, c, z0, min(Z, z0 + 16))
            yield t, c, volume


def _slab(rng: np.random.Generator, blobs: dict, t: int, c: int, z0: int, z1: int,
          yx: tuple[int, int] | None = None) -> np.ndarray:
    """The (z1 - z0, Y, X) uint16 slab of volume (t, c): background + blobs + noise; (Y, X)
    default to this benchmark's (lightsheet.py passes its own)."""
    Y, X = yx or SHAPE[3:]
    zs = np.arange(z0, z1, dtype=np.float32)
    # background: ~100 counts with a gentle illumination falloff towards the corners
    yy = ((np.arange(Y, dtype=np.float32) - Y / 2) / Y) ** 2
    xx = ((np.arange(X, dtype=np.float32) - X / 2) / X) ** 2
    lam = np.empty((z1 - z0, Y, X), np.float32)
    lam[:] = (100.0 + 20.0 * c) * (1.0 - 0.6 * (yy[:, None] + xx[None, :]))
    cy, cx = blobs["y"] + t * blobs["vy"], blobs["x"] + t * blobs["vx"]
    near = np.nonzero((blobs["z"] + 4 * blobs["sz"] >= z0) & (blobs["z"] - 4 * blobs["sz"] < z1))[0]
    for i in near:
        r = int(4 * blobs["sxy"][i]) + 1
        ya, yb = max(0, int(cy[i]) - r), min(Y, int(cy[i]) + r + 1)
        xa, xb = max(0, int(cx[i]) - r), min(X, int(cx[i]) + r + 1)
        if ya >= yb or xa >= xb:
            continue
        gz = np.exp(-0.5 * ((zs - blobs["z"][i]) / blobs["sz"][i]) ** 2) * blobs["amp"][i]
        gy = np.exp(-0.5 * ((np.arange(ya, yb, dtype=np.float32) - cy[i]) / blobs["sxy"][i]) ** 2)
        gx = np.exp(-0.5 * ((np.arange(xa, xb, dtype=np.float32) - cx[i]) / blobs["sxy"][i]) ** 2)
        lam[:, ya:yb, xa:xb] += gz[:, None, None] * (gy[:, None] * gx[None, :])[None]
    # shot noise (normal approximation of Poisson) + read noise (sigma 3 counts)
    noise = rng.standard_normal(lam.shape, dtype=np.float32)
    noise *= np.sqrt(lam + 9.0)
    lam += noise
    np.clip(lam, 0, 65535, out=lam)
    return np.rint(lam, out=lam).astype(DTYPE)


def _create(fmt_: str, path: Path):
    import numcodecs
    import zarr
    from zarr.codecs import BloscCodec
    if fmt_ == "v2":
        compressor = numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE)
        return zarr.create_array(str(path), shape=SHAPE, chunks=CHUNKS, dtype=DTYPE, zarr_format=2,
                                 compressors=compressor, filters=None, fill_value=0)
    codec = BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle", typesize=DTYPE.itemsize)
    return zarr.create_array(str(path), shape=SHAPE, chunks=CHUNKS, dtype=DTYPE, zarr_format=3,
                             compressors=[codec], filters=None, fill_value=0,
                             dimension_names=["t", "c", "z", "y", "x"])


def ensure_datasets(regenerate: bool = False) -> dict[str, dict]:
    """Generates whichever of the v2/v3 datasets is missing or stale (both from the same
    slabs, written slab by slab to keep memory low). Returns fmt -> marker."""
    todo = [f for f in FORMATS if regenerate or _marker_ok(f) is None]
    if todo:
        common.DATA_DIR.mkdir(parents=True, exist_ok=True)
        log(f"generating {', '.join(todo)} dataset(s): shape {SHAPE}, chunks {CHUNKS}, "
            f"{NBYTES / 1e9:.2f} GB uint16 ...")
        t0 = time.perf_counter()
        arrays = {}
        for f in todo:
            _marker_path(f).unlink(missing_ok=True)
            tmp = dataset_path(f).with_suffix(".zarr.tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            arrays[f] = (tmp, _create(f, tmp))
        rng = np.random.default_rng(SEED)
        T, C, Z = SHAPE[:3]
        total = 0
        for c in range(C):
            blobs = _blobs(rng, 400, c)
            for t in range(T):
                for z0 in range(0, Z, CHUNKS[2]):
                    slab = _slab(rng, blobs, t, c, z0, min(Z, z0 + CHUNKS[2]))
                    total += int(slab.sum(dtype=np.uint64))
                    for _, a in arrays.values():
                        a[t, c, z0:z0 + slab.shape[0]] = slab
                log(f"  t={t} c={c} done ({time.perf_counter() - t0:.0f} s)")
        for f, (tmp, _) in arrays.items():
            shutil.rmtree(dataset_path(f), ignore_errors=True)
            tmp.rename(dataset_path(f))
            marker = _expected_marker(f) | {"sum": total, "seconds": round(time.perf_counter() - t0, 1)}
            _marker_path(f).write_text(json.dumps(marker, indent=2) + "\n")
        log(f"generated in {time.perf_counter() - t0:.1f} s")
    return {f: _marker_ok(f) for f in FORMATS}


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------- readers

def _check_sum(a: np.ndarray, marker: dict, who: str) -> None:
    if a.shape != SHAPE or a.dtype != DTYPE:
        raise RuntimeError(f"{who}: got {a.shape} {a.dtype}")
    s = int(a.sum(dtype=np.uint64))
    if s != marker["sum"]:
        raise RuntimeError(f"{who}: checksum {s} != {marker['sum']}")


def zarr_reader(path: Path, marker: dict) -> common.Reader:
    import zarr

    def read() -> dict[str, Sample]:
        with Stopwatch() as sw:
            a = zarr.open_array(str(path), mode="r")[...]
        _check_sum(a, marker, "zarr-python")      # outside the timed region
        return {"zarr-python": sw.sample}
    return read


def tensorstore_reader(path: Path, fmt_: str, marker: dict) -> common.Reader:
    import tensorstore as ts
    spec = {"driver": "zarr" if fmt_ == "v2" else "zarr3",
            "kvstore": {"driver": "file", "path": str(path)}}

    def read() -> dict[str, Sample]:
        with Stopwatch() as sw:
            # a fresh context per repetition, with no chunk cache, so nothing is reused
            ctx = ts.Context({"cache_pool": {"total_bytes_limit": 0}})
            a = ts.open(spec, read=True, context=ctx).result().read().result()
        _check_sum(a, marker, "tensorstore")
        return {"tensorstore": sw.sample}
    return read


WINDOW = 16   # chunk reads in flight for "tensorstore (chunk by chunk)"


def tensorstore_chunkwise_reader(path: Path, fmt_: str) -> common.Reader:
    import tensorstore as ts
    spec = {"driver": "zarr" if fmt_ == "v2" else "zarr3",
            "kvstore": {"driver": "file", "path": str(path)}}
    boxes = [tuple(slice(o, min(o + c, s)) for o, c, s in zip(origin, CHUNKS, SHAPE))
             for origin in itertools.product(*(range(0, s, c) for s, c in zip(SHAPE, CHUNKS)))]

    def read() -> dict[str, Sample]:
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
    return read


def vstack_reader(path: Path, info: dict) -> common.Reader:
    """`vstack bench decode PATH --json` prints {"chunks", "decoded_bytes", "seconds",
    "mb_per_s", "threads"}; "seconds" is its in-process decode time (after open)."""
    binary = common.vstack_bin()

    def read() -> dict[str, Sample]:
        if not binary.exists():
            raise RuntimeError(f"{binary} not found (swift build -c release --product vstack)")
        with Stopwatch() as sw:
            r = subprocess.run([str(binary), "bench", "decode", str(path), "--json"],
                               capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"exit {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
        out = json.loads(r.stdout.strip().splitlines()[-1])
        if out["chunks"] != NCHUNKS or out["decoded_bytes"] != NBYTES:
            raise RuntimeError(f"decoded {out['chunks']} chunks / {out['decoded_bytes']} bytes, "
                               f"expected {NCHUNKS} / {NBYTES}")
        info["threads"] = out.get("threads")
        return {"vstack": Sample(float(out["seconds"])),
                "vstack (whole process)": sw.sample}
    return read


# ---------------------------------------------------------------- run

ROW_ORDER = ["tensorstore", "tensorstore (chunk by chunk)", "zarr-python", "vstack",
             "vstack (whole process)"]
BASELINE = "tensorstore"                      # the target: the whole-array read
LIKE_FOR_LIKE = "tensorstore (chunk by chunk)"   # the same work as `vstack bench decode`


def _rows(series: dict[str, Series]) -> list[list[str]]:
    def mbps(label):
        s = series.get(label)
        return NBYTES / s.median / 1e6 if s and s.median else None

    base, like = mbps(BASELINE), mbps(LIKE_FOR_LIKE)
    rows = []
    for label in sorted(series, key=lambda k: ROW_ORDER.index(k) if k in ROW_ORDER else 99):
        s = series[label]
        if s.median is None:
            rows.append([label, "–", "–", "–", "–", "–", "–", f"failed: {s.error}"])
            continue
        m = mbps(label)
        rows.append([label, fmt(s.median), fmt(s.best), f"{m:,.0f}",
                     f"{m / base:.2f}×" if base else "–", f"{m / like:.2f}×" if like else "–",
                     fmt(s.cpu_median, 2), f"failed after {len(s.samples)} reps: {s.error}" if s.error else ""])
    return rows


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    """Returns (Markdown section, JSON payload)."""
    t0 = time.perf_counter()
    markers = ensure_datasets(regenerate)
    info = common.machine_info(["numpy", "zarr", "numcodecs", "tensorstore"])
    info["vstack"] = common.vstack_version()
    vstack_info: dict = {}
    payload = {"benchmark": NAME, "machine": info, "reps": reps,
               "dataset": {"shape": SHAPE, "chunks": CHUNKS, "dtype": DTYPE.str, "chunks_total": NCHUNKS,
                           "logical_bytes": NBYTES, "codec": "blosc zstd clevel 5 bitshuffle"},
               "results": {}}
    md = [f"## decode: every chunk of a {NBYTES / 2**30:.2f} GiB uint16 Zarr, blosc zstd-5 bitshuffle", ""]
    sections = []
    for f in FORMATS:
        path = dataset_path(f)
        on_disk = disk_bytes(path)
        log(f"[decode {f}] warming the page cache: {path}")
        files, read = common.warm_files(path)
        log(f"  read {files} files, {read / 1e6:.0f} MB")
        readers = {"tensorstore": tensorstore_reader(path, f, markers[f]),
                   "tensorstore (chunk by chunk)": tensorstore_chunkwise_reader(path, f),
                   "zarr-python": zarr_reader(path, markers[f]),
                   "vstack": vstack_reader(path, vstack_info)}
        series = common.repeat(readers, reps)
        rows = _rows(series)
        sections.append((f, on_disk, rows))
        payload["results"][f] = {
            "path": str(path), "disk_bytes": on_disk, "compression_ratio": NBYTES / on_disk,
            "series": {k: s.to_json() | ({"mb_per_s_median": NBYTES / s.median / 1e6} if s.median else {})
                       for k, s in series.items()}}
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    info["vstack_threads"] = vstack_info.get("threads")
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)

    md += [common.machine_markdown(info),
           f"- vstack {info['vstack']} ({common.vstack_bin()}), "
           f"{vstack_info.get('threads', '?')} decode threads; load average at end "
           f"{' / '.join(str(x) for x in info['loadavg_end'])}",
           f"- data: shape {SHAPE} (t, c, z, y, x), chunks {CHUNKS}, {NCHUNKS} chunks, "
           f"{NBYTES / 1e9:.3f} GB logical; each reader once untimed, then {reps} timed "
           "repetitions, round-robin",
           "- page cache: not dropped (shared machine); every file was read once before timing, "
           "so all readers decode from memory",
           "- MB/s = logical bytes / median seconds / 1e6. ×ts = MB/s ÷ MB/s of `tensorstore` "
           "(whole-array read, the issue's target); ×ts-chunks = ÷ `tensorstore (chunk by chunk)`, "
           "which like `vstack bench decode` decodes each chunk and drops it instead of "
           "assembling one 1.2 GB array (the like-for-like figure). > 1 is faster. "
           "CPU s = user+sys of all threads (and children), median",
           "- vstack = its in-process decode time (after open); vstack (whole process) = wall "
           "time of `vstack bench decode` with start-up and open; Python rows include open",
           ""]
    headers = ["reader", "median s", "best s", "MB/s", "×ts", "×ts-chunks", "CPU s", "note"]
    for f, on_disk, rows in sections:
        shown = headers if any(r[-1] for r in rows) else headers[:-1]
        md += [f"### Zarr {f} ({on_disk / 1e6:,.0f} MB on disk, {NBYTES / on_disk:.2f}:1)", "",
               common.markdown_table(shown, [r[:len(shown)] for r in rows], "lrrrrrrl"[:len(shown)]), ""]
    payload["failed"] = sorted({f"{f} {k}" for f, r in payload["results"].items()
                                for k, v in r["series"].items() if v["error"]})
    payload["verdict"] = _verdict(payload)
    if payload["verdict"]:
        md += [payload["verdict"], ""]
    return "\n".join(md), payload


def _verdict(payload: dict) -> str:
    """The issue's target, judged on the in-process medians against both tensorstore rows."""
    lines = []
    for base in (BASELINE, LIKE_FOR_LIKE):
        parts = []
        for f, r in payload["results"].items():
            s = r["series"]
            if s.get("vstack", {}).get("median_s") and s.get(base, {}).get("median_s"):
                parts.append((f, s[base]["median_s"] / s["vstack"]["median_s"]))
        if parts:
            ok = all(x >= 1.0 for _, x in parts)
            lines.append(f"- vstack ≥ {base}: {'met' if ok else 'NOT met'} ("
                         + ", ".join(f"{f} {x:.2f}×" for f, x in parts) + ")")
    return "**Target vstack ≥ tensorstore** (medians):\n" + "\n".join(lines) if lines else ""
