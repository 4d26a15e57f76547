"""startup: whole-process start-up of the release bundle against the development build.

The bundle (`make dist`) links the Swift runtime, Foundation and the C libraries statically and
loads libcurl's stack from its own lib/ through RUNPATH; the development release build
(`swift build -c release`, `.build/release/vstack`) loads its shared libraries (65 on Debian 12)
from the system.
Both are measured round robin in the same run, each as a whole process from exec to exit:

  --version          argument parsing only: the cost of loading and relocating the executable
  info small Zarr    `vstack info PATH --json` of a 3×11×13 zarr-python v2 array (.fixtures)
  render demo:       one 80×24 ASCII frame of the synthetic dataset

The ratio is bundle ÷ development build (< 1: the bundle starts faster). Also reported: the
tarball's and the wheel's sizes and the executable's. VSTACK_DIST (default dist/) holds the
bundle; VSTACK_BIN names the development build (default .build/release/vstack).
"""
from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

import common
from common import fmt

NAME = "startup"
DESCRIPTION = "whole-process start-up: the make-dist bundle against the development release build"
DEFAULT_REPS = 30

FIXTURES = Path(os.environ.get("VSTACK_FIXTURES") or common.ROOT / ".fixtures")
DIST = Path(os.environ.get("VSTACK_DIST") or common.ROOT / "dist")
SMALL_ZARR = FIXTURES / "zarr" / "v2" / "v2-uint16-blosc-lz4-shuffle.zarr"


def _process(label: str, binary: Path, args: list[str]) -> common.Reader:
    def run() -> dict[str, common.Sample]:
        with common.Stopwatch() as sw:
            r = subprocess.run([str(binary), *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=60,
                               env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TERM": "xterm-256color"})
        if r.returncode != 0:
            raise RuntimeError(f"{binary} {' '.join(args)}: exit {r.returncode}: {r.stderr.decode()[:200]}")
        return {label: sw.sample}
    return run


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    tarballs = sorted(DIST.glob("vstack-*-linux-x86_64.tar.gz"))
    wheels = sorted(DIST.glob("vstack-*-py3-none-manylinux_*.whl"))
    dev = common.vstack_bin()
    failed = []
    if not tarballs:
        failed.append(f"no bundle in {DIST} (make dist)")
    if not dev.exists():
        failed.append(f"no development build at {dev} (swift build -c release)")
    if not SMALL_ZARR.exists():
        failed.append(f"no fixture {SMALL_ZARR} (make fixtures)")
    if failed:
        return "## Start-up\n\n" + "; ".join(failed) + "\n", {"failed": failed}

    workdir = Path(tempfile.mkdtemp(prefix="vstack-startup-"))
    with tarfile.open(tarballs[-1]) as t:
        t.extractall(workdir)
    bundle = next(workdir.glob("vstack-*")) / "bin" / "vstack"
    cases = [("--version", ["--version"]), ("info small Zarr", ["info", str(SMALL_ZARR), "--json"]),
             ("render demo:", ["render", "demo:", "--size", "80x24", "--mode", "ascii", "--color", "none"])]
    rows, payload = [], {"machine": common.machine_info([]), "cases": {}, "failed": []}
    for label, args in cases:
        series = common.repeat({"bundle": _process("bundle", bundle, args),
                                "development": _process("development", dev, args)}, reps)
        b, d = series["bundle"], series["development"]
        if b.error or d.error:
            payload["failed"].append(f"{label}: {b.error or d.error}")
            continue
        ratio = b.median / d.median if b.median and d.median else None
        rows.append([label, fmt(b.median * 1000, 1), fmt(d.median * 1000, 1), fmt(ratio, 2)])
        payload["cases"][label] = {"bundle": b.to_json(), "development": d.to_json(), "ratio": ratio}
    shared = subprocess.run(["ldd", str(dev)], capture_output=True, text=True).stdout.count("=>")
    sizes = {"tarball": tarballs[-1].stat().st_size, "executable": bundle.stat().st_size, "development_libraries": shared,
             "wheel": wheels[-1].stat().st_size if wheels else None, "development": dev.stat().st_size}
    payload["sizes"] = sizes
    mib = lambda n: "–" if n is None else f"{n / 2**20:.1f} MiB"  # noqa: E731
    md = ["## Start-up: the make-dist bundle against the development build (`bench/startup.py`)", "",
          common.machine_markdown(payload["machine"]), "",
          f"Median of {reps} whole processes each, round robin; ratio = bundle ÷ development build.", "",
          common.markdown_table(["command", "bundle ms", "development ms", "ratio"], rows), "",
          f"Sizes: tarball {mib(sizes['tarball'])}, wheel {mib(sizes['wheel'])}, bundle executable "
          f"{mib(sizes['executable'])} (the development build {mib(sizes['development'])} plus {shared} shared libraries).", ""]
    return "\n".join(md), payload
