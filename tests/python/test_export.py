"""vstack `export` and `info --json` against the writers' own libraries.

Every expected value comes from zarr-python or tensorstore reading the fixture
(opened read-only), never from numbers written into this file.  The plane each
case exports (which --at indices, named or positional, which --region) is chosen
deterministically from a hash of the case name, so a failure is reproducible
with the command printed in its message.
"""
import functools
import hashlib
import json
import math

import numpy as np
import pytest
import tensorstore as ts
import zarr

from conftest import FIXTURES, MANIFEST, default_axis_names, describe, load_cases, run_vstack

CASES = load_cases()
CASES_2D = [c for c in CASES if len(c["shape"]) >= 2]
CASES_1D = [c for c in CASES if len(c["shape"]) == 1]
JSON_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def ids(cases):
    return [c["name"] for c in cases]


def case_path(c):
    return FIXTURES / c["path"]


def seed(name, salt=""):
    return int.from_bytes(hashlib.sha256(f"{salt}:{name}".encode()).digest()[:8], "little")


def native(a):
    a = np.asarray(a)
    return a.astype(a.dtype.newbyteorder("="), copy=False)


# ------------------------------------------------------------------ reference reads
def ts_open(c):
    driver = "zarr3" if c["format"] == "zarr3" else "zarr"
    spec = {"driver": driver, "kvstore": {"driver": "file", "path": str(case_path(c))}}
    return ts.open(spec, open=True, read=True, write=False).result()


def reference_slice(c, index):
    """The writer's own read of `index` (ints and slices), native endian."""
    if c["writer"] == "tensorstore":
        return native(ts_open(c)[index].read().result())
    return native(zarr.open_array(str(case_path(c)), mode="r")[index])


def assert_same_plane(out, ref, cmd):
    assert out.dtype == ref.dtype, f"dtype {out.dtype} != reference {ref.dtype}\n  cmd: {cmd}"
    assert out.dtype.isnative or out.dtype.itemsize == 1, f"non-native byte order {out.dtype.str}\n  cmd: {cmd}"
    assert out.shape == ref.shape, f"shape {out.shape} != reference {ref.shape}\n  cmd: {cmd}"
    same = np.array_equal(out, ref, equal_nan=out.dtype.kind == "f")
    if not same:
        bad = np.argwhere(~((out == ref) | (np.isnan(out) & np.isnan(ref)) if out.dtype.kind == "f" else out == ref))
        r, k = bad[0]
        raise AssertionError(f"{len(bad)} of {out.size} values differ; first at [{r},{k}]: "
                             f"vstack {out[r, k]!r} vs reference {ref[r, k]!r}\n  cmd: {cmd}")


def export(args, out):
    proc = run_vstack("export", *args, "-o", out)
    assert proc.returncode == 0, describe(proc)
    return np.load(out), " ".join(proc.args)


# ------------------------------------------------------------------ plane selection
def plan(c):
    """Deterministic export arguments and the matching reference index for case `c`.

    Returns (args, index, transpose): args for `vstack export`, the index tuple into
    the array (ints for the fixed axes, slices for the displayed ones), and whether
    the reference result must be transposed (displayed row axis after column axis).
    """
    shape = c["shape"]
    nd = len(shape)
    h = seed(c["name"])
    names = c["axes"] or default_axis_names(shape)
    args = [str(case_path(c))]

    mode = h % 4
    custom = None
    if mode == 3 and c["axes"] is None and nd > 2:
        # --axes on an unnamed array: non-displayed axes get made-up names, the last two y,x
        custom = "pqrs"[: nd - 2] + "yx"
        args += ["--axes", custom]
        names = custom
    row, col = (names.index("y"), names.index("x")) if "y" in names and "x" in names else (nd - 2, nd - 1)
    fixed = [d for d in range(nd) if d not in (row, col)]

    index = [None] * nd
    at = []
    for j, d in enumerate(fixed):
        i = seed(c["name"], f"at{d}") % shape[d]
        if mode == 0:                       # no --at: the middle of each axis
            i = shape[d] // 2
        elif mode == 1:                     # positional
            at.append(f"{d}={i}")
        elif mode == 2:                     # named (source names, or the defaults by rank)
            at.append(f"{names[d]}={i}")
        else:                               # partial: only the first fixed axis given, the rest default
            if j == 0:
                at.append(f"{names[d]}={i}")
            else:
                i = shape[d] // 2
        index[d] = i
    if at:
        args += ["--at", ",".join(at)]

    rmode = (h >> 8) % 4
    spans = []
    for d in (row, col):
        a = seed(c["name"], f"lo{d}") % shape[d]
        b = a + 1 + seed(c["name"], f"hi{d}") % (shape[d] - a)
        spans.append((d, a, b))
    if rmode == 1:                          # both bounds on both axes
        args += ["--region", ",".join(f"{a}:{b}" for _, a, b in spans)]
        for d, a, b in spans:
            index[d] = slice(a, b)
    elif rmode == 2:                        # open bounds: ":Y1,X0:"
        (dy, ay, by), (dx, ax, bx) = spans
        args += ["--region", f":{by},{ax}:"]
        index[dy], index[dx] = slice(None, by), slice(ax, None)
    for d in (row, col):
        if index[d] is None:
            index[d] = slice(None)
    return args, tuple(index), row > col


# ------------------------------------------------------------------ tests
def test_fixtures_present():
    assert MANIFEST.exists(), f"{MANIFEST} is missing: run `make fixtures` (or set VSTACK_FIXTURES)"
    assert len(CASES_2D) > 0 and len(CASES_1D) > 0


@pytest.mark.parametrize("case", CASES_2D, ids=ids(CASES_2D))
def test_export_plane_matches_writer(case, tmp_path):
    args, index, transpose = plan(case)
    out, cmd = export(args, tmp_path / "plane.npy")
    ref = reference_slice(case, index)
    if transpose:
        ref = ref.T
    assert_same_plane(out, ref, cmd)


def _display_cases():
    """One 3-D/4-D case per writer/format/order/sharding/transpose/rank combination (the one with
    the smallest name hash, so the dtypes vary) for the --display tests."""
    groups = {}
    for c in CASES_2D:
        if len(c["shape"]) < 3:
            continue
        n = c["name"]
        kind = (c["writer"], c["format"], c["order"], c["shard_shape"] is not None, "transpose" in n,
                "nested" in n, "missing" in n, len(c["shape"]))
        groups.setdefault(kind, []).append(c)
    return [min(g, key=lambda c: seed(c["name"], "display")) for g in groups.values()]


DISPLAY_CASES = _display_cases()


@pytest.mark.parametrize("case", DISPLAY_CASES, ids=ids(DISPLAY_CASES))
def test_display_reversed_is_transposed(case, tmp_path):
    shape, nd = case["shape"], len(case["shape"])
    names = case["axes"] or default_axis_names(shape)
    row, col = names.index("y"), names.index("x")
    index = [shape[d] // 2 for d in range(nd)]
    index[row] = index[col] = slice(None)
    p = str(case_path(case))
    out, cmd = export([p, "--display", "x,y"], tmp_path / "xy.npy")
    assert_same_plane(out, reference_slice(case, tuple(index)).T, cmd)

    # with a region: its first range applies to the rows (x), the second to the columns (y)
    xa, xb = 1, max(2, shape[col] - 2)
    ya, yb = 0, max(1, shape[row] // 2)
    index[row], index[col] = slice(ya, yb), slice(xa, xb)
    out, cmd = export([p, "--display", "x,y", "--region", f"{xa}:{xb},{ya}:{yb}"], tmp_path / "xyr.npy")
    assert_same_plane(out, reference_slice(case, tuple(index)).T, cmd)


@pytest.mark.parametrize("case", DISPLAY_CASES[:4], ids=ids(DISPLAY_CASES[:4]))
def test_display_other_axis_pair(case, tmp_path):
    """--display z,x (a plane that is not the default y,x) with --at y=i, and its transpose."""
    shape, nd = case["shape"], len(case["shape"])
    names = case["axes"] or default_axis_names(shape)
    z, y, x = names.index("z"), names.index("y"), names.index("x")
    i = seed(case["name"], "y") % shape[y]
    index = [shape[d] // 2 for d in range(nd)]
    index[z], index[y], index[x] = slice(None), i, slice(None)
    ref = reference_slice(case, tuple(index))
    p = str(case_path(case))
    out, cmd = export([p, "--display", "z,x", "--at", f"y={i}"], tmp_path / "zx.npy")
    assert_same_plane(out, ref, cmd)
    out, cmd = export([p, "--display", "x,z", "--at", f"{y}={i}"], tmp_path / "xz.npy")
    assert_same_plane(out, ref.T, cmd)


# ------------------------------------------------------------------ info --json
@functools.lru_cache(maxsize=None)
def _info_json(path):
    proc = run_vstack("info", path, "--json")
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def info_json(c):
    """`vstack info PATH --json` of case c (one process per case for the whole session)."""
    return _info_json(str(case_path(c)))


def zarr_metadata(c):
    """shape, dtype, fill, chunks, shards, axes as zarr-python sees them (None if it cannot open it)."""
    try:
        a = zarr.open_array(str(case_path(c)), mode="r")
    except Exception:
        return None
    fill = a.fill_value
    if fill is None:  # what zarr-python reads for missing chunks of a fill-less array
        fill = a.metadata.dtype.default_scalar()
    dn = getattr(a.metadata, "dimension_names", None)
    axes = "".join(dn) if dn and all(dn) else None
    return dict(source="zarr-python", shape=tuple(a.shape), dtype=native(np.empty(0, a.dtype)).dtype,
                fill=fill, chunks=tuple(a.chunks), shards=getattr(a, "shards", None), axes=axes,
                format=f"zarr{a.metadata.zarr_format}")


def ts_metadata(c):
    t = ts_open(c)
    layout = t.chunk_layout
    read, write = tuple(layout.read_chunk.shape), tuple(layout.write_chunk.shape)
    labels = t.domain.labels
    fill = t.fill_value
    if fill is None:
        fill = np.zeros((), t.dtype.numpy_dtype)[()]
    return dict(source="tensorstore", shape=tuple(t.shape), dtype=np.dtype(t.dtype.numpy_dtype), fill=fill,
                chunks=read, shards=write if write != read else None,
                axes="".join(labels) if all(labels) else None, format=c["format"])


def json_fill(v):
    return JSON_FLOATS.get(v, v) if isinstance(v, str) else v


def check_info(info, ref, c):
    where = f"{ref['source']} metadata of {c['name']}; cmd: vstack info {case_path(c)} --json"
    shape = ref["shape"]
    assert tuple(info["shape"]) == shape, f"shape {info['shape']} != {shape} ({where})"
    assert np.dtype(info["dtype"]) == ref["dtype"] and info["dtype"] == ref["dtype"].name, \
        f"dtype {info['dtype']!r} != {ref['dtype'].name!r} ({where})"
    assert info["format"] == ref["format"], f"format {info['format']!r} != {ref['format']!r} ({where})"
    got, want = json_fill(info["fill_value"]), ref["fill"]
    if ref["dtype"].kind == "f":
        ok = isinstance(got, (int, float)) and not isinstance(got, bool) and \
            ((math.isnan(want) and math.isnan(got)) or got == float(want))
    else:
        ok = got == want.item() if hasattr(want, "item") else got == want
    assert ok, f"fill_value {info['fill_value']!r} != {want!r} ({where})"
    assert info["bytes"] == math.prod(shape) * ref["dtype"].itemsize, f"bytes {info['bytes']} ({where})"
    assert tuple(info["chunks"]) == ref["chunks"], f"chunks {info['chunks']} != {list(ref['chunks'])} ({where})"
    shards = None if info["shards"] is None else tuple(info["shards"])
    assert shards == (None if ref["shards"] is None else tuple(ref["shards"])), \
        f"shards {info['shards']} != {ref['shards']} ({where})"
    assert info["axes"] == ref["axes"], f"axes {info['axes']!r} != {ref['axes']!r} ({where})"
    nd = len(shape)
    want_names = list(ref["axes"]) if ref["axes"] else (list(default_axis_names(shape)) if 2 <= nd <= 5 else None)
    if want_names is not None:
        assert info["axis_names"] == want_names, f"axis_names {info['axis_names']} != {want_names} ({where})"
    grid = math.prod(math.ceil(s / k) for s, k in zip(shape, ref["chunks"]))
    assert info["chunk_count"] == grid, f"chunk_count {info['chunk_count']} != {grid} ({where})"
    assert [tuple(l) for l in info["levels"]] == [shape], f"levels {info['levels']} ({where})"
    assert isinstance(info["codecs"], list) and all(isinstance(s, str) for s in info["codecs"]), where


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_info_matches_zarr_python(case):
    ref = zarr_metadata(case)
    if ref is None:
        # zarr-python cannot open this one (only tensorstore-written arrays, e.g. transpose before
        # sharding_indexed whose inner chunk shape is in the transposed order): use the writer.
        assert case["writer"] == "tensorstore", f"zarr-python cannot open {case['name']}"
        ref = ts_metadata(case)
    check_info(info_json(case), ref, case)


TS_CASES = [c for c in CASES if c["writer"] == "tensorstore"]


@pytest.mark.parametrize("case", TS_CASES, ids=ids(TS_CASES))
def test_info_matches_tensorstore(case):
    check_info(info_json(case), ts_metadata(case), case)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_info_fill_value_json_type(case):
    """fill_value is a JSON bool for bool arrays, an integer for integer arrays, a number or
    one of "NaN"/"Infinity"/"-Infinity" for floats -- also when the metadata's fill is null."""
    v = info_json(case)["fill_value"]
    kind = np.dtype(case["dtype"]).kind
    cmd = f"vstack info {case_path(case)} --json"
    if kind == "b":
        assert isinstance(v, bool), f"bool array, fill_value {v!r} is not a JSON bool; cmd: {cmd}"
    elif kind in "iu":
        assert isinstance(v, int) and not isinstance(v, bool), f"fill_value {v!r}; cmd: {cmd}"
    else:
        assert v in JSON_FLOATS or (isinstance(v, (int, float)) and not isinstance(v, bool)), \
            f"fill_value {v!r}; cmd: {cmd}"


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("case", CASES_1D, ids=ids(CASES_1D))
def test_export_1d_is_usage_error(case, tmp_path):
    out = tmp_path / "one.npy"
    proc = run_vstack("export", case_path(case), "-o", out)
    assert proc.returncode == 2, describe(proc)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vstack: "), describe(proc)
    assert proc.stdout == "", describe(proc)
    assert not out.exists(), "a failed export must not leave an output file"


@pytest.mark.parametrize("case", CASES_1D[:3], ids=ids(CASES_1D[:3]))
def test_export_1d_error_names_path(case, tmp_path):
    """SPEC §1: every error line names the path (or URL)."""
    proc = run_vstack("export", case_path(case), "-o", tmp_path / "one.npy")
    assert case_path(case).name in proc.stderr, describe(proc)


# ------------------------------------------------------------------ synthetic dataset
DEMO_ARGS = ["demo:", "--at", "c=1,t=5,z=100"]


def test_demo_export_shape_dtype_deterministic(tmp_path):
    a, cmd = export(DEMO_ARGS + ["--region", "100:300,200:400"], tmp_path / "a.npy")
    b, _ = export(DEMO_ARGS + ["--region", "100:300,200:400"], tmp_path / "b.npy")
    assert a.dtype == np.dtype(np.uint16) and a.shape == (200, 200), (a.dtype, a.shape, cmd)
    assert np.array_equal(a, b), f"two runs differ: {cmd}"
    assert a.min() != a.max(), f"a constant plane is no test of anything: {cmd}"


def test_demo_subregion_equals_slice_of_larger_export(tmp_path):
    big, cmd = export(DEMO_ARGS + ["--region", "0:600,100:700"], tmp_path / "big.npy")
    assert big.shape == (600, 600) and big.dtype == np.uint16, (big.shape, big.dtype, cmd)
    # sub-regions that start and end inside chunks and straddle the 256/512 chunk borders
    for y0, y1, x0, x1 in [(250, 520, 240, 530), (255, 257, 255, 257), (0, 256, 156, 412), (511, 600, 511, 700)]:
        sub, scmd = export(DEMO_ARGS + ["--region", f"{y0}:{y1},{x0}:{x1}"], tmp_path / "sub.npy")
        assert_same_plane(sub, big[y0:y1, x0 - 100:x1 - 100], scmd)


def test_demo_at_changes_plane(tmp_path):
    """Different z (and c) give different planes, so --at really selects data."""
    a, _ = export(["demo:", "--at", "c=1,t=5,z=100", "--region", "0:256,0:256"], tmp_path / "a.npy")
    b, _ = export(["demo:", "--at", "c=1,t=5,z=101", "--region", "0:256,0:256"], tmp_path / "b.npy")
    c, cmd = export(["demo:", "--at", "0=1,1=5,2=100", "--region", "0:256,0:256"], tmp_path / "c.npy")
    assert not np.array_equal(a, b)
    assert np.array_equal(a, c), f"positional --at 0=1,1=5,2=100 differs from c=1,t=5,z=100: {cmd}"
