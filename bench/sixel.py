"""sixel: encode a 1024×768 (rows × columns) 8-bit gray plane as sixel graphics at 1:1, vstack vs chafa.

The picture is the render benchmark's: the synthetic `demo:` plane at c=0, t=10, z=100
mapped to 8-bit gray with vstack's default auto contrast (0.5 and 99.5 percentiles → 0..255).
It is written as `.bench/data/sixel-plane.png` (for chafa) and as an (H, W, 3) uint8
`.bench/data/sixel-plane.npy` (for `vstack bench sixel`).

chafa has no pixel-size option: without a terminal it assumes 8×8-pixel cells once the font
ratio is 1/1, so `--size 96x128 --font-ratio 1/1` asks for 768 columns × 1024 rows of pixels. The decoded
geometry of every output is checked (libsixel's `sixel2png`), and so is the picture: mean and
max absolute difference from the 8-bit input.

Rows (time per picture):
  vstack in-process       `vstack bench sixel plane.npy --repeat 20`: median of 20 calls of
                          `SixelEncoder.encode` (palette choice, indices, bands, RLE)
  vstack whole process    `vstack bench sixel plane.npy -o out.six`: start, read the .npy,
                          encode once, write the file, exit
  chafa whole process     `chafa --format sixels --size 96x128 --font-ratio 1/1 --animate off
                          --polite on plane.png` (stdout captured), and the same with
                          `--threads 1` (chafa uses every core by default; vstack one)
Every whole-process row runs RUNS times per repetition; a repetition's sample is the median.
"""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import common
import render
from common import Sample, Stopwatch, fmt, log

NAME = "sixel"
DESCRIPTION = "encode a 1024×768 (rows × columns) 8-bit gray plane as sixel at 1:1: vstack vs chafa"
DEFAULT_REPS = 5

RUNS = 5
REPEAT = 20          # encodes per `vstack bench sixel --repeat` call
GENERATOR = 1
PLANE_PNG = common.DATA_DIR / "sixel-plane.png"
PLANE_NPY = common.DATA_DIR / "sixel-plane.npy"
MARKER = common.DATA_DIR / "sixel-plane.marker.json"
CHAFA_ARGS = ["--format", "sixels", "--size", f"{render.SHAPE[1] // 8}x{render.SHAPE[0] // 8}", "--font-ratio", "1/1", "--animate", "off", "--polite", "on"]


def ensure_data(regenerate: bool = False) -> dict:
    plane = render._export_plane()
    lo, hi = (float(x) for x in np.percentile(plane, render.PERCENTILES))
    gray = np.rint(np.clip((plane.astype(np.float64) - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)
    import hashlib
    want = {"generator": GENERATOR, "source": f"demo: --at {render.AT}", "clim": [lo, hi],
            "shape": list(gray.shape), "sha256": hashlib.sha256(gray.tobytes()).hexdigest()}
    try:
        marker = json.loads(MARKER.read_text())
    except (OSError, ValueError):
        marker = None
    if regenerate or marker != want or not PLANE_PNG.is_file() or not PLANE_NPY.is_file():
        from PIL import Image
        log(f"writing {PLANE_PNG.name} and {PLANE_NPY.name} ...")
        common.DATA_DIR.mkdir(parents=True, exist_ok=True)
        Image.fromarray(gray, "L").save(PLANE_PNG)
        np.save(PLANE_NPY, np.repeat(gray[:, :, None], 3, axis=2))
        MARKER.write_text(json.dumps(want, indent=2) + "\n")
    return want


def decode(data: bytes) -> np.ndarray:
    """The sixel bytes decoded by sixel2png, as an (H, W) gray array (mean of R, G, B)."""
    from PIL import Image
    with tempfile.TemporaryDirectory() as d:
        six, png = Path(d) / "f.six", Path(d) / "f.png"
        six.write_bytes(data)
        subprocess.run(["sixel2png", "-i", str(six), "-o", str(png)], check=True, capture_output=True)
        return np.asarray(Image.open(png).convert("RGB"), dtype=np.float64).mean(axis=2)


def inprocess_reader(label: str, info: dict) -> common.Reader:
    cmd = [str(common.vstack_bin()), "bench", "sixel", str(PLANE_NPY), "--repeat", str(REPEAT)]
    info["command"] = " ".join(cmd)

    def read() -> dict[str, Sample]:
        r = render._run(cmd)
        out = json.loads(r.stdout.decode().strip().splitlines()[-1])
        info.setdefault("outputs", []).append(out)
        info["bytes"] = out["bytes"]
        return {label: Sample(out["encode_ms"] / 1e3)}
    return read


def process_reader(label: str, cmd: list[str], info: dict, output: Path | None = None) -> common.Reader:
    """Runs `cmd` RUNS times (median wall time); the picture is stdout, or `output` when given."""
    info["command"] = " ".join(cmd)

    def read() -> dict[str, Sample]:
        walls = []
        with Stopwatch() as total:
            for _ in range(RUNS):
                t0 = time.perf_counter()
                r = render._run(cmd)
                walls.append(time.perf_counter() - t0)
                data = output.read_bytes() if output else r.stdout
                if "picture" not in info:
                    info["picture"] = data
                elif data != info["picture"]:
                    raise RuntimeError("the output differs between runs")
        info["bytes"] = len(info["picture"])
        cpu = total.sample.cpu_seconds / RUNS if total.sample.cpu_seconds is not None else None
        return {label: Sample(statistics.median(walls), cpu)}
    return read


VS_IN = "vstack in-process (encode)"
VS_WP = "vstack whole process"
CHAFA = "chafa whole process"
CHAFA_1T = "chafa whole process (--threads 1)"
ROW_ORDER = [VS_IN, VS_WP, CHAFA, CHAFA_1T]


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    binary = common.vstack_bin()
    if not binary.exists():
        raise SystemExit(f"{binary} not found (swift build -c release --product vstack)")
    for tool in ("chafa", "sixel2png"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (scripts/install-deps.sh --test installs chafa and libsixel-bin)")
    marker = ensure_data(regenerate)
    PLANE_PNG.read_bytes(), PLANE_NPY.read_bytes()
    info = common.machine_info(["numpy", "pillow"])
    info["vstack"] = common.vstack_version()
    info["chafa"] = render.chafa_version()
    infos = {k: {} for k in ROW_ORDER}
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "vstack.six"
        chafa = ["chafa", *CHAFA_ARGS]
        readers = {
            VS_IN: inprocess_reader(VS_IN, infos[VS_IN]),
            VS_WP: process_reader(VS_WP, [str(binary), "bench", "sixel", str(PLANE_NPY), "-o", str(out)],
                                  infos[VS_WP], output=out),
            CHAFA: process_reader(CHAFA, [*chafa, str(PLANE_PNG)], infos[CHAFA]),
            CHAFA_1T: process_reader(CHAFA_1T, [*chafa, "--threads", "1", str(PLANE_PNG)], infos[CHAFA_1T]),
        }
        series = common.repeat(readers, reps)
    from PIL import Image
    reference = np.asarray(Image.open(PLANE_PNG), dtype=np.float64)
    quality = {}
    for k in (VS_WP, CHAFA, CHAFA_1T):
        data = infos[k].get("picture")
        if data is None:
            continue
        pic = decode(data)
        q = {"shape": list(pic.shape)}
        if pic.shape == reference.shape:
            err = np.abs(pic - reference)
            q |= {"mean_abs_err": float(err.mean()), "max_abs_err": float(err.max()),
                  "levels": int(len(np.unique(pic)))}
        quality[k] = q
    quality[VS_IN] = quality.get(VS_WP, {})

    base, base_bytes = series.get(CHAFA), infos[CHAFA].get("bytes")
    rows = []
    for label in ROW_ORDER:
        s, q, b = series.get(label), quality.get(label, {}), infos[label].get("bytes")
        if s is None or s.median is None:
            rows.append([label] + ["–"] * 8 + [f"failed: {s.error if s else '?'}"])
            continue
        ratio = f"{s.median / base.median:.2f}×" if base and base.median else "–"
        rows.append([label, fmt(s.median * 1e3, 1), fmt(s.best * 1e3, 1),
                     fmt(s.cpu_median * 1e3, 1) if s.cpu_median is not None else "–", ratio,
                     f"{b:,}" if b else "–", f"{b / base_bytes:.2f}×" if b and base_bytes else "–",
                     "×".join(str(x) for x in q.get("shape", [])) or "–",
                     fmt(q.get("mean_abs_err"), 2), fmt(q.get("max_abs_err"), 0)])
    info["loadavg_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "runs_per_rep": RUNS, "repeat": REPEAT,
               "plane": marker, "total_seconds": round(time.perf_counter() - t0, 1),
               "results": {k: s.to_json() | {"command": infos[k].get("command"), "bytes": infos[k].get("bytes"),
                                             "quality": quality.get(k), "bench_outputs": infos[k].get("outputs")}
                           for k, s in series.items()},
               "failed": [k for k, s in series.items() if s.error]}
    md = [f"## sixel: a {render.SHAPE[0]}×{render.SHAPE[1]} (rows × columns) 8-bit gray plane as sixel graphics at 1:1", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']} ({binary}); {info['chafa']['version']}; load average at end "
          f"{' / '.join(str(x) for x in info['loadavg_end'])}",
          f"- picture: `demo: --at {render.AT}` at auto contrast, sha256 {marker['sha256'][:12]}; chafa "
          f"`{' '.join(CHAFA_ARGS)}`; quality = |sixel2png decoding − input| in 8-bit levels", "",
          common.markdown_table(["", "median ms", "best ms", "CPU ms", "÷ chafa", "bytes", "bytes ÷ chafa",
                                 "decoded rows×cols", "mean err", "max err"], rows), ""]
    c, v = series.get(CHAFA), series.get(VS_WP)
    if c and v and c.median and v.median and base_bytes and infos[VS_WP].get("bytes"):
        t, b = v.median / c.median, infos[VS_WP]["bytes"] / base_bytes
        md.append(f"**Targets** (whole-process time ≤ chafa's, bytes ≤ 1.0× chafa's): time {t:.2f}× "
                  f"({'met' if t <= 1 else 'NOT met'}), bytes {b:.2f}× ({'met' if b <= 1 else 'NOT met'})")
        md.append("")
    return "\n".join(md), payload
