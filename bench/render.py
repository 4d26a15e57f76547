"""render: draw a 1024×768 uint16 plane as 160×48 cells of half blocks, vstack vs chafa.

The plane is the synthetic dataset `demo:` at c=0, t=10, z=100 (nuclei-like blobs on a noisy
background). vstack renders it from two sources: `demo:` itself (generated in memory) and a
Zarr v2 copy on disk (`.bench/data/render-plane.zarr`, blosc zstd-5 bitshuffle, chunks
256×256), as a user would open it. chafa renders a PNG of the same picture: the plane mapped
to 8-bit gray with vstack's default auto contrast (0.5 and 99.5 percentiles → 0..255, the
gray colour map), at full resolution (chafa downsamples itself). Two colour depths:
truecolor (chafa `--colors full`) and 256 colours.

Rows, per colour depth (time per frame):
  vstack in-process       `vstack bench render SRC --size 160x48 --mode half --color D
                          --frames F --json`: the plane is read once, then rendered F times
                          (downsample + auto contrast + colour map + glyphs + ANSI); median
  vstack in-process, fixed --clim
                          the same with --clim set to the auto-contrast limits: diagnostic,
                          shows what the per-frame percentile computation costs
  vstack whole process    `vstack render SRC ... --no-header`: start, open, read, one frame,
                          exit; stdout captured (its bytes = bytes per frame)
  chafa whole process     `chafa --size 160x48 --symbols vhalf --colors full|256
                          --animate off --polite on plane.png`, and the same with
                          `--threads 1` (chafa uses every core by default; vstack renders on
                          one thread)
Every whole-process row runs RUNS times per repetition (stdin /dev/null, the same
environment: LANG=C.UTF-8, TERM=xterm-256color, no COLORTERM); a repetition's sample is the
median of those runs. The frames are parsed back into pixels to check that both tools show
the same picture (mean absolute gray difference against a box-filtered reference).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Series, Stopwatch, fmt, log

NAME = "render"
DESCRIPTION = "render a 1024×768 uint16 plane to 160×48 half blocks (truecolor, 256): vstack vs chafa"
DEFAULT_REPS = 5

AT = "c=0,t=10,z=100"
SIZE = "160x48"
FRAMES = 20          # frames per `vstack bench render` call (one call per repetition)
RUNS = 10            # process runs per repetition for the whole-process rows
SHAPE = (1024, 768)
CHUNKS = (256, 256)
PERCENTILES = (0.5, 99.5)
GENERATOR = 1        # bump when the way the Zarr / PNG are written changes
DEPTHS = (("truecolor", "full"), ("256", "256"))   # (vstack --color, chafa --colors)

PLANE_ZARR = common.DATA_DIR / "render-plane.zarr"
PLANE_PNG = common.DATA_DIR / "render-plane.png"
MARKER = common.DATA_DIR / "render-plane.marker.json"


def _env() -> dict[str, str]:
    """The one environment every process gets (vstack and chafa alike)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_CTYPE", "COLORTERM", "VSTACK_COLOR", "NO_COLOR")}
    env.update(LANG="C.UTF-8", TERM="xterm-256color")
    return env


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=_env())
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: "
                           f"{r.stderr.decode(errors='replace').strip()[:300]}")
    return r


# ---------------------------------------------------------------- data

def _export_plane() -> np.ndarray:
    """The plane as vstack itself produces it (`vstack export demo: --at ...`)."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "plane.npy"
        _run([str(common.vstack_bin()), "export", "demo:", "--at", AT, "-o", str(out)])
        a = np.load(out)
    if a.shape != SHAPE or a.dtype != np.uint16:
        raise RuntimeError(f"vstack export demo: gave {a.shape} {a.dtype}, expected {SHAPE} uint16")
    return a


def ensure_data(regenerate: bool = False) -> dict:
    """Exports the demo plane (fast) and rebuilds the Zarr copy and the PNG if the plane's
    checksum or the writing parameters changed. Returns the marker."""
    plane = _export_plane()
    lo, hi = (float(x) for x in np.percentile(plane, PERCENTILES))   # NumPy "linear" = vstack's
    want = {"generator": GENERATOR, "source": f"demo: --at {AT}", "shape": list(SHAPE),
            "chunks": list(CHUNKS), "dtype": "<u2", "sha256": hashlib.sha256(plane.tobytes()).hexdigest(),
            "codec": {"id": "blosc", "cname": "zstd", "clevel": 5, "shuffle": "bitshuffle"},
            "clim": [lo, hi]}
    try:
        marker = json.loads(MARKER.read_text())
    except (OSError, ValueError):
        marker = None
    if not regenerate and marker == want and PLANE_ZARR.is_dir() and PLANE_PNG.is_file():
        return marker
    import numcodecs
    import zarr
    from PIL import Image
    log(f"writing {PLANE_ZARR.name} and {PLANE_PNG.name} (clim {lo:g}..{hi:g}) ...")
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    MARKER.unlink(missing_ok=True)
    shutil.rmtree(PLANE_ZARR, ignore_errors=True)
    z = zarr.create_array(str(PLANE_ZARR), shape=SHAPE, chunks=CHUNKS, dtype="<u2", zarr_format=2,
                          compressors=numcodecs.Blosc(cname="zstd", clevel=5,
                                                      shuffle=numcodecs.Blosc.BITSHUFFLE),
                          filters=None, fill_value=0)
    z[...] = plane
    if not np.array_equal(zarr.open_array(str(PLANE_ZARR), mode="r")[...], plane):
        raise RuntimeError("the Zarr copy does not read back equal to the plane")
    gray = np.clip((plane.astype(np.float64) - lo) / (hi - lo), 0, 1) * 255
    Image.fromarray(np.rint(gray).astype(np.uint8), "L").save(PLANE_PNG)
    MARKER.write_text(json.dumps(want, indent=2) + "\n")
    return want


# ---------------------------------------------------------------- frames

_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|(\n)|(.)", re.S)


def _xterm256(n: int) -> tuple[int, int, int]:
    if n < 16:
        base = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
                (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
                (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        return base[n]
    if n < 232:
        lv = (0, 95, 135, 175, 215, 255)
        n -= 16
        return lv[n // 36], lv[n // 6 % 6], lv[n % 6]
    g = 8 + 10 * (n - 232)
    return g, g, g


def parse_frame(data: bytes) -> dict:
    """Cells, glyphs and escape sequences of one ANSI frame of half blocks, and its picture:
    a (2*rows, cols) array of gray levels (mean of R, G, B; default colours count as 0)."""
    text = data.decode("utf-8")
    fg = bg = None
    rows, row, glyphs, other_escapes = [], [], {}, set()
    for m in _TOKEN.finditer(text):
        params, final, newline, ch = m.groups()
        if final is not None:
            if final != "m":
                other_escapes.add(m.group(0).replace("\x1b", "ESC"))
                continue
            p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
            i = 0
            while i < len(p):
                c = p[i]
                if c == 0:
                    fg = bg = None
                elif c in (38, 48) and i + 1 < len(p) and p[i + 1] == 2:
                    rgb = tuple(p[i + 2:i + 5])
                    fg, bg = (rgb, bg) if c == 38 else (fg, rgb)
                    i += 4
                elif c in (38, 48) and i + 1 < len(p) and p[i + 1] == 5:
                    rgb = _xterm256(p[i + 2])
                    fg, bg = (rgb, bg) if c == 38 else (fg, rgb)
                    i += 2
                elif c == 39:
                    fg = None
                elif c == 49:
                    bg = None
                else:
                    other_escapes.add(f"SGR {c}")
                i += 1
        elif newline is not None:
            rows.append(row)
            row = []
        else:
            glyphs[ch] = glyphs.get(ch, 0) + 1
            f, b = (sum(fg) / 3 if fg else 0.0), (sum(bg) / 3 if bg else 0.0)
            top, bottom = {"▀": (f, b), "▄": (b, f), " ": (b, b), "█": (f, f)}.get(ch, (np.nan, np.nan))
            row.append((top, bottom))
    if row:
        rows.append(row)
    cols = {len(r) for r in rows}
    picture = None
    if len(cols) == 1:
        a = np.array(rows, dtype=np.float64)           # (rows, cols, 2)
        picture = a.transpose(0, 2, 1).reshape(2 * len(rows), -1)
    return {"rows": len(rows), "cols": max(cols) if cols else 0, "ragged": len(cols) > 1,
            "glyphs": glyphs, "other_escapes": sorted(other_escapes), "picture": picture}


def reference_picture(shape: tuple[int, int]) -> np.ndarray:
    """The gray PNG box-filtered to `shape` (pixel rows, columns): what both should show."""
    from PIL import Image
    img = Image.open(PLANE_PNG).resize((shape[1], shape[0]), Image.BOX)
    return np.asarray(img, dtype=np.float64)


# ---------------------------------------------------------------- readers

def inprocess_reader(label: str, source: list[str], color: str, extra: list[str], info: dict) -> common.Reader:
    """`vstack bench render ... --json` -> {"frames", "median_ms", "best_ms", "bytes_per_frame", ...}."""
    cmd = [str(common.vstack_bin()), "bench", "render", *source, "--size", SIZE, "--mode", "half",
           "--color", color, "--frames", str(FRAMES), *extra, "--json"]
    info["command"] = " ".join(cmd)

    def read() -> dict[str, Sample]:
        r = _run(cmd)
        out = json.loads(r.stdout.decode().strip().splitlines()[-1])
        if out["frames"] != FRAMES or out["mode"] != "half" or out["color"] != color:
            raise RuntimeError(f"unexpected output {out}")
        info.setdefault("outputs", []).append(out)
        info["bytes_per_frame"] = out["bytes_per_frame"]
        return {label: Sample(out["median_ms"] / 1e3)}
    return read


def process_reader(label: str, cmd: list[str], info: dict) -> common.Reader:
    """Runs `cmd` RUNS times; the sample is the median wall time (CPU: the mean per run).
    Checks that every run writes the same bytes; keeps the frame for `parse_frame`."""
    info["command"] = " ".join(cmd)

    def read() -> dict[str, Sample]:
        walls = []
        with Stopwatch() as total:
            for _ in range(RUNS):
                t0 = time.perf_counter()
                r = _run(cmd)
                walls.append(time.perf_counter() - t0)
                if "frame" not in info:
                    info["frame"] = r.stdout
                elif r.stdout != info["frame"]:
                    raise RuntimeError("the output differs between runs")
        info.setdefault("run_seconds", []).extend(walls)
        cpu = total.sample.cpu_seconds / RUNS if total.sample.cpu_seconds is not None else None
        return {label: Sample(statistics.median(walls), cpu)}
    return read


def spawn_overhead() -> float:
    """Median wall time of running /bin/true the same way (fork/exec/wait from Python)."""
    walls = []
    for _ in range(20):
        t0 = time.perf_counter()
        subprocess.run(["true"], stdin=subprocess.DEVNULL, capture_output=True, env=_env())
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def chafa_version() -> dict:
    try:
        r = subprocess.run(["chafa", "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return {"version": "unavailable"}
    lines = [x.strip() for x in r.stdout.splitlines() if x.strip()]
    return {"version": lines[0] if lines else "?",
            "features": next((x for x in lines if x.startswith("Applying:")), None),
            "path": shutil.which("chafa")}


# ---------------------------------------------------------------- run

VS_IN_DEMO = "vstack in-process (demo:)"
VS_IN_ZARR = "vstack in-process (Zarr)"
VS_IN_CLIM = "vstack in-process (Zarr, fixed --clim)"
VS_WP_DEMO = "vstack whole process (demo:)"
VS_WP_ZARR = "vstack whole process (Zarr)"
CHAFA = "chafa whole process"
CHAFA_1T = "chafa whole process (--threads 1)"
ROW_ORDER = [VS_IN_DEMO, VS_IN_ZARR, VS_IN_CLIM, VS_WP_DEMO, VS_WP_ZARR, CHAFA, CHAFA_1T]
WHOLE = [VS_WP_DEMO, VS_WP_ZARR, CHAFA, CHAFA_1T]
# in-process rows produce the same frame as this whole-process row (checked by bytes)
SAME_FRAME = {VS_IN_DEMO: VS_WP_DEMO, VS_IN_ZARR: VS_WP_ZARR, VS_IN_CLIM: VS_WP_ZARR}


def _readers(color: str, chafa_colors: str, clim: list[float], infos: dict) -> dict[str, common.Reader]:
    vs = str(common.vstack_bin())
    demo, zarr_ = ["demo:", "--at", AT], [str(PLANE_ZARR)]
    render = ["--size", SIZE, "--mode", "half", "--color", color, "--no-header"]
    chafa = ["chafa", "--size", SIZE, "--symbols", "vhalf", "--colors", chafa_colors,
             "--animate", "off", "--polite", "on"]
    clim_arg = ["--clim", f"{clim[0]:g},{clim[1]:g}"]
    for k in ROW_ORDER:
        infos[k] = {}
    return {
        VS_IN_DEMO: inprocess_reader(VS_IN_DEMO, demo, color, [], infos[VS_IN_DEMO]),
        VS_IN_ZARR: inprocess_reader(VS_IN_ZARR, zarr_, color, [], infos[VS_IN_ZARR]),
        VS_IN_CLIM: inprocess_reader(VS_IN_CLIM, zarr_, color, clim_arg, infos[VS_IN_CLIM]),
        VS_WP_DEMO: process_reader(VS_WP_DEMO, [vs, "render", *demo, *render], infos[VS_WP_DEMO]),
        VS_WP_ZARR: process_reader(VS_WP_ZARR, [vs, "render", *zarr_, *render], infos[VS_WP_ZARR]),
        CHAFA: process_reader(CHAFA, [*chafa, str(PLANE_PNG)], infos[CHAFA]),
        CHAFA_1T: process_reader(CHAFA_1T, [*chafa, "--threads", "1", str(PLANE_PNG)], infos[CHAFA_1T]),
    }


def _frames(infos: dict) -> dict[str, dict]:
    """Bytes, cells and picture check of every row's frame (in-process rows borrow the
    frame of their whole-process twin when the byte counts agree)."""
    parsed = {}
    for k in WHOLE:
        data = infos[k].get("frame")
        if data is None:
            continue
        f = parse_frame(data)
        f["bytes"] = len(data)
        if f["picture"] is not None:
            ref = reference_picture(f["picture"].shape)
            f["mad_vs_ref"] = float(np.nanmean(np.abs(f["picture"] - ref)))
        parsed[k] = f
    for k, twin in SAME_FRAME.items():
        b = infos[k].get("bytes_per_frame")
        if b is None:
            continue
        f = {"bytes": b}
        if twin in parsed:
            t = parsed[twin]
            f |= {"rows": t["rows"], "cols": t["cols"]}
            if b != t["bytes"]:
                f["note"] = f"{b} bytes in-process vs {t['bytes']} from `vstack render`"
        parsed[k] = f
    return parsed


def _rows(series: dict[str, Series], frames: dict[str, dict]) -> list[list[str]]:
    chafa = series.get(CHAFA)
    base = chafa.median if chafa else None
    chafa_bytes = frames.get(CHAFA, {}).get("bytes")
    rows = []
    for label in sorted(series, key=lambda k: ROW_ORDER.index(k) if k in ROW_ORDER else 99):
        s, f = series[label], frames.get(label, {})
        if s.median is None:
            rows.append([label] + ["–"] * 8 + [f"failed: {s.error}"])
            continue
        cells = f["rows"] * f["cols"] if f.get("rows") else None
        ratio = f"{s.median / base:.2f}×" if base and label in WHOLE else "–"
        brat = f"{f['bytes'] / chafa_bytes:.2f}×" if chafa_bytes and f.get("bytes") else "–"
        note = "; ".join(x for x in [f.get("note"), f"failed after {len(s.samples)} reps: {s.error}"
                                     if s.error else None] if x)
        rows.append([label, fmt(s.median * 1e3, 1), fmt(s.best * 1e3, 1),
                     fmt(s.cpu_median * 1e3, 1) if s.cpu_median is not None else "–", ratio,
                     f"{f['bytes']:,}" if f.get("bytes") else "–",
                     f"{f['cols']}×{f['rows']}" if cells else "–",
                     f"{f['bytes'] / cells:.2f}" if cells else "–", brat, note])
    return rows


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    binary = common.vstack_bin()
    if not binary.exists():
        raise SystemExit(f"{binary} not found (swift build -c release --product vstack)")
    marker = ensure_data(regenerate)
    common.warm_files(PLANE_ZARR)
    PLANE_PNG.read_bytes()
    info = common.machine_info(["numpy", "zarr", "numcodecs", "pillow"])
    info["vstack"] = common.vstack_version()
    info["chafa"] = chafa_version()
    info["spawn_overhead_s"] = spawn_overhead()
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "frames_per_call": FRAMES,
               "runs_per_rep": RUNS, "size": SIZE, "plane": marker,
               "environment": {k: _env().get(k) for k in ("LANG", "TERM", "COLORTERM")},
               "results": {}}
    sections = []
    for color, chafa_colors in DEPTHS:
        log(f"[render {color}]")
        infos: dict = {}
        series = common.repeat(_readers(color, chafa_colors, marker["clim"], infos), reps)
        frames = _frames(infos)
        sections.append((color, chafa_colors, series, frames, infos))
        payload["results"][color] = {
            "chafa_colors": chafa_colors,
            "series": {k: s.to_json() | {"command": infos.get(k, {}).get("command"),
                                         "run_seconds": infos.get(k, {}).get("run_seconds"),
                                         "bench_outputs": infos.get(k, {}).get("outputs"),
                                         "frame": {x: y for x, y in frames.get(k, {}).items()
                                                   if x != "picture"}}
                       for k, s in series.items()}}
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)

    lo, hi = marker["clim"]
    chafa_cmd = " ".join(["chafa", "--size", SIZE, "--symbols", "vhalf", "--colors", "full|256",
                          "--animate", "off", "--polite", "on", "render-plane.png"])
    md = [f"## render: a {SHAPE[0]}×{SHAPE[1]} uint16 plane as {SIZE} cells of half blocks", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']} ({binary}); {info['chafa']['version']} "
          f"({info['chafa'].get('features') or '?'}); load average at end "
          f"{' / '.join(str(x) for x in info['loadavg_end'])}",
          f"- plane: `demo: --at {AT}` (sha256 {marker['sha256'][:12]}), also as Zarr v2 "
          f"`{PLANE_ZARR.relative_to(common.ROOT)}` (chunks {CHUNKS[0]}×{CHUNKS[1]}, blosc zstd-5 "
          f"bitshuffle) and, for chafa, an 8-bit gray PNG at full resolution with vstack's auto "
          f"contrast ({PERCENTILES[0]}/{PERCENTILES[1]} percentiles = {lo:g}..{hi:g} → 0..255)",
          f"- chafa: `{chafa_cmd}` (stdin /dev/null; chafa uses every core unless `--threads 1`). "
          f"vstack: `vstack render SRC --size {SIZE} --mode half --color truecolor|256 --no-header` and "
          f"`vstack bench render SRC ... --frames {FRAMES} --json`; SRC = `demo: --at {AT}` or the Zarr "
          "(a 2-D array: no --at). Same environment for all: LANG=C.UTF-8, TERM=xterm-256color, "
          "no COLORTERM",
          f"- ms = time per frame, median (best) of {reps} repetitions, round-robin after one untimed "
          f"round. In-process: the median frame of {FRAMES} in one `vstack bench render` call (plane "
          f"read once). Whole process: each repetition is the median of {RUNS} runs, stdout "
          f"captured; spawning `true` the same way costs {info['spawn_overhead_s'] * 1e3:.1f} ms. "
          "CPU ms = user+sys per run. ÷chafa = median ÷ `chafa whole process` median (< 1 is "
          "faster); bytes ÷chafa = bytes per frame ÷ chafa's (< 1 is smaller)",
          f"- `fixed --clim` is a diagnostic row: --clim {lo:g},{hi:g} (the same limits, the same "
          "frame) skips vstack's per-frame percentile computation", ""]
    headers = ["row", "ms/frame", "best ms", "CPU ms", "÷chafa", "bytes/frame", "cells",
               "bytes/cell", "bytes ÷chafa", "note"]
    for color, chafa_colors, series, frames, infos in sections:
        rows = _rows(series, frames)
        shown = headers if any(r[-1] for r in rows) else headers[:-1]
        md += [f"### {color} (vstack `--color {color}`, chafa `--colors {chafa_colors}`)", "",
               common.markdown_table(shown, [r[:len(shown)] for r in rows], "lrrrrrrrrl"[:len(shown)]), ""]
        md += [_checks(frames), ""]
    payload["failed"] = sorted({f"{c} {k}" for c, r in payload["results"].items()
                                for k, v in r["series"].items() if v["error"]})
    payload["verdict"] = _verdict(sections)
    md += [payload["verdict"], ""]
    return "\n".join(md), payload


def _checks(frames: dict[str, dict]) -> str:
    """One line: frame sizes, glyphs, stray escape sequences, picture difference."""
    parts = []
    for k, label in ((VS_WP_ZARR, "vstack"), (CHAFA, "chafa")):
        f = frames.get(k)
        if not f or "glyphs" not in f:
            continue
        glyphs = " ".join(f"'{g}'×{n}" for g, n in sorted(f["glyphs"].items(), key=lambda x: -x[1]))
        esc = ", ".join(f["other_escapes"]) or "none"
        mad = f"{f['mad_vs_ref']:.1f}" if "mad_vs_ref" in f else "?"
        parts.append(f"{label} {f['cols']}×{f['rows']} cells{' (ragged!)' if f['ragged'] else ''}, "
                     f"glyphs {glyphs}, other escapes: {esc}, mean |gray − reference| {mad}")
    a, b = frames.get(VS_WP_ZARR, {}), frames.get(CHAFA, {})
    if a.get("picture") is not None and b.get("picture") is not None and a["picture"].shape == b["picture"].shape:
        parts.append(f"mean |vstack − chafa| {float(np.nanmean(np.abs(a['picture'] - b['picture']))):.1f} "
                     "gray levels")
    return ("Frames (reference = the PNG box-filtered to the frame's pixels; 0–255): "
            + "; ".join(parts)) if parts else ""


def _verdict(sections) -> str:
    lines = []
    for color, _, series, frames, _ in sections:
        c = series.get(CHAFA)
        if not c or c.median is None:
            lines.append(f"- {color}: chafa failed, no verdict")
            continue
        t = []
        for k, what in ((VS_WP_ZARR, "from the Zarr"),
                        (VS_WP_DEMO, "from demo:, which synthesises the plane at start-up")):
            s = series.get(k)
            if s and s.median is not None:
                r = s.median / c.median
                t.append(f"{what} {r:.2f}× ({'met' if r <= 1 else 'NOT met'})")
        vb, cb = frames.get(VS_WP_ZARR, {}), frames.get(CHAFA, {})
        if vb.get("bytes") and cb.get("bytes"):
            same = (vb.get("rows"), vb.get("cols")) == (cb.get("rows"), cb.get("cols"))
            vx, cx = ((vb["bytes"], cb["bytes"]) if same else
                      (vb["bytes"] / (vb["rows"] * vb["cols"]), cb["bytes"] / (cb["rows"] * cb["cols"])))
            unit = "bytes/frame" if same else "bytes/cell (frame sizes differ)"
            byt = (f"{unit} {vx:,.0f} vs {cx:,.0f} = {vx / cx:.2f}× "
                   f"({'met' if vx <= cx else 'NOT met'})")
        else:
            byt = "bytes: unknown"
        lines.append(f"- {color}: whole-process time ÷ chafa: {', '.join(t) or 'unknown'}; {byt}")
    return ("**Targets** (vstack whole-process `render` no slower than chafa; bytes per frame ≤ "
            "chafa's at the same colour depth; medians):\n" + "\n".join(lines))
