"""Shared setup for the vstack pytest suite.

Environment (set by `make test`, defaulting to the repository's own paths):
  VSTACK_FIXTURES  directory holding zarr/manifest.json (default <repo>/.fixtures)
  VSTACK_BIN       the vstack executable (default <repo>/.build/debug/vstack)
"""
import errno
import json
import os
import subprocess
import time
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


def default_axis_names(shape):
    """The names vstack gives an array that names none (README "Axes"): guessed from a
    4-D/5-D shape (a leading axis of at most 8 is c, the other t), else the rank's default."""
    small = [1 <= n <= 8 for n in shape[:2]]
    if len(shape) == 4 and small[0]:
        return "czyx"
    if len(shape) == 5 and small[0] != small[1]:
        return "ctzyx" if small[0] else "tczyx"
    return {0: "", 1: "x", 2: "yx", 3: "zyx", 4: "tzyx", 5: "tczyx"}.get(len(shape))


def describe(proc):
    return f"exit {proc.returncode}\n  cmd: {' '.join(proc.args)}\n  stderr: {proc.stderr.strip()}"


# ------------------------------------------------------------------ render helpers (test_render.py)
# Variables that change how vstack detects the terminal; cleared unless a test sets them.
TERMINAL_VARS = ("LANG", "LC_ALL", "LC_CTYPE", "COLORTERM", "VSTACK_COLOR", "TERM", "COLUMNS", "LINES")


def render_env(**overrides):
    """A controlled environment for `vstack render`: LANG=C.UTF-8, TERM=xterm-256color, no
    LC_ALL/LC_CTYPE/COLORTERM/VSTACK_COLOR/COLUMNS/LINES; an override of None removes the variable."""
    env = {k: v for k, v in os.environ.items() if k not in TERMINAL_VARS}
    env.update(LANG="C.UTF-8", TERM="xterm-256color")
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run_vstack_bytes(*args, env=None, timeout=120):
    """Run vstack with `env` (default render_env()); returns the CompletedProcess with bytes stdout/stderr."""
    if not VSTACK_BIN.exists():
        pytest.fail(f"vstack binary not found at {VSTACK_BIN} (build it with `swift build`, or set VSTACK_BIN)")
    for attempt in range(10):
        try:
            return subprocess.run([str(VSTACK_BIN), *map(str, args)], capture_output=True, timeout=timeout,
                                  env=render_env() if env is None else env)
        except OSError as e:  # ETXTBSY: the binary is being rebuilt right now (concurrent `swift build`)
            if e.errno != errno.ETXTBSY or attempt == 9:
                raise
            time.sleep(1)


# ------------------------------------------------------------------ remote servers (servers.py, test_remote.py)
from servers import fault_server, latency_proxy, nginx_fixtures  # noqa: E402,F401  (pytest fixtures)


# ------------------------------------------------------------------ running in parallel (make test)
# `make test` runs the suite twice: every test not marked `serial` on several pytest-xdist workers
# (most tests wait on a vstack process, a tmux screen or a server rather than compute), then the
# `serial` ones alone: those that assert a wall-clock budget, which a busy neighbour would break.
# Each test's time (setup + call + teardown) is appended to $VSTACK_TEST_TIMES (a JSON line each),
# so scripts/slowest_tests.py can print the slowest of both runs at the end.
def pytest_configure(config):
    config.addinivalue_line("markers", "serial: asserts a wall-clock budget; run alone, not beside other tests")


_times = {}


def pytest_runtest_logreport(report):
    path = os.environ.get("VSTACK_TEST_TIMES")
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):  # the controller records the workers' reports
        return
    _times[report.nodeid] = _times.get(report.nodeid, 0.0) + report.duration
    if report.when == "teardown":
        with open(path, "a") as f:
            f.write(json.dumps({"test": report.nodeid, "seconds": round(_times.pop(report.nodeid), 3)}) + "\n")
