"""`vstack render` against an independent reference renderer written here with numpy + matplotlib.

The reference follows vstack's documented pipeline (SPEC §5 and the render issue):
plane -> contrast (given, or the 0.5/99.5 percentiles of the finite values of the visible region,
numpy "linear") -> screen size (keeps data pixels square on 1:2 cells) -> block downsampling
(mean/max/nearest, integer block edges) -> t = clip((v-lo)/(hi-lo), 0, 1) ** gamma -> matplotlib
colour table[round(t*255)] (NaN -> (150, 0, 60)) -> glyphs (half/quad/braille/ascii) -> colour
depth (truecolor, xterm 256 cube+grays nearest, xterm 16) -> SGR text.

vstack's stdout is decoded back into a grid of (glyph, fg, bg) cells by an ANSI decoder and every
cell is compared with the reference.  Float rounding may flip a colour-map index at a boundary, so a
cell may differ by one colour-map step (any pixel of the cell), but >= 99% of the cells must match
exactly; braille on a mask must match exactly.  Expected values never come from vstack's own
rendering output; the demo plane's *data* comes from `vstack export` (there is no other source of
the synthetic dataset), and is rendered here independently.
"""
import json
import math
import re
import time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import product

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image

from conftest import FIXTURES, render_env, run_vstack_bytes

RENDER = FIXTURES / "render"
RMANIFEST = RENDER / "manifest.json"


def load_render_manifest():
    try:
        with open(RMANIFEST) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"downsample": [], "percentiles": [], "colormaps": {}, "arrays": []}


MANIFEST = load_render_manifest()
ARRAYS = {a["name"]: a for a in MANIFEST["arrays"]}

ESC = "\x1b"
NAN_RGB = (150, 0, 60)
PIXELS = {"half": (1, 2), "quad": (2, 2), "braille": (2, 4), "ascii": (1, 1)}
QUADRANTS = " ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█"
ASCII_RAMP = " .:-=+*#%@"
# braille dot bit for (column dx, row dy) in the 2x4 cell
BRAILLE_BITS = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20,
                (0, 3): 0x40, (1, 3): 0x80}
DEMO = ("demo:", "--at", "c=0,t=10,z=100")


# ====================================================================== reference renderer
def round_half_away(x):
    """Swift's .rounded(): half away from zero, exact on the double."""
    return int(Decimal(x).to_integral_value(rounding=ROUND_HALF_UP))


def screen_size(W, H, C, R, mode):
    px, py = PIXELS[mode]
    scale = min(C / W, 2 * R / H)
    w = round_half_away(W * scale * px)
    h = round_half_away(H * scale * py / 2)
    return min(max(w, 1), C * px), min(max(h, 1), R * py)


def block_edges(n_src, n_dst):
    """start and end of each screen pixel's block: [i*n//m, max((i+1)*n//m, start+1))."""
    e = (np.arange(n_dst + 1, dtype=np.int64) * n_src) // n_dst
    return e[:-1], np.maximum(e[1:], e[:-1] + 1)


def downsample(src, w, h, how):
    """src float32 (H, W) -> float32 (h, w). Vectorised with ufunc.reduceat: reduceat over start
    indices sums a[s_i:s_{i+1}] (or the single element a[s_i] when s_{i+1} <= s_i, the zoom-in
    case), which is exactly the block definition above."""
    H, W = src.shape
    ys, ye = block_edges(H, h)
    xs, xe = block_edges(W, w)
    if how == "nearest":
        return src[np.ix_(ys, xs)].astype(np.float32)
    a = src.astype(np.float64)
    if how == "mean":
        s = np.add.reduceat(np.add.reduceat(a, ys, axis=0), xs, axis=1)
        return (s / ((ye - ys)[:, None] * (xe - xs)[None, :])).astype(np.float32)
    if how == "max":
        return np.maximum.reduceat(np.maximum.reduceat(a, ys, axis=0), xs, axis=1).astype(np.float32)
    raise ValueError(how)


def auto_clim(src):
    finite = src[np.isfinite(src)].astype(np.float64)
    if finite.size == 0:
        return None
    lo, hi = np.percentile(finite, [0.5, 99.5])
    return float(lo), float(hi)


def normalize(screen, lo, hi, gamma):
    v = screen.astype(np.float64)
    with np.errstate(invalid="ignore"):
        t = (v - lo) / (hi - lo) if hi > lo else np.where(v > hi, 1.0, 0.0)
        t = np.clip(t, 0.0, 1.0) ** gamma
    t[np.isnan(v)] = np.nan
    return t


@lru_cache(maxsize=None)
def cmap_table(name):
    rgba = colormaps[name].resampled(256)(np.arange(256))
    return tuple(tuple(int(c) for c in row) for row in np.round(rgba[:, :3] * 255).astype(np.uint8))


def cmap_index(t):
    return -1 if math.isnan(t) else math.floor(min(max(t, 0.0), 1.0) * 255 + 0.5)


class Reference:
    """The reference rendering of one plane."""

    def __init__(self, plane, C, R, mode, clim=None, gamma=1.0, how="mean", cmap="gray"):
        src = np.asarray(plane).astype(np.float32)
        self.H, self.W = src.shape
        self.C, self.R, self.mode, self.cmap = C, R, mode, cmap
        self.clim = clim if clim is not None else auto_clim(src)
        lo, hi = self.clim if self.clim is not None else (0.0, 1.0)  # all-NaN: any window gives NaN colours
        self.w, self.h = screen_size(self.W, self.H, C, R, mode)
        self.screen = downsample(src, self.w, self.h, how)
        self.t = normalize(self.screen, lo, hi, gamma)
        self.table = cmap_table(cmap)
        px, py = PIXELS[mode]
        self.used = (min(C, -(-self.w // px)), min(R, -(-self.h // py)))

    def rgb(self, t):
        return NAN_RGB if t is None or math.isnan(t) else self.table[cmap_index(t)]

    def rgb_image(self):
        lut = np.array(self.table + (NAN_RGB,), np.uint8)
        idx = np.array([cmap_index(t) for t in self.t.ravel()]).reshape(self.t.shape)
        return lut[idx], idx

    def cell_values(self, cx, cy):
        """Normalised values of the cell's pixels in the mode's order (None past the image edge)."""
        def px(x, y):
            return float(self.t[y, x]) if x < self.w and y < self.h else None
        if self.mode == "half":
            return [px(cx, 2 * cy), px(cx, 2 * cy + 1)]
        if self.mode == "quad":
            return [px(2 * cx, 2 * cy), px(2 * cx + 1, 2 * cy), px(2 * cx, 2 * cy + 1), px(2 * cx + 1, 2 * cy + 1)]
        if self.mode == "braille":
            return [px(2 * cx + dx, 4 * cy + dy) for (dx, dy) in BRAILLE_BITS]
        return [px(cx, cy)]


# ---------------------------------------------------------------------- colour depths
def xterm256():
    system = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
              (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
              (255, 0, 255), (0, 255, 255), (255, 255, 255)]
    levels = [0, 95, 135, 175, 215, 255]
    cube = [(r, g, b) for r in levels for g in levels for b in levels]
    grays = [(8 + 10 * i,) * 3 for i in range(24)]
    return np.array(system + cube + grays, np.int64)


PALETTE = xterm256()


def nearest_set(rgb, lo, hi):
    d = ((PALETTE[lo:hi] - np.array(rgb)) ** 2).sum(axis=1)
    return frozenset(("idx", lo + int(i)) for i in np.flatnonzero(d == d.min()))


@lru_cache(maxsize=None)
def quantized(rgb, depth):
    """All terminal colours a correct renderer may send for `rgb` (ties of the nearest search included)."""
    if depth == "truecolor":
        return frozenset([("rgb", tuple(rgb))])
    if depth == "256":
        return nearest_set(rgb, 16, 256)   # cube + grays; the themable system colours are not used
    if depth == "16":
        return nearest_set(rgb, 0, 16)
    return frozenset([None])


# ---------------------------------------------------------------------- glyph rules
def half_ok(cell, vals, ref, depth):
    g, fg, bg = cell
    top = quantized(ref.rgb(vals[0]), depth)
    bottom = quantized(ref.rgb(vals[1]), depth) if vals[1] is not None else frozenset([None])
    if g == "▀":
        return fg in top and bg in bottom and fg != bg
    return g == " " and bg in (top & bottom)


def quad_split(colors):
    """Best 2-colour split of the present pixels (None = past the edge): tries masks 0..7 (bit 3,
    bottom right, always background), group means by integer division, least squared RGB error,
    first minimum wins. Returns (mask, fg_rgb, bg_rgb)."""
    best = None
    for mask in range(8):
        groups = ([], [])
        for k, c in enumerate(colors):
            if c is not None:
                groups[(mask >> k) & 1].append(c)
        means = [tuple(sum(ch) // len(g) for ch in zip(*g)) if g else None for g in groups]
        err = sum((a - b) ** 2 for g, m in zip(groups, means) for c in g for a, b in zip(c, m))
        if best is None or err < best[0]:
            best = (err, mask, means[1], means[0])
    _, mask, fg, bg = best
    assert bg is not None and (mask == 0 or fg is not None)
    return mask, fg, bg


def quad_ok(cell, vals, ref, depth):
    g, fg, bg = cell
    mask, fg_rgb, bg_rgb = quad_split([ref.rgb(v) if v is not None else None for v in vals])
    sb = quantized(bg_rgb, depth)
    if mask == 0:
        return g == " " and bg in sb
    sf = quantized(fg_rgb, depth)
    if g == QUADRANTS[mask]:
        return fg in sf and bg in sb and fg != bg
    return g == " " and bg in (sf & sb)


def braille_ok(cell, vals, ref, depth):
    g, fg, bg = cell
    bits, lit = 0, []
    for (pos, bit), v in zip(BRAILLE_BITS.items(), vals):
        if v is not None and v >= 0.5:
            bits |= bit
            lit.append(v)
    if not bits:
        return g == " " and bg is None
    return g == chr(0x2800 + bits) and bg is None and fg in quantized(ref.rgb(sum(lit) / len(lit)), depth)


def ascii_ok(cell, vals, ref, depth):
    g, fg, bg = cell
    t = vals[0]
    glyph = "?" if math.isnan(t) else ASCII_RAMP[math.floor(t * 9 + 0.5)]
    if glyph == " ":
        return g == " " and bg is None
    if g != glyph or bg is not None:
        return False
    return fg is None if depth == "none" else fg in quantized(ref.rgb(t), depth)


CELL_OK = {"half": half_ok, "quad": quad_ok, "braille": braille_ok, "ascii": ascii_ok}


def neighbours(v):
    """The values one colour-map step either side (same NaN/None)."""
    if v is None or math.isnan(v):
        return [v]
    return [v, max(0.0, v - 1 / 255), min(1.0, v + 1 / 255)]


BLANK = (" ", None, None)


def is_blank(cell):
    return cell[0] == " " and cell[2] is None


def compare_grid(grid, ref, depth, cmd, exact_only=False, min_exact=0.99):
    """Every cell of the decoded grid against the reference."""
    assert len(grid) == ref.R, f"{len(grid)} frame lines, expected {ref.R}\n  cmd: {cmd}"
    ok = CELL_OK[ref.mode]
    exact = tolerant = total = 0
    failures = []
    for cy in range(ref.R):
        assert len(grid[cy]) <= ref.C, f"line {cy} has {len(grid[cy])} cells > {ref.C}\n  cmd: {cmd}"
        row = grid[cy] + [BLANK] * (ref.C - len(grid[cy]))
        for cx in range(ref.C):
            cell = row[cx]
            if cx >= ref.used[0] or cy >= ref.used[1]:
                if not is_blank(cell):
                    failures.append(f"cell (x={cx}, y={cy}) outside the {ref.w}x{ref.h}-pixel image: "
                                    f"vstack {cell!r}, expected blank")
                continue
            total += 1
            vals = ref.cell_values(cx, cy)
            if ok(cell, vals, ref, depth):
                exact += 1
            elif not exact_only and any(ok(cell, list(c), ref, depth) for c in product(*map(neighbours, vals))):
                tolerant += 1
            else:
                rgbs = [ref.rgb(v) if v is not None else None for v in vals]
                failures.append(
                    f"cell (x={cx}, y={cy}): vstack {cell!r}; reference pixel values t={[None if v is None else round(v, 6) for v in vals]}, "
                    f"colormap indexes {[None if v is None else cmap_index(v) for v in vals]}, rgb {rgbs}, "
                    f"allowed {[sorted(quantized(c, depth), key=str) if c else None for c in rgbs]}")
    assert not failures, (f"{len(failures)} cells disagree with the reference ({ref.mode}, {depth}, "
                          f"clim {ref.clim}, screen {ref.w}x{ref.h}):\n  " + "\n  ".join(failures[:8])
                          + f"\n  cmd: {cmd}")
    assert total > 0
    assert exact >= min_exact * total, (f"only {exact} of {total} cells match exactly ({tolerant} within one "
                                        f"colour-map step)\n  cmd: {cmd}")
    return exact, tolerant, total


# ====================================================================== ANSI decoder
SGR = re.compile(r"\x1b\[([0-9;]*)m")
TRAILING_SGR = re.compile(r"(?:\x1b\[[0-9;]*m)+$")


class Pen:
    def __init__(self):
        self.fg = self.bg = None

    def apply(self, params):
        ps = [int(p) if p else 0 for p in params.split(";")]
        i = 0
        while i < len(ps):
            p = ps[i]
            if p == 0:
                self.fg = self.bg = None
            elif p == 39:
                self.fg = None
            elif p == 49:
                self.bg = None
            elif 30 <= p <= 37:
                self.fg = ("idx", p - 30)
            elif 90 <= p <= 97:
                self.fg = ("idx", p - 90 + 8)
            elif 40 <= p <= 47:
                self.bg = ("idx", p - 40)
            elif 100 <= p <= 107:
                self.bg = ("idx", p - 100 + 8)
            elif p in (38, 48):
                kind = ps[i + 1] if i + 1 < len(ps) else None
                if kind == 5 and i + 2 < len(ps) and 0 <= ps[i + 2] <= 255:
                    color, i = ("idx", ps[i + 2]), i + 2
                elif kind == 2 and i + 4 < len(ps) and all(0 <= v <= 255 for v in ps[i + 2:i + 5]):
                    color, i = ("rgb", tuple(ps[i + 2:i + 5])), i + 4
                else:
                    raise ValueError(f"malformed extended colour in SGR {params!r}")
                if p == 38:
                    self.fg = color
                else:
                    self.bg = color
            else:
                raise ValueError(f"unexpected SGR parameter {p} in {params!r}")
            i += 1


def decode_ansi(text):
    """ANSI text (lines separated by "\n") -> list of rows of (glyph, fg, bg) cells. Colours are None
    (terminal default), ("idx", n) or ("rgb", (r, g, b)). The pen state carries across cells and
    lines, as on a terminal. Also returns the pen state at the end of each line."""
    pen = Pen()
    rows, ends = [], []
    for line in text.split("\n"):
        cells, i = [], 0
        while i < len(line):
            if line[i] == ESC:
                m = SGR.match(line, i)
                if not m:
                    raise ValueError(f"unexpected escape sequence {line[i:i + 12]!r}")
                pen.apply(m.group(1))
                i = m.end()
                continue
            ch = line[i]
            if not ch.isprintable():
                raise ValueError(f"control character {ch!r} in a frame line")
            cells.append((ch, pen.fg, pen.bg))
            i += 1
        rows.append(cells)
        ends.append((pen.fg, pen.bg))
    return rows, ends


def split_output(out, header):
    """stdout bytes -> (header line or None, frame text, decoded rows)."""
    text = out.decode("utf-8")
    assert text.endswith("\n"), f"output does not end with a newline: {text[-40:]!r}"
    lines = text[:-1].split("\n")
    head = lines.pop(0) if header else None
    frame = "\n".join(lines)
    rows, ends = decode_ansi(frame)
    for y, (line, row, end) in enumerate(zip(lines, rows, ends)):
        assert end == (None, None), f"line {y} leaves colours set at its end ({end}); line ends {line[-30:]!r}"
        if ESC in line:
            # a line that set colours ends with the reset ESC[0m, and nothing else dangles after its last glyph
            tail = TRAILING_SGR.search(line)
            assert tail is not None and tail.group(0) == ESC + "[0m", f"line {y} ends {line[-30:]!r}"
        assert not row or not is_blank(row[-1]), f"line {y} ends with a blank cell (trailing blanks are omitted)"
    return head, frame, rows


# ====================================================================== running vstack
def array_path(name):
    return FIXTURES / ARRAYS[name]["path"]


def load_reference(name):
    return np.load(FIXTURES / ARRAYS[name]["reference"])


@pytest.fixture(scope="session")
def demo_planes(tmp_path_factory):
    """Data of the demo plane c=0,t=10,z=100 (full, via `vstack export`), for the reference renderer."""
    d = tmp_path_factory.mktemp("demo")
    out = d / "plane.npy"
    proc = run_vstack_bytes("export", *DEMO, "-o", out)
    assert proc.returncode == 0, proc.stderr.decode()
    a = np.load(out)
    assert a.shape == (1024, 768) and a.dtype == np.uint16 and a.min() != a.max()
    return a


def cmdline(proc):
    return " ".join(map(str, proc.args))


def render(args, env=None, header=True, timeout=120):
    args = list(map(str, args))
    if not header:
        args.append("--no-header")
    proc = run_vstack_bytes("render", *args, env=env, timeout=timeout)
    cmd = cmdline(proc)
    assert proc.returncode == 0, f"exit {proc.returncode}\n  cmd: {cmd}\n  stderr: {proc.stderr.decode().strip()}"
    return proc, cmd


def fmt_clim(v):
    """vstack's header number: an integer when integral, else rounded to 3 decimals (integers from 100 up)."""
    if v == math.floor(v) and abs(v) < 1e9:
        return str(int(v))
    if abs(v) >= 100:
        return str(round_half_away(v))
    scaled = Decimal(v * 1000).to_integral_value(rounding=ROUND_HALF_UP)
    return repr(math.copysign(float(scaled), v) / 1000)


def expected_header(path, indices, region, clim, cmap, mode, C, R):
    (y0, y1), (x0, x1) = region
    parts = [str(path)] + ([indices] if indices else []) + [f"y {y0}:{y1} x {x0}:{x1}"]
    parts += [f"clim {fmt_clim(clim[0])}..{fmt_clim(clim[1])}", cmap, f"{mode} {C}x{R}"]
    return "  ".join(parts)[:max(C, 20)]


# ====================================================================== (a) the decoder itself
def test_decoder_combined_params_and_state():
    rows, ends = decode_ansi(f"{ESC}[38;5;16;48;5;232m▀▀{ESC}[48;5;255m▀{ESC}[39m {ESC}[0m\n"
                             f"{ESC}[38;2;1;2;3m@{ESC}[48;2;250;0;9m#{ESC}[49m-{ESC}[31;102mx{ESC}[mz")
    a, b = rows
    assert a == [("▀", ("idx", 16), ("idx", 232)), ("▀", ("idx", 16), ("idx", 232)),
                 ("▀", ("idx", 16), ("idx", 255)), (" ", None, ("idx", 255))]
    assert b == [("@", ("rgb", (1, 2, 3)), None), ("#", ("rgb", (1, 2, 3)), ("rgb", (250, 0, 9))),
                 ("-", ("rgb", (1, 2, 3)), None), ("x", ("idx", 1), ("idx", 10)), ("z", None, None)]
    assert ends == [(None, None), (None, None)]


def test_decoder_carries_state_across_lines_and_rejects_garbage():
    rows, ends = decode_ansi(f"{ESC}[97;40mA\nB")
    assert rows == [[("A", ("idx", 15), ("idx", 0))], [("B", ("idx", 15), ("idx", 0))]]
    assert ends[0] == (("idx", 15), ("idx", 0))
    for bad in (f"{ESC}[38;5m", f"{ESC}[38;2;1;2m", f"{ESC}[5m", f"{ESC}[2J", f"{ESC}[38;5;256m", "a\tb"):
        with pytest.raises(ValueError):
            decode_ansi(bad)


def test_reference_helpers():
    """Sanity of the reference's building blocks against hand-computed values."""
    assert screen_size(768, 1024, 160, 47, "half") == (71, 94)
    assert screen_size(200, 300, 1, 1, "half") == (1, 2)
    assert screen_size(160, 120, 40, 15, "braille") == (80, 60)
    assert round_half_away(2.5) == 3 and round_half_away(-2.5) == -3 and round_half_away(0.49999999999999994) == 0
    assert quantized((0, 0, 0), "256") == {("idx", 16)}
    assert quantized((8, 8, 8), "256") == {("idx", 232)}
    assert quantized((255, 255, 255), "256") == {("idx", 231)}
    assert quantized((205, 0, 0), "16") == {("idx", 1)}
    assert quad_split([(0, 0, 0), (255, 255, 255), (0, 0, 0), (255, 255, 255)])[0] == 5  # left column
    assert quad_split([(9, 9, 9)] * 3 + [None])[0] == 0
    assert fmt_clim(1043.0) == "1043" and fmt_clim(-2.4964) == "-2.496" and fmt_clim(123.5) == "124"
    assert fmt_clim(0.0005) == "0.001" and fmt_clim(-0.0004) == "-0.0"
    src = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert downsample(src, 2, 1, "mean").tolist() == [[np.mean(src[:, :2]), np.mean(src[:, 2:])]]
    assert downsample(src, 8, 6, "nearest").shape == (6, 8)
    assert downsample(src, 8, 6, "max")[5, 7] == 11 and downsample(src, 8, 6, "mean")[0, 1] == 0


# ====================================================================== fixtures present / self-consistent
def test_render_fixtures_present():
    assert RMANIFEST.exists(), f"{RMANIFEST} is missing: run tests/fixtures/make_render_fixtures.py {FIXTURES}"
    assert len(MANIFEST["downsample"]) >= 10 and len(MANIFEST["percentiles"]) >= 5
    assert set(MANIFEST["colormaps"]) == {"gray", "viridis", "magma", "inferno", "plasma", "turbo"}
    assert {"u16-blobs", "f32-nan", "u8-constant", "f32-all-nan", "bool-disks", "i64-negative", "u16-zyx",
            "u8-huge"} <= set(ARRAYS)


@pytest.mark.parametrize("case", MANIFEST["downsample"], ids=[c["name"] for c in MANIFEST["downsample"]])
def test_downsample_fixture_matches_vectorised_reference(case):
    """The generator's loop definition and this file's reduceat version agree (both are references)."""
    src = np.load(FIXTURES / case["source"])
    for how in ("mean", "max", "nearest"):
        want = np.load(FIXTURES / case[how])
        got = downsample(src, case["width"], case["height"], how)
        assert got.shape == want.shape == (case["height"], case["width"])
        np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True, err_msg=f"{case['name']} {how}")


def test_colormap_fixtures_match_matplotlib():
    for name, path in MANIFEST["colormaps"].items():
        t = np.load(FIXTURES / path)
        assert t.dtype == np.uint8 and t.shape == (256, 3)
        assert np.array_equal(t, np.array(cmap_table(name), np.uint8)), name


# ====================================================================== (b) every cell against the reference
def _cases():
    cmaps = ["gray", "viridis", "magma", "inferno", "plasma", "turbo"]
    hows = ["mean", "max", "nearest"]
    sizes = [(120, 40), (77, 23), (160, 48), (101, 30)]
    cases = []
    i = 0
    for data in ("u16-blobs", "demo-region"):
        for mode in ("half", "quad"):
            for depth in ("truecolor", "256"):
                for clim in ("explicit", "auto"):
                    cases.append(dict(data=data, mode=mode, depth=depth, clim=clim, cmap=cmaps[i % 6],
                                      how=hows[(i // 2) % 3], size=sizes[i % 4], gamma=(1.0, 1.0, 0.5, 2.2)[i % 4]))
                    i += 1
    cases += [
        dict(data="demo-full", mode="half", depth="256", clim="auto", cmap="gray", how="mean", size=(160, 48), gamma=1.0),
        dict(data="demo-full", mode="quad", depth="truecolor", clim="auto", cmap="viridis", how="mean", size=(160, 48), gamma=1.0),
        dict(data="f32-nan", mode="half", depth="truecolor", clim="auto", cmap="magma", how="mean", size=(150, 40), gamma=1.0),
        dict(data="f32-nan", mode="half", depth="256", clim="explicit", cmap="turbo", how="max", size=(93, 27), gamma=1.0),
        dict(data="f32-nan", mode="quad", depth="256", clim="auto", cmap="gray", how="nearest", size=(110, 30), gamma=1.0),
        dict(data="i64-negative", mode="half", depth="truecolor", clim="auto", cmap="plasma", how="mean", size=(120, 30), gamma=1.0),
        dict(data="i64-negative", mode="quad", depth="256", clim="explicit", cmap="inferno", how="mean", size=(64, 21), gamma=1.0),
        dict(data="u16-zyx", mode="half", depth="truecolor", clim="auto", cmap="gray", how="mean", size=(100, 31), gamma=1.0),
        dict(data="u16-blobs", mode="half", depth="16", clim="auto", cmap="viridis", how="mean", size=(120, 40), gamma=1.0),
    ]
    return cases


CASES = _cases()


def case_id(c):
    return f"{c['data']}-{c['mode']}-{c['depth']}-{c['clim']}-{c['cmap']}-{c['how']}-{c['size'][0]}x{c['size'][1]}-g{c['gamma']}"


EXPLICIT_CLIM = {"u16-blobs": (2000, 25000), "demo-region": (100, 3000), "demo-full": (80, 2500),
                 "f32-nan": (-1.5, 2.25), "i64-negative": (-60000, 45000), "bool-disks": (0, 1), "u16-zyx": (300, 9000)}


def case_setup(c, demo_planes):
    """-> (args, plane, header path, indices text, region)"""
    if c["data"] == "demo-full":
        return list(DEMO), demo_planes, "demo:", "c=0 t=10 z=100", ((0, 1024), (0, 768))
    if c["data"] == "demo-region":
        return list(DEMO) + ["--region", "200:700,100:450"], demo_planes[200:700, 100:450], "demo:", \
            "c=0 t=10 z=100", ((200, 700), (100, 450))
    p = array_path(c["data"])
    ref = load_reference(c["data"])
    if ref.ndim == 3:
        return [p, "--at", "z=1"], ref[1], p, "z=1", ((0, ref.shape[1]), (0, ref.shape[2]))
    return [p], ref, p, "", ((0, ref.shape[0]), (0, ref.shape[1]))


def look_args(c):
    args = ["--mode", c["mode"], "--color", c["depth"], "--cmap", c["cmap"], "--downsample", c["how"],
            "--size", f"{c['size'][0]}x{c['size'][1]}"]
    if c["gamma"] != 1.0:
        args += ["--gamma", c["gamma"]]
    clim = None
    if c["clim"] == "explicit":
        clim = EXPLICIT_CLIM[c["data"]]
        args += [f"--clim={clim[0]},{clim[1]}"]   # "=": a negative LO would read as an option
    return args, clim


@pytest.mark.parametrize("c", CASES, ids=[case_id(c) for c in CASES])
def test_render_cells_match_reference(c, demo_planes):
    args, plane, hpath, indices, region = case_setup(c, demo_planes)
    look, clim = look_args(c)
    proc, cmd = render(args + look)
    C, R = c["size"][0], c["size"][1] - 1
    ref = Reference(plane, C, R, c["mode"], clim=clim, gamma=c["gamma"], how=c["how"], cmap=c["cmap"])
    head, _, grid = split_output(proc.stdout, header=True)
    want = expected_header(hpath, indices, region, ref.clim, c["cmap"], c["mode"], C, R)
    assert head == want, f"header {head!r}\n  expected {want!r} (clim from np.percentile of the region)\n  cmd: {cmd}"
    compare_grid(grid, ref, c["depth"], cmd)


BRAILLE_CASES = [(depth, clim, size, cmap, how)
                 for depth, clim, size, cmap, how in [("truecolor", "explicit", (40, 16), "gray", "mean"),
                                                      ("truecolor", "auto", (100, 41), "viridis", "mean"),
                                                      ("256", "explicit", (100, 41), "gray", "nearest"),
                                                      ("256", "auto", (40, 16), "turbo", "mean"),
                                                      ("truecolor", "auto", (23, 9), "gray", "max"),
                                                      ("16", "auto", (40, 16), "gray", "mean")]]


@pytest.mark.parametrize("depth,clim,size,cmap,how", BRAILLE_CASES,
                         ids=[f"{d}-{cl}-{s[0]}x{s[1]}-{cm}-{h}" for d, cl, s, cm, h in BRAILLE_CASES])
def test_render_braille_mask_exact(depth, clim, size, cmap, how):
    p = array_path("bool-disks")
    plane = load_reference("bool-disks")
    args = [p, "--mode", "braille", "--color", depth, "--cmap", cmap, "--downsample", how,
            "--size", f"{size[0]}x{size[1]}"] + (["--clim", "0,1"] if clim == "explicit" else [])
    proc, cmd = render(args)
    C, R = size[0], size[1] - 1
    ref = Reference(plane, C, R, "braille", clim=(0.0, 1.0) if clim == "explicit" else None, how=how, cmap=cmap)
    assert ref.clim == (0.0, 1.0)
    head, _, grid = split_output(proc.stdout, header=True)
    want = expected_header(p, "", ((0, 120), (0, 160)), ref.clim, cmap, "braille", C, R)
    assert head == want, f"header {head!r} expected {want!r}\n  cmd: {cmd}"
    exact, _, total = compare_grid(grid, ref, depth, cmd, exact_only=True)
    assert exact == total
    assert any(0x2800 < ord(cell[0]) <= 0x28FF for row in grid for cell in row), "no braille dots at all"


# ====================================================================== (c) PNG
PNG_CASES = [
    ("u16-blobs", "half", dict(clim="auto", cmap="viridis", how="mean", gamma=1.0), (120, 40)),
    ("demo-region", "quad", dict(clim="explicit", cmap="gray", how="max", gamma=0.5), (160, 48)),
    ("f32-nan", "half", dict(clim="auto", cmap="turbo", how="mean", gamma=1.0), (150, 40)),
    ("bool-disks", "braille", dict(clim="auto", cmap="gray", how="mean", gamma=1.0), (40, 16)),
    ("u16-blobs", "ascii", dict(clim="explicit", cmap="inferno", how="nearest", gamma=1.0), (90, 30)),
]


@pytest.mark.parametrize("data,mode,opts,size", PNG_CASES, ids=[f"{d}-{m}" for d, m, _, _ in PNG_CASES])
def test_png_pixels_match_reference(data, mode, opts, size, demo_planes, tmp_path):
    c = dict(data=data, mode=mode, depth="truecolor", size=size, **opts)
    args, plane, *_ = case_setup(c, demo_planes)
    look, clim = look_args(c)
    out = tmp_path / "frame.png"
    proc, cmd = render(args + look + ["-o", out])
    assert proc.stdout == b"", f"-o FILE writes nothing to stdout\n  cmd: {cmd}"
    ref = Reference(plane, size[0], size[1] - 1, mode, clim=clim, gamma=c["gamma"], how=c["how"], cmap=c["cmap"])
    img = Image.open(out)
    assert img.format == "PNG" and img.size == (ref.w, ref.h), f"png {img.size} != screen {(ref.w, ref.h)}\n  cmd: {cmd}"
    got = np.asarray(img.convert("RGB")).astype(np.int64)
    want, idx = ref.rgb_image()
    want = want.astype(np.int64)
    exact = np.all(got == want, axis=2)
    lut = np.array(ref.table + (NAN_RGB,), np.int64)
    near = exact.copy()
    for d in (-1, 1):
        alt = np.where(idx >= 0, np.clip(idx + d, 0, 255), -1)
        near |= np.all(got == lut[alt], axis=2)
    bad = np.argwhere(~near)
    if len(bad):
        y, x = bad[0]
        raise AssertionError(f"{len(bad)} of {exact.size} png pixels differ by more than one colour-map step; first "
                             f"at (x={x}, y={y}): vstack {tuple(got[y, x])}, reference {tuple(want[y, x])} "
                             f"(value {ref.screen[y, x]!r}, t {ref.t[y, x]!r}, index {idx[y, x]})\n  cmd: {cmd}")
    assert exact.mean() >= 0.99, f"only {exact.mean():.2%} of png pixels exact\n  cmd: {cmd}"
    if data == "f32-nan":
        assert (idx < 0).any() and np.all(got[idx < 0] == NAN_RGB)


# ====================================================================== (d) .txt and .ans
@pytest.mark.parametrize("mode,depth", [("half", "256"), ("quad", "truecolor"), ("braille", "256"),
                                        ("ascii", "16"), ("ascii", "none")])
def test_txt_and_ans_outputs(mode, depth, tmp_path):
    p = array_path("bool-disks" if mode == "braille" else "u16-blobs")
    args = [p, "--mode", mode, "--color", depth, "--size", "90x25", "--cmap", "magma"]
    proc, cmd = render(args)
    head, _, grid = split_output(proc.stdout, header=True)

    render(args + ["-o", tmp_path / "f.ans"])
    ans = (tmp_path / "f.ans").read_bytes()
    assert ans == proc.stdout, f"-o f.ans differs from stdout\n  cmd: {cmd} -o f.ans"

    render(args + ["-o", tmp_path / "f.TXT"])
    txt = (tmp_path / "f.TXT").read_bytes().decode("utf-8")
    assert ESC not in txt, "a .txt frame holds escape sequences"
    lines = txt.split("\n")
    assert lines[-1] == "", "the .txt output ends with a newline"
    lines = lines[:-1]
    assert lines[0] == head and len(lines) == 1 + 24, f"header/line count of .txt: {lines[:2]}"
    for y, (line, row) in enumerate(zip(lines[1:], grid)):
        glyphs = "".join(cell[0] for cell in row)
        assert len(line) == 90 and line.rstrip(" ") == glyphs.rstrip(" ") and line.startswith(glyphs), \
            f".txt line {y} {line!r} is not the glyph row {glyphs!r}\n  cmd: {cmd} -o f.txt"


def test_no_header_output_files(tmp_path):
    p = array_path("u16-blobs")
    args = [p, "--mode", "half", "--color", "truecolor", "--size", "30x10"]
    proc, _ = render(args, header=False)
    _, _, grid = split_output(proc.stdout, header=False)
    assert len(grid) == 10
    render(args + ["-o", tmp_path / "f.ans"], header=False)
    assert (tmp_path / "f.ans").read_bytes() == proc.stdout
    render(args + ["-o", tmp_path / "f.txt"], header=False)
    assert len((tmp_path / "f.txt").read_text("utf-8").split("\n")) == 11


# ====================================================================== (e) edge cases
@pytest.mark.parametrize("size", [(1, 1), (2, 1), (1, 2), (3, 1)])
@pytest.mark.parametrize("mode", ["half", "quad", "braille", "ascii"])
def test_tiny_sizes(size, mode):
    data = "bool-disks" if mode == "braille" else "u16-blobs"
    p = array_path(data)
    proc, cmd = render([p, "--mode", mode, "--color", "truecolor", "--size", f"{size[0]}x{size[1]}"], header=False)
    ref = Reference(load_reference(data), size[0], size[1], mode)
    _, _, grid = split_output(proc.stdout, header=False)
    compare_grid(grid, ref, "truecolor", cmd, exact_only=mode == "braille")


@pytest.mark.parametrize("size", ["1x1", "2x1", "1x2", "20x2"])
def test_tiny_sizes_with_header(size):
    proc, cmd = render([array_path("u16-blobs"), "--mode", "half", "--color", "256", "--size", size])
    head, _, grid = split_output(proc.stdout, header=True)
    C, R = map(int, size.split("x"))
    assert len(grid) == max(1, R - 1), f"{len(grid)} frame lines\n  cmd: {cmd}"
    assert 0 < len(head) <= max(C, 20)


HUGE_REGIONS = [
    ((9800, 10200), (14800, 15200), "120x40"),    # 2 written + 2 missing chunks around a chunk corner
    ((9000, 11000), (14000, 17000), "160x48"),    # 3 written + 3 missing whole chunks
    ((10400, 10420), (15990, 16003), "90x12"),    # a few pixels across the border of two written chunks
]


@pytest.mark.serial  # a wall-clock budget: run alone, not beside other tests
@pytest.mark.parametrize("ys,xs,size", HUGE_REGIONS, ids=[f"{y[0]}-{x[0]}-{s}" for y, x, s in HUGE_REGIONS])
def test_huge_array_small_region_fast(ys, xs, size):
    info = ARRAYS["u8-huge"]
    ry0, ry1, rx0, rx1 = info["region"]
    p = array_path("u8-huge")
    t0 = time.monotonic()
    proc, cmd = render([p, "--region", f"{ys[0]}:{ys[1]},{xs[0]}:{xs[1]}", "--mode", "half", "--color", "truecolor",
                        "--size", size], timeout=60)
    elapsed = time.monotonic() - t0
    assert elapsed < 2.0, f"{elapsed:.2f} s for a small region of a huge array\n  cmd: {cmd}"
    assert ry0 <= ys[0] < ys[1] <= ry1 and rx0 <= xs[0] < xs[1] <= rx1, "region outside the stored reference"
    plane = load_reference("u8-huge")[ys[0] - ry0:ys[1] - ry0, xs[0] - rx0:xs[1] - rx0]
    C, R = map(int, size.split("x"))
    ref = Reference(plane, C, R - 1, "half")
    head, _, grid = split_output(proc.stdout, header=True)
    want = expected_header(p, "", (ys, xs), ref.clim, "gray", "half", C, R - 1)
    assert head == want, f"header {head!r} expected {want!r}\n  cmd: {cmd}"
    compare_grid(grid, ref, "truecolor", cmd)


@pytest.mark.serial  # a wall-clock budget: run alone, not beside other tests
def test_huge_array_missing_region_is_fill():
    """A region where no chunk was written: all fill (0), a constant plane."""
    p = array_path("u8-huge")
    t0 = time.monotonic()
    proc, cmd = render([p, "--region", "5000:5500,20000:21000", "--mode", "half", "--color", "256", "--size", "150x24"],
                       timeout=60)
    assert time.monotonic() - t0 < 2.0, cmd
    head, _, grid = split_output(proc.stdout, header=True)
    assert "clim 0..0" in head, head
    cells = {c for row in grid for c in row}
    assert cells == {(" ", None, ("idx", 16))}, f"{cells}\n  cmd: {cmd}"


def test_constant_plane_auto_clim():
    p = array_path("u8-constant")
    proc, cmd = render([p, "--mode", "half", "--color", "truecolor", "--size", "90x30"])
    head, _, grid = split_output(proc.stdout, header=True)
    assert " clim 7..7 " in head, head
    cells = {c for row in grid for c in row}
    assert len(cells) == 1, f"a constant plane shows {len(cells)} different cells: {sorted(cells, key=str)[:4]}\n  cmd: {cmd}"
    compare_grid(grid, Reference(load_reference("u8-constant"), 90, 29, "half"), "truecolor", cmd, min_exact=1.0)
    for mode in ("quad", "braille", "ascii"):
        proc, cmd = render([p, "--mode", mode, "--color", "256", "--size", "50x20"])
        _, _, grid = split_output(proc.stdout, header=True)
        ref = Reference(load_reference("u8-constant"), 50, 19, mode)
        compare_grid(grid, ref, "256", cmd, min_exact=1.0)


@pytest.mark.parametrize("clim", ["7,7", "0,255", "7,8", "6,7"])
def test_constant_plane_explicit_clim(clim):
    p = array_path("u8-constant")
    lo, hi = map(float, clim.split(","))
    proc, cmd = render([p, "--mode", "half", "--color", "truecolor", "--clim", clim, "--size", "90x30"])
    _, _, grid = split_output(proc.stdout, header=True)
    compare_grid(grid, Reference(load_reference("u8-constant"), 90, 29, "half", clim=(lo, hi)), "truecolor", cmd,
                 min_exact=1.0)
    assert len({c for row in grid for c in row}) == 1


@pytest.mark.parametrize("mode,depth", [("half", "truecolor"), ("half", "256"), ("quad", "16"), ("ascii", "256"),
                                        ("braille", "truecolor")])
def test_all_nan_plane(mode, depth, tmp_path):
    p = array_path("f32-all-nan")
    proc, cmd = render([p, "--mode", mode, "--color", depth, "--size", "70x20"])
    head, _, grid = split_output(proc.stdout, header=True)
    ref = Reference(load_reference("f32-all-nan"), 70, 19, mode)
    compare_grid(grid, ref, depth, cmd, min_exact=1.0)
    cells = {c for row in grid for c in row}
    nan_colors = quantized(NAN_RGB, depth)
    if mode in ("half", "quad"):
        assert len(cells) == 1 and next(iter(cells))[2] in nan_colors, cells
    elif mode == "ascii":
        assert {c[0] for c in cells} == {"?"} and all(c[1] in nan_colors for c in cells), cells
    else:
        assert all(row == [] for row in grid), "NaN lights no braille dot"
    render([p, "--mode", "half", "--size", "70x20", "-o", tmp_path / "nan.png"])
    assert np.all(np.asarray(Image.open(tmp_path / "nan.png").convert("RGB")) == NAN_RGB)


def test_f32_nan_patches_show_nan_colour():
    p = array_path("f32-nan")
    plane = load_reference("f32-nan")
    proc, cmd = render([p, "--mode", "half", "--color", "truecolor", "--downsample", "nearest", "--size", "220x76"],
                       header=False)
    ref = Reference(plane, 220, 76, "half", how="nearest")
    assert (ref.w, ref.h) == (220, 150)   # 1:1
    _, _, grid = split_output(proc.stdout, header=False)
    compare_grid(grid, ref, "truecolor", cmd)
    nan = ("rgb", NAN_RGB)
    assert grid[15][30][0] == " " and grid[15][30][2] == nan, grid[15][30]   # data rows 30, 31 are NaN


@pytest.mark.parametrize("data", ["bool-disks", "i64-negative"])
@pytest.mark.parametrize("mode,depth", [("half", "truecolor"), ("quad", "256"), ("ascii", "truecolor")])
def test_bool_and_int64(data, mode, depth):
    p = array_path(data)
    proc, cmd = render([p, "--mode", mode, "--color", depth, "--size", "100x35"])
    plane = load_reference(data)
    ref = Reference(plane, 100, 34, mode)
    head, _, grid = split_output(proc.stdout, header=True)
    want = expected_header(p, "", ((0, plane.shape[0]), (0, plane.shape[1])), ref.clim, "gray", mode, 100, 34)
    assert head == want, f"header {head!r} expected {want!r}\n  cmd: {cmd}"
    compare_grid(grid, ref, depth, cmd)


def test_3d_default_index_is_middle():
    p = array_path("u16-zyx")
    plane = load_reference("u16-zyx")
    proc, cmd = render([p, "--mode", "half", "--color", "truecolor", "--size", "100x31"])
    ref = Reference(plane[plane.shape[0] // 2], 100, 30, "half")
    head, _, grid = split_output(proc.stdout, header=True)
    assert head == expected_header(p, f"z={plane.shape[0] // 2}", ((0, 60), (0, 80)), ref.clim, "gray", "half", 100, 30)
    compare_grid(grid, ref, "truecolor", cmd)


@pytest.mark.parametrize("mode", [None, "ascii"])
def test_color_none_has_no_escapes(mode):
    p = array_path("u16-blobs")
    args = [p, "--color", "none", "--size", "150x30"] + (["--mode", mode] if mode else [])
    proc, cmd = render(args)
    assert b"\x1b" not in proc.stdout, f"escape sequences with --color none\n  cmd: {cmd}"
    head, _, grid = split_output(proc.stdout, header=True)
    assert head.endswith("ascii 150x29"), f"--color none without --mode draws the ASCII ramp: {head!r}"
    compare_grid(grid, Reference(load_reference("u16-blobs"), 150, 29, "ascii"), "none", cmd)


@pytest.mark.parametrize("mode", ["half", "quad", "braille"])
def test_color_none_in_block_modes_has_no_escapes(mode):
    proc, cmd = render([array_path("u16-blobs"), "--color", "none", "--mode", mode, "--size", "60x20"])
    assert b"\x1b" not in proc.stdout, cmd


@pytest.mark.parametrize("mode", ["ascii", None])
def test_ascii_with_c_locale(mode):
    env = render_env(LANG="C")
    p = array_path("u16-blobs")
    args = [p, "--color", "256", "--size", "150x30"] + (["--mode", mode] if mode else [])
    proc, cmd = render(args, env=env)
    assert all(b < 0x80 for b in proc.stdout), f"non-ASCII bytes in LANG=C output\n  cmd: LANG=C {cmd}"
    head, _, grid = split_output(proc.stdout, header=True)
    assert head.endswith("ascii 150x29"), f"LANG=C: default mode must be ascii: {head!r}"
    compare_grid(grid, Reference(load_reference("u16-blobs"), 150, 29, "ascii"), "256", cmd)


@pytest.mark.parametrize("env,mode", [(dict(LANG="C.UTF-8"), "half"), (dict(LANG="en_US.utf8"), "half"),
                                      (dict(LANG="C.UTF-8", LC_ALL="C"), "ascii"),
                                      (dict(LANG="C", LC_CTYPE="C.UTF-8"), "half"), (dict(LANG=None), "ascii")])
def test_default_mode_follows_locale(env, mode):
    proc, cmd = render([array_path("u16-blobs"), "--color", "256", "--size", "150x30"], env=render_env(**env))
    head, _, _ = split_output(proc.stdout, header=True)
    assert head.endswith(f"{mode} 150x29"), f"{env}: header {head!r}, expected mode {mode}\n  cmd: {cmd}"


def _sgr_kinds(out):
    text = out.decode("utf-8")
    seqs = SGR.findall(text)
    return (any("38;2;" in s or "48;2;" in s for s in seqs), any("38;5;" in s or "48;5;" in s for s in seqs))


@pytest.mark.parametrize("env,args,want", [
    (dict(VSTACK_COLOR="truecolor", COLORTERM=None, TERM="xterm-256color"), [], "truecolor"),
    (dict(VSTACK_COLOR="truecolor", COLORTERM=None, TERM=None), [], "truecolor"),
    (dict(COLORTERM="truecolor"), [], "truecolor"),
    (dict(COLORTERM="24bit", TERM=None), [], "truecolor"),
    (dict(VSTACK_COLOR="256", COLORTERM="truecolor"), [], "256"),
    (dict(VSTACK_COLOR="256"), ["--color", "truecolor"], "truecolor"),
    (dict(COLORTERM=None, TERM="xterm-256color"), [], "256"),
])
def test_color_detection_env(env, args, want):
    p = array_path("u16-blobs")
    proc, cmd = render([p, "--mode", "half", "--size", "60x20", *args], env=render_env(**env))
    truecolor, palette = _sgr_kinds(proc.stdout)
    assert (truecolor, palette) == (want == "truecolor", want == "256"), \
        f"env {env}: 24-bit SGR {truecolor}, 256 SGR {palette}; expected {want}\n  cmd: {cmd}"
    _, _, grid = split_output(proc.stdout, header=True)
    compare_grid(grid, Reference(load_reference("u16-blobs"), 60, 19, "half"), want, cmd)


def test_term_unset_works():
    env = render_env(TERM=None, COLORTERM=None, VSTACK_COLOR=None)
    proc, cmd = render([array_path("u16-blobs"), "--size", "60x20"], env=env)
    head, _, grid = split_output(proc.stdout, header=True)
    assert sum(len(r) for r in grid) > 0, cmd
    proc, cmd = render([array_path("u16-blobs"), "--size", "60x20", "--mode", "quad", "--color", "16"], env=env)
    _, _, grid = split_output(proc.stdout, header=True)
    compare_grid(grid, Reference(load_reference("u16-blobs"), 60, 19, "quad"), "16", cmd)


# ====================================================================== (f) usage errors
USAGE_ERRORS = [
    ["--size", "0x10"], ["--size", "80"], ["--size", "80x"], ["--size", "ax5"], ["--size", "80x24x2"],
    ["--size", "80x0"], ["--size=-5x10"],
    ["--mode", "blocks"], ["--mode", "HALF!"],
    ["--color", "rainbow"], ["--color", "65536"],
    ["--cmap", "jet-ish"],
    ["--clim", "5,1"], ["--clim", "1"], ["--clim", "a,b"], ["--clim", "nan,1"],
    ["-o", "frame.jpg"], ["-o", "frame"], ["--output", "frame.tif"],
]


@pytest.mark.parametrize("bad", USAGE_ERRORS, ids=[" ".join(b) for b in USAGE_ERRORS])
def test_usage_errors(bad, tmp_path):
    args = list(bad)
    if args[0] in ("-o", "--output"):
        args[1] = str(tmp_path / args[1])
    proc = run_vstack_bytes("render", array_path("u16-blobs"), "--size", "40x10", *args)
    err = proc.stderr.decode("utf-8", "replace")
    cmd = cmdline(proc)
    assert proc.returncode == 2, f"exit {proc.returncode}, expected 2 (usage error)\n  cmd: {cmd}\n  stderr: {err}"
    assert len(err.splitlines()) == 1 and err.endswith("\n") and err.startswith("vstack: "), \
        f"stderr must be one line: {err!r}\n  cmd: {cmd}"
    assert proc.stdout == b"", cmd
    if args[0] in ("-o", "--output"):
        assert not list(tmp_path.iterdir()), "a usage error must not create the output file"


def test_bad_vstack_color_env_is_usage_error():
    proc = run_vstack_bytes("render", array_path("u16-blobs"), "--size", "40x10", env=render_env(VSTACK_COLOR="lots"))
    assert proc.returncode == 2 and len(proc.stderr.decode().splitlines()) == 1, proc.stderr


# ====================================================================== (g) bytes per frame
def sgr_text(c, foreground):
    if c is None:
        return "39" if foreground else "49"
    if c[0] == "rgb":
        return f"{38 if foreground else 48};2;{c[1][0]};{c[1][1]};{c[1][2]}"
    return f"{38 if foreground else 48};5;{c[1]}"


def naive_bytes(grid):
    """The same cells with both colours set on every cell and a reset per line."""
    n = 0
    for row in grid:
        for g, fg, bg in row:
            fg = bg if g == " " else fg
            n += len(f"{ESC}[{sgr_text(fg, True)};{sgr_text(bg, False)}m{g}".encode())
        n += len(f"{ESC}[0m\n")
    return n


@pytest.mark.parametrize("depth", ["256", "truecolor"])
def test_frame_bytes_run_length(depth, demo_planes):
    proc, cmd = render(list(DEMO) + ["--mode", "half", "--color", depth, "--size", "160x48"])
    head, frame, grid = split_output(proc.stdout, header=True)
    actual = len(frame.encode()) + 1
    naive = naive_bytes(grid)
    assert actual <= naive, f"{actual} bytes > naive {naive} (both colours on every cell)\n  cmd: {cmd}"
    compare_grid(grid, Reference(demo_planes, 160, 47, "half"), depth, cmd)
    print(f"{depth}: {actual} bytes, naive {naive} ({actual / naive:.0%})")


@pytest.mark.parametrize("mode", ["half", "quad"])
def test_color_none_block_modes_show_the_image(mode):
    """SPEC §5: no colour mode may draw garbage; a frame of nothing but blanks for a plane with
    structure is no picture at all (--mode half/quad --color none)."""
    proc, cmd = render([array_path("u16-blobs"), "--color", "none", "--mode", mode, "--size", "60x20"])
    _, _, grid = split_output(proc.stdout, header=True)
    assert any(not is_blank(c) for row in grid for c in row), \
        f"--color none --mode {mode} draws an empty frame (every cell blank)\n  cmd: {cmd}"
