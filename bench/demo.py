"""demo: what the synthetic dataset `demo:` costs to compute, per chunk and to the first frame.

`demo:` is computed chunk by chunk (it is never stored), so its cost is the cost of the
first picture anyone sees and of every scrubbing step in the demo. Two measurements:

  per chunk    `vstack bench decode demo: --threads 1 --json`: 64 chunks (256×256 uint16)
               spread evenly over c, t and z (empty agarose and dense cell layer alike), one
               thread, in process; ms per chunk
  first frame  `vstack bench plane demo: --at AT --json` from a cold cache, in process
               (first_frame_ms: 12 chunks computed on the loader threads and rendered at
               160×48 cells), at the viewer's default view and at a plane through the
               dense cell layer, for each channel

There is no peer that computes this dataset. The comparison is with a previous generator:
set VSTACK_BEFORE_BIN to a vstack built before a change to `Sources/Formats/Synthetic/`
and both binaries are measured round robin in the same run (the ratio is before ÷ after,
> 1: the change made it cheaper).
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import common
from common import fmt, log

NAME = "demo"
DESCRIPTION = "the synthetic dataset demo:: ms per chunk and first frame (against VSTACK_BEFORE_BIN when set)"
DEFAULT_REPS = 5
VIEWS = [("default view (c=1, t=99, z=100)", None)] + [
    (f"c={c} t=10 z=48 (the cell layer face on)", f"c={c},t=10,z=48") for c in range(3)]


def _run(binary: Path, args: list[str]) -> dict:
    saved = os.environ.get("VSTACK_BIN")
    os.environ["VSTACK_BIN"] = str(binary)
    try:
        return common.run_vstack_json(args)[0]
    finally:
        if saved is None:
            del os.environ["VSTACK_BIN"]
        else:
            os.environ["VSTACK_BIN"] = saved


def _measure(binary: Path) -> dict[str, float]:
    out = {"chunk_ms": _run(binary, ["bench", "decode", "demo:", "--threads", "1"])["seconds"] / 64 * 1e3}
    for label, at in VIEWS:
        args = ["bench", "plane", "demo:"] + (["--at", at] if at else [])
        out[label] = _run(binary, args)["first_frame_ms"]
    return out


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    t0 = time.perf_counter()
    binaries = {"after": common.vstack_bin()}
    if os.environ.get("VSTACK_BEFORE_BIN"):
        binaries["before"] = Path(os.environ["VSTACK_BEFORE_BIN"])
    for b in binaries.values():
        if not b.exists():
            raise SystemExit(f"{b} not found (swift build -c release --product vstack)")
    info = common.machine_info([])
    info["vstack"] = common.vstack_version()
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in binaries}
    names = list(binaries)
    for rep in range(-1, reps):
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            log(f"  {'warm-up' if rep < 0 else f'rep {rep + 1}/{reps}'}: {name} ...")
            result = _measure(binaries[name])
            if rep >= 0:
                runs[name].append(result)
    medians = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in runs.items()}
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "binaries": {k: str(v) for k, v in binaries.items()},
               "runs": runs, "medians": medians, "failed": [], "total_seconds": round(time.perf_counter() - t0, 1)}
    return _markdown(medians, info, reps), payload


def _markdown(medians: dict[str, dict[str, float]], info: dict, reps: int) -> str:
    md = ["## demo: the synthetic dataset's cost", "", common.machine_markdown(info),
          f"- vstack {info['vstack']}; median of {reps} runs; in process", ""]
    before = "before" in medians
    headers = ["measurement", "ms"] + (["before ms", "before ÷ after"] if before else [])
    rows = []
    for m in medians["after"]:
        label = "one chunk (256×256, one thread, mean of 64 spread over the dataset)" if m == "chunk_ms" \
            else f"first frame, {m}"
        row = [label, fmt(medians["after"][m], 2)]
        if before:
            row += [fmt(medians["before"][m], 2), fmt(medians["before"][m] / medians["after"][m], 2) + "×"]
        rows.append(row)
    md.append(common.markdown_table(headers, rows))
    return "\n".join(md) + "\n"
