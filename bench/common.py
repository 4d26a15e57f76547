"""Shared benchmark helpers: timing, repetition, statistics, machine info, tables, JSON.

A benchmark reader is a callable that does one measured repetition and returns
{label: Sample}; most readers time themselves with `Stopwatch`, a subprocess
reader may also report the time the program measured inside itself. `repeat`
calls the readers round-robin (reader A, B, C, A, B, C, ...) so that noise
from other users of the machine spreads over all of them, not one.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent        # /work/main
BENCH_DIR = ROOT / ".bench"                            # results-<name>.json
DATA_DIR = BENCH_DIR / "data"                          # generated datasets

DEFAULT_REPS = 5   # for fast benchmarks; slow ones set their own (decode: 3)


def log(*parts) -> None:
    """Progress goes to stderr; stdout is kept for the Markdown report."""
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- timing

@dataclass
class Sample:
    seconds: float                 # wall-clock time of one repetition
    cpu_seconds: float | None = None   # user+sys CPU time (all threads/children), if known


class Stopwatch:
    """`with Stopwatch() as sw: ...` -> sw.sample: wall time (perf_counter) and the CPU
    time used meanwhile by this process and its finished children (user + sys)."""

    def __enter__(self) -> "Stopwatch":
        self._cpu0 = _cpu_now()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._t0
        self.sample = Sample(wall, _cpu_now() - self._cpu0)


def _cpu_now() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


Reader = Callable[[], dict[str, Sample]]


@dataclass
class Series:
    """All repetitions of one row of a table."""
    label: str
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None

    @property
    def times(self) -> list[float]:
        return [s.seconds for s in self.samples]

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.samples else None

    @property
    def best(self) -> float | None:
        return min(self.times) if self.samples else None

    @property
    def cpu_median(self) -> float | None:
        cpu = [s.cpu_seconds for s in self.samples if s.cpu_seconds is not None]
        return statistics.median(cpu) if cpu else None

    def to_json(self) -> dict:
        return {"label": self.label, "error": self.error, "seconds": self.times,
                "cpu_seconds": [s.cpu_seconds for s in self.samples],
                "median_s": self.median, "best_s": self.best, "cpu_median_s": self.cpu_median}


def repeat(readers: dict[str, Reader], reps: int, warmup: int = 1) -> dict[str, Series]:
    """Runs each reader `warmup` times untimed (libraries, thread pools and first-touch
    memory), then `reps` times round-robin, rotating the starting reader each round so no
    reader always follows the same one. A reader that raises is reported (Series.error) and
    not run again; the others go on. Returns label -> Series in first-seen order."""
    series: dict[str, Series] = {}
    failed: set[str] = set()
    names = list(readers)
    for rep in range(-warmup, reps):
        k = rep % len(names)
        for name in names[k:] + names[:k]:
            if name in failed:
                continue
            what = "warm-up" if rep < 0 else f"rep {rep + 1}/{reps}"
            log(f"  {what}: {name} ...")
            try:
                result = readers[name]()
            except Exception as e:  # noqa: BLE001 - reported in the table, not fatal
                failed.add(name)
                message = f"{type(e).__name__}: {e}".strip().replace("\n", " ")[:300]
                series.setdefault(name, Series(name)).error = message
                log(f"    {name} failed: {message}")
                continue
            for label, sample in result.items():
                log(f"    {label}: {sample.seconds:.3f} s")
                if rep >= 0:
                    series.setdefault(label, Series(label)).samples.append(sample)
    return series


# ---------------------------------------------------------------- machine

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def package_versions(names: list[str]) -> dict[str, str]:
    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "not installed"
    return out


def git_commit() -> str | None:
    """The checked-out commit (read-only; the tree may have uncommitted changes)."""
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info(packages: list[str]) -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model(),
        "mem_gib": mem_total_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "vstack_commit": git_commit(),
        "versions": package_versions(packages),
    }


def machine_markdown(info: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    load = " / ".join(str(x) for x in info["loadavg_start"])
    return (f"- date: {info['date']}; checked-out commit {info['vstack_commit'] or '?'}\n"
            f"- machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['mem_gib']} GiB RAM, "
            f"Linux {info['kernel']}; load average at start {load}\n"
            f"- Python {info['python']}: {versions}")


# ---------------------------------------------------------------- vstack binary

def vstack_bin() -> Path:
    return Path(os.environ.get("VSTACK_BIN") or ROOT / ".build" / "release" / "vstack")


def run_vstack_json(args: list[str]) -> tuple[dict, float]:
    """Runs `vstack ARGS --json`; returns its JSON and the whole process's wall time."""
    t0 = time.perf_counter()
    r = subprocess.run([str(vstack_bin()), *args, "--json"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=900)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"vstack {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()[:200]}")
    return json.loads(r.stdout), wall


def vstack_version() -> str:
    try:
        r = subprocess.run([str(vstack_bin()), "--version"], capture_output=True, text=True, timeout=30)
        return (r.stdout.strip() or r.stderr.strip() or "?").splitlines()[0]
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


# ---------------------------------------------------------------- page cache

def warm_files(path: Path) -> tuple[int, int]:
    """Reads every file under `path` once, so that all readers then find it in the page
    cache (we do not drop caches on a shared machine). Returns (files, bytes)."""
    files = size = 0
    buf = bytearray(1 << 20)
    for dirpath, _, names in os.walk(path):
        for n in names:
            with open(os.path.join(dirpath, n), "rb", buffering=0) as f:
                while (k := f.readinto(buf)):
                    size += k
            files += 1
    return files, size


# ---------------------------------------------------------------- output

def fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def markdown_table(headers: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """align: one of 'l'/'r' per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                                 for c, w, a in zip(cells, widths, align)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else (":" + "-" * (w + 1))
                          for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), rule] + [line(r) for r in rows])


def write_json(name: str, payload: dict) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"results-{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)
    return path
