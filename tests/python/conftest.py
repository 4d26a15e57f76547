"""Shared setup for the vstack pytest suite.

Environment (set by `make test`, defaulting to the repository's own paths):
  VSTACK_FIXTURES  directory holding zarr/manifest.json (default <repo>/.fixtures)
  VSTACK_BIN       the vstack executable (default <repo>/.build/debug/vstack)
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("VSTACK_FIXTURES") or REPO / ".fixtures").resolve()
VSTACK_BIN = Path(os.environ.get("VSTACK_BIN") or REPO / ".build" / "debug" / "vstack").absolute()
MANIFEST = FIXTURES / "zarr" / "manifest.json"


def load_cases():
    """The manifest's cases ([] when the fixtures are missing; test_fixtures_present then fails)."""
    try:
        with open(MANIFEST) as f:
            return json.load(f)["cases"]
    except FileNotFoundError:
        return []


def run_vstack(*args, timeout=120):
    """Run vstack with the given arguments; returns the CompletedProcess (text mode)."""
    if not VSTACK_BIN.exists():
        pytest.fail(f"vstack binary not found at {VSTACK_BIN} (build it with `swift build`, or set VSTACK_BIN)")
    return subprocess.run([str(VSTACK_BIN), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def describe(proc):
    return f"exit {proc.returncode}\n  cmd: {' '.join(proc.args)}\n  stderr: {proc.stderr.strip()}"
