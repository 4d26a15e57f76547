"""labels: the cost of drawing a label image over a 4096² image.

Datasets (generated once into .bench/data):
  labimg.zarr  4096 × 4096 uint16 image (zarr-python, 512² chunks, blosc lz4)
  labids.zarr  4096 × 4096 uint32 label image of about 20 000 objects (a grid of
               irregular cells split from smooth noise), same chunks

(a) `vstack bench labels`: the frame as the viewer draws it (resident planes + render),
    with every chunk resident, at fit and at 1:1, without and with the overlay. Target:
    the overlay adds ≤ 30 %.
(b) bytes per frame in 256 colours, without and with the overlay.
(c) a reference for the sampling alone: NumPy taking the same fit view's ids by nearest
    sampling (strided) and looking up their colours in a 256-entry table, as napari does
    for labels (vstack's default is the most frequent id of each block, over every s-th pixel
    once a block spans 16 label pixels or more: see docs/RENDERING.md).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Stopwatch, fmt, log

NAME = "labels"
DESCRIPTION = "label overlay over a 4096² image: frame time and bytes with and without, at fit and 1:1"
DEFAULT_REPS = 3
N, OBJECTS, GENERATOR = 4096, 20_000, 1
SIZE = "160x48"


def image() -> Path: return common.DATA_DIR / "labimg.zarr"
def ids() -> Path: return common.DATA_DIR / "labids.zarr"
def marker() -> Path: return common.DATA_DIR / "labels.marker.json"


def ensure_data(regenerate: bool) -> dict:
    want = {"generator": GENERATOR, "n": N, "objects": OBJECTS}
    try:
        m = json.loads(marker().read_text())
        if all(m.get(k) == v for k, v in want.items()) and image().is_dir() and ids().is_dir() and not regenerate:
            return m
    except (OSError, ValueError):
        pass
    import numcodecs
    import scipy.ndimage as ndi
    import zarr
    t0 = time.perf_counter()
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    marker().unlink(missing_ok=True)
    for p in (image(), ids()):
        shutil.rmtree(p, ignore_errors=True)
    log(f"generating a {N}² image and a label image of about {OBJECTS} objects ...")
    rng = np.random.default_rng(3)
    noise = ndi.gaussian_filter(rng.random((N // 4, N // 4)).astype(np.float32), 2)
    noise = np.kron(noise, np.ones((4, 4), np.float32))
    cell = int(N / np.sqrt(OBJECTS / 0.6))   # about 60 % of the grid cells hold an object
    yy, xx = np.mgrid[:N, :N]
    grid = (yy // cell) * (N // cell + 1) + (xx // cell) + 1
    inside = noise > np.percentile(noise, 40)
    labels = np.where(inside, grid, 0).astype(np.uint32)
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.reshape(N, N).astype(np.uint32)
    img = ((noise - noise.min()) / np.ptp(noise) * 3000 + rng.integers(0, 200, (N, N))).astype(np.uint16)
    comp = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
    zarr.create_array(str(image()), data=img, chunks=(512, 512), zarr_format=2, compressors=comp)
    zarr.create_array(str(ids()), data=labels, chunks=(512, 512), zarr_format=2, compressors=comp)
    m = want | {"objects_written": int(labels.max()), "seconds": round(time.perf_counter() - t0, 1)}
    marker().write_text(json.dumps(m) + "\n")
    return m


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    import zarr
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    m = ensure_data(regenerate)
    for p in (image(), ids()):
        common.warm_files(p)
    info = common.machine_info(["numpy", "zarr"])
    info["vstack"] = common.vstack_version()
    runs = []
    for _ in range(reps):
        out, _ = common.run_vstack_json(["bench", "labels", str(image()), "--labels", str(ids()), "--size", SIZE])
        runs.append(out["cases"])
    cases = {}
    for case in runs[0]:
        same = [next(c for c in r if c["zoom"] == case["zoom"]) for r in runs]
        cases[case["zoom"]] = {k: float(np.median([c[k] for c in same])) for k in case if k != "zoom"}
    # (c) NumPy: the fit view's ids by nearest sampling and a table lookup (the whole plane in memory first).
    plane = zarr.open_array(str(ids()), mode="r")[...]
    table = np.random.default_rng(0).integers(0, 256, (256, 3), dtype=np.uint8)
    h, w = 2 * 46, 160
    times = []
    for _ in range(max(5, reps)):
        with Stopwatch() as sw:
            sub = plane[np.arange(h) * N // h][:, np.arange(w) * N // w]
            table[(sub.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) >> np.uint64(56)).astype(np.int64)]
        times.append(sw.sample.seconds)
    numpy_ms = float(np.median(times)) * 1e3
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "datasets": m, "cases": cases, "numpy_nearest_ms": numpy_ms,
               "failed": []}
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    return _markdown(cases, numpy_ms, info, reps), payload


def _markdown(cases, numpy_ms, info, reps) -> str:
    md = [f"## labels: a {N}² uint32 label image of about {OBJECTS} objects over a {N}² image", "",
          common.machine_markdown(info), f"- vstack {info['vstack']}; frame {SIZE} cells; every chunk resident; median of {reps} runs of 15 frames", ""]
    rows = []
    for zoom, c in cases.items():
        rows.append([zoom, fmt(c["plain_ms"], 2), fmt(c["labels_ms"], 2), fmt(c["labels_ms"] / c["plain_ms"], 2) + "×",
                     str(int(c["plain_bytes_256"])), str(int(c["labels_bytes_256"]))])
    md.append(common.markdown_table(["view", "frame ms", "with labels ms", "ratio", "bytes (256 colours)", "with labels"], rows))
    md.append("")
    md.append(f"(c) NumPy nearest sampling + colour lookup of the fit view's ids: {fmt(numpy_ms, 2)} ms "
              "(the whole plane already in memory; vstack's fit frame takes the most frequent id of each block over every s-th pixel).")
    return "\n".join(md) + "\n"
