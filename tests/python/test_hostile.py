"""The fault suite (issue 20): hostile inputs never crash, hang, eat memory or write.

Every case builds a hostile dataset (or option) in a temporary directory from a
small fixture, runs vstack (make test: the release bundle) on it and asserts the product contract
(SPEC §1): exit 1 or 2 (0 where a mutation may leave the data readable), one
line on stderr starting with `vstack:`, no signal, done within 10 s, at most
1 GiB of address space (RLIMIT_AS in the child: an allocation beyond it aborts,
which is a signal), the dataset's bytes unchanged and no output file left.

Mutations are drawn from a seeded RNG, so a case id names the same bytes every
run; reproduce one with `pytest tests/python/test_hostile.py -k 'ID'` (the
failure message prints the command and the temporary dataset path).
"""
import copy
import hashlib
import json
import os
import random
import resource
import shutil
import stat
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

from conftest import FIXTURES, VSTACK_BIN, render_env

TIMEOUT = 10
MEMORY_LIMIT = 1 << 30
SEED = 20

ZARR = FIXTURES / "zarr"
TIFF = FIXTURES / "tiff"
BASES = {
    "v2-blosc": ZARR / "v2" / "v2-uint16-blosc-lz4-shuffle.zarr",
    "v2-zstd": ZARR / "v2" / "v2-uint16-zstd.zarr",
    "v2-zlib": ZARR / "v2" / "v2-uint16-zlib.zarr",
    "v2-raw": ZARR / "v2" / "v2-uint16-none.zarr",
    "v3-gzip": ZARR / "v3" / "v3-uint16-gzip.zarr",
    "v3-crc32c": ZARR / "v3" / "v3-uint16-crc32c.zarr",
    "v3-shard": ZARR / "tensorstore" / "ts-v3-int16-sharding.zarr",
    "v3-shard-nocrc": ZARR / "v3" / "v3-uint16-shard-start-zstd.zarr",
    "v3-shard-nested": ZARR / "v3" / "v3-uint16-shard-nested.zarr",
}
TIFFS = ["plain_pages.tif", "tiled_bigtiff_zstd.tif", "lzw_predictor_uint16.tif", "imagej_zyx_float32.tif",
         "ome_zyx_deflate.ome.tif", "rgb_planar_tiled.tif", "packbits_uint8.tif"]


# ------------------------------------------------------------------ running and checking

def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def snapshot(root):
    """Path → (kind, sha256) of everything below root; special files by kind only, huge sparse ones by size."""
    out = {}
    paths = [root] if not root.is_dir() or root.is_symlink() else [root, *root.rglob("*")]
    for p in paths:
        st = os.lstat(p)
        if stat.S_ISREG(st.st_mode) and st.st_size <= 64 << 20:
            out[str(p)] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
        elif stat.S_ISREG(st.st_mode):
            out[str(p)] = ("sparse", st.st_size)
        else:
            out[str(p)] = (stat.S_IFMT(st.st_mode), None)
    return out


def run_guarded(args, env=None):
    env = env or render_env(COLUMNS=None, LINES=None)
    start = time.monotonic()
    proc = subprocess.Popen([str(VSTACK_BIN), *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, preexec_fn=limit_memory)
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"hung (> {TIMEOUT} s): vstack {' '.join(map(str, args))}")
    return proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - start


def check(args, dataset, out=None, env=None, codes=(1, 2)):
    """Runs vstack and asserts the contract; returns stderr."""
    before = snapshot(dataset)
    code, err, _ = run_guarded(args, env)
    cmd = f"vstack {' '.join(map(str, args))}"
    assert code >= 0, f"killed by signal {-code}: {cmd}\n{err[:1500]}"
    assert code in codes, f"exit {code} (expected {codes}): {cmd}\n{err}"
    lines = err.splitlines()
    if code != 0:
        assert len(lines) == 1 and lines[0].startswith("vstack: "), f"stderr is not one 'vstack:' line: {cmd}\n{err}"
        if out is not None:
            assert not Path(out).exists(), f"{out} left behind after a failure: {cmd}"
    assert snapshot(dataset) == before, f"the dataset changed: {cmd}"
    return err


def commands(path, tmp):
    """What is run on each hostile dataset: open, draw one frame, export one plane."""
    out = tmp / "out.npy"
    return [(["info", path], None), (["render", path, "--size", "40x10"], None), (["export", path, "-o", out], out)]


def copy_base(name, tmp):
    dst = tmp / (name + (".zarr" if name.startswith("v") else ""))
    src = BASES.get(name, TIFF / name)
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copy(src, dst)
    return dst


def chunk_files(root):
    meta = {".zarray", ".zattrs", "zarr.json", ".zgroup"}
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in meta)


def edit_json(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


# ------------------------------------------------------------------ 1. metadata numbers and limits

BAD_NUMBERS = {
    "int64max": 9223372036854775807, "2^63": 9223372036854775808, "2^64": 18446744073709551616,
    "float": 5.5, "negative": -3, "huge-float": 1e300, "zero": 0,
}
V2_FIELDS = ["shape", "chunks"]


def set_axis(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]][0] = value


V3_FIELDS = {
    "shape": ["shape"],
    "chunk_shape": ["chunk_grid", "configuration", "chunk_shape"],
}

METADATA_CASES = (
    [("v2-raw", ".zarray", [f], v) for f in V2_FIELDS for v in BAD_NUMBERS]
    + [("v2-blosc", ".zarray", [f], v) for f in V2_FIELDS for v in ("int64max", "2^64", "float")]
    + [("v3-gzip", "zarr.json", V3_FIELDS[f], v) for f in V3_FIELDS for v in BAD_NUMBERS]
    + [("v3-shard", "zarr.json", ["codecs", 0, "configuration", "chunk_shape"], v) for v in BAD_NUMBERS]
)


@pytest.mark.parametrize("base,meta,field,value", METADATA_CASES,
                         ids=[f"{b}-{'.'.join(map(str, f))}-{v}" for b, _, f, v in METADATA_CASES])
def test_metadata_numbers(tmp_path, base, meta, field, value):
    root = copy_base(base, tmp_path)
    edit_json(root / meta, lambda d: set_axis(d, field, BAD_NUMBERS[value]))
    # A zero extent is an empty array (it may open); every other number is refused at open.
    codes = (0, 1, 2) if value == "zero" else (1,)
    for args, out in commands(root, tmp_path):
        err = check(args, root, out, codes=codes)
        if value in ("2^63", "2^64", "float", "negative", "huge-float"):
            assert f"'{field[-1]}' must be a list of non-negative integers below 2^63" in err, err


def big_layout_cases():
    return {
        "product-overflow": lambda d: d.update(shape=[1 << 40, 1 << 40, 1 << 20, 7]),
        "over-2^62-bytes": lambda d: d.update(shape=[1 << 31, 1 << 31, 1, 7]),
        "rank-40": lambda d: d.update(shape=[1] * 40, chunks=[1] * 40),
        "chunk-2^40-elements": lambda d: d.update(chunks=[1 << 10, 1 << 10, 1 << 10, 1 << 10]),
        "chunk-overflow": lambda d: d.update(chunks=[1 << 62, 1 << 62, 3, 4]),
        "plane-5GB": lambda d: d.update(shape=[1, 1, 60000, 45000], chunks=[1, 1, 1000, 1000]),
        "empty-plane": lambda d: d.update(shape=[2, 3, 0, 7]),
    }


@pytest.mark.parametrize("name", list(big_layout_cases()))
def test_layout_limits(tmp_path, name):
    root = copy_base("v2-raw", tmp_path)
    edit_json(root / ".zarray", big_layout_cases()[name])
    codes = (0, 1, 2) if name in ("plane-5GB", "empty-plane") else (1,)
    runs = commands(root, tmp_path)
    if name == "plane-5GB":
        # render reduces such a plane chunk by chunk (2700 fill-value chunks: about a minute in
        # a debug build), which is bounded in memory but not in time; export refuses it.
        runs = [r for r in runs if r[0][0] != "render"]
    errors = [check(args, root, out, codes=codes) for args, out in runs]
    if name in ("product-overflow", "over-2^62-bytes"):
        assert "is too large (the array would take more than 2^62 bytes)" in errors[0]
    if name.startswith("chunk-"):
        assert "at most 2 GiB" in errors[0]
    if name == "rank-40":
        assert "at most 32" in errors[0]


def test_metadata_size_and_depth(tmp_path):
    root = copy_base("v2-raw", tmp_path)
    (root / ".zarray").write_text("[" * 100000 + "]" * 100000)
    for args, out in commands(root, tmp_path):
        assert "nested deeper than 64 levels" in check(args, root, out)
    # An 8 GiB (sparse) .zarray and a 64 GiB chunk file are refused by their size, unread.
    os.truncate(root / ".zarray", 8 << 30)
    assert "more than the 64 MiB metadata may have" in check(["info", root], root)
    root3 = copy_base("v3-gzip", tmp_path)
    os.truncate(root3 / "zarr.json", 65 << 20)
    assert "64 MiB" in check(["info", root3], root3)
    root2 = copy_base("v2-zstd", tmp_path)
    for p in chunk_files(root2):
        os.truncate(p, 64 << 30)
    assert "is not read" in check(["export", root2, "-o", tmp_path / "o.npy"], root2, tmp_path / "o.npy")


HOSTILE_VALUES = [None, True, -1, 0, 5.5, 2**63, 2**64, -2**63, 1e300, "", "x" * 300, [], [[]], {}, [0], [-1, 2],
                  [2**62, 2**62], ["a"], {"name": 1}, [None], "NaN", [1] * 40]


def leaves(node, path=()):
    """Every (path, value) in a JSON document, containers included."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, path + (i,))


JSON_MUTATION_BASES = ["v2-blosc", "v2-raw", "v3-gzip", "v3-crc32c", "v3-shard", "v3-shard-nested"]


@pytest.mark.parametrize("base,k", [(b, k) for b in JSON_MUTATION_BASES for k in range(8)],
                         ids=[f"{b}-{k}" for b in JSON_MUTATION_BASES for k in range(8)])
def test_json_mutations(tmp_path, base, k):
    """Random leaves of .zarray / zarr.json replaced by values of the wrong type or size."""
    rng = random.Random(f"{SEED}:json:{base}:{k}")
    root = copy_base(base, tmp_path)
    meta = root / (".zarray" if base.startswith("v2") else "zarr.json")
    doc = json.loads(meta.read_text())
    for _ in range(rng.randint(1, 3)):
        path, _ = rng.choice([lv for lv in leaves(doc) if lv[0]])
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
    meta.write_text(json.dumps(doc))
    for args, out in commands(root, tmp_path):
        check(args, root, out, codes=(0, 1, 2))


# ------------------------------------------------------------------ shards

def shard_entries(tmp_path, offset, length):
    root = copy_base("v3-shard-nocrc", tmp_path)  # index at the start, no crc32c: entries are read as written
    for p in chunk_files(root):
        data = bytearray(p.read_bytes())
        struct.pack_into("<QQ", data, 0, offset, length)
        p.write_bytes(bytes(data))
    return root


@pytest.mark.parametrize("offset,length", [(2**64 - 2, 16), (2**63 - 1, 16), (2**62, 2**62), (0, 2**63 + 5),
                                           (8, 2**40), (2**64 - 1, 0)])
def test_shard_index_entries(tmp_path, offset, length):
    root = shard_entries(tmp_path, offset, length)
    for args, out in commands(root, tmp_path):
        err = check(args, root, out, codes=(0, 1))
        assert "range -" not in err, err


# ------------------------------------------------------------------ bit flips and truncations

def mutate(data, rng):
    data = bytearray(data)
    kind = rng.choice(["flip", "flip", "truncate", "zero", "junk"])
    if not data:
        return bytes(rng.randrange(256) for _ in range(8)), kind
    if kind == "flip":
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        data = data[:rng.randrange(len(data))]
    elif kind == "zero":
        i = rng.randrange(len(data))
        data[i:i + 8] = bytes(len(data[i:i + 8]))
    else:
        i = rng.randrange(len(data))
        data[i:i + 8] = bytes(rng.randrange(256) for _ in range(len(data[i:i + 8])))
    return bytes(data), kind


def flip_cases():
    cases = []
    for base in BASES:
        for target in ("meta", "chunk"):
            cases += [(base, target, k) for k in range(6)]
    cases += [(name, "tiff", k) for name in TIFFS for k in range(10)]
    return cases


@pytest.mark.parametrize("base,target,k", flip_cases(), ids=[f"{b}-{t}-{k}" for b, t, k in flip_cases()])
def test_bit_flips(tmp_path, base, target, k):
    rng = random.Random(f"{SEED}:{base}:{target}:{k}")
    root = copy_base(base, tmp_path)
    if target == "tiff":
        victims = [root]
    elif target == "meta":
        victims = [p for p in (root / ".zarray", root / "zarr.json") if p.exists()]
    else:
        victims = chunk_files(root)
    for victim in rng.sample(victims, min(len(victims), 2)):
        data, _ = mutate(victim.read_bytes(), rng)
        victim.write_bytes(data)
    for args, out in commands(root, tmp_path):
        if target == "tiff" and args[0] == "export":
            args = [*args[:-1], tmp_path / "out.tif"]
            out = args[-1]
        check(args, root, out, codes=(0, 1, 2))


def test_tiff_imagej_images_near_int_max(tmp_path):
    path = tmp_path / "imagej.tif"
    description = "ImageJ=1.11a\nimages=9223372036854775807\nslices=9223372036854775807\nframes=3\n"
    tifffile.imwrite(path, np.zeros((2, 8, 8), np.uint16), description=description, metadata=None)
    for args, out in commands(path, tmp_path):
        check(args, path, out, codes=(0, 1))


TIFF_CLAIMS = {  # a flipped IFD: tags set to sizes the 1 KB file cannot hold
    "uncompressed-page": ({}, {256: 45000, 257: 60000}, "uncompressed"),
    "deflate-page": ({"compression": "zlib"}, {256: 45000, 257: 60000}, "at most 1032:1"),
    "huge-tile": ({"tile": (16, 16), "compression": "zlib"}, {322: 20000, 323: 20000}, "far larger than"),
}


@pytest.mark.parametrize("name", list(TIFF_CLAIMS))
def test_tiff_claims_more_than_the_file(tmp_path, name):
    options, tags, message = TIFF_CLAIMS[name]
    path = tmp_path / "claims.tif"
    tifffile.imwrite(path, np.zeros((32, 32), np.uint16), **options)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"II*\0"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, typ = struct.unpack_from("<HH", data, entry)
        if tag in tags:
            struct.pack_into("<H" if typ == 3 else "<I", data, entry + 8, tags[tag])
    path.write_bytes(bytes(data))
    for args, out in commands(path, tmp_path):
        assert message in check(args, path, out, codes=(1,))


# ------------------------------------------------------------------ .npy headers that lie

def npy_bytes(header, data=b"\0" * 1024, version=1, length=None):
    """A .npy file with `header` (text, padded as NumPy pads it) and `data`; `length` overrides the header length field."""
    text = header.encode("latin-1") if isinstance(header, str) else header
    pre = 10 if version == 1 else 12
    text += b" " * ((64 - (pre + len(text) + 1) % 64) % 64) + b"\n"
    n = len(text) if length is None else length
    size = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


def good_npy_header(shape="(16, 32)", descr="'<u2'", fortran="False"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


NPY_CASES = {  # name: (file bytes, message that must be in the error, or None)
    "shape-beyond-file": (npy_bytes(good_npy_header("(100000, 100000)")), "file holds"),
    "shape-fortran-beyond-file": (npy_bytes(good_npy_header("(3, 90000, 90000)", fortran="True")), "file holds"),
    "shape-overflows": (npy_bytes(good_npy_header("(4611686018427387904, 4611686018427387904)")), "too large"),
    "shape-huge-integer": (npy_bytes(good_npy_header("(99999999999999999999999, 2)")), "too large"),
    "shape-negative": (npy_bytes(good_npy_header("(-1, 32)")), "not a valid dict"),
    "shape-33-axes": (npy_bytes(good_npy_header("(" + "1, " * 33 + ")")), "at most 32"),
    "object-dtype-pickle": (npy_bytes(good_npy_header("(2,)", descr="'|O'"), data=b"\x80\x04\x95" + b"cos\nsystem\n" * 10),
                            "object dtype"),
    "structured-dtype": (npy_bytes(good_npy_header("(4, 4)", descr="[('a', '<u2'), ('b', '<f4')]")), "structured"),
    "complex-dtype": (npy_bytes(good_npy_header(descr="'<c8'")), "unsupported data type"),
    "unterminated-dict": (npy_bytes("{'descr': '<u2', 'fortran_order': False, 'shape': (16, 32)"), "not a valid dict"),
    "not-a-dict": (npy_bytes("__import__('os').system('true')"), "not a valid dict"),
    "missing-shape": (npy_bytes("{'descr': '<u2', 'fortran_order': False}"), "'shape'"),
    "extra-key": (npy_bytes("{'descr': '<u2', 'fortran_order': False, 'shape': (4,), 'x': 'y'}"), "unexpected key"),
    "fortran-not-bool": (npy_bytes(good_npy_header(fortran="1")), "not a valid dict"),
    "header-not-utf8": (npy_bytes(b"{'descr': '\xff\xfe', 'fortran_order': False, 'shape': (4,)}", version=3), "not text"),
    "header-length-4gib": (npy_bytes(good_npy_header(), version=2, length=0xFFFFFFFF), "header claims"),
    "header-length-past-end": (npy_bytes(good_npy_header(), data=b"", length=60000), "truncated"),
    "version-9": (npy_bytes(good_npy_header(), version=9), "version"),
    "magic-only": (b"\x93NUMPY", "truncated"),
    "empty-file": (b"", None),
}


@pytest.mark.parametrize("name", list(NPY_CASES))
def test_npy_header_lies(tmp_path, name):
    data, message = NPY_CASES[name]
    path = tmp_path / "hostile.npy"
    path.write_bytes(data)
    for args, out in commands(path, tmp_path):
        err = check(args, path, out, codes=(1,))
        assert message is None or message in err, err


@pytest.mark.parametrize("k", range(12))
def test_npy_mutations(tmp_path, k):
    """Bit flips, truncations and junk in a real np.save file: readable (exit 0) or one line."""
    path = tmp_path / "m.npy"
    np.save(path, np.arange(3 * 20 * 24, dtype=">u2").reshape(3, 20, 24))
    rng = random.Random(f"{SEED}:npy:{k}")
    data = bytearray(path.read_bytes())
    head, _ = mutate(data[:128], rng)
    path.write_bytes(head + bytes(data[128:]))
    for args, out in commands(path, tmp_path):
        check(args, path, out, codes=(0, 1, 2))


# ------------------------------------------------------------------ special files and names

@pytest.mark.parametrize("where", ["chunk", ".zattrs", ".zarray", "shard", "tif", "zarr.json", "series"])
def test_fifo_is_refused(tmp_path, where):
    if where == "tif":
        root = target = tmp_path / "fifo.tif"
    elif where == "series":  # a directory of TIFFs, one of them a FIFO
        root = tmp_path / "series"
        root.mkdir()
        shutil.copy(TIFF / "packbits_uint8.tif", root / "a.tif")
        target = root / "b.tif"
    else:
        root = copy_base({"shard": "v3-shard", "zarr.json": "v3-gzip"}.get(where, "v2-zstd"), tmp_path)
        target = chunk_files(root)[0] if where in ("chunk", "shard") else root / where
        target.unlink()
    os.mkfifo(target)
    errors = [check(args, root, out, codes=(0, 1) if where in ("chunk", "shard", ".zattrs", "series") else (1,))
              for args, out in commands(root, tmp_path)]
    if where in ("tif", ".zarray", "zarr.json"):
        assert "is a FIFO, not a regular file" in errors[0], errors[0]


def test_symlink_loop_and_bad_names(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert "too many levels of symbolic links" in check(["info", tmp_path / "a"], tmp_path)
    bad = os.fsdecode(os.fsencode(tmp_path) + b"/bad\xff.zarr")  # surrogate-escaped: the bytes reach argv as they are
    shutil.copytree(BASES["v2-raw"], bad)
    code, err, _ = run_guarded(["info", bad])
    assert code == 1 and err.count("\n") == 1 and "not valid UTF-8" in err, err
    root = copy_base("v2-raw", tmp_path)
    (root / "0").rename(root / "zz")
    (root / "0").symlink_to(root / "0")
    for args, out in commands(root, tmp_path):
        check(args, root, out, codes=(0, 1))


# ------------------------------------------------------------------ options and data values

@pytest.mark.parametrize("pipeline", ["gaussian(1e9)", "median(100001)", "dog(1e9)", "unsharp(1e9,1e9)", "median(1001)",
                                      "deconvolve(1e6,10)", "deconvolve(5,1000)", "gaussian(1e300)", "uniform(1000001)",
                                      "log(1e308)", "threshold(local,block=100001)"])
def test_filter_parameters_are_bounded(tmp_path, pipeline):
    err = check(["render", "demo:", "--region", "0:64,0:64", "--size", "40x10", "--filter", pipeline], tmp_path)
    assert "at most" in err, err


@pytest.mark.parametrize("env,args", [
    ({"COLUMNS": "100000", "LINES": "100000"}, []),
    ({"COLUMNS": "9223372036854775807", "LINES": "3"}, []),
    ({}, ["--size", "100000x100000"]),
    ({}, ["--size", "9223372036854775807x9223372036854775807"]),
    ({}, ["--clim", "1e308,1.7e308"]),
    ({}, ["--clim", "-1e308,1e308"]),
    ({}, ["--gamma", "1e308"]),
    ({}, ["--region", "0:9223372036854775807,0:5"]),
    ({}, ["--at", "z=9223372036854775807"]),
    ({}, ["--at", "z=-9223372036854775808"]),
], ids=lambda v: str(v)[:40])
def test_options_are_bounded(tmp_path, env, args):
    check(["render", "demo:", *args], tmp_path, env=render_env(**env), codes=(0, 1, 2))


@pytest.mark.parametrize("values", ["inf", "-inf", "nan", "mixed", "max", "f32max"])
def test_data_with_infinite_statistics(tmp_path, values):
    root = tmp_path / f"{values}.zarr"
    root.mkdir()
    a = {"inf": np.full((8, 8), np.inf), "-inf": np.full((8, 8), -np.inf), "nan": np.full((8, 8), np.nan),
         "mixed": np.array([[np.inf, -np.inf, np.nan, 1.0] * 2] * 8),
         "max": np.array([[np.finfo(np.float64).max, -np.finfo(np.float64).max] * 4] * 8),
         # finite as float32, but max − min overflows to inf (Otsu's bin scale, contrast spans)
         "f32max": np.array([[np.finfo(np.float32).max, -np.finfo(np.float32).max] * 4] * 8)}[values]
    (root / ".zarray").write_text(json.dumps({
        "zarr_format": 2, "shape": [8, 8], "chunks": [8, 8], "dtype": "<f8", "fill_value": 0, "order": "C",
        "filters": None, "compressor": None}))
    (root / "0.0").write_bytes(a.astype("<f8").tobytes())
    for args in (["render", root, "--size", "40x10"], ["render", root, "--size", "40x10", "--filter", "gaussian(2)"],
                 ["render", root, "--size", "40x10", "--filter", "threshold(otsu)"],
                 ["render", root, "--size", "40x10", "--filter", "log(1)|threshold(local,block=3)"],
                 ["render", root, "--size", "40x10", "--clim", "0,1e308"], ["render", root, "--mode", "quad"]):
        check(args, root, codes=(0, 1))
    check(["export", root, "-o", tmp_path / "o.npy"], root, codes=(0,))


# ------------------------------------------------------------------ numbers from metadata (issue 27)
# Each number an OME-Zarr's coordinate transformations give becomes a level factor, an offset, an
# aspect or a JSON number. Extremes (1e308, 1e-308, a translation of 1e308, a level 1e300 times
# coarser) once crashed a Double -> Int conversion or printed `inf` into `info --json`.
OME_NUMBERS = [
    ("scale-1e308", lambda ms: ms["datasets"][1]["coordinateTransformations"][0].__setitem__("scale", [1.0, 2.0, 1e308, 1e308])),
    ("scale-1e-308", lambda ms: ms["datasets"][0]["coordinateTransformations"][0].__setitem__("scale", [1.0, 2.0, 1e-308, 0.4])),
    ("translation-1e308", lambda ms: ms["datasets"][1]["coordinateTransformations"].__setitem__(
        1, {"type": "translation", "translation": [0.0, 0.0, 1e308, 0.0]})),
    ("translation-level0-1e308", lambda ms: ms["datasets"][0]["coordinateTransformations"].__setitem__(
        1, {"type": "translation", "translation": [0.0, 0.0, 0.0, -1e308]})),
    ("level-1e25-coarser", lambda ms: ms["datasets"][2]["coordinateTransformations"][0].__setitem__("scale", [1.0, 2.0, 1e25, 1e25])),
    ("level-finer-1e-20", lambda ms: ms["datasets"][1]["coordinateTransformations"][0].__setitem__("scale", [1.0, 2.0, 4e-21, 4e-21])),
]


@pytest.mark.parametrize("name,mutate", OME_NUMBERS, ids=[n for n, _ in OME_NUMBERS])
def test_ome_numbers_out_of_range_are_one_line(tmp_path, name, mutate):
    src = FIXTURES / "ome" / "omezarrpy-0.4.ome.zarr"
    root = tmp_path / "image.ome.zarr"
    shutil.copytree(src, root)
    attrs = json.loads((root / ".zattrs").read_text())
    ms = attrs["multiscales"][0]
    for d in ms["datasets"]:  # every level with a scale and a translation, so each mutation has its slot
        ts = d.setdefault("coordinateTransformations", [])
        if len(ts) == 1:
            ts.append({"type": "translation", "translation": [0.0] * 4})
    mutate(ms)
    (root / ".zattrs").write_text(json.dumps(attrs))
    for args in (["info", root, "--json"], ["render", root, "--size", "40x10"], ["export", root, "--at", "c=0,z=1",
                                                                                    "-o", tmp_path / "p.npy"]):
        err = check(args, root, out=tmp_path / "p.npy")
        assert "scale" in err or "translation" in err, err


def test_ome_info_json_is_json_at_the_extremes_that_open(tmp_path):
    """Scales of 1e-30 and 1e30 (the edges of what opens) give finite numbers in `info --json`."""
    src = FIXTURES / "ome" / "omezarrpy-0.4.ome.zarr"
    root = tmp_path / "image.ome.zarr"
    shutil.copytree(src, root)
    attrs = json.loads((root / ".zattrs").read_text())
    for i, d in enumerate(attrs["multiscales"][0]["datasets"]):
        d["coordinateTransformations"] = [{"type": "scale", "scale": [1.0, 1e30, 1e-30 * 2 ** i, 1e-30 * 2 ** i]}]
    (root / ".zattrs").write_text(json.dumps(attrs))
    code, err, _ = run_guarded(["info", root, "--json"])
    assert code == 0, err
    proc = subprocess.run([str(VSTACK_BIN), "info", str(root), "--json"], capture_output=True, text=True, timeout=30)
    info = json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert info["shape"], info


def test_bigdataviewer_xml_nested_deeply_is_one_line(tmp_path):
    """200,000 nested elements (once a stack overflow in the recursive XML parser)."""
    xml = tmp_path / "dataset.xml"
    depth = 200_000
    xml.write_text('<?xml version="1.0"?>\n<SpimData version="0.2">' + "<a>" * depth + "</a>" * depth + "</SpimData>\n")
    for args in (["info", xml], ["render", xml, "--size", "40x10"]):
        err = check(args, xml)
        assert "nested" in err, err


# ------------------------------------------------------------------ N5 attributes and block headers (issue 27)
N5_BASE = FIXTURES / "n5" / "ts" / "2d-uint16-raw.n5"
N5_ATTRIBUTES = [
    ("dimensions", [2 ** 63, 11]), ("dimensions", [-13, 11]), ("dimensions", [1e308, 11]), ("dimensions", []),
    ("dimensions", [13]), ("dimensions", "13,11"), ("blockSize", [0, 4]), ("blockSize", [2 ** 40, 2 ** 40]),
    ("blockSize", [5]), ("blockSize", [-5, 4]), ("dataType", "complex64"), ("dataType", 16),
    ("compression", {"type": "gzip", "level": 1e308}), ("compression", {"type": "lzma"}), ("compression", "raw"),
    ("compression", {"type": "blosc", "cname": "zzz", "clevel": 5, "shuffle": 9}),
]


@pytest.mark.parametrize("field,value", N5_ATTRIBUTES, ids=[f"{f}={json.dumps(v)[:24]}" for f, v in N5_ATTRIBUTES])
def test_n5_attribute_lies(tmp_path, field, value):
    root = tmp_path / "d.n5"
    shutil.copytree(N5_BASE, root)
    attrs = json.loads((root / "attributes.json").read_text())
    attrs[field] = value
    (root / "attributes.json").write_text(json.dumps(attrs))
    out = tmp_path / "p.npy"
    for args in (["info", root, "--json"], ["export", root, "-o", out], ["render", root, "--size", "40x10"]):
        check(args, root, out=out, codes=(0, 1, 2))


def _n5_blocks(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "attributes.json")


N5_HEADERS = [
    ("mode-7", lambda h: struct.pack(">HH", 7, 2) + h[4:]), ("ndim-0", lambda h: struct.pack(">HH", 0, 0) + h[4:]),
    ("ndim-65535", lambda h: struct.pack(">HH", 0, 65535) + h[4:]),
    ("block-2^31", lambda h: h[:4] + struct.pack(">II", 2 ** 31, 2 ** 31) + h[12:]),
    ("block-0", lambda h: h[:4] + struct.pack(">II", 0, 4) + h[12:]),
    ("varlength-huge", lambda h: struct.pack(">HH", 1, 2) + h[4:12] + struct.pack(">I", 2 ** 32 - 1) + h[12:]),
    ("header-only", lambda h: h[:12]), ("empty", lambda h: b""),
]


@pytest.mark.parametrize("name,mutate", N5_HEADERS, ids=[n for n, _ in N5_HEADERS])
def test_n5_block_header_lies(tmp_path, name, mutate):
    root = tmp_path / "d.n5"
    shutil.copytree(N5_BASE, root)
    block = _n5_blocks(root)[0]
    block.write_bytes(mutate(block.read_bytes()))
    out = tmp_path / "p.npy"
    for args in (["export", root, "-o", out], ["render", root, "--size", "40x10"]):
        check(args, root, out=out, codes=(0, 1, 2))


# ------------------------------------------------------------------ BigDataViewer XML that lies (issue 27)
BDV_LIES = [
    ("<size>48 40 12</size>", "<size>48 40 1e308</size>"), ("<size>48 40 12</size>", "<size>-48 40 12</size>"),
    ("<size>48 40 12</size>", "<size>99999999999999999999 40 12</size>"), ("<size>48 40 12</size>", "<size>48 40</size>"),
    ("<size>0.4 0.4 2.0</size>", "<size>1e308 0.4 2.0</size>"), ("<size>0.4 0.4 2.0</size>", "<size>1e-308 0.4 nan</size>"),
    ("<last>2</last>", "<last>99999999999999</last>"), ("<last>2</last>", "<last>-5</last>"),
    ("<first>0</first>", "<first>abc</first>"), ("<id>1</id>", "<id>0</id>"),
    ("<hdf5 type=\"relative\">bdv.h5</hdf5>", "<hdf5 type=\"relative\">../../../../etc/passwd</hdf5>"),
    ("<hdf5 type=\"relative\">bdv.h5</hdf5>", "<hdf5 type=\"relative\">bdv.xml</hdf5>"),
    ('format="bdv.hdf5"', 'format="bdv.unknown"'), ("<channel>1</channel>", "<channel>1e308</channel>"),
]


@pytest.mark.parametrize("old,new", BDV_LIES, ids=[n[:30] for _, n in BDV_LIES])
def test_bigdataviewer_xml_lies(tmp_path, old, new):
    src = FIXTURES / "hdf5"
    root = tmp_path / "bdv"
    root.mkdir()
    shutil.copy(src / "bdv.h5", root / "bdv.h5")
    text = (src / "bdv.xml").read_text()
    assert old in text, old
    (root / "bdv.xml").write_text(text.replace(old, new, 1))
    out = tmp_path / "p.npy"
    for args in (["info", root / "bdv.xml", "--json"], ["export", root / "bdv.xml", "-o", out],
                 ["render", root / "bdv.xml", "--size", "40x10"]):
        check(args, root, out=out, codes=(0, 1, 2))


# ------------------------------------------------------------------ Imaris attributes that lie (issue 27)
IMARIS_LIES = [("X", "1e308"), ("X", "-50"), ("Y", "99999999999999999999"), ("Z", "0"), ("X", "abc"),
               ("ExtMax0", "1e308"), ("ExtMin1", "nan"), ("ExtMax2", "-1e308"), ("Unit", "\u00b5" * 5000)]


@pytest.mark.parametrize("name,value", IMARIS_LIES, ids=[f"{n}={v[:12]}" for n, v in IMARIS_LIES])
def test_imaris_attribute_lies(tmp_path, name, value):
    """Imaris keeps sizes and extents as byte-string attributes: each hostile one is one line (or opens)."""
    import h5py
    path = tmp_path / "lies.ims"
    shutil.copy(FIXTURES / "hdf5" / "imaris.ims", path)
    with h5py.File(path, "r+") as f:
        f["DataSetInfo/Image"].attrs[name] = np.array([c.encode("utf-8") for c in value], dtype="S1") \
            if value.isascii() else np.array(list(value.encode("utf-8")), dtype="u1").view("S1")
    out = tmp_path / "p.npy"
    for args in (["info", path, "--json"], ["export", path, "-o", out], ["render", path, "--size", "40x10"]):
        check(args, path, out=out, codes=(0, 1, 2))


N5_PYRAMID_LIES = [
    ("scales", [[1, 1, 1], [1e308, 2, 1], [4, 4, 2]]), ("scales", [[1, 1, 1], [0, 2, 1], [4, 4, 2]]),
    ("scales", [[1, 1, 1], [-2, 2, 1], [4, 4, 2]]), ("scales", [[1, 1, 1], ["a", 2, 1], [4, 4, 2]]),
    ("pixelResolution", {"dimensions": [1e308, 0.5, 1.0], "unit": "um"}),
    ("pixelResolution", {"dimensions": [1e-308, 0.5, -1.0], "unit": "um"}), ("resolution", [1e308, 1e308, 1e308]),
    ("downsamplingFactors", [[1, 1, 1], [2 ** 62, 2, 1]]), ("axes", ["x"] * 70000),
]


@pytest.mark.parametrize("field,value", N5_PYRAMID_LIES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(N5_PYRAMID_LIES)])
def test_n5_multiscale_attribute_lies(tmp_path, field, value):
    root = tmp_path / "m.n5"
    shutil.copytree(FIXTURES / "n5" / "pyramid" / "multiscale.n5", root)
    attrs = json.loads((root / "attributes.json").read_text())
    attrs[field] = value
    (root / "attributes.json").write_text(json.dumps(attrs))
    out = tmp_path / "p.npy"
    for args in (["info", root, "--json"], ["export", root, "-o", out], ["render", root, "--size", "40x10"]):
        err = check(args, root, out=out, codes=(0, 1, 2))
        if args[0] == "info" and err == "":
            info = subprocess.run([str(VSTACK_BIN), "info", str(root), "--json"], capture_output=True, text=True, timeout=30)
            json.loads(info.stdout, parse_constant=lambda c: pytest.fail(f"{c} in info --json"))


# ------------------------------------------------------------------ OME omero, labels and plates that lie (issue 27)
def _omero(c):
    return c["omero"]["channels"]


OME_OTHER_LIES = [
    ("window-1e308", lambda a: _omero(a)[0]["window"].update(start=-1e308, end=1e308)),
    ("window-reversed", lambda a: _omero(a)[0]["window"].update(start=9000, end=100)),
    ("window-strings", lambda a: _omero(a)[0]["window"].update(start="a", end=None)),
    ("color-long", lambda a: _omero(a)[0].update(color="F" * 100000)),
    ("label-huge", lambda a: _omero(a)[0].update(label="x" * 1000000)),
    ("channels-many", lambda a: a["omero"].update(channels=[{"color": "FF0000"}] * 100000)),
    ("channels-not-list", lambda a: a["omero"].update(channels={"a": 1})),
    ("labels-list-huge", lambda a: a.update(labels=["../../" * 50] * 1000)),
    ("labels-not-strings", lambda a: a.update(labels=[1, None, {"x": 2}])),
]


@pytest.mark.parametrize("name,mutate", OME_OTHER_LIES, ids=[n for n, _ in OME_OTHER_LIES])
def test_ome_omero_and_labels_lies(tmp_path, name, mutate):
    root = tmp_path / "image.ome.zarr"
    shutil.copytree(FIXTURES / "ome" / "omezarrpy-0.4.ome.zarr", root)
    attrs = json.loads((root / ".zattrs").read_text())
    mutate(attrs)
    (root / ".zattrs").write_text(json.dumps(attrs))
    out = tmp_path / "p.npy"
    check(["export", root, "--at", "c=0,z=1", "-o", out], root, out=out, codes=(0, 1, 2))
    for args in (["info", root, "--json"], ["render", root, "--size", "40x10"],
                 ["render", root, "--labels", "x", "--size", "40x10"]):
        check(args, root, codes=(0, 1, 2))


PLATE_LIES = [
    ("wells-escape", lambda p: p["wells"].__setitem__(0, {"path": "../../../etc", "rowIndex": 0, "columnIndex": 0})),
    ("wells-indices", lambda p: p["wells"].__setitem__(0, {"path": "A/1", "rowIndex": 2 ** 62, "columnIndex": -1})),
    ("wells-many", lambda p: p.update(wells=[{"path": "A/1", "rowIndex": 0, "columnIndex": 0}] * 100000)),
    ("rows-not-list", lambda p: p.update(rows="A")),
    ("no-wells", lambda p: p.pop("wells")),
]


@pytest.mark.parametrize("name,mutate", PLATE_LIES, ids=[n for n, _ in PLATE_LIES])
def test_ome_plate_lies(tmp_path, name, mutate):
    root = tmp_path / "plate.ome.zarr"
    shutil.copytree(FIXTURES / "ome" / "plate.ome.zarr", root)
    meta = root / ".zattrs"
    attrs = json.loads(meta.read_text())
    mutate(attrs["plate"])
    meta.write_text(json.dumps(attrs))
    for args in (["info", root], ["render", root, "--size", "40x10"]):
        check(args, root, codes=(1, 2))
