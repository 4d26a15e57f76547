"""Remote data (issue 15): vstack reading http(s):// and s3:// URLs from real servers on loopback.

The servers (servers.py) are nginx serving the fixtures directory, moto's S3, raw-socket
fault servers and a latency proxy; every one is started on a free 127.0.0.1 port by the
test and stopped after it. The `test_servers_*` tests check the servers themselves with
urllib / http.client / boto3 / zarr-python / tensorstore and do not need vstack.

The vstack contract held here:
  - a URL works wherever a local path works: `info --json` is the local JSON but for
    `location`; `export` writes the local array; `render` prints the local bytes;
  - --timeout S, --retries N, --insecure, --anon, --max-requests N on info/view/render/export;
    --stats gains "remote": requests, bytes_fetched, retries, latency_mean_ms, latency_p99_ms;
  - only GET and HEAD; 404 = missing key (fill value); 401/403 = a one-line error naming the
    status and credentials; 5xx retried, then a one-line error naming the status; no answer =
    a one-line "timed out" error within about the timeout times the tries; a short body, a
    wrong Content-Length or a short range = a one-line error naming the chunk, nothing written;
    sharded Zarr v3 read with Range requests;
  - s3://bucket/prefix with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
    AWS_REGION; --anon for a public bucket; a wrong secret gives the 403 message.
"""
import http.client
import json
import math
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
import zarr

import servers
from conftest import FIXTURES, VSTACK_BIN, default_axis_names, describe, load_cases, run_vstack, run_vstack_bytes
from servers import FaultServer, LatencyProxy, Moto, Nginx, is_metadata
from test_export import plan, seed

CASES = load_cases()
CASES_2D = [c for c in CASES if len(c["shape"]) >= 2]      # vstack exports planes; 1-D arrays only in info
OME = [FIXTURES / "ome" / n for n in ("omezarrpy-0.4.ome.zarr", "omezarrpy-0.5.ome.zarr",
                                      "ngff-0.4.ome.zarr", "ngff-0.5.ome.zarr")]
REMOTE_OPTIONS = ("--timeout", "--retries", "--insecure", "--anon", "--max-requests")
V3 = FIXTURES / "zarr" / "v3" / "v3-uint16-zstd.zarr"          # (3, 11, 13) uint16, 9 chunks per plane
FAULT_TIMEOUT = 60                                                # subprocess bound for the fault tests


def ids(cases):
    return [c["name"] for c in cases]


def _groups():
    """One case per writer/format/sharding/order/nesting/missing-chunks/rank combination (the
    smallest name hash, so dtypes and codecs vary): the subset also run locally for comparison."""
    groups = {}
    for c in CASES:
        n = c["name"]
        kind = (c["writer"], c["format"], c["shard_shape"] is not None, c["order"], "nested" in n,
                c.get("missing_chunks", 0) > 0, len(c["shape"]))
        groups.setdefault(kind, []).append(c)
    return sorted((min(g, key=lambda c: seed(c["name"], "remote")) for g in groups.values()), key=lambda c: c["name"])


GROUPS = _groups()
SHARDED = [c for c in CASES if c["shard_shape"] is not None and len(c["shape"]) >= 2]


def rel(path):
    """`path` (under FIXTURES) as a URL path: /zarr/v3/x.zarr."""
    return "/" + urllib.parse.quote(Path(path).resolve().relative_to(FIXTURES).as_posix())


def url(server, path):
    return server.url + rel(path)


def npy(a):
    a = np.asarray(a)
    return a.astype(a.dtype.newbyteorder("="), copy=False)


def same_array(got, want, cmd):
    assert got.dtype == want.dtype, f"dtype {got.dtype} != {want.dtype}\n  cmd: {cmd}"
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}\n  cmd: {cmd}"
    assert np.array_equal(got, want, equal_nan=got.dtype.kind in "fc"), \
        f"{np.count_nonzero(got != want)} of {got.size} values differ\n  cmd: {cmd}"


def export(*args, out, env=None, timeout=120):
    proc = run(["export", *args, "-o", out], env=env, timeout=timeout)
    assert proc.returncode == 0, describe(proc)
    return np.load(out)


def run(args, env=None, timeout=120):
    """Runs vstack (text mode) with an optional environment; a hang fails the test (TimeoutExpired)."""
    if not VSTACK_BIN.exists():
        pytest.fail(f"vstack binary not found at {VSTACK_BIN} (build it with `swift build`, or set VSTACK_BIN)")
    return subprocess.run([str(VSTACK_BIN), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


def info(target, env=None, *extra):
    proc = run(["info", target, "--json", *extra], env=env)
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def same_info(remote, local, location):
    assert remote.get("location") == location, f"location {remote.get('location')!r} != {location!r}"
    a = {k: v for k, v in remote.items() if k != "location"}
    b = {k: v for k, v in local.items() if k != "location"}
    assert a == b, f"info --json differs from the local one (besides location): " \
                   f"{ {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)} }"


def stats_of(proc):
    """The --stats JSON (the last line of stderr that parses as a JSON object)."""
    for line in reversed(proc.stderr.strip().splitlines()):
        try:
            s = json.loads(line)
        except ValueError:
            continue
        if isinstance(s, dict):
            return s
    raise AssertionError(f"no --stats JSON on stderr\n  {describe(proc)}")


def one_line_error(proc, *needles):
    """A clean failure: exit 1 or 2 (not a signal, not a trap), one line on stderr containing
    every needle (case-insensitive)."""
    assert proc.returncode in (1, 2), f"expected exit 1 or 2; {describe(proc)}"
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1, f"expected a one-line message, got {len(lines)} lines:\n{proc.stderr}"
    for n in needles:
        assert n.lower() in lines[0].lower(), f"{n!r} not in the message {lines[0]!r}"
    return lines[0]


def timed(args, env=None, timeout=FAULT_TIMEOUT):
    t0 = time.monotonic()
    proc = run(args, env=env, timeout=timeout)
    return proc, time.monotonic() - t0


# ====================================================================== server self-checks (no vstack)

def _get(u, headers=None, method="GET", timeout=10):
    req = urllib.request.Request(u, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_servers_nginx_serves_files_ranges_and_404(nginx_fixtures):
    n = nginx_fixtures
    mark = n.log_mark()
    body = (V3 / "zarr.json").read_bytes()
    assert _get(url(n, V3 / "zarr.json")) [0::2] == (200, body)
    status, headers, got = _get(url(n, V3 / "zarr.json"), {"Range": "bytes=2-9"})
    assert (status, got, headers["Content-Range"]) == (206, body[2:10], f"bytes 2-9/{len(body)}")
    status, headers, got = _get(url(n, V3 / "zarr.json"), {"Range": "bytes=-7"})
    assert (status, got) == (206, body[-7:])
    status, headers, got = _get(url(n, V3 / "zarr.json"), method="HEAD")
    assert (status, int(headers["Content-Length"]), got) == (200, len(body), b"")
    assert _get(url(n, V3) + "/c/9/9/9")[0] == 404
    assert _get(url(n, V3) + "/")[0] in (403, 404), "autoindex must be off"
    # keep-alive: two requests on one connection
    c = http.client.HTTPConnection("127.0.0.1", n.port, timeout=10)
    for _ in range(2):
        c.request("GET", rel(V3 / "zarr.json"))
        r = c.getresponse()
        assert r.status == 200 and r.read() == body and r.getheader("Connection", "keep-alive") != "close"
    c.close()
    log = n.access_log_since(mark)
    assert [e.method for e in log] == ["GET", "GET", "GET", "HEAD", "GET", "GET", "GET", "GET"]
    assert [e.status for e in log] == [200, 206, 206, 200, 404, log[5].status, 200, 200]
    assert log[1].range == "bytes=2-9" and log[2].range == "bytes=-7" and log[0].range is None
    assert log[1].bytes == 8 and log[0].bytes == len(body)
    assert log[-1].connection == log[-2].connection and log[-1].requests_on_connection == 2


def test_servers_nginx_root_only_directory(tmp_path):
    """Serves a 0700 directory whether the tests run as root or not (as root the workers run as
    root, not nobody; as a user the `user` directive is left out)."""
    tmp_path.chmod(0o700)
    (tmp_path / "secret.bin").write_bytes(b"x" * 1000)
    with Nginx(tmp_path) as n:
        assert _get(n.url + "/secret.bin") == (200, _get(n.url + "/secret.bin")[1], b"x" * 1000)
        assert "user " in n.config() if servers.os.geteuid() == 0 else "user " not in n.config()
        assert n.access_log()[-1].status == 200
        pid = n.proc.pid
    assert n.proc is None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", n.port), timeout=1).close()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_servers_zarr_and_tensorstore_read_fixtures_over_http(nginx_fixtures):
    """zarr-python (fsspec HTTP) and tensorstore's http kvstore read fixtures through nginx and
    get the fixtures' .npy: the server is right, independent of vstack."""
    n = nginx_fixtures
    picks = [c for c in GROUPS if c["writer"] == "zarr-python"][:6] + \
        [c for c in CASES if c["writer"] == "tensorstore" and c["shard_shape"]][:1] + SHARDED[:2]
    for c in picks:
        want = npy(np.load(FIXTURES / c["reference"]))
        got = zarr.open_array(url(n, FIXTURES / c["path"]), mode="r")[...]
        same_array(npy(got), want, f"zarr-python {c['name']}")
    c = SHARDED[0]
    mark = n.log_mark()
    driver = "zarr3" if c["format"] == "zarr3" else "zarr"
    t = ts.open({"driver": driver, "kvstore": {"driver": "http", "base_url": url(n, FIXTURES / c["path"])}},
                read=True).result()
    same_array(npy(t.read().result()), npy(np.load(FIXTURES / c["reference"])), f"tensorstore {c['name']}")
    log = n.access_log_since(mark)
    assert {e.method for e in log} <= {"GET", "HEAD"}
    assert any(e.status == 206 and e.range for e in log), "tensorstore reads shards with Range requests"
    for p in OME[::2]:
        g = zarr.open_group(url(n, p), mode="r")
        attrs = g.attrs.asdict()
        ms = (attrs.get("ome") or attrs)["multiscales"][0]
        level1 = ms["datasets"][1]["path"]
        same_array(npy(zarr.open_array(url(n, p / level1), mode="r")[...]),
                   npy(zarr.open_array(str(p / level1), mode="r")[...]), f"zarr-python {p.name} level 1")


def test_servers_latency_proxy(nginx_fixtures):
    n = nginx_fixtures
    body = (V3 / "zarr.json").read_bytes()
    with LatencyProxy(n.url, delay=0.05) as p:
        t0 = time.monotonic()
        assert _get(url(p, V3 / "zarr.json"))[0::2] == (200, body)
        assert time.monotonic() - t0 >= 0.05
        status, headers, got = _get(url(p, V3 / "zarr.json"), {"Range": "bytes=3-10"})
        assert (status, got, headers["Content-Range"]) == (206, body[3:11], f"bytes 3-10/{len(body)}")
        status, headers, got = _get(url(p, V3 / "zarr.json"), method="HEAD")
        assert (status, int(headers["Content-Length"]), got) == (200, len(body), b"")
        assert _get(url(p, V3) + "/nope")[0] == 404
        assert _get(url(p, V3 / "zarr.json"), method="DELETE")[0] == 405
        c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=10)      # keep-alive to the proxy
        for _ in range(3):
            c.request("GET", rel(V3 / "zarr.json"))
            r = c.getresponse()
            assert r.status == 200 and r.read() == body
        c.close()
        before = len(p.requests)
        a = zarr.open_array(url(p, V3), mode="r")
        same_array(npy(a[...]), npy(np.load(V3.with_suffix(".npy"))), "zarr-python through the proxy")
        assert len(p.requests) > before and p.max_in_flight >= 1
        assert [r.method for r in p.requests[:6]] == ["GET", "GET", "HEAD", "GET", "DELETE", "GET"]
        assert p.requests[1].headers["range"] == "bytes=3-10"


def test_servers_fault_servers(tmp_path):
    root = FIXTURES / "zarr" / "v3"
    chunk = "/v3-uint16-zstd.zarr/c/0/0/1"
    data = (root / chunk.lstrip("/")).read_bytes()
    meta = (root / "v3-uint16-zstd.zarr" / "zarr.json").read_bytes()
    assert len(data) >= 4

    with servers.never_answers() as s:
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=1)
        t0 = time.monotonic()
        with pytest.raises(socket.timeout):
            c.request("GET", "/x", headers={"X-Test": "1"})
            c.getresponse()
        assert 0.9 <= time.monotonic() - t0 < 5
        assert [(r.method, r.path, r.headers.get("x-test")) for r in s.requests] == [("GET", "/x", "1")]

    with servers.fails_then_serves(root, n=2) as s:
        got = [_get(s.url + chunk)[0] for _ in range(3)] + [_get(s.url + "/other")[0] for _ in range(3)]
        assert got == [500, 500, 200, 500, 500, 404]
        assert _get(s.url + chunk)[2] == data and s.counts[chunk] == 4

    for make in (servers.closes_mid_body, servers.wrong_length):
        with make(root) as s:
            assert _get(s.url + "/v3-uint16-zstd.zarr/zarr.json")[2] == meta    # metadata is served whole
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
            c.request("GET", chunk)
            r = c.getresponse()
            expected = len(data) + (1000 if s.mode == "wrong_length" else 0)
            assert r.status == 200 and int(r.getheader("Content-Length")) == expected
            with pytest.raises(http.client.IncompleteRead) as e:
                r.read()
            assert e.value.partial == (data[: len(data) // 2] if s.mode == "closes_mid_body" else data)
            assert [r.path for r in s.requests] == ["/v3-uint16-zstd.zarr/zarr.json", chunk]

    with servers.truncated_range(root) as s:
        status, headers, got = _get(s.url + chunk, {"Range": "bytes=0-3"})
        assert status == 206 and headers["Content-Range"] == f"bytes 0-3/{len(data)}" and got == data[:2]
        assert _get(s.url + chunk) [0::2] == (200, data)                      # a whole GET is fine
        assert s.requests[0].headers["range"] == "bytes=0-3"

    with servers.forbidden() as s:
        assert _get(s.url + chunk)[0] == 403 and _get(s.url + "/", method="HEAD")[0] == 403
        assert [r.method for r in s.requests] == ["GET", "HEAD"]


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """Two moto servers (see servers.Moto for why two):
      auth: signatures enforced; bucket vstack-private with S3_TREES; .key = a valid key
      open: no enforcement; vstack-public (public: policy + ACLs) and vstack-private (private)."""
    auth, open_ = Moto(), Moto()
    with auth, open_:
        key = auth.create_user()
        auth.create_bucket("vstack-private")
        open_.create_bucket("vstack-public")
        open_.create_bucket("vstack-private")
        for p in S3_TREES:
            auth.upload_tree("vstack-private", "fx" + rel(p), p)
            open_.upload_tree("vstack-public", "fx" + rel(p), p, acl="public-read")
        open_.upload_tree("vstack-private", "fx" + rel(S3_TREES[0]), S3_TREES[0])
        open_.make_public("vstack-public", acls=False)
        auth.enforce_auth()
        yield type("S3", (), {"auth": auth, "open": open_, "key": key})


S3_CASES = [next(c for c in GROUPS if c["format"] == f and c["writer"] == "zarr-python" and (c["shard_shape"] is None) != s
                 and len(c["shape"]) >= 3 and c["dtype"] != "bool") for f, s in (("zarr2", False), ("zarr3", False), ("zarr3", True))]
S3_TREES = [FIXTURES / c["path"] for c in S3_CASES] + [OME[3]]


def s3_url(bucket, path):
    return f"s3://{bucket}/fx{rel(path)}"


def test_servers_moto(s3):
    import botocore.exceptions
    p = FIXTURES / S3_CASES[0]["path"]
    key = f"fx{rel(p)}/" + ("zarr.json" if (p / "zarr.json").exists() else ".zarray")
    body = (p / key.rsplit("/", 1)[1]).read_bytes()
    c = s3.auth.client(key=s3.key)
    assert c.get_object(Bucket="vstack-private", Key=key)["Body"].read() == body
    assert c.head_object(Bucket="vstack-private", Key=key)["ContentLength"] == len(body)
    r = c.get_object(Bucket="vstack-private", Key=key, Range="bytes=1-4")
    assert r["Body"].read() == body[1:5] and r["ResponseMetadata"]["HTTPStatusCode"] == 206
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.get_object(Bucket="vstack-private", Key=key + "-missing")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.auth.client(key=(s3.key[0], "wrong-secret")).get_object(Bucket="vstack-private", Key=key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    # anonymous: the public bucket answers GET and HEAD, the private one 403
    assert _get(f"{s3.open.url}/vstack-public/{key}")[0::2] == (200, body)
    assert _get(f"{s3.open.url}/vstack-public/{key}", method="HEAD")[0] == 200
    assert _get(f"{s3.open.url}/vstack-public/{key}-missing")[0] == 404
    assert _get(f"{s3.open.url}/vstack-private/{key}")[0] == 403
    assert _get(f"{s3.open.url}/vstack-private/{key}", method="HEAD")[0] == 403
    n = sum(1 for t in S3_TREES for f in t.rglob("*") if f.is_file())
    assert _get(f"{s3.open.url}/vstack-public/fx{rel(S3_TREES[2])}/zarr.json", method="HEAD")[0] == 200
    listed = sum(len(pg.get("Contents", [])) for pg in c.get_paginator("list_objects_v2").paginate(Bucket="vstack-private"))
    assert listed == n


# ====================================================================== vstack over HTTP

@pytest.mark.parametrize("cmd", ["info", "view", "render", "export"])
def test_remote_options_in_help(cmd):
    proc = run([cmd, "--help"])
    assert proc.returncode == 0, describe(proc)
    missing = [o for o in REMOTE_OPTIONS if o not in proc.stdout]
    assert not missing, f"vstack {cmd} --help lacks {missing}"


@pytest.mark.parametrize("case", CASES_2D, ids=ids(CASES_2D))
def test_http_export_equals_fixture(case, nginx_fixtures, tmp_path):
    """Every Zarr fixture: the plane test_export would export, over HTTP, is the .npy's plane;
    only GET and HEAD reach the server."""
    args, index, transpose = plan(case)
    path = FIXTURES / case["path"]
    args[0] = url(nginx_fixtures, path)
    mark = nginx_fixtures.log_mark()
    got = export(*args, out=tmp_path / "plane.npy")
    want = npy(np.load(FIXTURES / case["reference"])[index])
    same_array(got, want.T if transpose else want, f"vstack export {' '.join(args)}")
    log = nginx_fixtures.access_log_since(mark, rel(path))
    assert log, "no request reached nginx"
    assert {e.method for e in log} <= {"GET", "HEAD"}, sorted({e.method for e in log})


@pytest.mark.parametrize("case", GROUPS, ids=ids(GROUPS))
def test_http_same_as_local(case, nginx_fixtures, tmp_path):
    """info --json (but location), export and render bytes are those of the local path."""
    path = FIXTURES / case["path"]
    u = url(nginx_fixtures, path)
    same_info(info(u), info(path), u)
    if len(case["shape"]) < 2:
        return
    args, _, _ = plan(case)
    local = export(*args, out=tmp_path / "local.npy")
    args[0] = u
    same_array(export(*args, out=tmp_path / "remote.npy"), local, f"vstack export {' '.join(args)}")
    r = ["render", "--size", "40x12", "--no-header", "--color", "truecolor"]
    a, b = run_vstack_bytes(*r, u), run_vstack_bytes(*r, path)
    assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
    assert a.stdout == b.stdout, f"render of {u} differs from the local render"


def present_shard_plane(case):
    """--at arguments for a plane through a shard file that exists (some fixtures miss shards)."""
    path = FIXTURES / case["path"]
    shape, shard = case["shape"], case["shard_shape"]
    names = case["axes"] or default_axis_names(shape)
    row, col = (names.index("y"), names.index("x")) if "y" in names and "x" in names else (len(shape) - 2, len(shape) - 1)
    first = min(p for p in path.rglob("*") if p.is_file() and not is_metadata(p.name))
    grid = [int(k) for k in re.findall(r"\d+", first.relative_to(path).as_posix())][-len(shape):]
    return first, ",".join(f"{d}={g * shard[d]}" for d, g in enumerate(grid) if d not in (row, col))


@pytest.mark.parametrize("case", SHARDED, ids=ids(SHARDED))
def test_http_sharded_reads_ranges(case, nginx_fixtures, tmp_path):
    """Sharded Zarr v3: shard files are read with Range requests (206), not whole."""
    path = FIXTURES / case["path"]
    shard, at = present_shard_plane(case)
    mark = nginx_fixtures.log_mark()
    export(url(nginx_fixtures, path), *(["--at", at] if at else []), out=tmp_path / "plane.npy")
    log = nginx_fixtures.access_log_since(mark, rel(path))
    shards = [e for e in log if not is_metadata(e.uri) and e.method == "GET" and e.status != 404]
    assert rel(shard) in {e.uri for e in log}, f"{rel(shard)} was not read: {[(e.uri, e.status) for e in log]}"
    assert shards and all(e.range for e in shards) and any(e.status == 206 for e in shards), \
        f"shard reads without Range: {[(e.uri, e.status, e.range) for e in shards][:5]}"


@pytest.fixture(scope="module")
def holes(tmp_path_factory):
    """A 0700 directory served by its own nginx: copies of a v3 and a v2 fixture, each with
    one chunk deleted. Yields (nginx, [(array dir, deleted chunk key, z)])."""
    root = tmp_path_factory.mktemp("holes")
    root.chmod(0o700)
    made = []
    v2 = next(c for c in CASES if c["format"] == "zarr2" and c["writer"] == "zarr-python" and len(c["shape"]) == 3
              and "nested" not in c["name"] and c.get("missing_chunks", 0) == 0 and c["dtype"] == "uint16")
    for src, key, z in ((V3, "c/1/1/1", 2), (FIXTURES / v2["path"], None, None)):
        dst = root / src.name
        shutil.copytree(src, dst)
        a = zarr.open_array(str(dst), mode="r")
        if key is None:                                    # the v2 chunk in the middle
            idx = [s // c // 2 for s, c in zip(a.shape, a.chunks)]
            key, z = ".".join(map(str, idx)), idx[0] * a.chunks[0]
        assert (dst / key).is_file(), key
        (dst / key).unlink()
        made.append((dst, key, z))
    with Nginx(root) as n:
        yield n, made


def test_http_missing_chunk_is_fill(holes, tmp_path):
    n, made = holes
    for dst, key, z in made:
        u = f"{n.url}/{dst.name}"
        mark = n.log_mark()
        got = export(u, "--at", f"0={z}", out=tmp_path / "plane.npy")
        want = npy(zarr.open_array(str(dst), mode="r")[z])             # the fill value where the chunk was
        same_array(got, want, f"vstack export {u} --at 0={z}")
        log = n.access_log_since(mark)
        assert any(e.uri == f"/{dst.name}/{key}" and e.status == 404 for e in log), \
            f"the deleted chunk {key} was not asked for: {[(e.uri, e.status) for e in log]}"
        assert {e.method for e in log} <= {"GET", "HEAD"}


@pytest.mark.parametrize("path", OME, ids=[p.name for p in OME])
def test_http_ome_levels(path, nginx_fixtures, tmp_path):
    """OME-Zarr over HTTP: info as local (but location), --level 0 and --level 1 planes as zarr-python's."""
    u = url(nginx_fixtures, path)
    local = info(path)
    same_info(info(u), local, u)
    names = local["axis_names"]
    for level in (1, 0):
        lv = local["pyramid"][level]
        shape = lv["shape"]
        at = {d: shape[d] // 2 for d, name in enumerate(names) if name not in ("y", "x")}
        args = ["--level", str(level), "--at", ",".join(f"{names[d]}={i}" for d, i in at.items())]
        got = export(u, *args, out=tmp_path / f"l{level}.npy")
        ref = zarr.open_array(str(path / lv["path"]), mode="r")
        want = npy(ref[tuple(at.get(d, slice(None)) for d in range(len(shape)))])
        same_array(got, want, f"vstack export {u} {' '.join(args)}")
        same_array(got, export(path, *args, out=tmp_path / f"local{level}.npy"), "local export")


# ====================================================================== S3

@pytest.mark.parametrize("path", S3_TREES, ids=[p.name for p in S3_TREES])
def test_s3_with_credentials(path, s3, tmp_path):
    env = s3.auth.env(s3.key)
    u = s3_url("vstack-private", path)
    local = info(path)
    same_info(info(u, env), local, u)
    args = ["--level", "1"] if len(local["pyramid"]) > 1 else []
    same_array(export(u, *args, out=tmp_path / "s3.npy", env=env), export(path, *args, out=tmp_path / "local.npy"),
               f"AWS_ENDPOINT_URL={s3.auth.url} vstack export {u}")


def test_s3_wrong_secret_is_403(s3, tmp_path):
    env = s3.auth.env((s3.key[0], "not-the-secret"))
    u = s3_url("vstack-private", S3_TREES[0])
    for args in (["info", u, "--json"], ["export", u, "-o", tmp_path / "x.npy"]):
        proc, took = timed(args, env)
        one_line_error(proc, "403", "credential")
        assert took < 30
    assert not (tmp_path / "x.npy").exists()


def test_s3_anon_public_bucket(s3, tmp_path):
    env = s3.open.env(None)
    for path in (S3_TREES[0], S3_TREES[2], OME[3]):
        u = s3_url("vstack-public", path)
        same_info(info(u, env, "--anon"), info(path), u)
        args = ["--level", "1"] if path == OME[3] else []
        same_array(export(u, "--anon", *args, out=tmp_path / "anon.npy", env=env),
                   export(path, *args, out=tmp_path / "local.npy"), f"vstack export {u} --anon")


def test_s3_anon_private_bucket_is_403(s3):
    proc, _ = timed(["info", s3_url("vstack-private", S3_TREES[0]), "--anon"], s3.open.env(None))
    one_line_error(proc, "403", "credential")


# ====================================================================== faults

@pytest.mark.parametrize("retries", [0, 2])
def test_fault_never_answers_times_out(retries, fault_server):
    s = fault_server("never_answers")
    proc, took = timed(["info", f"{s.url}/image.zarr", "--timeout", "1", "--retries", str(retries)])
    one_line_error(proc, "timed out")
    tries = retries + 1
    # each try waits 1 s; the capped backoff between tries adds at most a few seconds
    assert took < tries * 1 + retries * 4 + 5, f"took {took:.1f} s with --timeout 1 --retries {retries}"
    assert took >= 0.9
    assert max(s.counts.values()) == tries, f"requests per path {s.counts} (expected {tries} tries)"


def test_fault_never_answers_gives_up_within_30_s_by_default(fault_server):
    """The defaults (--timeout 30, --retries 2) against a server that accepts and never answers:
    one try of 30 s and no retry after it (once three tries, 90 s, before the error)."""
    s = fault_server("never_answers")
    proc, took = timed(["info", f"{s.url}/image.zarr"])
    one_line_error(proc, "timed out")
    assert 29 <= took < 40, f"took {took:.1f} s"
    assert max(s.counts.values()) == 1, f"requests per path {s.counts} (expected 1 try within the 30 s deadline)"


def test_fault_5xx_retried_then_served(fault_server, tmp_path):
    s = fault_server("fails_then_serves", root=V3.parent, n=2)
    u = f"{s.url}/{V3.name}"
    proc = run(["export", u, "--at", "0=1", "--retries", "2", "--stats", "-o", tmp_path / "x.npy"], timeout=FAULT_TIMEOUT)
    assert proc.returncode == 0, describe(proc)
    same_array(np.load(tmp_path / "x.npy"), npy(np.load(V3.with_suffix(".npy"))[1]), f"vstack export {u}")
    assert all(n >= 3 for n in s.counts.values()), f"a path was given up before its 3rd try: {s.counts}"
    remote = stats_of(proc)["remote"]
    sent_500 = sum(min(n, 2) for n in s.counts.values())
    assert remote["retries"] == sent_500, f"stats retries {remote['retries']} != {sent_500} 500s sent"
    assert remote["requests"] == len(s.requests)
    assert {r.method for r in s.requests} <= {"GET", "HEAD"}


def test_fault_5xx_exhausted(fault_server, tmp_path):
    s = fault_server("fails_then_serves", root=V3.parent, n=10**9)
    proc, took = timed(["export", f"{s.url}/{V3.name}", "--retries", "1", "-o", tmp_path / "x.npy"])
    one_line_error(proc, "500")
    assert max(s.counts.values()) == 2, s.counts
    assert took < 20 and not (tmp_path / "x.npy").exists()


def test_fault_forbidden(fault_server):
    s = fault_server("forbidden")
    proc, took = timed(["info", f"{s.url}/image.zarr"])
    one_line_error(proc, "403", "credential")
    assert took < 20


def _chunk_named(message, server, array):
    """The message names one of the chunk keys the server was asked for (relative key, or its URL)."""
    keys = {r.path[len(f"/{array}/"):] for r in server.requests if not is_metadata(r.path)
            and r.path.startswith(f"/{array}/")}
    assert keys, "no chunk was requested"
    assert any(k in message for k in keys), f"the message {message!r} names none of the chunks {sorted(keys)}"


@pytest.mark.parametrize("mode", ["closes_mid_body", "wrong_length"])
def test_fault_short_body(mode, fault_server, tmp_path):
    s = fault_server(mode, root=V3.parent)
    out = tmp_path / "x.npy"
    proc, took = timed(["export", f"{s.url}/{V3.name}", "--at", "0=1", "--timeout", "5", "--retries", "1", "-o", out])
    message = one_line_error(proc)
    _chunk_named(message, s, V3.name)
    assert took < 40
    assert not out.exists(), "a failed export wrote its output"
    assert list(tmp_path.iterdir()) == [], f"left behind: {list(tmp_path.iterdir())}"


def test_fault_truncated_range(fault_server, tmp_path):
    case = SHARDED[0]
    path = FIXTURES / case["path"]
    s = fault_server("truncated_range", root=path.parent)
    out = tmp_path / "x.npy"
    args, _, _ = plan(case)
    args[0] = f"{s.url}/{path.name}"
    proc, took = timed(["export", *args, "--timeout", "5", "--retries", "1", "-o", out])
    message = one_line_error(proc)
    assert any("range" in r.headers for r in s.requests), "no Range request was sent"
    _chunk_named(message, s, path.name)
    assert took < 40 and not out.exists()


@pytest.mark.parametrize("mode", ["wrong_range", "ignores_range"])
def test_fault_range_answered_otherwise(mode, fault_server, tmp_path):
    """A Range request answered with other bytes (206 naming another range) or with the whole file
    (200): the plane is either exactly right (the bytes asked for, taken from the answer) or one
    line, exit 1, and no output; never wrong pixels."""
    case = SHARDED[0]
    path = FIXTURES / case["path"]
    s = fault_server(mode, root=path.parent)
    out = tmp_path / "x.npy"
    args, _, _ = plan(case)
    local = list(args)
    args[0] = f"{s.url}/{path.name}"
    proc, took = timed(["export", *args, "--timeout", "5", "--retries", "1", "-o", out])
    assert any("range" in r.headers for r in s.requests), "no Range request was sent"
    assert took < 40
    if proc.returncode == 0:
        ref = tmp_path / "ref.npy"
        p = run(["export", *local, "-o", ref])
        assert p.returncode == 0, describe(p)
        same_array(np.load(out), np.load(ref), f"{mode}: vstack export {args[0]}")
    else:
        one_line_error(proc)
        assert not out.exists()


@pytest.mark.parametrize("mode", ["redirect_loop", "huge_headers", "slowloris"])
def test_fault_hostile_server_is_one_line(mode, fault_server, tmp_path):
    """A redirect loop, headers past 1 MiB, an answer that trickles a byte every 0.2 s: one line,
    exit 1, nothing written, within the deadline (--timeout 2: 30 s in all at most)."""
    s = fault_server(mode, root=V3.parent)
    out = tmp_path / "x.npy"
    proc, took = timed(["export", f"{s.url}/{V3.name}", "--at", "0=1", "--timeout", "2", "--retries", "1", "-o", out])
    one_line_error(proc)
    assert took < 45, f"took {took:.1f} s"
    assert not out.exists() and list(tmp_path.iterdir()) == []


# ====================================================================== latency proxy

def test_latency_proxy_export_and_stats(latency_proxy, nginx_fixtures, tmp_path):
    p = latency_proxy
    for path, args in ((V3, ["--at", "0=2"]), (OME[0], ["--level", "1", "--at", "c=1,z=3"])):
        u = url(p, path)
        before, mark = len(p.requests), nginx_fixtures.log_mark()
        proc = run(["export", u, *args, "--stats", "-o", tmp_path / "r.npy"])
        assert proc.returncode == 0, describe(proc)
        same_array(np.load(tmp_path / "r.npy"), export(path, *args, out=tmp_path / "l.npy"), f"vstack export {u}")
        remote = stats_of(proc)["remote"]
        assert set(remote) >= {"requests", "bytes_fetched", "retries", "latency_mean_ms", "latency_p99_ms"}, remote
        assert remote["requests"] > 0 and remote["requests"] == len(p.requests) - before, \
            f"stats requests {remote['requests']}, the proxy got {len(p.requests) - before}"
        body = sum(e.bytes for e in nginx_fixtures.access_log_since(mark))
        assert remote["bytes_fetched"] == body, f"bytes_fetched {remote['bytes_fetched']} != {body} body bytes sent"
        assert remote["retries"] == 0
        assert 45 <= remote["latency_mean_ms"] <= remote["latency_p99_ms"] < 5000, remote


def test_latency_proxy_max_requests(latency_proxy, tmp_path):
    p = latency_proxy
    u = url(p, OME[2])
    for limit in (1, 3):
        p.max_in_flight = 0
        proc = run(["export", u, "--level", "0", "--max-requests", str(limit), "-o", tmp_path / "r.npy"])
        assert proc.returncode == 0, describe(proc)
        assert 1 <= p.max_in_flight <= limit, f"{p.max_in_flight} requests at once with --max-requests {limit}"
    same_array(np.load(tmp_path / "r.npy"), export(OME[2], "--level", "0", out=tmp_path / "l.npy"), u)


def test_insecure_and_timeout_accepted_over_http(nginx_fixtures, tmp_path):
    """--insecure (a no-op for http://), --timeout and --retries combine with an ordinary export."""
    u = url(nginx_fixtures, V3)
    got = export(u, "--at", "0=0", "--insecure", "--timeout", "5", "--retries", "0", "--max-requests", "2",
                 out=tmp_path / "x.npy")
    same_array(got, npy(np.load(V3.with_suffix(".npy"))[0]), f"vstack export {u}")


def test_http_only_get_and_head(nginx_fixtures):
    """Over the whole module (this test runs after the others in the file): only GET and HEAD."""
    methods = {e.method for e in nginx_fixtures.access_log()}
    assert methods <= {"GET", "HEAD"}, methods


# ---------------------------------------------------------------- the viewer on remote data (tmux)

from test_tui import session  # noqa: E402,F401  (the tmux fixture)

TUI_CASE = "v2-uint16-blosc-lz4-shuffle"


def _tui_case():
    return next(c for c in CASES if c["name"] == TUI_CASE)


def test_viewer_over_http_through_latency_shows_network_status_and_scrubs(session, latency_proxy):
    """The viewer opens a URL behind 50 ms of latency, draws the plane, says what the network
    is doing on the status line, and scrubs z."""
    c = _tui_case()
    s = session(f"{latency_proxy.url}/{c['path']}")
    mid = c["shape"][0] // 2
    s.wait(lambda x: f"z {mid}/{c['shape'][0]}" in x and re.search(r"net \d+ ms", x), what="the status line with net")
    latency = int(re.search(r"net (\d+) ms", s.status()).group(1))
    assert 45 <= latency < 1000, s.status()   # the proxy's 50 ms
    s.keys("]")
    s.wait(lambda x: f"z {mid + 1}/" in x, what="z+1")
    s.keys("q")
    assert s.exit_status() == 0


@pytest.mark.parametrize("mode", ["closes_mid_body", "never_answers"])
def test_viewer_chunk_faults_are_error_tiles_and_the_viewer_stays_responsive(mode, session, fault_server):
    """A server that cuts chunk bodies, or never answers chunk requests: the viewer shows error
    tiles and a one-line message within the timeout, and keys still work meanwhile and after."""
    c = _tui_case()
    root = FIXTURES / "zarr" / "v2"
    faulty = (lambda p: not is_metadata(p)) if mode == "never_answers" else None
    server = fault_server(mode, root=root, faulty=faulty) if faulty else fault_server(mode, root=root)
    url = f"http://127.0.0.1:{server.port}/{Path(c['path']).name}"
    s = session(url, "--timeout", "1", "--retries", "0")
    mid = c["shape"][0] // 2
    s.wait(lambda x: f"z {mid}/" in x, timeout=10, what="the first frame's status")
    s.keys("]")   # while chunks are failing or hanging
    s.wait(lambda x: f"z {mid + 1}/" in x, timeout=5, what="z+1 while chunks fail")
    screen = s.wait(lambda x: "error:" in x, timeout=15, what="the chunk error message")
    assert "\u2573" in screen, "failed chunks are drawn as error tiles"
    message = next(l for l in s.lines() if "error:" in l)
    assert ("timed out" in message) if mode == "never_answers" else ("closed" in message or "bytes" in message), message
    s.keys("q")
    assert s.exit_status(timeout=15) == 0


def test_http_proxy_environment_is_honoured(fault_server, nginx_fixtures):
    """`http_proxy` sends the requests to the proxy (here a server that answers 403 to
    everything, so going through it shows); `no_proxy` naming the host bypasses it."""
    import os
    proxy = fault_server("forbidden")
    case = CASES_2D[0]
    url = f"{nginx_fixtures.url}/{case['path']}"
    base = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
    via = subprocess.run([str(VSTACK_BIN), "info", url, "--retries", "0"], capture_output=True, text=True, timeout=60,
                         env=base | {"http_proxy": proxy.url})
    assert via.returncode != 0 and "403" in via.stderr, via.stderr
    assert any(r.path.startswith("http://") or case["path"] in r.path for r in proxy.requests), "the proxy saw nothing"
    direct = subprocess.run([str(VSTACK_BIN), "info", url, "--json"], capture_output=True, text=True, timeout=60,
                            env=base | {"http_proxy": proxy.url, "no_proxy": "127.0.0.1"})
    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout)["shape"] == case["shape"]


def test_close_ranges_of_a_shard_share_requests(tmp_path):
    """A plane of 64 inner chunks in 4 shards, behind 50 ms: the inner chunks' range reads
    that go out together are merged into fewer requests, and the plane equals zarr-python's."""
    root = tmp_path / "data"
    a = zarr.create_array(str(root / "sharded.zarr"), shape=(2048, 2048), shards=(1024, 1024), chunks=(256, 256),
                          dtype="uint16", zarr_format=3)
    a[:] = (np.arange(2048 * 2048, dtype=np.uint32).reshape(2048, 2048) % 65521).astype(np.uint16)
    out = tmp_path / "plane.npy"
    with Nginx(root) as n, LatencyProxy(n.url, delay=0.05) as p:
        mark = n.log_mark()
        proc = run_vstack("export", f"{p.url}/sharded.zarr", "-o", out, "--stats")
        assert proc.returncode == 0, proc.stderr
        inner = [e for e in n.access_log_since(mark, "/sharded.zarr/c/") if e.range and not e.range.startswith("bytes=-")]
    remote = json.loads(proc.stderr.strip().splitlines()[-1])["remote"]
    assert np.array_equal(np.load(out), a[:])
    assert remote["coalesced_reads"] > 0, remote
    assert len(inner) + remote["coalesced_reads"] == 64, (len(inner), remote)
    assert len(inner) < 64
