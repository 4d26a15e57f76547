#!/usr/bin/env python3
"""vstack benchmarks against its peers, all in the same run.

    bench/run.py [names...] [--reps N] [--regenerate] [--list]

With no names, runs every benchmark. Prints a Markdown report on stdout (progress on
stderr) and writes .bench/results-<name>.json. A benchmark is a module in this folder
with NAME, DESCRIPTION, DEFAULT_REPS and run(reps, regenerate) -> (markdown, payload);
a payload listing "failed" rows makes the exit status 1 (after the whole report).
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

BENCHMARKS = ["decode", "render", "scrub", "tui", "tiff", "operators", "pyramid", "labels", "remote", "pixels", "lightsheet",
              "demo", "dask_script", "startup"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="name", help=f"benchmarks to run (default: all of {BENCHMARKS})")
    p.add_argument("--reps", "-n", type=int, help="repetitions per reader (default: per benchmark)")
    p.add_argument("--regenerate", action="store_true", help="rebuild the generated datasets")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = p.parse_args(argv)

    modules = {n: importlib.import_module(n) for n in BENCHMARKS}
    if args.list:
        for n, m in modules.items():
            print(f"{n:10} {m.DESCRIPTION} (default {m.DEFAULT_REPS} reps)")
        return 0
    unknown = [n for n in args.names if n not in modules]
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(unknown)}; have {', '.join(BENCHMARKS)}")
    if args.reps is not None and args.reps < 1:
        p.error("--reps must be >= 1")

    failed = []
    print("# vstack benchmarks\n")
    for n in args.names or BENCHMARKS:
        m = modules[n]
        t0 = time.perf_counter()
        common.log(f"== {n}: {m.DESCRIPTION}")
        markdown, payload = m.run(reps=args.reps or m.DEFAULT_REPS, regenerate=args.regenerate)
        path = common.write_json(n, payload)
        print(markdown)
        print(f"_results: {path.relative_to(common.ROOT)}_\n", flush=True)
        common.log(f"== {n} done in {time.perf_counter() - t0:.0f} s -> {path}")
        failed += [f"{n}: {x}" for x in payload.get("failed", [])]
    if failed:
        common.log("some measurements failed: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
