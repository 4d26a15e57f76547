"""sixel: encode 8-bit gray pictures of 1024×768 pixels as sixel graphics at 1:1, vstack vs chafa.

Two pictures, each written as a PNG (for chafa) and as an (H, W, 3) uint8 .npy (for
`vstack bench sixel`) in .bench/data/:
  noisy   sixel-noisy.*: 1024 columns × 768 rows, generated (seed 0): smooth background
          gradients, 40 Gaussian blobs, Gaussian noise σ = 8 levels. Noise is the hard case
          for sixel (few runs); 768 rows are 128 whole six-row bands.
  plane   sixel-plane.*: the render benchmark's plane, `demo: --at c=0,t=10,z=100`
          (768 columns × 1024 rows) at vstack's default auto contrast (0.5/99.5 percentiles).

chafa has no pixel-size option: without a terminal it assumes 8×8-pixel cells once the font
ratio is 1/1, so `--size (W/8)x(H/8) --font-ratio 1/1` asks for W×H pixels (for 1024 rows it
draws 1020, a whole number of bands). Every output is decoded with libsixel's `sixel2png`;
the report gives the decoded size and, where it equals the input's, the mean and max absolute
error in 8-bit levels, and the number of gray levels the decoded picture has.

Rows (time per picture):
  vstack in-process       `vstack bench sixel P.npy --repeat 20`: median of 20 calls of
                          `SixelEncoder.encode` (palette choice, indices, bands, RLE)
  vstack whole process    `vstack bench sixel P.npy -o out.six`: start, read the .npy,
                          encode once, write the file, exit
  chafa whole process     `chafa --format sixels --size (W/8)x(H/8) --font-ratio 1/1
                          --animate off --polite on P.png` (stdout captured), and the same
                          with `--threads 1` (chafa uses every core by default; vstack one)
Every whole-process row runs RUNS times per repetition; a repetition's sample is the median.
"""
from __future__ import annotations

import hashlib
import json
import os
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
DESCRIPTION = "encode 1024×768-pixel 8-bit gray pictures as sixel at 1:1: vstack vs chafa"
DEFAULT_REPS = 5

RUNS = 5
REPEAT = 20          # encodes per `vstack bench sixel --repeat` call
GENERATOR = 1        # bump when the pictures change


def noisy_picture(h: int = 768, w: int = 1024, seed: int = 0) -> np.ndarray:
    """Smooth gradients, bright blobs and noise (the same recipe as tests/python/test_sixel.py)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    g = 40 + 50 * (x / w) + 30 * np.sin(y / 90.0) * np.cos(x / 130.0)
    for _ in range(40):
        cy, cx, s = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(6, 30)
        g += rng.uniform(60, 150) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
    g += rng.normal(0, 8, (h, w))
    return np.clip(np.rint(g), 0, 255).astype(np.uint8)


def plane_picture() -> np.ndarray:
    plane = render._export_plane()
    lo, hi = (float(x) for x in np.percentile(plane, render.PERCENTILES))
    return np.rint(np.clip((plane.astype(np.float64) - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)


PICTURES = {"noisy": ("generated: gradients + 40 blobs + noise σ 8, seed 0", noisy_picture),
            "plane": (f"`demo: --at {render.AT}` at auto contrast", plane_picture)}


def ensure_data(name: str, regenerate: bool = False) -> tuple[Path, Path, dict]:
    """The picture's PNG and .npy (rewritten when its checksum changes) and its marker."""
    png, npy, marker_path = (common.DATA_DIR / f"sixel-{name}{ext}" for ext in (".png", ".npy", ".marker.json"))
    gray = PICTURES[name][1]()
    want = {"generator": GENERATOR, "source": PICTURES[name][0], "shape": list(gray.shape),
            "sha256": hashlib.sha256(gray.tobytes()).hexdigest()}
    try:
        marker = json.loads(marker_path.read_text())
    except (OSError, ValueError):
        marker = None
    if regenerate or marker != want or not png.is_file() or not npy.is_file():
        from PIL import Image
        log(f"writing {png.name} and {npy.name} ...")
        common.DATA_DIR.mkdir(parents=True, exist_ok=True)
        Image.fromarray(gray, "L").save(png)
        np.save(npy, np.repeat(gray[:, :, None], 3, axis=2))
        marker_path.write_text(json.dumps(want, indent=2) + "\n")
    return png, npy, want


def decode(data: bytes) -> np.ndarray:
    """The sixel bytes decoded by sixel2png, as an (H, W) gray array (mean of R, G, B)."""
    from PIL import Image
    with tempfile.TemporaryDirectory() as d:
        six, png = Path(d) / "f.six", Path(d) / "f.png"
        six.write_bytes(data)
        subprocess.run(["sixel2png", "-i", str(six), "-o", str(png)], check=True, capture_output=True)
        return np.asarray(Image.open(png).convert("RGB"), dtype=np.float64).mean(axis=2)


def inprocess_reader(label: str, npy: Path, info: dict) -> common.Reader:
    cmd = [str(common.vstack_bin()), "bench", "sixel", str(npy), "--repeat", str(REPEAT)]
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


def chafa_args(shape: tuple[int, int]) -> list[str]:
    return ["--format", "sixels", "--size", f"{shape[1] // 8}x{shape[0] // 8}", "--font-ratio", "1/1",
            "--animate", "off", "--polite", "on"]


def measure(name: str, reps: int, regenerate: bool) -> dict:
    png, npy, marker = ensure_data(name, regenerate)
    png.read_bytes(), npy.read_bytes()
    shape = tuple(marker["shape"])
    infos = {k: {} for k in ROW_ORDER}
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "vstack.six"
        chafa = ["chafa", *chafa_args(shape)]
        vs = str(common.vstack_bin())
        readers = {
            VS_IN: inprocess_reader(VS_IN, npy, infos[VS_IN]),
            VS_WP: process_reader(VS_WP, [vs, "bench", "sixel", str(npy), "-o", str(out)], infos[VS_WP], output=out),
            CHAFA: process_reader(CHAFA, [*chafa, str(png)], infos[CHAFA]),
            CHAFA_1T: process_reader(CHAFA_1T, [*chafa, "--threads", "1", str(png)], infos[CHAFA_1T]),
        }
        series = common.repeat(readers, reps)
    from PIL import Image
    reference = np.asarray(Image.open(png), dtype=np.float64)
    quality = {}
    for k in (VS_WP, CHAFA, CHAFA_1T):
        data = infos[k].get("picture")
        if data is None:
            continue
        pic = decode(data)
        q = {"shape": list(pic.shape), "levels": int(len(np.unique(pic)))}
        if pic.shape == reference.shape:
            err = np.abs(pic - reference)
            q |= {"mean_abs_err": float(err.mean()), "max_abs_err": float(err.max())}
        quality[k] = q
    quality[VS_IN] = quality.get(VS_WP, {})
    return {"marker": marker, "series": series, "infos": infos, "quality": quality,
            "chafa_args": chafa_args(shape), "input_levels": int(len(np.unique(reference)))}


def section(name: str, m: dict) -> list[str]:
    series, infos, quality = m["series"], m["infos"], m["quality"]
    base, base_bytes = series.get(CHAFA), infos[CHAFA].get("bytes")
    rows = []
    for label in ROW_ORDER:
        s, q, b = series.get(label), quality.get(label, {}), infos[label].get("bytes")
        if s is None or s.median is None:
            rows.append([label] + ["–"] * 9 + [f"failed: {s.error if s else '?'}"])
            continue
        ratio = f"{s.median / base.median:.2f}×" if base and base.median else "–"
        rows.append([label, fmt(s.median * 1e3, 1), fmt(s.best * 1e3, 1),
                     fmt(s.cpu_median * 1e3, 1) if s.cpu_median is not None else "–", ratio,
                     f"{b:,}" if b else "–", f"{b / base_bytes:.2f}×" if b and base_bytes else "–",
                     "×".join(str(x) for x in reversed(q.get("shape", []))) or "–",
                     str(q.get("levels", "–")), fmt(q.get("mean_abs_err"), 2), fmt(q.get("max_abs_err"), 0)])
    h, w = m["marker"]["shape"]
    md = [f"### {name}: {w}×{h} pixels, {m['marker']['source']} ({m['input_levels']} gray levels, "
          f"sha256 {m['marker']['sha256'][:12]}); chafa `{' '.join(m['chafa_args'])}`", "",
          common.markdown_table(["", "median ms", "best ms", "CPU ms", "÷ chafa", "bytes", "bytes ÷ chafa",
                                 "decoded W×H", "levels", "mean err", "max err"], rows), ""]
    c, v = series.get(CHAFA), series.get(VS_WP)
    if c and v and c.median and v.median and base_bytes and infos[VS_WP].get("bytes"):
        t, b = v.median / c.median, infos[VS_WP]["bytes"] / base_bytes
        md += [f"**Targets** (whole-process time ≤ chafa's, bytes ≤ 1.0× chafa's): time {t:.2f}× "
               f"({'met' if t <= 1 else 'NOT met'}), bytes {b:.2f}× ({'met' if b <= 1 else 'NOT met'})", ""]
    return md


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    binary = common.vstack_bin()
    if not binary.exists():
        raise SystemExit(f"{binary} not found (swift build -c release --product vstack)")
    for tool in ("chafa", "sixel2png"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (scripts/install-deps.sh --test installs chafa and libsixel-bin)")
    info = common.machine_info(["numpy", "pillow"])
    info["vstack"] = common.vstack_version()
    info["chafa"] = render.chafa_version()
    results = {}
    for name in PICTURES:
        log(f"[sixel {name}]")
        results[name] = measure(name, reps, regenerate)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "runs_per_rep": RUNS, "repeat": REPEAT,
               "total_seconds": round(time.perf_counter() - t0, 1), "results": {}, "failed": []}
    md = ["## sixel: 8-bit gray pictures as sixel graphics at 1:1", "", common.machine_markdown(info),
          f"- vstack {info['vstack']} ({binary}); {info['chafa']['version']}; load average at end "
          f"{' / '.join(str(x) for x in info['loadavg_end'])}",
          "- levels, errors: of the `sixel2png` decoding, in 8-bit levels against the input "
          "(errors only where the decoded size equals the input's)", ""]
    for name, m in results.items():
        md += section(name, m)
        payload["results"][name] = {
            "picture": m["marker"], "chafa_args": m["chafa_args"],
            "series": {k: s.to_json() | {"command": m["infos"][k].get("command"), "bytes": m["infos"][k].get("bytes"),
                                         "quality": m["quality"].get(k), "bench_outputs": m["infos"][k].get("outputs")}
                       for k, s in m["series"].items()}}
        payload["failed"] += [f"{name}: {k}" for k, s in m["series"].items() if s.error]
    return "\n".join(md), payload
