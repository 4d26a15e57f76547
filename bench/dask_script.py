"""dask_script: `vstack export --filter P --script dask` against the same pipeline written by hand
with dask-image, both on a dask.distributed LocalCluster of 2 workers (issue 17).

Dataset (generated once, deterministic): the seed post's layout with a small t, shape
(t, c, z, y, x) = (2, 2, 201, 1024, 768) uint16 (1.27 GB logical), one chunk per z-stack,
chunks (1, 1, 201, 1024, 768) (316 MB decoded each), Zarr v2, blosc zstd-5 bitshuffle,
_ARRAY_DIMENSIONS t,c,z,y,x. Content as decode.py's (Gaussian "cells" on a background with
shot and read noise).

For each pipeline, two programs run as processes, each end to end (start, imports, cluster
start, read, filter, write, cluster shutdown), one after the other, round-robin:

  generated    `vstack export DATA --filter P --script dask -o job.py` (written once, untimed),
               then `python job.py --output out.zarr --workers 2` (its LocalCluster, 2 worker
               processes of 1 thread each)
  hand-written the code a user would write with dask-image (HANDWRITTEN below):
               da.from_zarr(...).astype(float32), dask_image.ndfilters with sigma/size 0/1 on
               the t, c, z axes (per plane), Otsu per plane with map_blocks, to_zarr (Zarr v2,
               like the source and the generated script's output), on LocalCluster(n_workers=2,
               threads_per_worker=1)

The output of every run is removed before the next one (outside the timed region). After the
timed runs the two outputs of each pipeline are compared volume by volume: masks exactly,
filtered float32 within 1e-5 of the range. Target: generated ÷ hand-written ≤ 1.2.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, fmt, log

NAME = "dask_script"
DESCRIPTION = "the generated Dask script vs the same pipeline hand-written with dask-image, LocalCluster of 2 workers"
DEFAULT_REPS = 3

# VSTACK_BENCH_DASK_SHAPE=t,c,z (y, x stay 1024, 768: decode.py's generator) for a quick smoke test.
_env_shape = os.environ.get("VSTACK_BENCH_DASK_SHAPE")
T, C, Z = tuple(int(v) for v in _env_shape.split(",")) if _env_shape else (2, 2, 201)
Y, X = 1024, 768
SHAPE = (T, C, Z, Y, X)
CHUNKS = (1, 1, Z, Y, X)
DTYPE = np.dtype("<u2")
SEED = 20261201
GENERATOR = 1
WORKERS = 2
SUFFIX = "" if not _env_shape else "-" + "x".join(map(str, (T, C, Z)))

# name, vstack pipeline, the hand-written body (x: the float32 source), mask?
PIPELINES = [
    ("gaussian(2)|threshold(otsu)", "gaussian(2)|threshold(otsu)",
     """
     smooth = ndfilters.gaussian_filter(x, sigma=(0, 0, 0, 2, 2))
     result = smooth.map_blocks(otsu_planes, dtype=np.uint8)
     """, True),
    ("median(3)", "median(3)",
     """
     result = ndfilters.median_filter(x, size=(1, 1, 1, 3, 3))
     """, False),
    ("dog(1,4)", "dog(1,4)",
     """
     result = ndfilters.gaussian_filter(x, sigma=(0, 0, 0, 1, 1)) - ndfilters.gaussian_filter(x, sigma=(0, 0, 0, 4, 4))
     """, False),
]
# VSTACK_BENCH_DASK_PIPELINES=median(3),dog(1,4): only those rows (a re-run of one pipeline).
if os.environ.get("VSTACK_BENCH_DASK_PIPELINES"):
    _only = set(os.environ["VSTACK_BENCH_DASK_PIPELINES"].split(","))
    PIPELINES = [p for p in PIPELINES if p[0] in _only]

HANDWRITTEN = '''\
import sys

import dask.array as da
import numpy as np
import skimage.filters
from dask.distributed import Client, LocalCluster
from dask_image import ndfilters


def otsu_planes(block):
    """Otsu's threshold of each (y, x) plane of the block, as a 0/1 uint8 mask."""
    out = np.zeros(block.shape, np.uint8)
    for index in np.ndindex(block.shape[:-2]):
        plane = block[index]
        if plane.min() < plane.max():
            out[index] = plane > skimage.filters.threshold_otsu(plane, nbins=256)
    return out


if __name__ == "__main__":
    source, output = sys.argv[1], sys.argv[2]
    with LocalCluster(n_workers={workers}, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
        x = da.from_zarr(source).astype(np.float32)
{body}
        result.to_zarr(output, mode="w", zarr_format=2)
'''


def path() -> Path:
    return common.DATA_DIR / f"dask-script{SUFFIX}.zarr"


def work_dir() -> Path:
    return common.BENCH_DIR / f"dask-script{SUFFIX}"


def _marker() -> Path:
    return common.DATA_DIR / f"dask-script{SUFFIX}.marker.json"


def _want() -> dict:
    return {"generator": GENERATOR, "shape": list(SHAPE), "chunks": list(CHUNKS), "seed": SEED,
            "codec": "blosc zstd 5 bitshuffle", "zarr_format": 2}


def _ok() -> dict | None:
    try:
        m = json.loads(_marker().read_text())
    except (OSError, ValueError):
        return None
    return m if all(m.get(k) == v for k, v in _want().items()) and path().is_dir() else None


def ensure_data(regenerate: bool = False) -> dict:
    if not regenerate and (m := _ok()) is not None:
        return m
    import numcodecs
    import zarr
    import decode                                     # the decode benchmark's content generator
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    _marker().unlink(missing_ok=True)
    log(f"generating {path().name}: shape {SHAPE} uint16, chunks {CHUNKS}, {math.prod(SHAPE) * 2 / 1e9:.2f} GB ...")
    t0 = time.perf_counter()
    tmp = path().with_suffix(".zarr.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    comp = numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE)
    a = zarr.create_array(str(tmp), shape=SHAPE, chunks=CHUNKS, dtype=DTYPE, zarr_format=2,
                          compressors=comp, filters=None, fill_value=0)
    a.attrs["_ARRAY_DIMENSIONS"] = ["t", "c", "z", "y", "x"]
    rng = np.random.default_rng(SEED)
    checksum = 0
    for t, c, volume in decode.stacks(rng, T, C, Z, DTYPE):
        a[t, c] = volume                                        # one whole chunk
        checksum = (checksum + int(volume.sum(dtype=np.uint64))) % 2**63
        log(f"  t={t} c={c} ({time.perf_counter() - t0:.0f} s)")
    shutil.rmtree(path(), ignore_errors=True)
    tmp.rename(path())
    m = _want() | {"sum": checksum, "seconds": round(time.perf_counter() - t0, 1)}
    _marker().write_text(json.dumps(m) + "\n")
    return m


# ---------------------------------------------------------------- the programs

def _slug(pipeline: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in pipeline).strip("_")


def write_programs() -> dict[str, dict[str, Path]]:
    """pipeline name -> {"generated": job.py, "hand-written": hand.py}."""
    out = {}
    for name, pipeline, body, _ in PIPELINES:
        d = work_dir() / _slug(name)
        d.mkdir(parents=True, exist_ok=True)
        job = d / "job.py"
        r = subprocess.run([str(common.vstack_bin()), "export", str(path()), "--filter", pipeline,
                            "--script", "dask", "-o", str(job)], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"vstack export --script dask: {r.stderr.strip()[:300]}")
        hand = d / "hand.py"
        hand.write_text(HANDWRITTEN.format(workers=WORKERS, body=textwrap.indent(textwrap.dedent(body).strip(), " " * 8)))
        out[name] = {"generated": job, "hand-written": hand}
    return out


def output(name: str, kind: str) -> Path:
    return work_dir() / _slug(name) / f"{'generated' if kind == 'generated' else 'hand'}-out.zarr"


def command(name: str, kind: str, program: Path) -> list[str]:
    if kind == "generated":
        return [sys.executable, str(program), "--output", str(output(name, kind)), "--workers", str(WORKERS)]
    return [sys.executable, str(program), str(path()), str(output(name, kind))]


def readers(programs: dict[str, dict[str, Path]]) -> dict[str, common.Reader]:
    def run(name: str, kind: str, program: Path):
        label = f"{name}: {kind}"

        def read() -> dict[str, Sample]:
            shutil.rmtree(output(name, kind), ignore_errors=True)      # untimed
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
            r0 = os.times()
            t0 = time.perf_counter()
            r = subprocess.run(command(name, kind, program), capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=1800, env=env, cwd=program.parent)
            wall = time.perf_counter() - t0
            r1 = os.times()
            if r.returncode != 0:
                raise RuntimeError(f"exit {r.returncode}: {r.stderr.strip()[-400:]}")
            # CPU of the finished child and its children (the workers are the nanny's children)
            cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
            return {label: Sample(wall, cpu)}
        return read

    return {f"{n}: {k}": run(n, k, p) for n, ks in programs.items() for k, p in ks.items()}


def compare_outputs() -> dict[str, str | float]:
    """max |generated - hand-written| / range of the hand-written result, per pipeline (0 = equal)."""
    import zarr
    out = {}
    for name, _, _, mask in PIPELINES:
        try:
            g = zarr.open_array(str(output(name, "generated")), mode="r")
            h = zarr.open_array(str(output(name, "hand-written")), mode="r")
        except Exception as e:  # noqa: BLE001 - reported
            out[name] = f"missing: {type(e).__name__}"
            continue
        if g.shape != h.shape or g.dtype != h.dtype:
            out[name] = f"differ: {g.shape} {g.dtype} vs {h.shape} {h.dtype}"
            continue
        worst, lo, hi = 0.0, math.inf, -math.inf
        for t in range(T):
            for c in range(C):
                a, b = g[t, c].astype(np.float64), h[t, c].astype(np.float64)
                worst = max(worst, float(np.abs(a - b).max()))
                lo, hi = min(lo, float(b.min())), max(hi, float(b.max()))
        out[name] = worst / ((hi - lo) or 1.0)
    return out


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    marker = ensure_data(regenerate)
    info = common.machine_info(["numpy", "scipy", "scikit-image", "dask", "distributed", "dask-image", "zarr",
                                "numcodecs"])
    info["vstack"] = common.vstack_version()
    programs = write_programs()
    files, size = common.warm_files(path())
    log(f"page cache: read {files} files, {size / 1e6:.0f} MB")
    results = common.repeat(readers(programs), reps)
    log("comparing the outputs of the last runs")
    errors = compare_outputs()
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    failed = sorted(k for k, s in results.items() if s.error)
    tolerance = {n: 0.0 if mask else 1e-5 for n, _, _, mask in PIPELINES}
    failed += [f"{n}: outputs differ ({e})" for n, e in errors.items() if isinstance(e, str) or e > tolerance[n]]
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "data": marker, "shape": list(SHAPE),
               "chunks": list(CHUNKS), "workers": WORKERS, "errors": errors,
               "results": {k: s.to_json() for k, s in results.items()}, "failed": failed,
               "total_seconds": round(time.perf_counter() - t0, 1)}
    for name, _, _, _ in PIPELINES:                        # the outputs are GBs: not kept
        for kind in ("generated", "hand-written"):
            shutil.rmtree(output(name, kind), ignore_errors=True)
    return _markdown(results, info, reps, errors, marker), payload


def _markdown(results, info, reps, errors, marker) -> str:
    md = ["## dask_script: the generated Dask script vs the same pipeline hand-written with dask-image", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']}; load average at end {' / '.join(str(x) for x in info['loadavg_end'])}",
          f"- data: {SHAPE} uint16 (t, c, z, y, x), chunks {CHUNKS}, Zarr v2 blosc zstd-5 bitshuffle, "
          f"{math.prod(SHAPE) * 2 / 1e9:.2f} GB logical; warm page cache",
          f"- both programs run as processes on a LocalCluster of {WORKERS} workers × 1 thread, end to end", "",
          f"median (best) of {reps} repetitions, round-robin; CPU s = user + sys of the process and its workers; "
          "÷ hand = generated ÷ hand-written (target ≤ 1.2); difference = max |generated − hand-written| ÷ range", ""]
    rows = []
    for name, _, _, _ in PIPELINES:
        g, h = results.get(f"{name}: generated"), results.get(f"{name}: hand-written")
        cell = "`" + name.replace("|", "\\|") + "`"          # a | would end the table cell
        err = errors.get(name)
        err_text = err if isinstance(err, str) else ("0" if err == 0 else f"{err:.1e}")
        for kind, s in (("generated", g), ("hand-written", h)):
            if s is None or s.median is None:
                rows.append([f"{cell}: {kind}", "failed", "", "", "", (s.error if s else "")[:60] if s else ""])
                continue
            ratio = ""
            if kind == "generated" and h is not None and h.median:
                ratio = f"**{s.median / h.median:.2f}×**"
            rows.append([f"{cell}: {kind}", fmt(s.median, 1), fmt(s.best, 1), fmt(s.cpu_median, 1), ratio,
                         err_text if kind == "generated" else ""])
    md += [common.markdown_table(["row", "s", "best s", "CPU s", "÷ hand", "difference"], rows, "lrrrrl"), ""]
    return "\n".join(md)
