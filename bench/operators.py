"""operators: the --filter operators on one 1024×768 float32 plane, vstack vs scipy.ndimage / scikit-image.

The plane is the seed-like synthetic dataset's c=1 t=99 z=100 (uint16 nuclei on a
background, as float32). Every reader computes the same operator on the whole plane
in memory (no I/O):
  vstack      `vstack bench filter demo: --filter OP --threads N --runs 5` (in-process median
              of 5 runs), with 1 thread and with all cores
  reference   the scipy.ndimage / scikit-image call in this Python process (single-threaded:
              these functions have no threads)
  dask_image  the same scipy function over 4 blocks with overlap (dask_image.ndfilters,
              threaded scheduler, all cores), where dask_image has the operator
Before timing, vstack's result is written (`-o`) and compared with the reference's:
the maximum difference relative to the reference's range is in the table.
Targets (issue 7): ≤ 1.0× the reference single-threaded, ≤ 0.5× for median, and
Richardson–Lucy ≤ 0.5× scikit-image.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import common
from common import Sample, Stopwatch, fmt, log

NAME = "operators"
DESCRIPTION = "gaussian, median, sobel, tophat, Otsu, Richardson–Lucy on 1024×768 float32: vstack vs scipy/skimage"
DEFAULT_REPS = 5
AT = "c=1,t=99,z=100"


def gaussian_psf(sigma):
    r = int(4.0 * sigma + 0.5)
    x = np.arange(-r, r + 1)
    k = np.exp(-0.5 * x * x / (sigma * sigma))
    k /= k.sum()
    return np.outer(k, k)


def operators():
    import scipy.ndimage as ndi
    import skimage.filters
    import skimage.restoration
    from dask_image import ndfilters
    return [
        # name, vstack pipeline, reference label, reference, dask_image (on a dask array) or None, target
        ("gaussian σ=2", "gaussian(2)", "ndimage.gaussian_filter", lambda a: ndi.gaussian_filter(a, 2),
         lambda d: ndfilters.gaussian_filter(d, 2), 1.0),
        ("median 3", "median(3)", "ndimage.median_filter", lambda a: ndi.median_filter(a, 3),
         lambda d: ndfilters.median_filter(d, 3), 0.5),
        ("sobel", "sobel", "hypot(ndimage.sobel ×2)", lambda a: np.hypot(ndi.sobel(a, 0), ndi.sobel(a, 1)),
         lambda d: (ndfilters.sobel(d, 0) ** 2 + ndfilters.sobel(d, 1) ** 2) ** 0.5, 1.0),
        ("white tophat 15", "tophat(15)", "ndimage.white_tophat", lambda a: ndi.white_tophat(a, size=15), None, 1.0),
        ("Otsu", "threshold(otsu)", "a > skimage threshold_otsu",
         lambda a: (a > skimage.filters.threshold_otsu(a)).astype(np.uint8), None, 1.0),
        ("Richardson–Lucy 10", "deconvolve(2,10)", "skimage richardson_lucy",
         lambda a: skimage.restoration.richardson_lucy(a, gaussian_psf(2), num_iter=10, clip=False), None, 0.5),
    ]


def plane(tmp: Path) -> np.ndarray:
    out = tmp / "plane.npy"
    r = subprocess.run([str(common.vstack_bin()), "export", "demo:", "--at", AT, "-o", str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return np.load(out).astype(np.float32)


def readers(a: np.ndarray, ops) -> dict:
    """label -> reader; each reader returns {label: Sample} for one repetition."""
    import dask
    import dask.array as da
    d = da.from_array(a, chunks=(512, 384))
    cores = os.cpu_count() or 1

    def vstack(label, pipeline, threads):
        def read():
            out, _ = common.run_vstack_json(["bench", "filter", "demo:", "--at", AT, "--filter", pipeline,
                                             "--threads", str(threads), "--runs", "5"])
            return {label: Sample(out["median_ms"] / 1e3)}
        return read

    def reference(label, fn):
        def read():
            with Stopwatch() as sw:
                fn(a)
            return {label: sw.sample}
        return read

    def dask_image(label, fn):
        def read():
            with dask.config.set(scheduler="threads", num_workers=cores):
                with Stopwatch() as sw:
                    fn(d).compute()
            return {label: sw.sample}
        return read

    rs = {}
    for name, pipeline, ref_label, ref, dask_fn, _ in ops:
        for threads in (1, cores):
            label = f"{name}: vstack {threads} thread{'s' if threads > 1 else ''}"
            rs[label] = vstack(label, pipeline, threads)
        rs[f"{name}: {ref_label}"] = reference(f"{name}: {ref_label}", ref)
        if dask_fn:
            label = f"{name}: dask_image, {cores} threads"
            rs[label] = dask_image(label, dask_fn)
    return rs


def accuracy(a: np.ndarray, ops, tmp: Path) -> dict:
    errors = {}
    for name, pipeline, _, ref, _, _ in ops:
        out = tmp / "out.npy"
        r = subprocess.run([str(common.vstack_bin()), "bench", "filter", "demo:", "--at", AT, "--filter", pipeline,
                            "--runs", "1", "-o", str(out)], capture_output=True, text=True)
        if r.returncode != 0:
            errors[name] = f"failed: {r.stderr.strip()[:120]}"
            continue
        mine, theirs = np.load(out).astype(np.float64), ref(a).astype(np.float64)
        span = float(theirs.max() - theirs.min()) or 1.0
        errors[name] = float(np.abs(mine - theirs).max() / span)
    return errors


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    info = common.machine_info(["numpy", "scipy", "scikit-image", "dask", "dask-image"])
    info["vstack"] = common.vstack_version()
    ops = operators()
    with tempfile.TemporaryDirectory() as tmp:
        a = plane(Path(tmp))
        log("checking vstack's results against the references")
        errors = accuracy(a, ops, Path(tmp))
    results = common.repeat(readers(a, ops), reps)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "errors": errors,
               "results": {k: s.to_json() for k, s in results.items()},
               "failed": sorted(k for k, s in results.items() if s.error),
               "total_seconds": round(time.perf_counter() - t0, 1)}
    return _markdown(results, info, reps, ops, errors), payload


def _markdown(results, info, reps, ops, errors) -> str:
    cores = os.cpu_count() or 1
    md = ["## operators: one 1024×768 float32 plane, vstack vs scipy.ndimage / scikit-image", "",
          common.machine_markdown(info),
          f"- vstack {info['vstack']}; load average at end {' / '.join(str(x) for x in info['loadavg_end'])}",
          f"- the plane: `demo:` at {AT} as float32, in memory; vstack's time is measured inside the process "
          "(`vstack bench filter`, median of 5 runs per repetition)", "",
          f"median (best) of {reps} repetitions, round-robin; ÷ ref = time ÷ the reference's single-threaded time; "
          "error = max |vstack − reference| ÷ the reference's range", ""]
    rows = []
    for name, _, ref_label, _, _, target in ops:
        ref = results.get(f"{name}: {ref_label}")
        base = ref.median if ref else None
        err = errors.get(name)
        err_text = err if isinstance(err, str) else f"{err:.1e}"
        for label in [f"{name}: vstack 1 thread", f"{name}: vstack {cores} threads", f"{name}: {ref_label}",
                      f"{name}: dask_image, {cores} threads"]:
            s = results.get(label)
            if s is None:
                continue
            if s.median is None:
                rows.append([label, "failed", "", "", "", (s.error or "")[:60]])
                continue
            ratio = fmt(s.median / base, 3) if base and label != f"{name}: {ref_label}" else ""
            goal = f"≤ {target}" if label == f"{name}: vstack 1 thread" else ""
            rows.append([label, fmt(s.median * 1e3, 2), fmt(s.best * 1e3, 2), ratio, goal,
                         err_text if "vstack 1" in label else ""])
    md += [common.markdown_table(["row", "ms", "best ms", "÷ ref", "target", "error"], rows, "lrrrrl"), ""]
    return "\n".join(md)
