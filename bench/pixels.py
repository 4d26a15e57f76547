"""pixels: 1024×768-pixel 8-bit gray pictures as kitty, sixel and iTerm2 graphics at 1:1, vstack vs chafa.

Two pictures, each written as a PNG (for chafa) and as an (H, W, 3) uint8 .npy (for
`vstack bench pixels`) in .bench/data/:
  noisy   pixels-noisy.*: 1024 columns × 768 rows, generated (seed 0): smooth background
          gradients, 40 Gaussian blobs, Gaussian noise σ = 8 levels. Noise is the hard case
          for sixel (few runs) and for compression; 768 rows are 128 whole six-row bands.
  plane   pixels-plane.*: the render benchmark's plane, `demo: --at c=0,t=10,z=100`
          (768 columns × 1024 rows) at vstack's default auto contrast (0.5/99.5 percentiles).

For each of kitty, sixel and iTerm2 (iTerm2 for information: the issue sets no target):
  vstack in-process       `vstack bench pixels --mode M P.npy --repeat 20`: median of 20 calls
                          of `PixelOutput(mode: M).encode`, what `render --mode M` writes and the
                          viewer sends per frame (kitty: also `--kitty-format rgb`, the earlier
                          f=24,o=z zlib-RGB payload, for comparison)
  vstack whole process    `vstack bench pixels --mode M P.npy -o out`: start, read the .npy,
                          encode once, write the file, exit
  chafa whole process     `chafa --format kitty|sixels|iterm --size (W/8)x(H/8) --font-ratio 1/1
                          --animate off --polite on P.png` (stdout captured), and the same with
                          `--threads 1` (chafa uses every core by default; vstack one)
chafa has no pixel-size option: without a terminal it assumes 8×8-pixel cells once the font
ratio is 1/1, so `--size (W/8)x(H/8)` asks for W×H pixels (sixel: for 1024 rows it draws 1020,
whole bands). Every output is decoded by code that is not the encoder's: kitty by base64 → zlib
(`o=z`) → RGB/RGBA (`f=24`/`32`) or PIL (`f=100` PNG); sixel by libsixel's `sixel2png`; iTerm2 by
PIL (vstack sends PNG, chafa TIFF). The report gives the decoded size and, where it equals the
input's, the mean and max absolute error in 8-bit levels, and the number of gray levels.
Every whole-process row runs RUNS times per repetition; a repetition's sample is the median.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

import common
import render
from common import Sample, Stopwatch, fmt, log

NAME = "pixels"
DESCRIPTION = "1024×768-pixel 8-bit gray pictures as kitty, sixel and iTerm2 graphics at 1:1: vstack vs chafa"
DEFAULT_REPS = 5

RUNS = 5
REPEAT = 20          # encodes per `vstack bench pixels --repeat` call
GENERATOR = 1        # bump when the pictures change
MODES = {"kitty": "kitty", "sixel": "sixels", "iterm": "iterm"}   # vstack --mode → chafa --format


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
    png, npy, marker_path = (common.DATA_DIR / f"pixels-{name}{ext}" for ext in (".png", ".npy", ".marker.json"))
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


# ---------------------------------------------------------------- decoders (not vstack's)

def decode_kitty(data: bytes) -> tuple[np.ndarray, str]:
    """The one kitty image in `data` (base64 chunk by chunk, `o=z` zlib, f=24 RGB / f=32 RGBA /
    f=100 PNG) as (H, W, 3) uint8, and its format keys."""
    from PIL import Image
    keys, payload, images = None, [], []
    for m in re.finditer(rb"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\", data):
        ctrl = dict(kv.split(b"=", 1) for kv in m.group(1).split(b",") if b"=" in kv)
        if keys is None:
            keys = ctrl
        payload.append(base64.b64decode(m.group(2) or b"", validate=True))  # chafa pads every chunk
        if ctrl.get(b"m", b"0") == b"0":
            images.append((keys, b"".join(payload)))
            keys, payload = None, []
    if len(images) != 1 or keys is not None:
        raise RuntimeError(f"{len(images)} complete kitty images in the output (expected 1)")
    keys, payload = images[0]
    raw = payload
    if keys.get(b"o") == b"z":
        raw = zlib.decompress(raw)
    f, w, h = keys.get(b"f", b"32"), int(keys.get(b"s", 0)), int(keys.get(b"v", 0))
    if f == b"100":
        img = Image.open(io.BytesIO(raw))
        if img.format != "PNG" or (w and img.size != (w, h)):
            raise RuntimeError(f"kitty f=100 payload is {img.format} {img.size}, keys say {w}x{h}")
        rgb = np.asarray(img.convert("RGB"))
    else:
        n = {b"24": 3, b"32": 4}[f]
        if len(raw) != w * h * n:
            raise RuntimeError(f"kitty f={f.decode()} payload of {len(raw)} bytes for {w}x{h}")
        rgb = np.frombuffer(raw, np.uint8).reshape(h, w, n)[:, :, :3]
    what = f"f={f.decode()}" + (",o=z" if keys.get(b"o") == b"z" else "")
    return rgb, what


def decode_sixel(data: bytes) -> tuple[np.ndarray, str]:
    from PIL import Image
    with tempfile.TemporaryDirectory() as d:
        six, png = Path(d) / "f.six", Path(d) / "f.png"
        six.write_bytes(data)
        subprocess.run(["sixel2png", "-i", str(six), "-o", str(png)], check=True, capture_output=True)
        return np.asarray(Image.open(png).convert("RGB")), "sixel2png"


def decode_iterm(data: bytes) -> tuple[np.ndarray, str]:
    from PIL import Image
    m = re.fullmatch(rb"\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]*)(?:\x07|\x1b\\)\s*", data)
    if not m:
        raise RuntimeError("not one OSC 1337 File= sequence")
    img = Image.open(io.BytesIO(base64.b64decode(m.group(2), validate=True)))
    return np.asarray(img.convert("RGB")), str(img.format)


DECODERS = {"kitty": decode_kitty, "sixel": decode_sixel, "iterm": decode_iterm}


# ---------------------------------------------------------------- readers

def inprocess_reader(label: str, cmd: list[str], info: dict) -> common.Reader:
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


VS_IN, VS_IN_RGB, VS_WP = "vstack in-process (encode)", "vstack in-process, f=24 zlib RGB (earlier)", "vstack whole process"
CHAFA, CHAFA_1T = "chafa whole process", "chafa whole process (--threads 1)"


def rows_for(mode: str) -> list[str]:
    return [VS_IN] + ([VS_IN_RGB] if mode == "kitty" else []) + [VS_WP, CHAFA, CHAFA_1T]


def chafa_args(mode: str, shape: tuple[int, int]) -> list[str]:
    return ["--format", MODES[mode], "--size", f"{shape[1] // 8}x{shape[0] // 8}", "--font-ratio", "1/1",
            "--animate", "off", "--polite", "on"]


def measure(name: str, reps: int, regenerate: bool) -> dict:
    png, npy, marker = ensure_data(name, regenerate)
    png.read_bytes(), npy.read_bytes()
    shape = tuple(marker["shape"])
    vs = str(common.vstack_bin())
    infos: dict[str, dict[str, dict]] = {m: {k: {} for k in rows_for(m)} for m in MODES}
    readers: dict[str, common.Reader] = {}
    with tempfile.TemporaryDirectory() as d:
        for mode in MODES:
            inf, key = infos[mode], (lambda row, mode=mode: f"{mode}: {row}")
            bench = [vs, "bench", "pixels", "--mode", mode, str(npy)]
            out = Path(d) / f"vstack.{mode}"
            chafa = ["chafa", *chafa_args(mode, shape)]
            readers[key(VS_IN)] = inprocess_reader(key(VS_IN), [*bench, "--repeat", str(REPEAT)], inf[VS_IN])
            if mode == "kitty":
                readers[key(VS_IN_RGB)] = inprocess_reader(
                    key(VS_IN_RGB), [*bench, "--kitty-format", "rgb", "--repeat", str(REPEAT)], inf[VS_IN_RGB])
            readers[key(VS_WP)] = process_reader(key(VS_WP), [*bench, "-o", str(out)], inf[VS_WP], output=out)
            readers[key(CHAFA)] = process_reader(key(CHAFA), [*chafa, str(png)], inf[CHAFA])
            readers[key(CHAFA_1T)] = process_reader(key(CHAFA_1T), [*chafa, "--threads", "1", str(png)], inf[CHAFA_1T])
        series = common.repeat(readers, reps)
        # The f=24 payload is checked too (one more run, outside the timing).
        rgb_out = Path(d) / "vstack.kitty-rgb"
        render._run([vs, "bench", "pixels", "--mode", "kitty", "--kitty-format", "rgb", str(npy), "-o", str(rgb_out)])
        infos["kitty"][VS_IN_RGB]["picture"] = rgb_out.read_bytes()
    from PIL import Image
    reference = np.asarray(Image.open(png), dtype=np.float64)
    quality: dict[str, dict[str, dict]] = {m: {} for m in MODES}
    for mode in MODES:
        for k in rows_for(mode):
            data = infos[mode][k].get("picture")
            if data is None:
                continue
            try:
                rgb, how = DECODERS[mode](data)
            except Exception as e:  # noqa: BLE001: reported in the table
                quality[mode][k] = {"error": f"{type(e).__name__}: {e}"}
                continue
            pic = rgb.astype(np.float64).mean(axis=2)
            q = {"shape": list(pic.shape), "levels": int(len(np.unique(pic))), "decoded": how,
                 "gray": bool((rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 1] == rgb[:, :, 2]).all())}
            if pic.shape == reference.shape:
                err = np.abs(pic - reference)
                q |= {"mean_abs_err": float(err.mean()), "max_abs_err": float(err.max())}
            quality[mode][k] = q
        quality[mode][VS_IN] = quality[mode].get(VS_WP, {})
    return {"marker": marker, "series": {m: {k: series[f"{m}: {k}"] for k in rows_for(m)} for m in MODES},
            "infos": infos, "quality": quality, "chafa_args": {m: chafa_args(m, shape) for m in MODES},
            "input_levels": int(len(np.unique(reference)))}


def section(name: str, m: dict) -> list[str]:
    h, w = m["marker"]["shape"]
    md = [f"### {name}: {w}×{h} pixels, {m['marker']['source']} ({m['input_levels']} gray levels, "
          f"sha256 {m['marker']['sha256'][:12]})", ""]
    targets = []
    for mode in MODES:
        series, infos, quality = m["series"][mode], m["infos"][mode], m["quality"][mode]
        base, base_bytes = series.get(CHAFA), infos[CHAFA].get("bytes")
        rows = []
        for label in rows_for(mode):
            s, q, b = series.get(label), quality.get(label, {}), infos[label].get("bytes")
            if s is None or s.median is None:
                rows.append([label] + ["–"] * 10 + [f"failed: {s.error if s else '?'}"])
                continue
            ratio = f"{s.median / base.median:.2f}×" if base and base.median else "–"
            rows.append([label, fmt(s.median * 1e3, 1), fmt(s.best * 1e3, 1),
                         fmt(s.cpu_median * 1e3, 1) if s.cpu_median is not None else "–", ratio,
                         f"{b:,}" if b else "–", f"{b / base_bytes:.2f}×" if b and base_bytes else "–",
                         q.get("error") or q.get("decoded", "–"),
                         "×".join(str(x) for x in reversed(q.get("shape", []))) or "–",
                         str(q.get("levels", "–")), fmt(q.get("mean_abs_err"), 2), fmt(q.get("max_abs_err"), 0)])
        md += [f"**{mode}** (chafa `{' '.join(m['chafa_args'][mode])}`)", "",
               common.markdown_table(["", "median ms", "best ms", "CPU ms", "÷ chafa", "bytes", "bytes ÷ chafa",
                                      "decoded as", "decoded W×H", "levels", "mean err", "max err"], rows), ""]
        c, v = series.get(CHAFA), series.get(VS_WP)
        if mode != "iterm" and c and v and c.median and v.median and base_bytes and infos[VS_WP].get("bytes"):
            t, b = v.median / c.median, infos[VS_WP]["bytes"] / base_bytes
            targets.append(f"{mode} time {t:.2f}× ({'met' if t <= 1 else 'NOT met'}), bytes {b:.2f}× "
                           f"({'met' if b <= 1 else 'NOT met'})")
    if targets:
        md += ["**Targets** (whole-process time ≤ chafa's, bytes ≤ 1.0× chafa's): " + "; ".join(targets), ""]
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
        log(f"[pixels {name}]")
        results[name] = measure(name, reps, regenerate)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "runs_per_rep": RUNS, "repeat": REPEAT,
               "total_seconds": round(time.perf_counter() - t0, 1), "results": {}, "failed": []}
    md = ["## pixels: 8-bit gray pictures as kitty, sixel and iTerm2 graphics at 1:1", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']} ({binary}); {info['chafa']['version']}; load average at end "
          f"{' / '.join(str(x) for x in info['loadavg_end'])}",
          "- decoded as, levels, errors: of the output decoded by code that is not the encoder's, in 8-bit "
          "levels against the input (errors only where the decoded size equals the input's)", ""]
    for name, m in results.items():
        md += section(name, m)
        payload["results"][name] = {"picture": m["marker"], "chafa_args": m["chafa_args"], "modes": {
            mode: {k: s.to_json() | {"command": m["infos"][mode][k].get("command"),
                                     "bytes": m["infos"][mode][k].get("bytes"),
                                     "quality": m["quality"][mode].get(k),
                                     "bench_outputs": m["infos"][mode][k].get("outputs")}
                   for k, s in m["series"][mode].items()} for mode in MODES}}
        payload["failed"] += [f"{name} {mode}: {k}" for mode in MODES for k, s in m["series"][mode].items() if s.error]
        payload["failed"] += [f"{name} {mode}: {k} does not decode ({q['error']})"
                              for mode in MODES for k, q in m["quality"][mode].items() if "error" in q]
        # vstack's pictures must decode to the input exactly (kitty, iTerm2: lossless).
        for mode in ("kitty", "iterm"):
            for k in (VS_WP, VS_IN_RGB):
                q = m["quality"][mode].get(k)
                if q and "error" not in q and q.get("max_abs_err") != 0:
                    payload["failed"].append(f"{name} {mode}: {k} decodes to a different picture ({q})")
    return "\n".join(md), payload
