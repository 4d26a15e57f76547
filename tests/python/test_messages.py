"""Messages a person meets in normal use say what to do (issue 27).

CLI: one line on stderr and the exit code, or (plain `vstack`) the short usage. Viewer: the
status line in a real terminal (tmux), as test_tui.py drives it.
"""
import re
import shutil

import numpy as np
import pytest
import zarr

from conftest import describe, run_vstack
from test_tui import Session, session  # noqa: F401  (the viewer in tmux, a server of its own a test)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by make test")


def test_plain_vstack_shows_what_to_try_first():
    proc = run_vstack()
    assert proc.returncode == 2, describe(proc)
    assert "Missing expected argument" not in proc.stdout + proc.stderr
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    assert lines[1].strip().startswith("vstack demo"), proc.stdout
    assert "vstack --help" in proc.stdout and proc.stderr == ""


def test_demo_at_unknown_axis_has_one_colon():
    proc = run_vstack("demo", "--at", "w=3")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "vstack: demo: --at: no axis 'w' (axes are ctzyx)", proc.stderr


def test_esc_leaves_probe_mode_and_help_says_arrows_move_it(session):
    s = session("demo:", "--at", "c=0,t=10,z=100", width=160, height=70)
    s.ready()
    s.keys("x")
    s.wait(lambda x: re.search(r"probe y=\d+ x=\d+", x) is not None, what="the probe")
    s.keys("Escape")
    s.wait(lambda x: "probe" not in x.split("\n")[-2] and "not a key" not in x, what="the probe to close on Esc")
    s.keys("?")
    s.wait(lambda x: "the arrows move it, x or Esc leaves" in x, what="the probe's help line")
    s.keys("q", "q")
    assert s.exit_status() == 0


def test_stepping_past_the_last_time_point_says_so(session):
    s = session("demo:", "--at", "c=0,t=198,z=100", width=160)
    s.ready("t 198/199")
    s.keys("}")
    s.wait(lambda x: "t is at its last index" in x, what="the message at the last t")
    assert "t 198/199" in s.status()
    s.keys("{", "{")
    s.wait(lambda x: "t 196/199" in s.status(), what="t to step back")
    s.keys("q")
    assert s.exit_status() == 0


def test_lang_c_help_spells_the_arrows(session):
    s = session("demo", env={"LANG": "C", "LC_ALL": "C"}, width=120, height=60)
    s.ready("z 100/201")
    s.keys("?")
    screen = s.wait(lambda x: "pan up" in x and "pan left" in x, what="the overlay")
    rows = {l.split("pan left")[0].strip() for l in screen.splitlines() if l.rstrip().endswith("pan left")}
    assert any("Left" in r for r in rows), rows
    assert not any(re.search(r"(^|\s)<(\s|$)", r) for r in rows), rows
    s.keys("q", "q")
    assert s.exit_status() == 0


LIMITS = re.compile(r"gray (?:auto )?(-?[0-9.]+)\.\.(-?[0-9.]+) ")


def test_contrast_keys_stay_within_the_type(session):
    """uint16: `;` (lower the low limit) many times never takes it below 0."""
    s = session("demo:", "--at", "c=0,t=10,z=100", width=160)
    s.ready()
    s.settled()
    s.tmux("send-keys", "-t", "s", "-H", *(["3b"] * 40))  # ';' as bytes (a lone ; ends a tmux command)
    s.wait(lambda x: LIMITS.search(s.status()) and "auto" not in s.status(), what="fixed limits")
    s.settled()
    low = float(LIMITS.search(s.status()).group(1))
    assert low == 0, s.status()
    s.keys("q")
    assert s.exit_status() == 0


def test_cell_size_without_a_unit_is_in_pixels(session, tmp_path):
    """An OME-Zarr whose axes have no unit (scale 0.5): the status line's cell is in data pixels
    (`px`), not a bare number in no unit."""
    root = tmp_path / "unitless.ome.zarr"
    group = zarr.open_group(str(root), mode="w", zarr_format=2)
    a = group.create_array("0", shape=(4, 256, 300), chunks=(1, 128, 128), dtype="uint16")
    a[:] = np.arange(4 * 256 * 300, dtype=np.uint32).reshape(4, 256, 300).astype(np.uint16)
    group.attrs["multiscales"] = [{
        "version": "0.4", "axes": [{"name": n, "type": "space"} for n in "zyx"],
        "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [2.0, 0.5, 0.5]}]}]}]
    s = session(str(root), width=200)
    s.ready()
    m = re.search(r"cell (\S+) (\S+)", s.status())
    assert m and m.group(2) == "px", s.status()
    s.keys("q")
    assert s.exit_status() == 0


def test_a_mistyped_path_suggests_the_near_name_that_exists(tmp_path):
    z = zarr.create_array(str(tmp_path / "v2_dask_gzip.zarr"), shape=(8, 8), chunks=(4, 4), dtype="uint8",
                          zarr_format=2)
    z[:] = 1
    (tmp_path / "v2_dask_zstd.zarr").mkdir()
    proc = run_vstack("info", tmp_path / "v2_dask_gzp.zarr")
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, describe(proc)
    assert proc.stderr.strip().endswith(f"no such file or directory; did you mean {tmp_path}/v2_dask_gzip.zarr?"), \
        proc.stderr
    # Nothing near: no suggestion; two equally near: none either (no guessing).
    proc = run_vstack("info", tmp_path / "unrelated.zarr")
    assert "did you mean" not in proc.stderr and "no such file or directory" in proc.stderr, proc.stderr
    (tmp_path / "v2_dask_gzap.zarr").mkdir()
    proc = run_vstack("info", tmp_path / "v2_dask_gzp.zarr")
    assert "did you mean" not in proc.stderr, proc.stderr


def test_a_directory_of_unrelated_tiffs_is_refused_at_open(tmp_path):
    import tifffile
    d = tmp_path / "mixed"
    d.mkdir()
    for i, shape in enumerate([(3, 5, 2, 96, 128), (2, 64, 64), (10, 10), (3, 5, 2, 96, 128), (4, 4, 4), (7, 7)]):
        tifffile.imwrite(d / f"file{i}.tif", np.zeros(shape, np.uint16), photometric="minisblack")
    for args in (["info", d], ["render", d, "--size", "40x10"], ["export", d, "-o", tmp_path / "x.npy"]):
        proc = run_vstack(*args)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1 and len(lines) == 1, describe(proc)
        assert f"{d}/file1.tif: is 2×64×64 uint16" in lines[0] and "file0.tif is 3×5×2×96×128" in lines[0], lines[0]
        assert "open one file, or a pattern" in lines[0], lines[0]
    assert not (tmp_path / "x.npy").exists()


def test_a_directory_of_two_channels_says_which_pattern_splits_it(tmp_path):
    import tifffile
    d = tmp_path / "lightsheet"
    d.mkdir()
    rng = np.random.default_rng(1)
    data = rng.integers(0, 1000, (2, 3, 4, 8, 8), dtype=np.uint16)
    for c in range(2):
        for t in range(3):
            tifffile.imwrite(d / f"emb_ch{c}_cam1_stack{t:04d}_x.tif", data[c, t], photometric="minisblack")
    proc = run_vstack("info", d)
    assert proc.returncode == 0, describe(proc)
    pattern = f"{d}/emb_ch{{c}}_cam1_stack{{t}}_x.tif"
    assert f"vstack '{pattern}' gives each its own axis" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    # The suggestion opens as c and t axes, each plane the file's own.
    out = tmp_path / "p.npy"
    proc = run_vstack("export", pattern, "--at", "c=1,t=2,z=3", "-o", out)
    assert proc.returncode == 0, describe(proc)
    assert np.array_equal(np.load(out), data[1, 2, 3])
    # One numbered field (plain time series): no hint.
    d2 = tmp_path / "plain"
    d2.mkdir()
    for t in range(5):
        tifffile.imwrite(d2 / f"frame{t:03d}.tif", data[0, 0], photometric="minisblack")
    proc = run_vstack("info", d2)
    assert proc.returncode == 0 and "gives each its own axis" not in proc.stdout + proc.stderr, proc.stdout


def test_a_rejected_pipeline_comes_back_on_f_and_parentheses_step_the_nearest_number(session):
    s = session("demo:", "--at", "c=0,t=10,z=100", width=160)
    s.ready()
    s.keys("F")
    s.wait(lambda x: "filter: " in x.split("\n")[-2] + x.split("\n")[-1], what="the filter prompt")
    s.keys("gaussian(2)|medain(3)", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "unknown operator 'medain'" in x and "F to fix it" in x, what="the error")
    s.keys("F")
    s.wait(lambda x: "filter: gaussian(2)|medain(3)" in x, what="the rejected text back in the prompt")
    s.keys("Escape")
    s.keys("F")
    s.wait(lambda x: "filter: " in x.split("\n")[-2] + x.split("\n")[-1], what="the prompt again")
    s.keys("C-u")
    s.keys("gaussian(2)|threshold(otsu)", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "filters gaussian(2)|threshold(otsu)" in x, what="the pipeline")
    s.keys(")")
    s.wait(lambda x: "gaussian sigma=2.5" in x, what=") to step gaussian's sigma")
    s.keys("q")
    assert s.exit_status() == 0


# Every field the demo's status line can hold, whole (two spaces separate fields).
STATUS_FIELDS = [
    r"demo:", r"\*?[ctz] \d+/\d+( [a-z]+)?", r"fit", r"zoom \S+", r"cell [\d.]+ \S+",
    r"[a-z]+ (auto |window )?-?[\d.]+\.\.-?[\d.]+", r"half|quad|braille|ascii", r"mean|max|nearest",
    r"cache [\d.]+ ?[KMG]?i?B/[\d.]+ ?[KMG]?i?B(, \d+ loading)?",
]


def whole_fields(line):
    fields = [f for f in re.split(r"\s{2,}", line.strip()) if f]
    cut = [f for f in fields if not any(re.fullmatch(p, f) for p in STATUS_FIELDS)]
    return fields, cut


@pytest.mark.parametrize("width,height", [(19, 5), (30, 8), (40, 10), (50, 12), (80, 24)])
def test_small_terminals_drop_whole_fields(session, width, height):
    s = session("demo", width=width, height=height)
    if (width, height) == (19, 5):
        screen = s.wait(lambda x: "20x6" in x, what="the size it needs")
        assert all(len(l.rstrip()) <= width for l in screen.splitlines())
        s.keys("q")
        assert s.exit_status() == 0
        return
    s.wait(lambda x: len(x.split("\n")) >= height and x.split("\n")[height - 2].strip(), what="a status line")
    s.settled()
    line = s.screen().split("\n")[height - 2]
    fields, cut = whole_fields(line)
    assert not cut, f"{width}x{height}: cut fields {cut} in {line!r}"
    assert fields, f"{width}x{height}: an empty status line"
    if (width, height) == (80, 24):
        assert re.search(r"gray (auto )?\d+\.\.\d+", line), line
    s.keys("q")
    assert s.exit_status() == 0


def test_directories_that_are_no_dataset_say_what_to_open(tmp_path):
    """A BigStitcher N5 whose setups carry no attributes of their own, a folder holding datasets,
    and a BigDataViewer XML behind a URL: each one line that says what vstack can open."""
    import shutil
    from conftest import FIXTURES
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "n5" / "bigstitcher", root)
    for a in (root / "dataset.n5").glob("setup*/attributes.json"):
        a.unlink()
    cases = [
        (root / "dataset.n5", f"is a BigStitcher N5 root with setup0, setup1; open one: {root}/dataset.n5/setup0/timepoint0"),
        (root / "dataset.n5" / "setup0", f"open {root}/dataset.n5/setup0/timepoint0"),
        (root, f"it holds dataset.n5: open {root}/dataset.n5"),
    ]
    (root / "dataset.xml").write_text("<SpimData/>")
    (root / "other.ome.zarr").mkdir()
    cases[2] = (root, f"it holds dataset.xml, other.ome.zarr, dataset.n5: open {root}/dataset.xml")
    for path, expected in cases:
        proc = run_vstack("info", path)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1 and len(lines) == 1, describe(proc)
        assert expected in lines[0], lines[0]
    # The dataset it names opens.
    proc = run_vstack("info", root / "dataset.n5" / "setup0" / "timepoint0")
    assert proc.returncode == 0, describe(proc)
    proc = run_vstack("info", "http://127.0.0.1:9/data/dataset.xml")
    assert proc.returncode == 1 and "BigDataViewer XML over the network" in proc.stderr, describe(proc)
    assert "no Zarr metadata" not in proc.stderr


def test_the_probe_shows_the_level_0_value_at_every_zoom(session):
    """At fit, an OME-Zarr pyramid is drawn from a coarse level, but the probe reads its pixel at level 0
    (one small read): at fit, zoomed in once and at 1:1 its value is zarr-python's level-0 value, with
    no coarser-level mark once that read is resident."""
    import zarr
    from conftest import FIXTURES
    path = FIXTURES / "ome" / "omezarrpy-0.4.ome.zarr"
    level0 = zarr.open_array(str(path / "s0"), mode="r")[0, 3]
    s = session(str(path), "--at", "c=0,z=3", width=100, height=20)
    s.ready()
    s.settled()
    s.keys("x")
    for step, keys in (("fit", ()), ("zoomed in", ("+",)), ("1:1", ("1",))):
        if keys:
            s.keys(*keys)
            s.settled()

        def probe_line(text):
            lines = [l for l in text.split("\n") if "probe y=" in l]
            return lines[0] if lines and "level" not in lines[0] else None

        line = probe_line(s.wait(lambda x: probe_line(x) is not None, what=f"the level-0 probe value at {step}"))
        m = re.search(r"probe y=(\d+) x=(\d+).*?: (\d+)", line)
        assert m, line
        y, x, value = map(int, m.groups())
        assert value == level0[y, x], (step, line, level0[y, x])
    s.keys("q")
    assert s.exit_status() == 0


def test_a_gray_figure_keeps_the_datas_depth(tmp_path):
    """A figure in the gray colour map is written as gray, not RGB: 16-bit for data of more than 8 bits
    (the contrast applied to zarr-python's values, 65536 levels), 8-bit for 8-bit data; a colour map
    gives RGB."""
    import zarr
    from PIL import Image
    from conftest import FIXTURES
    ome = FIXTURES / "ome" / "omezarrpy-0.4.ome.zarr"
    gray, color, small = tmp_path / "g.png", tmp_path / "c.png", tmp_path / "u8.png"
    for out, cmap in ((gray, "gray"), (color, "viridis")):
        proc = run_vstack("render", ome, "--at", "c=0,z=3", "--clim", "8000,14000", "--aspect", "pixels",
                          "--cmap", cmap, "-o", out)
        assert proc.returncode == 0, describe(proc)
    g, c = Image.open(gray), Image.open(color)
    assert g.mode.startswith("I;16") and c.mode == "RGB" and g.size == c.size == (260, 300), (g.mode, c.mode, g.size)
    # In float32 as the renderer computes it, rounded half away from zero.
    data = zarr.open_array(str(ome / "s0"), mode="r")[0, 3].astype(np.float32)
    t = np.clip((data - np.float32(8000)) / np.float32(6000), np.float32(0), np.float32(1))
    expected = np.floor(t * np.float32(65535) + np.float32(0.5)).astype(np.uint16)
    got = np.asarray(g).astype(np.uint16)
    assert 0 < (got == 0).mean() < 1 and 0 < (got == 65535).mean() < 0.5, "limits inside the data's range"
    assert np.array_equal(got, expected), np.abs(got.astype(int) - expected).max()
    u8 = FIXTURES / "zarr" / "v2" / "v2-uint8-blosc-lz4-noshuffle.zarr"
    proc = run_vstack("render", u8, "--cmap", "gray", "-o", small)
    assert proc.returncode == 0, describe(proc)
    assert Image.open(small).mode == "L", Image.open(small).mode
