"""remote: first frame and scrubbing over HTTP through a 50 ms latency proxy, vstack vs tensorstore vs zarr-python.

Datasets (generated once into .bench/data), served by nginx on a free loopback port behind
servers.LatencyProxy (every request waits 50 ms, as from a distant object store):
  remote-tiles.zarr    (32, 2048, 2048) uint16 (z, y, x), Zarr v2, chunks (1, 512, 512), blosc lz4
                       bitshuffle: a fit view needs the whole plane (16 chunks)
  remote-pyr.ome.zarr  8192² uint16 OME-Zarr 0.4 (ome-zarr-py write_multiscale), 7 block-mean levels
                       down to 128², 512² chunks: a fit view needs one coarse level

(a) time to the first complete frame of a fit view (160×48 cells), each reader a fresh process:
    `vstack render URL --size 160x48 -o frame.txt --stats`; tensorstore (`http` kvstore) and
    zarr-python (fsspec HTTP) open the same array (the level vstack draws, as napari would
    after choosing it) and read the same plane. Ratios are to the fastest peer.
(b) `vstack bench scrub URL --axis z --rate 10 --steps 30` on remote-tiles (if it takes a URL),
    frames on time; the peers read each plane synchronously when it is due (no prefetch).
(c) requests and bytes per frame from vstack's `--stats` "remote" object.
(d) peak RSS of each process (vstack: --stats peak_rss_bytes; peers: their own ru_maxrss).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, fmt, log

sys.path.insert(0, str(common.ROOT / "tests" / "python"))
import servers  # noqa: E402

NAME = "remote"
DESCRIPTION = "first frame and scrubbing over HTTP behind a 50 ms latency proxy: vstack vs tensorstore vs zarr-python"
DEFAULT_REPS = 3
GENERATOR = 1
TILES = (32, 2048, 2048)
TILE_CHUNKS = (1, 512, 512)
PYR_N, PYR_LEVELS = 8192, 7
DELAY = 0.05
SIZE = "160x48"
AT_Z = TILES[0] // 2
SCRUB_RATE, SCRUB_STEPS = 10.0, 30
TIMEOUT = 300


def tiles() -> Path: return common.DATA_DIR / "remote-tiles.zarr"
def pyr() -> Path: return common.DATA_DIR / "remote-pyr.ome.zarr"
def marker() -> Path: return common.DATA_DIR / "remote.marker.json"


def _content(z: int, y0: int, y1: int, n: int) -> np.ndarray:
    """Rings, ramps and a fine texture (compressible, not constant), different per z."""
    y = np.arange(y0, y1, dtype=np.int64)[:, None]
    x = np.arange(n, dtype=np.int64)[None, :]
    rings = ((((y - n // 2) ** 2 + (x - n // 3 - 7 * z) ** 2) >> 12) % 997)
    return (rings * 13 + ((x * 7 + y * 11 + z * 5) & 255) + (y >> 6) % 300).astype(np.uint16)


def ensure_data(regenerate: bool) -> dict:
    want = {"generator": GENERATOR, "tiles": list(TILES), "tile_chunks": list(TILE_CHUNKS), "pyr": PYR_N,
            "levels": PYR_LEVELS}
    try:
        m = json.loads(marker().read_text())
        if all(m.get(k) == v for k, v in want.items()) and tiles().is_dir() and pyr().is_dir() and not regenerate:
            return m
    except (OSError, ValueError):
        pass
    import numcodecs
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.io import parse_url
    from ome_zarr.writer import write_multiscale
    t0 = time.perf_counter()
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    marker().unlink(missing_ok=True)
    for p in (tiles(), pyr()):
        shutil.rmtree(p, ignore_errors=True)
    log(f"generating {TILES} uint16 tiles and a {PYR_N}² pyramid ...")
    a = zarr.create_array(str(tiles()), shape=TILES, chunks=TILE_CHUNKS, dtype="uint16", zarr_format=2,
                          compressors=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.BITSHUFFLE),
                          fill_value=0)
    for z in range(TILES[0]):
        a[z] = _content(z, 0, TILES[1], TILES[2])
    level0 = _content(0, 0, PYR_N, PYR_N)
    levels = [level0]
    for _ in range(PYR_LEVELS - 1):
        f = levels[-1].astype(np.float32)
        levels.append(((f[0::2, 0::2] + f[1::2, 0::2] + f[0::2, 1::2] + f[1::2, 1::2]) / 4).round().astype(np.uint16))
    group = zarr.group(store=parse_url(str(pyr()), mode="w", fmt=FormatV04()).store, zarr_format=2)
    transforms = [[{"type": "scale", "scale": [0.5 * 2 ** i] * 2}] for i in range(PYR_LEVELS)]
    write_multiscale(levels, group, axes=[{"name": "y", "type": "space", "unit": "micrometer"},
                                          {"name": "x", "type": "space", "unit": "micrometer"}],
                     coordinate_transformations=transforms, fmt=FormatV04(), storage_options={"chunks": (512, 512)})
    m = want | {"seconds": round(time.perf_counter() - t0, 1)}
    marker().write_text(json.dumps(m) + "\n")
    return m


def pyr_level_paths() -> list[str]:
    attrs = json.loads((pyr() / ".zattrs").read_text())
    return [d["path"] for d in attrs["multiscales"][0]["datasets"]]


def fit_level() -> int:
    """napari's rule for a fit view of SIZE half-block cells: the coarsest level whose pixel is no
    larger than a screen pixel (used when vstack cannot tell us the level it drew)."""
    cols, rows = map(int, SIZE.split("x"))
    per_screen_px = max(PYR_N / (rows * 2), PYR_N / cols)
    return max(0, min(PYR_LEVELS - 1, int(math.floor(math.log2(per_screen_px)))))


# ---------------------------------------------------------------- peers, each a fresh process

PEER = r"""
import json, sys, time
t0 = time.perf_counter()
lib, url, group, z = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
import numpy as np
if lib == "tensorstore":
    import tensorstore as ts
    t = ts.open({"driver": "zarr", "kvstore": {"driver": "http", "base_url": url}}, read=True,
                context=ts.Context()).result()
    plane = (t[int(z)] if z != "-" else t).read().result()
else:
    import zarr
    if group != "-":
        zarr.open_group(group, mode="r").attrs.asdict()       # what a viewer reads first
    a = zarr.open_array(url, mode="r")
    plane = a[int(z)] if z != "-" else a[...]
ms = (time.perf_counter() - t0) * 1e3
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent process
hwm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"ms": ms, "rss": hwm,
                  "shape": list(plane.shape), "sum": int(np.asarray(plane, dtype=np.uint64).sum())}))
"""


def run_peer(lib: str, url: str, group: str | None, z: int | None) -> tuple[dict, float]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", PEER, lib, url, group or "-", "-" if z is None else str(z)],
                       capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if r.returncode:
        raise RuntimeError(f"{lib} {url}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
    return json.loads(r.stdout.strip().splitlines()[-1]), wall


def vstack_stats(stderr: str) -> dict:
    for line in reversed(stderr.strip().splitlines()):
        try:
            s = json.loads(line)
        except ValueError:
            continue
        if isinstance(s, dict):
            return s
    return {}


def remote_value(remote: dict | None, camel: str, snake: str):
    """A --stats "remote" field by its contract name (camelCase), or the snake_case spelling."""
    if not remote:
        return None
    return remote.get(camel, remote.get(snake))


def logged(nginx: servers.Nginx, mark: int) -> dict:
    """Requests and body bytes nginx served since `mark` (what a reader cost, whoever it is)."""
    log = nginx.access_log_since(mark)
    return {"requests": len(log), "bytes": sum(e.bytes for e in log), "ranges": sum(1 for e in log if e.range),
            "methods": sorted({e.method for e in log})}


def readers(state: dict, proxy: str, nginx: servers.Nginx) -> dict[str, common.Reader]:
    frame = common.BENCH_DIR / "remote-frame.txt"
    sources = {
        "tiles": dict(url=f"{proxy}/{tiles().name}", at=["--at", f"z={AT_Z}"], peer_url=f"{proxy}/{tiles().name}",
                      group=None, z=AT_Z,
                      want=(TILES[1], TILES[2])),
    }
    level = state["level"]
    lp = pyr_level_paths()[level]
    sources["pyramid"] = dict(url=f"{proxy}/{pyr().name}", at=[], peer_url=f"{proxy}/{pyr().name}/{lp}",
                              group=f"{proxy}/{pyr().name}", z=None, want=(PYR_N >> level,) * 2)
    out: dict[str, common.Reader] = {}
    for name, s in sources.items():
        def vstack(name=name, s=s):
            mark = nginx.log_mark()
            t0 = time.perf_counter()
            r = subprocess.run([str(common.vstack_bin()), "render", s["url"], *s["at"], "--size", SIZE, "--stats",
                                "-o", str(frame)], capture_output=True, text=True, timeout=TIMEOUT,
                               stdin=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            if r.returncode:
                raise RuntimeError(f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
            stats = vstack_stats(r.stderr)
            state.setdefault(f"vstack {name}", []).append({"rss": stats.get("peak_rss_bytes"),
                                                          "remote": stats.get("remote"), "nginx": logged(nginx, mark)})
            return {f"(a) {name}: vstack render (whole process)": Sample(wall)}

        def peer(lib, name=name, s=s):
            def read():
                mark = nginx.log_mark()
                got, wall = run_peer(lib, s["peer_url"], s["group"] if lib == "zarr-python" else None, s["z"])
                assert tuple(got["shape"]) == s["want"], (got["shape"], s["want"])
                ref = state["sums"][name]
                assert got["sum"] == ref, f"{lib} read a different plane (sum {got['sum']} != {ref})"
                state.setdefault(f"{lib} {name}", []).append({"rss": got["rss"], "in_process_ms": got["ms"],
                                                             "nginx": logged(nginx, mark)})
                return {f"(a) {name}: {lib} open + plane (whole process)": Sample(wall)}
            return read
        out[f"vstack {name}"] = vstack
        out[f"tensorstore {name}"] = peer("tensorstore")
        out[f"zarr-python {name}"] = peer("zarr-python")
    return out


# ---------------------------------------------------------------- (b) scrubbing

def vstack_scrub(proxy: str) -> dict:
    args = [str(common.vstack_bin()), "bench", "scrub", f"{proxy}/{tiles().name}", "--axis", "z", "--at", "z=0",
            "--rate", str(SCRUB_RATE), "--steps", str(SCRUB_STEPS), "--size", SIZE, "--json", "--stats"]
    t0 = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if r.returncode:
        raise RuntimeError(f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
    out = json.loads(r.stdout)
    return out | {"wall_s": time.perf_counter() - t0, "remote": vstack_stats(r.stderr).get("remote")}


def peer_scrub(read_plane) -> dict:
    """A viewer without prefetch: each plane read when it is due; on time = complete within one period."""
    period = 1.0 / SCRUB_RATE
    latencies, on_time = [], 0
    t0 = time.perf_counter()
    for i in range(SCRUB_STEPS):
        due = t0 + i * period
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        read_plane(min(i, TILES[0] - 1))
        latency = time.perf_counter() - due
        latencies.append(latency)
        if i >= 5 and latency <= period:
            on_time += 1
    s = sorted(latencies)
    return {"frames": SCRUB_STEPS, "on_time_fraction": on_time / max(1, SCRUB_STEPS - 5),
            "p50_ms": s[len(s) // 2] * 1e3, "p99_ms": s[min(len(s) - 1, round((len(s) - 1) * 0.99))] * 1e3}


def scrub_runs(proxy: str) -> dict:
    import tensorstore as ts
    import zarr
    u = f"{proxy}/{tiles().name}"

    def tensorstore():
        a = ts.open({"driver": "zarr", "kvstore": {"driver": "http", "base_url": u}, "recheck_cached_data": False},
                    context=ts.Context({"cache_pool": {"total_bytes_limit": 1 << 30}})).result()
        return peer_scrub(lambda z: a[z].read().result())

    def zarr_python():
        a = zarr.open_array(u, mode="r")
        return peer_scrub(lambda z: a[z])
    return {"vstack bench scrub": lambda: vstack_scrub(proxy), "tensorstore (1 GiB cache)": tensorstore,
            "zarr-python": zarr_python}


# ---------------------------------------------------------------- run

def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        log(f"{common.vstack_bin()} not found (swift build -c release --product vstack): the vstack rows will fail")
    m = ensure_data(regenerate)
    for p in (tiles(), pyr()):
        common.warm_files(p)
    info = common.machine_info(["numpy", "zarr", "tensorstore", "fsspec", "aiohttp", "ome-zarr"])
    info["vstack"] = common.vstack_version()
    info["nginx"] = subprocess.run([servers.NGINX, "-v"], capture_output=True, text=True).stderr.strip()
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "datasets": m, "delay_s": DELAY, "results": {}}
    with servers.Nginx(common.DATA_DIR) as nginx, servers.LatencyProxy(nginx.url, delay=DELAY) as proxy:
        state = {"level": None, "level_source": None, "sums": {}}
        try:
            out, _ = common.run_vstack_json(["bench", "plane", f"{proxy.url}/{pyr().name}", "--size", SIZE])
            state["level"], state["level_source"] = out["level"], "vstack bench plane"
        except Exception as e:  # noqa: BLE001 - vstack without URL support: napari's rule instead
            state["level"], state["level_source"] = fit_level(), f"napari's rule (vstack bench plane: {str(e)[:120]})"
        import zarr
        state["sums"] = {"tiles": int(zarr.open_array(str(tiles()), mode="r")[AT_Z].astype(np.uint64).sum()),
                         "pyramid": int(zarr.open_array(str(pyr() / pyr_level_paths()[state["level"]]),
                                                        mode="r")[...].astype(np.uint64).sum())}
        log(f"[first frame] level {state['level']} of the pyramid ({state['level_source']})")
        first = common.repeat(readers(state, proxy.url, nginx), reps)
        log("[scrub]")
        scrubs, errors = {}, {}
        for rep in range(reps):
            for name, go in scrub_runs(proxy.url).items():
                if name in errors:
                    continue
                log(f"  rep {rep + 1}/{reps}: {name} ...")
                try:
                    mark = nginx.log_mark()
                    r = go() | {"nginx": logged(nginx, mark)}
                except Exception as e:  # noqa: BLE001 - reported in the table
                    errors[name] = f"{type(e).__name__}: {e}".replace("\n", " ")[:300]
                    log(f"    failed: {errors[name]}")
                    continue
                log(f"    on time {r['on_time_fraction']:.2f}, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
                scrubs.setdefault(name, []).append(r)
        methods = {e.method for e in nginx.access_log()}
    payload["state"] = state
    payload["results"] = {"first_frame": {k: s.to_json() for k, s in first.items()}, "scrub": scrubs,
                          "scrub_errors": errors}
    payload["methods_seen_by_nginx"] = sorted(methods)
    payload["failed"] = sorted([k for k, s in first.items() if s.error] + list(errors))
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    return _markdown(first, state, scrubs, errors, info, reps), payload


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _mib(x):
    return "–" if x is None else f"{x / 2**20:.0f}"


def _markdown(first, state, scrubs, errors, info, reps) -> str:
    md = [f"## remote: over HTTP through a {DELAY * 1e3:.0f} ms latency proxy (nginx on loopback)", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']}; {info['nginx']}; frame {SIZE} cells; median of {reps}, round-robin",
          f"- tiles: {'×'.join(map(str, TILES))} uint16, chunks {'×'.join(map(str, TILE_CHUNKS))}, plane z={AT_Z}; "
          f"pyramid: {PYR_N}² uint16, {PYR_LEVELS} levels, 512² chunks, level {state['level']} drawn "
          f"({state['level_source']})", "",
          "### (a) first complete frame, whole process; (c) requests and bytes per frame; (d) peak RSS", ""]
    rows = []
    for ds in ("tiles", "pyramid"):
        labels = [f"(a) {ds}: vstack render (whole process)", f"(a) {ds}: tensorstore open + plane (whole process)",
                  f"(a) {ds}: zarr-python open + plane (whole process)"]
        peers = [first.get(l) for l in labels[1:]]
        best = min((s.median for s in peers if s and s.median), default=None)
        for label, who in zip(labels, ("vstack", "tensorstore", "zarr-python")):
            s = first.get(label) or first.get(f"{who} {ds}")
            runs = state.get(f"{who} {ds}", [])
            req = _med([r["nginx"]["requests"] for r in runs if "nginx" in r])
            by = _med([r["nginx"]["bytes"] for r in runs if "nginx" in r])
            own = _med([remote_value(r.get("remote"), "requests", "requests") for r in runs])
            rss = _med([r.get("rss") for r in runs])
            if s is None or s.median is None:
                rows.append([f"{ds}: {who}", "failed", "", "", "", "", _mib(rss), (s.error if s else "")[:90]])
                continue
            rows.append([f"{ds}: {who}", fmt(s.median * 1e3, 0), fmt(s.median / best, 2) + "×" if best else "",
                         "–" if req is None else f"{req:.0f}", "–" if own is None else f"{own:.0f}",
                         "–" if by is None else f"{by / 1e3:.0f}", _mib(rss), ""])
    md += [common.markdown_table(["", "ms", "÷ best peer", "requests (nginx)", "requests (--stats)", "kB served",
                                  "peak RSS MiB", "note"], rows, "lrrrrrrl"), ""]
    md += [f"### (b) scrubbing z of tiles from z=0, {SCRUB_STEPS} frames at {SCRUB_RATE:g}/s", "",
           "on time after the first 5 frames (vstack: every chunk resident when the frame is due; peers: "
           "the plane complete within one period)", ""]
    rows = []
    for name, results in scrubs.items():
        req = _med([r["nginx"]["requests"] for r in results])
        by = _med([r["nginx"]["bytes"] for r in results])
        rows.append([name, fmt(_med([r["on_time_fraction"] for r in results]) * 100, 0) + " %",
                     fmt(_med([r["p50_ms"] for r in results]), 0), fmt(_med([r["p99_ms"] for r in results]), 0),
                     "–" if req is None else f"{req / SCRUB_STEPS:.1f}",
                     "–" if by is None else f"{by / SCRUB_STEPS / 1e3:.0f}",
                     _mib(_med([r.get("peak_rss_bytes") for r in results])), ""])
    for name, e in errors.items():
        rows.append([name, "failed", "", "", "", "", "", e[:90]])
    md += ["requests and bytes per frame counted in nginx's access log; vstack's own --stats count is in the JSON", ""]
    md += [common.markdown_table(["run", "on time", "p50 ms", "p99 ms", "requests/frame", "kB/frame", "peak RSS MiB",
                                  "note"], rows, "lrrrrrrl"), ""]
    return "\n".join(md)
