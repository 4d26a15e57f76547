"""The runnable scenarios in demos/ (issue 17 item 3): each script, run with
`--headless --dir <tmp>/<name>`, exits 0 within 60 s, prints a rendered frame on
stdout, and writes nothing outside its --dir. Every script also byte-compiles."""
import os
import py_compile
import subprocess
import sys
import tempfile

import pytest

from conftest import REPO, VSTACK_BIN

DEMOS = REPO / "demos"
SCRIPTS = sorted(DEMOS.glob("*.py"))
RUNNABLE = [p for p in SCRIPTS if not p.name.startswith("_")]     # _common.py is a helper
BLOCKS = set("▀▄█▌▐▖▗▘▙▚▛▜▝▞▟")


def test_demos_exist():
    assert {p.name for p in RUNNABLE} >= {"lightsheet_dask.py", "ome_zarr_pyramid.py",
                                          "tiff_series.py", "remote_http.py",
                                          "filters_to_dask.py", "bigdataviewer.py"}
    assert (DEMOS / "README.md").exists()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_compiles(script, tmp_path):
    py_compile.compile(str(script), cfile=str(tmp_path / "x.pyc"), doraise=True)
    assert script.read_text().startswith("#!/usr/bin/env python3\n") or script.name.startswith("_")


def _temp_demo_dirs():
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("vstack-demo-")}


@pytest.mark.parametrize("script", RUNNABLE, ids=lambda p: p.name)
def test_headless(script, tmp_path):
    if not VSTACK_BIN.exists():
        pytest.fail(f"vstack binary not found at {VSTACK_BIN} (set VSTACK_BIN)")
    target = tmp_path / script.stem
    before, temps_before, demos_before = sorted(os.listdir(tmp_path)), _temp_demo_dirs(), sorted(os.listdir(DEMOS))
    env = dict(os.environ, VSTACK_BIN=str(VSTACK_BIN), LANG="C.UTF-8", TERM="xterm-256color")
    for var in ("LC_ALL", "LC_CTYPE", "VSTACK_COLOR", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    proc = subprocess.run([sys.executable, str(script), "--headless", "--dir", str(target)],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, f"exit {proc.returncode}\nstderr: {proc.stderr[-3000:]}"

    # A frame: a header line, then at least 20 rows, many of them holding block characters.
    lines = proc.stdout.splitlines()
    assert len(lines) >= 20, proc.stdout
    assert str(target) in lines[0] or "127.0.0.1" in lines[0], lines[0]
    drawn = [ln for ln in lines[1:] if BLOCKS & set(ln)]
    assert len(drawn) >= 10, proc.stdout

    # Nothing outside --dir: the parent holds only the target, no temp dir was made, demos/ is unchanged.
    assert sorted(os.listdir(tmp_path)) == sorted(before + [script.stem])
    assert _temp_demo_dirs() == temps_before
    assert sorted(os.listdir(DEMOS)) == demos_before, "the demo wrote into demos/ (a __pycache__?)"
    assert any(target.iterdir())
