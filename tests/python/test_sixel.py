"""The sixel encoder against a reference decoder: libsixel's `sixel2png`.

`vstack bench sixel IN.npy -o OUT.six` writes `SixelEncoder.encode` of an (H, W, 3) uint8
picture; sixel2png decodes it and the PNG is compared with the input. Sixel colours are
percent (101 levels a channel), so the best a decoder can show is within 1.3/255 of the
input; pictures with at most 256 colours are drawn exactly up to that, others through a
median-cut palette.
"""
import json
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from conftest import describe, run_vstack

SIXEL2PNG = shutil.which("sixel2png")


def roundtrip(tmp_path, rgb, name="img"):
    """Encodes `rgb` with vstack, decodes with sixel2png; returns (decoded RGB, bench JSON, sixel bytes)."""
    if SIXEL2PNG is None:
        pytest.fail("sixel2png not found: install libsixel-bin (scripts/install-deps.sh --test)")
    src, six, png = tmp_path / f"{name}.npy", tmp_path / f"{name}.six", tmp_path / f"{name}.png"
    np.save(src, np.ascontiguousarray(rgb, dtype=np.uint8))
    proc = run_vstack("bench", "sixel", src, "-o", six)
    assert proc.returncode == 0, describe(proc)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    data = six.read_bytes()
    assert out["bytes"] == len(data)
    r = subprocess.run([SIXEL2PNG, "-i", str(six), "-o", str(png)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"sixel2png failed: {r.stderr}"
    return np.asarray(Image.open(png).convert("RGB")), out, data


def gray3(g):
    return np.repeat(np.asarray(g, dtype=np.uint8)[:, :, None], 3, axis=2)


def microscopy(h=768, w=1024, seed=0):
    """Smooth background gradients, bright blobs and noise: a stand-in for a fluorescence plane."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    g = 40 + 50 * (x / w) + 30 * np.sin(y / 90.0) * np.cos(x / 130.0)
    for _ in range(40):
        cy, cx, s = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(6, 30)
        g += rng.uniform(60, 150) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
    g += rng.normal(0, 8, (h, w))
    return np.clip(np.rint(g), 0, 255).astype(np.uint8)


def assert_close(decoded, rgb, tol):
    assert decoded.shape == rgb.shape, f"decoded {decoded.shape}, encoded {rgb.shape}"
    err = np.abs(decoded.astype(int) - rgb.astype(int))
    assert err.max() <= tol, f"max error {err.max()} > {tol} at {np.unravel_index(err.argmax(), err.shape)}"
    return err


@pytest.mark.parametrize("h,w", [(1, 1), (6, 256), (7, 300), (13, 255), (64, 64)])
def test_gray_ramp(tmp_path, h, w):
    g = (np.arange(w)[None, :] * 255 // max(1, w - 1) + np.arange(h)[:, None] * 37) % 256
    rgb = gray3(g)
    decoded, _, _ = roundtrip(tmp_path, rgb)
    assert_close(decoded, rgb, 2)
    # every level keeps its own percent where percent allows: as many decoded levels as
    # distinct percents of the input levels
    percents = {round(v * 100 / 255) for v in np.unique(g)}
    assert len(np.unique(decoded[..., 0])) == len(percents)


def test_all_256_grays(tmp_path):
    rgb = gray3(np.tile(np.arange(256, dtype=np.uint8), (24, 4)))
    decoded, _, _ = roundtrip(tmp_path, rgb)
    assert_close(decoded, rgb, 2)
    assert len(np.unique(decoded[..., 0])) == 101
    assert (decoded[..., 0] == decoded[..., 1]).all() and (decoded[..., 1] == decoded[..., 2]).all()


@pytest.mark.parametrize("colours,seed", [(2, 1), (17, 2), (200, 3), (256, 4)])
def test_random_colours(tmp_path, colours, seed):
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    rgb = palette[rng.integers(0, colours, (50, 83))]
    decoded, _, _ = roundtrip(tmp_path, rgb)
    assert_close(decoded, rgb, 2)


def test_microscopy_plane(tmp_path):
    g = microscopy()
    rgb = gray3(g)
    decoded, out, data = roundtrip(tmp_path, rgb)
    assert_close(decoded, rgb, 2)
    assert data.startswith(b'\x1bP0;1;0q"1;1;1024;768') and data.endswith(b"\x1b\\")
    assert out["bytes"] < 3 * g.size   # noisy, but far from one byte a pixel per register


def test_many_colours(tmp_path):
    """A smooth two-colour-channel gradient (65536 colours) and the same with noise: median cut."""
    h, w = 256, 256
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x, y, np.full_like(x, 128)], axis=2).astype(np.uint8)
    decoded, _, _ = roundtrip(tmp_path, rgb, "gradient")
    err = assert_close(decoded, rgb, 40)
    assert err.mean() < 6
    rng = np.random.default_rng(5)
    noisy = np.clip(rgb.astype(int) + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)
    decoded, _, _ = roundtrip(tmp_path, noisy, "noisy")
    err = assert_close(decoded, noisy, 60)
    assert err.mean() < 8
