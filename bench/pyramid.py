"""pyramid: a 32768² OME-Zarr pyramid and the same plane without one; a plane of a whole-stack zstd chunk.

Datasets (generated once into .bench/data):
  pyr32k.ome.zarr  32768 × 32768 uint16 (2 GiB), written by ome-zarr-py's write_multiscale with 8
                   block-mean levels (2× each, down to 128²), 512² chunks, zstd
  flat32k.zarr     the same level-0 plane as a plain Zarr v2 array (zarr-python, 1024² chunks, blosc lz4)
  zstack.zarr      (201, 1024, 768) uint16 in one chunk (316 MB), zarr-python 3's default bytes + zstd

(a) first complete frame of a fit view (160×48 cells): vstack `bench plane` (in process) and
    `render` (whole process); the peers (no level choice of their own) open the image and read the
    level vstack chose, as napari would after compute_multiscale_level. Target ≤ 50 ms.
(b) `vstack bench zoom`: 8 steps in from fit (to about 1:1) and back, ms from the key to a
    frame with data everywhere (coarse-filled) and to the complete frame. Target: filled ≤ 33 ms.
(c) fit view of flat32k: `vstack render --cache 256MiB` (whole process, reduced chunk by chunk):
    time and peak RSS, against tensorstore reading the whole plane. Targets: RSS ≤ budget + 150 MB,
    time ≤ tensorstore's.
(d) z=100 of zstack: vstack `bench plane` (plane in memory, in process), zarr-python a[100],
    tensorstore a[100] (both decode the whole chunk).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Stopwatch, fmt, log

NAME = "pyramid"
DESCRIPTION = "OME-Zarr pyramid first frame and zoom, a 32768² plane without a pyramid, a plane of a zstd stack"
DEFAULT_REPS = 3
N, LEVELS, GENERATOR = 32768, 9, 1
STACK = (201, 1024, 768)
SIZE = "160x48"


def pyr() -> Path: return common.DATA_DIR / "pyr32k.ome.zarr"
def flat() -> Path: return common.DATA_DIR / "flat32k.zarr"
def zstack() -> Path: return common.DATA_DIR / "zstack.zarr"
def marker() -> Path: return common.DATA_DIR / "pyramid.marker.json"


def plane_rows(y0: int, y1: int) -> np.ndarray:
    """Rows y0..y1 of the plane: ramps, rings and a fine texture (compressible, not constant)."""
    y = np.arange(y0, y1, dtype=np.int64)[:, None]
    x = np.arange(N, dtype=np.int64)[None, :]
    rings = ((((y - N // 2) ** 2 + (x - N // 3) ** 2) >> 14) % 997)
    return (rings * 13 + ((x * 7 + y * 11) & 255) + (y >> 6) % 300).astype(np.uint16)


def ensure_data(regenerate: bool) -> dict:
    want = {"generator": GENERATOR, "n": N, "levels": LEVELS, "stack": list(STACK)}
    try:
        m = json.loads(marker().read_text())
        if all(m.get(k) == v for k, v in want.items()) and pyr().is_dir() and flat().is_dir() and zstack().is_dir() \
                and not regenerate:
            return m
    except (OSError, ValueError):
        pass
    import numcodecs
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.io import parse_url
    from ome_zarr.writer import write_multiscale
    from zarr.codecs import BytesCodec, ZstdCodec
    t0 = time.perf_counter()
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    marker().unlink(missing_ok=True)
    for p in (pyr(), flat(), zstack()):
        shutil.rmtree(p, ignore_errors=True)
    log(f"generating {N}² uint16 (2 GiB) as a pyramid and flat, and a {STACK} zstd stack ...")
    level0 = np.empty((N, N), np.uint16)
    for y in range(0, N, 2048):
        level0[y:y + 2048] = plane_rows(y, y + 2048)
    f = zarr.create_array(str(flat()), shape=(N, N), chunks=(1024, 1024), dtype="uint16", zarr_format=2,
                          compressors=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE))
    for y in range(0, N, 4096):
        f[y:y + 4096] = level0[y:y + 4096]
    levels = [level0]
    for _ in range(LEVELS - 1):
        a = levels[-1].astype(np.float32)
        levels.append(((a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) / 4).round().astype(np.uint16))
    group = zarr.group(store=parse_url(str(pyr()), mode="w", fmt=FormatV04()).store, zarr_format=2)
    transforms = [[{"type": "scale", "scale": [0.5 * 2 ** i] * 2}, {"type": "translation", "translation": [0.25 * (2 ** i - 1)] * 2}]
                  for i in range(LEVELS)]
    write_multiscale(levels, group, axes=[{"name": "y", "type": "space", "unit": "micrometer"},
                                          {"name": "x", "type": "space", "unit": "micrometer"}],
                     coordinate_transformations=transforms, fmt=FormatV04(), storage_options={"chunks": (512, 512)})
    del levels, level0
    rng = np.random.default_rng(5)
    z = zarr.create_array(str(zstack()), shape=STACK, chunks=STACK, dtype="uint16", zarr_format=3,
                          serializer=BytesCodec(), compressors=[ZstdCodec(level=3)])
    zz, yy, xx = np.ogrid[:STACK[0], :STACK[1], :STACK[2]]
    z[...] = ((zz * 3 + yy // 4 + xx // 3) % 2000 + rng.integers(0, 64, STACK)).astype(np.uint16)
    m = want | {"seconds": round(time.perf_counter() - t0, 1)}
    marker().write_text(json.dumps(m) + "\n")
    return m


def readers(state: dict) -> dict[str, common.Reader]:
    import tensorstore as ts
    import zarr
    tmp = common.BENCH_DIR / "pyramid-frame.txt"

    def vstack_fit():
        out, _ = common.run_vstack_json(["bench", "plane", str(pyr()), "--size", SIZE])
        state["level"] = out["level"]
        t0 = time.perf_counter()
        r = subprocess.run([str(common.vstack_bin()), "render", str(pyr()), "--size", SIZE, "-o", str(tmp)],
                                  capture_output=True, timeout=300)
        wall = time.perf_counter() - t0
        if r.returncode:
            raise RuntimeError(r.stderr.decode()[:200])
        return {"(a) vstack fit frame (in process)": Sample(out["first_frame_ms"] / 1e3),
                "(a) vstack fit frame (whole process)": Sample(wall)}

    def level_path():
        attrs = json.loads((pyr() / ".zattrs").read_text())
        return pyr() / attrs["multiscales"][0]["datasets"][state.get("level", LEVELS - 1)]["path"]

    def zarr_fit():
        with Stopwatch() as sw:
            zarr.open_group(str(pyr()), mode="r").attrs.asdict()
            zarr.open_array(str(level_path()), mode="r")[...]
        return {"(a) zarr-python: open + the same level's plane": sw.sample}

    def ts_fit():
        with Stopwatch() as sw:
            t = ts.open({"driver": "zarr", "kvstore": {"driver": "file", "path": str(level_path())}}, context=ts.Context()).result()
            t.read().result()
        return {"(a) tensorstore: open + the same level's plane": sw.sample}

    def vstack_flat():
        out = common.BENCH_DIR / "pyramid-flat.npy"
        t0 = time.perf_counter()
        r = subprocess.run([str(common.vstack_bin()), "render", str(flat()), "--size", SIZE, "--cache", "256MiB",
                                   "--stats", "-o", str(out)], capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t0
        if r.returncode:
            raise RuntimeError(r.stderr[:200])
        state["flat_rss"] = json.loads(r.stderr.strip().splitlines()[-1])["peak_rss_bytes"]
        return {"(c) vstack fit view of the flat plane (whole process, --cache 256MiB)": Sample(wall)}

    def ts_flat():
        with Stopwatch() as sw:
            t = ts.open({"driver": "zarr", "kvstore": {"driver": "file", "path": str(flat())}}, context=ts.Context()).result()
            t.read().result()
        return {"(c) tensorstore: the whole flat plane": sw.sample}

    def vstack_stack():
        out, wall = common.run_vstack_json(["bench", "plane", str(zstack()), "--at", "0=100"])
        state["stack_rss"] = out["peak_rss_bytes"]
        return {"(d) vstack plane of the zstd stack (in process)": Sample(out["plane_ms"] / 1e3),
                "(d) vstack first frame (whole process)": Sample(wall)}

    def zarr_stack():
        with Stopwatch() as sw:
            zarr.open_array(str(zstack()), mode="r")[100]
        return {"(d) zarr-python a[100]": sw.sample}

    def ts_stack():
        with Stopwatch() as sw:
            t = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(zstack())}}, context=ts.Context()).result()
            t[100].read().result()
        return {"(d) tensorstore a[100]": sw.sample}

    return {"vstack fit": vstack_fit, "zarr fit": zarr_fit, "ts fit": ts_fit, "vstack flat": vstack_flat,
            "ts flat": ts_flat, "vstack stack": vstack_stack, "zarr stack": zarr_stack, "ts stack": ts_stack}


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    m = ensure_data(regenerate)
    for p in (pyr(), flat(), zstack()):
        common.warm_files(p)
    info = common.machine_info(["numpy", "zarr", "tensorstore", "ome-zarr"])
    info["vstack"] = common.vstack_version()
    state: dict = {}
    results = common.repeat(readers(state), reps)
    zoom, _ = common.run_vstack_json(["bench", "zoom", str(pyr()), "--size", SIZE, "--steps", "8"])
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "datasets": m, "state": state, "zoom": zoom,
               "results": {k: s.to_json() for k, s in results.items()},
               "failed": sorted(k for k, s in results.items() if s.error)}
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    return _markdown(results, state, zoom, info, reps), payload


def _markdown(results, state, zoom, info, reps) -> str:
    md = [f"## pyramid: a {N}² OME-Zarr pyramid, the same plane flat, a plane of a zstd stack", "",
          common.machine_markdown(info), f"- vstack {info['vstack']}; frame {SIZE} cells; median of {reps}", ""]
    groups = {"(a)": "(a) vstack fit frame (in process)", "(c)": "(c) tensorstore: the whole flat plane",
              "(d)": "(d) tensorstore a[100]"}
    rows = []
    for label, s in results.items():
        part = label[:3]
        base = results.get(groups.get(part, ""))
        ratio = fmt(s.median / base.median, 2) + "×" if s.median and base and base.median else ""
        rows.append([label, fmt(s.median * 1e3 if s.median else None, 1), ratio])
    md.append(common.markdown_table(["", "ms", "÷ reference"], rows))
    md.append("")
    md.append(f"(a) level drawn: {state.get('level')}. (c) peak RSS {state.get('flat_rss', 0) >> 20} MiB with --cache 256MiB. "
              f"(d) peak RSS {state.get('stack_rss', 0) >> 20} MiB (the chunk is 316 MB).")
    md.append("")
    steps = zoom.get("steps", [])
    md.append(common.markdown_table(["(b) zoom step", "level", "filled ms", "complete ms"],
                                    [[s["zoom"], str(s["level"]), fmt(s["filled_ms"], 1), fmt(s["complete_ms"], 1)] for s in steps]))
    within = sum(1 for s in steps if s["filled_ms"] <= 33)
    md.append("")
    md.append(f"{within} of {len(steps)} zoom steps filled within 33 ms of the key.")
    return "\n".join(md) + "\n"
