"""Physical scales in the picture: an ImageJ stack written by tifffile with 2 µm z steps and
0.4 µm pixels is drawn, in its zx view, as tall as its physical extent (each z step 5 pixels)."""
import numpy as np
import pytest
import tifffile

from conftest import describe, run_vstack
from test_tui import image_rows  # noqa: F401  (the tmux session fixture lives there)
from test_tui import session  # noqa: F401

Z, Y, X, DZ, DX = 20, 60, 100, 2.0, 0.4


@pytest.fixture
def stack(tmp_path):
    path = tmp_path / "ij.tif"
    data = ((np.arange(Z * Y * X) * 7) % 301).astype(np.uint16).reshape(Z, Y, X)
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / DX, 1 / DX), metadata={"spacing": DZ, "unit": "um", "axes": "ZYX"})
    return path


@pytest.mark.parametrize("aspect,ratio", [("data", Z * DZ / (X * DX)), ("pixels", Z / X)])
def test_ortho_view_has_the_physical_aspect(stack, aspect, ratio, tmp_path):
    out = tmp_path / "zx.npy"
    proc = run_vstack("render", stack, "--display", "z,x", "--size", "200x60", "--aspect", aspect, "-o", out)
    assert proc.returncode == 0, describe(proc)
    h, w = np.load(out).shape
    assert abs(h / w - ratio) <= 0.02, f"{aspect}: screen {w}x{h}, physical height/width {ratio}"


def test_ortho_key_in_the_viewer_draws_z_steps_five_rows_tall(session, stack):
    s = session(str(stack), width=120, height=40)
    s.ready()
    s.keys("o")
    s.wait(lambda x: "showing zx" in x, what="the zx view")
    # Cells whose two pixels match are drawn as coloured spaces: count rows that carry colour.
    drawn = [r for r in s.screen(escapes=True).split("\n")[:38] if "\x1b[" in r]
    # 20 z steps of 2 µm over 100 columns of 0.4 µm: a square, as tall as the 38-row pane allows
    # (square pixels would give 20 rows over 100 columns: 12 rows).
    assert len(drawn) == 38, f"{len(drawn)} image rows"


def test_probe_shows_the_physical_position(session, stack):
    s = session(str(stack), width=140, height=40)
    s.ready()
    s.keys("x")
    screen = s.wait(lambda x: "probe " in x, what="the probe")
    value = tifffile.imread(stack)[Z // 2, Y // 2, X // 2]
    line = next(l for l in screen.split("\n") if "probe " in l)
    assert line.strip() == f"probe y={Y // 2} x={X // 2} ({Y // 2 * DX:g} µm, {X // 2 * DX:g} µm): {value}", line
    status = next(l for l in screen.split("\n") if "cache " in l)
    assert " cell " in status and "µm" in status, status
