"""scrub: time to first frame and scrubbing z at a fixed rate, through vstack's chunk cache.

Datasets (generated once into .bench/data, same content, Zarr v2, blosc zstd-5 bitshuffle,
the seed post's setting): shape (2, 3, 201, 1024, 768) uint16 (t, c, z, y, x) = 1.9 GB,
  stacks   chunks (1, 1, 201, 1024, 768): one chunk per volume, 316 MB decoded each
  tiles    chunks (1, 1, 16, 256, 256): 2 MiB each
Content as in the decode benchmark: Gaussian "cells" on a background with shot and read noise.

(a) first frame: open the array and produce the plane t=0, c=1, z=100 from a cold process
    cache (warm page cache for everyone). vstack: `vstack bench plane` (in-process time to a
    rendered frame, and the whole process); zarr-python: open_array + a[0, 1, 100];
    tensorstore: ts.open (fresh context) + read of the same plane.
(b) `vstack bench scrub PATH --axis z --rate 30 --steps 150 --cache 1GiB` from z=0 upwards;
    a frame is on time when every chunk it needs is resident when its time comes. Peers
    (no prefetch: napari's model) read each plane synchronously when it is due; for them a
    frame is on time when it is complete within one period (a weaker requirement).
(c) `demo:?latency=50ms` (every chunk read sleeps 50 ms first) at 10 steps/s.
(d) peak RSS scrubbing `tiles` (1.9 GB, 20x the budget) with --cache 96MiB.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Stopwatch, fmt, log

NAME = "scrub"
DESCRIPTION = "first frame and z scrubbing through the chunk cache: vstack vs zarr-python vs tensorstore"
DEFAULT_REPS = 3

SHAPE = (2, 3, 201, 1024, 768)
LAYOUTS = {"stacks": (1, 1, 201, 1024, 768), "tiles": (1, 1, 16, 256, 256)}
DTYPE = np.dtype("<u2")
SEED = 20261122
GENERATOR = 1
AT = (0, 1, 100)                     # t, c, z of the first-frame plane
RATE, STEPS = 30.0, 150
SLOW = ("demo:?latency=50ms", 10.0, 100)
SMALL_CACHE = "96MiB"


def path(layout: str) -> Path:
    return common.DATA_DIR / f"scrub-{layout}.zarr"


def _marker(layout: str) -> Path:
    return common.DATA_DIR / f"scrub-{layout}.marker.json"


def _want(layout: str) -> dict:
    return {"generator": GENERATOR, "shape": list(SHAPE), "chunks": list(LAYOUTS[layout]), "seed": SEED,
            "codec": "blosc zstd 5 bitshuffle"}


def _ok(layout: str) -> dict | None:
    try:
        m = json.loads(_marker(layout).read_text())
    except (OSError, ValueError):
        return None
    return m if all(m.get(k) == v for k, v in _want(layout).items()) and path(layout).is_dir() else None


def ensure_data(regenerate: bool = False) -> dict:
    import numcodecs
    import zarr
    import decode                                     # the decode benchmark's content generator
    todo = [l for l in LAYOUTS if regenerate or _ok(l) is None]
    if todo:
        common.DATA_DIR.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        log(f"generating scrub datasets {todo}: shape {SHAPE} uint16, {math.prod(SHAPE) * 2 / 1e9:.2f} GB each ...")
        arrays = {}
        for l in todo:
            _marker(l).unlink(missing_ok=True)
            tmp = path(l).with_suffix(".zarr.tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            comp = numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE)
            arrays[l] = (tmp, zarr.create_array(str(tmp), shape=SHAPE, chunks=LAYOUTS[l], dtype=DTYPE, zarr_format=2,
                                                compressors=comp, filters=None, fill_value=0))
        rng = np.random.default_rng(SEED)
        T, C, Z, Y, X = SHAPE
        for t, c, volume in decode.stacks(rng, T, C, Z, DTYPE):
            for _, a in arrays.values():
                a[t, c] = volume                                # whole chunks: no read-modify-write
            log(f"  t={t} c={c} ({time.perf_counter() - t0:.0f} s)")
        for l, (tmp, _) in arrays.items():
            shutil.rmtree(path(l), ignore_errors=True)
            tmp.rename(path(l))
            _marker(l).write_text(json.dumps(_want(l) | {"seconds": round(time.perf_counter() - t0, 1)}) + "\n")
    return {l: _ok(l) for l in LAYOUTS}


# ---------------------------------------------------------------- (a) first frame

def _at() -> str:
    return f"t={AT[0]},c={AT[1]},z={AT[2]}"


def first_frame_readers(reference: dict[str, np.ndarray]) -> dict[str, common.Reader]:
    import tensorstore as ts
    import zarr

    def vstack(layout: str):
        def read() -> dict[str, Sample]:
            out, wall = common.run_vstack_json(["bench", "plane", str(path(layout)), "--at", _at()])
            return {f"vstack {layout} (in process)": Sample(out["first_frame_ms"] / 1e3),
                    f"vstack {layout} (whole process)": Sample(wall)}
        return read

    def zarr_python(layout: str):
        def read() -> dict[str, Sample]:
            with Stopwatch() as sw:
                plane = zarr.open_array(str(path(layout)), mode="r")[AT]
            _same(plane, reference, "zarr-python")
            return {f"zarr-python {layout}": sw.sample}
        return read

    def tensorstore(layout: str):
        def read() -> dict[str, Sample]:
            with Stopwatch() as sw:
                store = ts.open({"driver": "zarr", "kvstore": {"driver": "file", "path": str(path(layout))}},
                                context=ts.Context()).result()
                plane = store[AT].read().result()
            _same(plane, reference, "tensorstore")
            return {f"tensorstore {layout}": sw.sample}
        return read

    readers = {}
    for layout in LAYOUTS:
        readers |= {f"vstack {layout}": vstack(layout), f"zarr-python {layout}": zarr_python(layout),
                    f"tensorstore {layout}": tensorstore(layout)}
    return readers


def _same(plane: np.ndarray, reference: dict[str, np.ndarray], who: str) -> None:
    if "plane" not in reference:
        reference["plane"] = np.asarray(plane)
    elif not np.array_equal(reference["plane"], plane):
        raise RuntimeError(f"{who}: plane differs from the first reader's")


# ---------------------------------------------------------------- (b)-(d) scrubbing

def vstack_scrub(source: str, rate: float, steps: int, cache: str, extra: list[str] = ()) -> dict:
    at = ["--at", f"t={AT[0]},c={AT[1]},z=0"] if not source.startswith("demo:") else ["--at", "c=1,t=0,z=0"]
    out, wall = common.run_vstack_json(["bench", "scrub", source, "--axis", "z", "--rate", str(rate), "--steps", str(steps),
                         "--cache", cache, *at, *extra])
    return out | {"wall_s": wall}


PEER_SECONDS = 20.0   # a peer that cannot keep up is stopped after this long


def peer_scrub(read_plane, rate: float, steps: int) -> dict:
    """A viewer without prefetch: each plane is read when it is due. Stops after
    PEER_SECONDS (zarr-python decodes a whole 316 MB chunk for every plane)."""
    period = 1.0 / rate
    latencies, on_time = [], 0
    t0 = time.perf_counter()
    for i in range(steps):
        if time.perf_counter() - t0 > PEER_SECONDS and i > 5:
            steps = i
            break
        due = t0 + i * period
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        read_plane(min(i, SHAPE[2] - 1))
        latency = time.perf_counter() - due
        latencies.append(latency)
        if i >= 5 and latency <= period:
            on_time += 1
    s = sorted(latencies)
    return {"frames": steps, "on_time_fraction": on_time / max(1, steps - 5),
            "p50_ms": s[len(s) // 2] * 1e3, "p99_ms": s[min(len(s) - 1, round((len(s) - 1) * 0.99))] * 1e3}


def peers(layout: str) -> dict[str, callable]:
    import tensorstore as ts
    import zarr

    def zarr_python():
        a = zarr.open_array(str(path(layout)), mode="r")
        return peer_scrub(lambda z: a[AT[0], AT[1], z], RATE, STEPS)

    def tensorstore():
        ctx = ts.Context({"cache_pool": {"total_bytes_limit": 1 << 30}})
        a = ts.open({"driver": "zarr", "kvstore": {"driver": "file", "path": str(path(layout))},
                     "recheck_cached_data": False}, context=ctx).result()
        return peer_scrub(lambda z: a[AT[0], AT[1], z].read().result(), RATE, STEPS)
    return {f"zarr-python {layout}": zarr_python, f"tensorstore {layout} (1 GiB cache)": tensorstore}


def scrub_runs() -> dict[str, callable]:
    runs = {}
    for layout in LAYOUTS:
        runs[f"vstack {layout}"] = lambda l=layout: vstack_scrub(str(path(l)), RATE, STEPS, "1GiB")
        runs[f"vstack {layout}, no prefetch"] = lambda l=layout: vstack_scrub(str(path(l)), RATE, STEPS, "1GiB", ["--no-prefetch"])
        runs |= peers(layout)
    src, rate, steps = SLOW
    runs["vstack demo:?latency=50ms"] = lambda: vstack_scrub(src, rate, steps, "1GiB")
    runs["vstack demo:?latency=50ms, no prefetch"] = lambda: vstack_scrub(src, rate, steps, "1GiB", ["--no-prefetch"])
    runs[f"vstack tiles, --cache {SMALL_CACHE}"] = lambda: vstack_scrub(str(path("tiles")), 60.0, 400, SMALL_CACHE)
    return runs


def _median(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else None


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    markers = ensure_data(regenerate)
    for layout in LAYOUTS:
        common.warm_files(path(layout))
    info = common.machine_info(["numpy", "zarr", "numcodecs", "tensorstore"])
    info["vstack"] = common.vstack_version()
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "datasets": markers, "results": {}}

    log("[first frame]")
    first = common.repeat(first_frame_readers({}), reps)
    payload["results"]["first_frame"] = {k: s.to_json() for k, s in first.items()}

    log("[scrub]")
    scrubs: dict[str, list[dict]] = {}
    errors: dict[str, str] = {}
    for rep in range(reps):
        for name, go in scrub_runs().items():
            if name in errors:
                continue
            log(f"  rep {rep + 1}/{reps}: {name} ...")
            try:
                r = go()
            except Exception as e:  # noqa: BLE001 - reported in the table
                errors[name] = f"{type(e).__name__}: {e}"[:300]
                log(f"    failed: {errors[name]}")
                continue
            log(f"    on time {r['on_time_fraction']:.2f}, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
            scrubs.setdefault(name, []).append(r)
    payload["results"]["scrub"] = scrubs
    payload["results"]["scrub_errors"] = errors
    payload["failed"] = sorted([k for k, s in first.items() if s.error] + list(errors))
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    return _markdown(first, scrubs, errors, info, reps), payload


def _markdown(first, scrubs, errors, info, reps) -> str:
    md = [f"## scrub: first frame and z scrubbing of a {'×'.join(map(str, SHAPE))} uint16 Zarr", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']}; load average at end {' / '.join(str(x) for x in info['loadavg_end'])}",
          "- datasets: `stacks` chunks (1,1,201,1024,768) = one 316 MB chunk per volume; `tiles` chunks "
          "(1,1,16,256,256); blosc zstd-5 bitshuffle, Zarr v2, warm page cache", ""]
    md += ["### (a) first frame: open + plane t=0, c=1, z=100 from a cold process cache", "",
           f"median (best) of {reps} repetitions, round-robin; ÷ = time ÷ the fastest peer on the same layout", ""]
    rows = []
    for layout in LAYOUTS:
        peers_ = [first.get(f"{p} {layout}") for p in ("zarr-python", "tensorstore")]
        best_peer = min((s.median for s in peers_ if s and s.median), default=None)
        for label in (f"vstack {layout} (in process)", f"vstack {layout} (whole process)",
                      f"zarr-python {layout}", f"tensorstore {layout}"):
            s = first.get(label)
            if s is None or s.median is None:
                rows.append([label, "failed", "", "", (s.error if s else "")[:80]])
                continue
            ratio = s.median / best_peer if best_peer else None
            rows.append([label, fmt(s.median * 1e3, 1), fmt(min(s.times) * 1e3, 1), fmt(ratio, 3), ""])
    md += [common.markdown_table(["row", "ms", "best ms", "÷ best peer", "note"], rows, "lrrrl"), ""]

    md += [f"### (b)–(d) scrubbing z from z=0 (t=0, c=1), {STEPS} frames at {RATE:g}/s unless noted", "",
           f"median of {reps} runs; on time after the first 5 frames; latency = request → frame complete "
           "(data assembled and rendered to 160×48 half blocks for vstack; plane in memory for peers)", ""]
    rows = []
    for name, results in scrubs.items():
        rss = _median(results, "peak_rss_bytes")
        rows.append([name, fmt(_median(results, "on_time_fraction") * 100, 1) + " %",
                     fmt(_median(results, "p50_ms"), 1), fmt(_median(results, "p99_ms"), 1),
                     f"{rss / 2**20:.0f}" if rss else "–",
                     str(int(_median(results, "prefetch_hits") or 0)) if "prefetch_hits" in results[0] else "–"])
    for name, e in errors.items():
        rows.append([name, "failed", "", "", "", e[:60]])
    md += [common.markdown_table(["run", "on time", "p50 ms", "p99 ms", "peak RSS MiB", "prefetch hits"], rows,
                                 "lrrrrr"), ""]
    return "\n".join(md)
