"""tiff: open + first plane of a big multi-page TIFF and of a 600-file light-sheet directory.

Datasets (generated once into .bench/data by tifffile, uncompressed as microscopes write):
  stack   one 3-D file, 512 pages of 1024×768 uint16 (805 MB)
  series  600 files named like the seed post (`ex6-2_CamA_ch{c}_CAM1_stack{t}_..._0000t.tif`,
          c = 1..3, t = 0..199), each a 3-D stack of 10 pages of 512×512 uint16 (3.1 GB in all)

Each reader opens the data and produces one plane, from a cold process (warm page cache).
vstack reports two times from one run: `plane` = open + the plane's data in memory (what
tifffile and dask_image return), `first frame` = also rendered to 160×48 half blocks.
  stack:  page 300. vstack: `vstack bench plane FILE --at z=300` (in-process time to a rendered
          160×48 frame; and the whole process); tifffile: imread(FILE, key=300);
          dask_image: imread(FILE)[300].compute().
  series: c=2, t=100, z=5. vstack: `vstack bench plane 'DIR/*_ch{c}_*_stack{t}_*.tif'`;
          tifffile by hand: glob + natural sort + imread(files[300], key=5);
          (dask_image cannot: for multi-page files its blocks hold only the first page.)
  planes: 600 single-page 1024×768 uint16 files, plane 300. vstack opens the directory;
          tifffile as above; dask_image: imread('DIR/*.tif')[300].compute().
Whole-process rows add process start: `vstack bench plane` as a command, and
`python -c "import tifffile; tifffile.imread(...)"` for tifffile.
Every reader's plane must equal the first one's.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Stopwatch, fmt, log

NAME = "tiff"
DESCRIPTION = "open + first plane of a 512-page TIFF and a 600-file directory: vstack vs tifffile vs dask_image"
DEFAULT_REPS = 5

STACK_SHAPE = (512, 1024, 768)
STACK_PAGE = 300
SERIES_FILES = (3, 200)               # channels, stacks
SERIES_FILE_SHAPE = (10, 512, 512)
SERIES_AT = (2, 100, 5)               # c (1-based in the name), t, z
PLANES = (600, 1024, 768)             # a directory of 2-D files (EM sections)
PLANES_AT = 300
GENERATOR = 2


def stack_path() -> Path:
    return common.DATA_DIR / "tiff-stack.tif"


def series_dir() -> Path:
    return common.DATA_DIR / "tiff-series"


def series_name(c: int, t: int) -> str:
    return (f"ex6-2_CamA_ch{c}_CAM1_stack{t:04d}_{[488, 560, 642][c - 1]}nm_{t * 1213:07d}msec_"
            f"{1291795 + t * 1213:010d}msecAbs_000x_000y_000z_0000t.tif")


def planes_dir() -> Path:
    return common.DATA_DIR / "tiff-planes"


def _marker() -> Path:
    return common.DATA_DIR / "tiff.json"


def _want() -> dict:
    return {"generator": GENERATOR, "stack": list(STACK_SHAPE), "series": list(SERIES_FILES) + list(SERIES_FILE_SHAPE),
            "planes": list(PLANES)}


def ensure_data(regenerate: bool = False) -> dict:
    import tifffile
    try:
        have = json.loads(_marker().read_text())
    except (OSError, ValueError):
        have = None
    if not regenerate and have and {k: have.get(k) for k in _want()} == _want() \
            and stack_path().exists() and series_dir().exists() and planes_dir().exists():
        return have
    t0 = time.perf_counter()
    common.DATA_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261122)
    if not have or have.get("stack") != list(STACK_SHAPE) or not stack_path().exists() or regenerate:
        _write_stack(rng)
    if not have or have.get("series") != _want()["series"] or not series_dir().exists() or regenerate:
        _write_series()
    log(f"generating {planes_dir()} ...")
    tmpdir = planes_dir().with_name("tiff-planes.tmp")
    shutil.rmtree(tmpdir, ignore_errors=True)
    tmpdir.mkdir()
    base = (np.indices(PLANES[1:]).sum(axis=0) % 4000).astype(np.uint16)
    for z in range(PLANES[0]):
        tifffile.imwrite(tmpdir / f"section_{z:04d}.tif", base + np.uint16(z), photometric="minisblack")
    shutil.rmtree(planes_dir(), ignore_errors=True)
    tmpdir.rename(planes_dir())
    marker = _want() | {"seconds": round(time.perf_counter() - t0, 1)}
    _marker().write_text(json.dumps(marker) + "\n")
    return marker


def _write_stack(rng) -> None:
    import tifffile
    log(f"generating {stack_path()} ...")
    tmp = stack_path().with_suffix(".tmp")
    base = (np.indices(STACK_SHAPE[1:]).sum(axis=0) % 4000).astype(np.uint16)
    with tifffile.TiffWriter(tmp) as w:
        for z in range(STACK_SHAPE[0]):
            w.write(base + rng.integers(0, 300, STACK_SHAPE[1:], dtype=np.uint16), photometric="minisblack",
                    metadata=None, contiguous=False)
    tmp.rename(stack_path())


def _write_series() -> None:
    import tifffile
    log(f"generating {series_dir()} ...")
    tmpdir = series_dir().with_name("tiff-series.tmp")
    shutil.rmtree(tmpdir, ignore_errors=True)
    tmpdir.mkdir()
    block = (np.indices(SERIES_FILE_SHAPE).sum(axis=0) % 3000).astype(np.uint16)
    for c in range(1, SERIES_FILES[0] + 1):
        for t in range(SERIES_FILES[1]):
            tifffile.imwrite(tmpdir / series_name(c, t), block + np.uint16(c * 1000 + t), photometric="minisblack")
    shutil.rmtree(series_dir(), ignore_errors=True)
    tmpdir.rename(series_dir())


def _natural(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def readers(reference: dict) -> dict[str, common.Reader]:
    import tifffile
    import dask_image.imread

    def same(plane, key, who):
        plane = np.asarray(plane)
        if key not in reference:
            reference[key] = plane
        elif not np.array_equal(reference[key], plane):
            raise RuntimeError(f"{who}: plane differs from the first reader's")

    c, t, z = SERIES_AT
    pattern = str(series_dir()) + "/*_ch{c}_*_stack{t}_*.tif"
    file_index = (c - 1) * SERIES_FILES[1] + t

    def vstack_stack():
        out, wall = common.run_vstack_json(["bench", "plane", str(stack_path()), "--at", f"z={STACK_PAGE}"])
        return {"stack: vstack plane (in process)": Sample(out["plane_ms"] / 1e3),
                "stack: vstack first frame (in process)": Sample(out["first_frame_ms"] / 1e3),
                "stack: vstack first frame (whole process)": Sample(wall)}

    def tifffile_stack():
        with Stopwatch() as sw:
            plane = tifffile.imread(stack_path(), key=STACK_PAGE)
        same(plane, "stack", "tifffile")
        return {"stack: tifffile": sw.sample}

    def tifffile_stack_process():
        code = f"import tifffile; tifffile.imread({str(stack_path())!r}, key={STACK_PAGE})"
        with Stopwatch() as sw:
            subprocess.run([sys.executable, "-c", code], check=True)
        return {"stack: tifffile (whole process)": sw.sample}

    def dask_stack():
        with Stopwatch() as sw:
            plane = dask_image.imread.imread(str(stack_path()))[STACK_PAGE].compute()
        same(plane, "stack", "dask_image")
        return {"stack: dask_image": sw.sample}

    def vstack_series():
        out, wall = common.run_vstack_json(["bench", "plane", pattern, "--at", f"c={c - 1},t={t},z={z}"])
        return {"series: vstack plane (in process)": Sample(out["plane_ms"] / 1e3),
                "series: vstack first frame (in process)": Sample(out["first_frame_ms"] / 1e3),
                "series: vstack first frame (whole process)": Sample(wall)}

    def tifffile_series():
        with Stopwatch() as sw:
            files = sorted(glob.glob(str(series_dir() / "*.tif")), key=_natural)
            plane = tifffile.imread(files[file_index], key=z)
        same(plane, "series", "tifffile")
        return {"series: tifffile (glob + sort + one file)": sw.sample}

    def vstack_planes():
        out, wall = common.run_vstack_json(["bench", "plane", str(planes_dir()), "--at", f"z={PLANES_AT}"])
        return {"planes: vstack plane (in process)": Sample(out["plane_ms"] / 1e3),
                "planes: vstack first frame (in process)": Sample(out["first_frame_ms"] / 1e3),
                "planes: vstack first frame (whole process)": Sample(wall)}

    def tifffile_planes():
        with Stopwatch() as sw:
            files = sorted(glob.glob(str(planes_dir() / "*.tif")), key=_natural)
            plane = tifffile.imread(files[PLANES_AT])
        same(plane, "planes", "tifffile")
        return {"planes: tifffile (glob + sort + one file)": sw.sample}

    def dask_planes():
        with Stopwatch() as sw:
            plane = dask_image.imread.imread(str(planes_dir() / "*.tif"))[PLANES_AT].compute()
        same(plane, "planes", "dask_image")
        return {"planes: dask_image": sw.sample}

    return {"vstack stack": vstack_stack, "tifffile stack": tifffile_stack,
            "tifffile stack process": tifffile_stack_process, "dask_image stack": dask_stack,
            "vstack series": vstack_series, "tifffile series": tifffile_series,
            "vstack planes": vstack_planes, "tifffile planes": tifffile_planes, "dask_image planes": dask_planes}


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    marker = ensure_data(regenerate)
    common.warm_files(stack_path())
    common.warm_files(series_dir())
    common.warm_files(planes_dir())
    info = common.machine_info(["numpy", "tifffile", "dask-image", "dask"])
    info["vstack"] = common.vstack_version()
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "datasets": marker, "results": {}}
    results = common.repeat(readers({}), reps)
    payload["results"] = {k: s.to_json() for k, s in results.items()}
    payload["failed"] = sorted(k for k, s in results.items() if s.error)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    return _markdown(results, info, reps), payload


def _markdown(results, info, reps) -> str:
    md = ["## tiff: open + one plane of a 512-page TIFF and of a 600-file directory", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']}; load average at end {' / '.join(str(x) for x in info['loadavg_end'])}",
          "- stack: 512 pages of 1024×768 uint16 in one file, page 300; series: 600 files named like the seed "
          "post, each 10×512×512 uint16, plane c=2 t=100 z=5 (vstack opens the `{c}`/`{t}` pattern); "
          "planes: 600 single-page 1024×768 uint16 files (a directory of sections), plane 300; "
          "uncompressed, warm page cache", "",
          "dask_image has no `series` row: for a glob of multi-page files `dask_image.imread` reports the "
          "shape (600, 10, 512, 512) but each block reads only the first page (pims), so no plane but z=0 "
          "can be computed.", "",
          f"median (best) of {reps} repetitions, round-robin; ÷ = time ÷ the peer's (in-process rows against "
          "in-process peers, whole-process rows against `python -c 'import tifffile; tifffile.imread(...)'`)", ""]
    rows = []
    for part in ("stack", "series", "planes"):
        labels = [k for k in results if k.startswith(part + ":")]
        peers = {k: results[k].median for k in labels if "vstack" not in k and results[k].median}
        for label in labels:
            s = results[label]
            if s.median is None:
                rows.append([label, "failed", "", "", "", (s.error or "")[:80]])
                continue
            whole = "whole process" in label
            tif = next((p for p in peers if "tifffile" in p and ("whole process" in p) == whole), None)
            dask = next((p for p in peers if "dask_image" in p and not whole), None)
            ratios = [fmt(s.median / peers[p], 3) if p else "–" for p in (tif, dask)]
            rows.append([label, fmt(s.median * 1e3, 1), fmt(s.best * 1e3, 1), *ratios, ""])
    md += [common.markdown_table(["row", "ms", "best ms", "÷ tifffile", "÷ dask_image", "note"], rows, "lrrrrl"), ""]
    return "\n".join(md)
