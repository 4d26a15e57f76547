#!/usr/bin/env python3
"""Prints the slowest tests of a `make test` run, so the suite's 20-minute budget stays visible.

    scripts/slowest_tests.py TIMES_FILE [N]

TIMES_FILE holds one JSON object a line, {"test": nodeid, "seconds": s}, appended by
tests/python/conftest.py for each test (setup + call + teardown) when VSTACK_TEST_TIMES names it.
"""
import json
import sys

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 15
try:
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
except FileNotFoundError:
    sys.exit(f"{path}: no test times recorded")
rows.sort(key=lambda r: -r["seconds"])
total = sum(r["seconds"] for r in rows)
print(f"the {min(n, len(rows))} slowest of {len(rows)} pytest cases ({total:.0f} s of test time in all):")
for r in rows[:n]:
    print(f"  {r['seconds']:7.2f} s  {r['test']}")
