"""The release bundle (make dist) in a bare Debian system: no Swift, no -dev package, no Python.

Environment:
  VSTACK_DIST     the directory `make dist` wrote (required: the tests fail when it holds no bundle)
  VSTACK_ROOTFS   where the debootstrap root filesystems are cached (default <repo>/.build-rootfs;
                  made by scripts/bare-rootfs.sh when missing: `bare` for the bundle, `venv` adds
                  python3-venv for the wheel)
  VSTACK_AUDITWHEEL  auditwheel for the tag check (default <repo>/.build-dist/venv/bin/auditwheel)

Everything runs as root on the host (chroot, mounts) and as uid 4242 inside the root filesystem.
The fixtures directory is bind-mounted read-only at /fixtures; exports are compared with the
writers' own read-back (zarr-python, tensorstore, tifffile, h5py), as the other suites do.
"""
import json
import os
import re
import shutil
import subprocess
import time
import uuid
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

# These tests mount into and run in shared root filesystems, and look at what a run leaves there:
# `make test` runs them in its serial pass, alone, not beside other workers.
pytestmark = pytest.mark.serial
import tifffile
import zarr

from conftest import FIXTURES, REPO, VSTACK_BIN
from servers import Nginx

DIST = Path(os.environ.get("VSTACK_DIST") or REPO / "dist")
ROOTFS = Path(os.environ.get("VSTACK_ROOTFS") or REPO / ".build-rootfs")
AUDITWHEEL = Path(os.environ.get("VSTACK_AUDITWHEEL") or REPO / ".build-dist" / "venv" / "bin" / "auditwheel")
UID = 4242
HOME = "/home/vuser"
GLIBC_FAMILY = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libresolv.so.2",
                "ld-linux-x86-64.so.2", "linux-vdso.so.1", "libutil.so.1"}
RHEL_CA = "etc/pki/tls/certs/ca-bundle.crt"


def one(pattern):
    found = sorted(DIST.glob(pattern))
    if len(found) != 1:
        pytest.fail(f"expected one {pattern} in VSTACK_DIST={DIST}, found {[p.name for p in found]} (run `make dist`)")
    return found[0]


class Root:
    """A cached root filesystem with /proc, /dev and the fixtures mounted; unmounted by close()."""

    def __init__(self, name, *flags):
        if os.geteuid() != 0:
            pytest.fail("the bundle tests need root (chroot and bind mounts)")
        self.path = ROOTFS / name
        if not (self.path / ".complete").exists():
            subprocess.run([str(REPO / "scripts" / "bare-rootfs.sh"), str(self.path), *flags], check=True)
        self.mounts = []
        for target, args in (("proc", ["-t", "proc", "proc"]), ("dev", ["--bind", "/dev"]),
                             ("fixtures", ["--bind", str(FIXTURES)])):
            where = self.path / target
            where.mkdir(exist_ok=True)
            if os.path.ismount(where):  # left by a run that was killed before its teardown
                subprocess.run(["umount", "-l", str(where)], check=True)
            subprocess.run(["mount", *args, str(where)], check=True)
            self.mounts.append(where)
            if target == "fixtures":  # read-only: vstack never writes to a dataset, and here it cannot
                subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], check=True)
        home = self.path / HOME.lstrip("/")
        for child in home.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    def close(self):
        for where in reversed(self.mounts):
            if subprocess.run(["umount", str(where)]).returncode != 0:
                subprocess.run(["umount", "-l", str(where)])

    def command(self, argv, env=None):
        """argv run inside as uid 4242 with a clean environment (plus `env`)."""
        environment = {"HOME": HOME, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
                       "TERM": "xterm-256color"} | (env or {})
        return ["chroot", f"--userspec={UID}:{UID}", str(self.path), "/usr/bin/env", "-i",
                *[f"{k}={v}" for k, v in environment.items()], *argv]

    def run(self, *argv, env=None, timeout=120):
        return subprocess.run(self.command([str(a) for a in argv], env), capture_output=True, text=True,
                              timeout=timeout)

    def host(self, inside):
        return self.path / str(inside).lstrip("/")


@pytest.fixture(scope="module")
def tarball():
    return one("vstack-*-linux-x86_64.tar.gz")


@pytest.fixture(scope="module")
def bare(tarball):
    root = Root("bare")
    try:
        # Unpacked by the user in one place, then moved: nothing may depend on where.
        shutil.copy(tarball, root.host("/tmp/vstack.tar.gz"))
        proc = root.run("sh", "-c", f"mkdir {HOME}/unpacked && cd {HOME}/unpacked && tar -xzf /tmp/vstack.tar.gz"
                        f" && mkdir {HOME}/apps && mv {HOME}/unpacked/vstack-* {HOME}/apps/vstack && rmdir {HOME}/unpacked")
        assert proc.returncode == 0, proc.stderr
        root.vstack = f"{HOME}/apps/vstack/bin/vstack"
        (root.host(HOME) / "out").mkdir()
        os.chown(root.host(HOME) / "out", UID, UID)
        yield root
    finally:
        root.close()
        for leftover in (root.host(RHEL_CA), root.host("/tmp/vstack.tar.gz")):
            leftover.unlink(missing_ok=True)


def test_the_root_filesystem_is_bare(bare):
    """No Swift, no Python, no -dev headers, no vstack libraries: only what minbase installs."""
    for path in ("usr/bin/python3", "usr/bin/swift", "usr/include/tiffio.h", "usr/include/curl/curl.h",
                 "usr/include/hdf5", "etc/ssl/certs/ca-certificates.crt", "usr/share/terminfo/x/xterm-kitty",
                 "lib/terminfo/x/xterm-kitty"):
        assert not bare.host(path).exists(), path
    libs = {p.name.split(".so")[0] for p in bare.host("/usr/lib/x86_64-linux-gnu").glob("*.so*")}
    assert not libs & {"libswiftCore", "libcurl", "libtiff", "libblosc", "libhdf5_serial", "libFoundation"}


def test_only_glibc_comes_from_the_system(bare):
    proc = bare.run("ldd", bare.vstack)
    assert proc.returncode == 0, proc.stderr
    bundle = f"{HOME}/apps/vstack/lib/"
    outside = []
    for line in proc.stdout.splitlines():
        name, _, where = line.strip().partition(" => ")
        where = os.path.normpath(where.split(" (")[0]) if where else ""
        if "not found" in line:
            outside.append(line)
        elif not where.startswith(bundle) and name.split()[0].rsplit("/", 1)[-1] not in GLIBC_FAMILY:
            outside.append(line)
    assert not outside, "loaded from outside the bundle:\n" + "\n".join(outside)


def debian_version(package):
    """The upstream version of a host Debian package (what the bundle linked), e.g. 1:1.2.13.dfsg-1 -> 1.2.13."""
    v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True).stdout
    return re.split(r"[-+~]|\.dfsg", v.split(":")[-1])[0]


def test_version_reports_the_libraries_inside(bare):
    proc = bare.run(bare.vstack, "version")
    assert proc.returncode == 0, proc.stderr
    rows = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in proc.stdout.splitlines())
    expected = {"c-blosc": "libblosc1", "zstd": "libzstd1", "lz4": "liblz4-1", "zlib": "zlib1g", "libtiff": "libtiff6",
                "libhdf5": "libhdf5-103-1", "libcurl": "libcurl4", "ncurses": "libncursesw6"}
    for name, package in expected.items():
        assert rows.get(name, "").startswith(debian_version(package)), (name, rows.get(name), package)
    assert rows["TLS"].startswith("OpenSSL/")
    release = subprocess.run(["chroot", str(bare.path), "/usr/bin/getconf", "GNU_LIBC_VERSION"],
                             capture_output=True, text=True).stdout.split()[-1]
    assert rows["glibc (running)"] == release
    floor = (DIST / "glibc-floor.txt").read_text().strip()
    assert rows["glibc (needs)"] == floor, (rows["glibc (needs)"], floor)
    assert rows["vstack"] in one("vstack-*-linux-x86_64.tar.gz").name
    assert bare.run(bare.vstack, "--version", "--verbose").stdout == proc.stdout
    assert bare.run(bare.vstack, "--version").stdout.strip() == rows["vstack"]


RENDER = ["render", "demo:", "--at", "t=40,z=62", "--region", "200:600,100:700", "--size", "60x18", "--mode", "ascii", "--color", "none"]


def test_render_demo_draws_as_the_development_build(bare):
    proc = bare.run(bare.vstack, *RENDER)
    assert proc.returncode == 0, proc.stderr
    drawn = proc.stdout.splitlines()[1:]
    assert sum(ch not in " " for line in drawn for ch in line) > 200, proc.stdout
    if VSTACK_BIN.exists():
        dev = subprocess.run([str(VSTACK_BIN), *RENDER], capture_output=True, text=True,
                             env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "TERM": "xterm-256color"})
        assert proc.stdout == dev.stdout


def plane_at(shape):
    """--at for plane 1 (or 0) of every leading axis, and the matching numpy index."""
    index = tuple(min(1, n - 1) for n in shape[:-2])
    return ",".join(f"{i}={v}" for i, v in enumerate(index)), index


def manifest(name):
    return json.loads((FIXTURES / name / "manifest.json").read_text())


def case(doc, name):
    return next(c for c in doc["cases"] if c["name"] == name)


def reference_cases():
    """(id, vstack export arguments below /fixtures, a function giving the writer's plane)."""
    out = []
    z = manifest("zarr")
    for name in ("v2-uint16-blosc-lz4-shuffle", "v3-uint16-shard-start-zstd", "v3-uint16-shard-nested"):
        c = case(z, name)
        at, index = plane_at(c["shape"])
        out.append((name, [c["path"], "--at", at], lambda c=c, index=index: np.load(FIXTURES / c["reference"])[index]))
    o = manifest("ome")["cases"][0]
    path = Path("ome") / Path(o["path"]).name
    out.append(("ome-zarr", [str(path), "--level", "1", "--at", "c=1,z=1"],
                lambda path=path, o=o: zarr.open_array(str(FIXTURES / path / o["level_paths"][1]), mode="r")[1, 1]))
    t = case(manifest("tiff"), "imagej_tzcyx.tif")
    out.append(("tiff", [t["path"], "--at", "t=1,z=2,c=1"], lambda t=t: tifffile.imread(FIXTURES / t["path"])[1, 2, 1]))
    h = manifest("hdf5")
    for c in [case(h, "gzip-shuffle-u2")] + [p for p in h["plugins"] if p["name"] == "plugin-blosc"]:
        at, index = plane_at(c["shape"])
        out.append(("hdf5-" + c["name"], [c["path"], "--at", at],
                    lambda c=c, index=index: np.load(FIXTURES / c["reference"])[index]))
    n = manifest("n5")
    for name in ("uint16-gzip", "uint16-blosc-lz4-shuffle"):
        c = case(n, name)
        at, index = plane_at(c["shape"])
        out.append(("n5-" + name, [c["path"], "--at", at], lambda c=c, index=index: np.load(FIXTURES / c["reference"])[index]))
    b = h["bdv"][0]

    def bdv(b=b):
        with h5py.File(FIXTURES / b["h5"], "r") as f:
            return f[f"t{b['timepoints'][1]:05d}/s{b['setups'][1]:02d}/0/cells"][5].view(np.uint16)
    out.append(("bdv", [b["path"], "--level", "0", "--at", "t=1,c=1,z=5"], bdv))
    return out


CASES = reference_cases() if (FIXTURES / "zarr" / "manifest.json").exists() else []


def test_fixtures_present():
    assert len(CASES) == 10, f"fixtures missing in {FIXTURES}"


@pytest.mark.parametrize("args,reference", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_export_equals_the_writer(bare, args, reference):
    """Zarr v2, v3 sharded, OME-Zarr, TIFF, HDF5 gzip and blosc (no HDF5_PLUGIN_PATH), N5 and BDV."""
    out = f"{HOME}/out/{uuid.uuid4().hex}.npy"
    proc = bare.run(bare.vstack, "export", "/fixtures/" + args[0], *args[1:], "-o", out)
    assert proc.returncode == 0, proc.stderr
    got, want = np.load(bare.host(out)), reference()
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    assert np.array_equal(got, want)


# ------------------------------------------------------------------------------------------ HTTPS

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """nginx serving the Zarr fixtures over HTTPS with a certificate from a CA made here."""
    d = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=vstack test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    with Nginx(FIXTURES, tls=(d / "server.pem", d / "server.key")) as server:
        server.ca = d / "ca.pem"
        yield server


def test_https_with_the_ca_only_at_the_rhel_path(bare, tls_server):
    c = case(manifest("zarr"), "v3-uint16-shard-start-zstd")
    at, index = plane_at(c["shape"])
    ca = bare.host(RHEL_CA)
    ca.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tls_server.ca, ca)
    try:
        out = f"{HOME}/out/https.npy"
        proc = bare.run(bare.vstack, "export", f"{tls_server.url}/{c['path']}", "--at", at, "-o", out)
        assert proc.returncode == 0, proc.stderr
        assert np.array_equal(np.load(bare.host(out)), np.load(FIXTURES / c["reference"])[index])
        version = bare.run(bare.vstack, "version").stdout
        assert re.search(r"CA file\s+/etc/pki/tls/certs/ca-bundle.crt\n", version), version
    finally:
        ca.unlink()
    # No CA file anywhere: one line naming the variable that points at one.
    proc = bare.run(bare.vstack, "info", f"{tls_server.url}/{c['path']}")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vstack: ") and "SSL_CERT_FILE" in lines[0], proc.stderr
    # SSL_CERT_FILE names it.
    shutil.copy(tls_server.ca, bare.host("/tmp/my-ca.pem"))
    try:
        proc = bare.run(bare.vstack, "info", f"{tls_server.url}/{c['path']}", env={"SSL_CERT_FILE": "/tmp/my-ca.pem"})
        assert proc.returncode == 0, proc.stderr
    finally:
        bare.host("/tmp/my-ca.pem").unlink()


# ------------------------------------------------------------------------------------ the viewer

class Tmux:
    """tmux on the host running a command (here: chroot … vstack) in a pane of its own server."""

    def __init__(self, argv, exit_file, width=100, height=30):
        self.socket = f"vstack-dist-{uuid.uuid4().hex[:8]}"
        self.exit_file = exit_file
        command = " ".join(shell_quote(a) for a in argv) + f"; echo $? > {exit_file}; sleep 600"
        self.tmux("new-session", "-d", "-s", "s", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "s").stdout

    def wait(self, predicate, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate(s := self.screen()):
                return s
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; screen:\n{self.screen()}")

    def exit_status(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.exit_file.exists() and self.exit_file.read_text().strip():
                return int(self.exit_file.read_text())
            time.sleep(0.1)
        pytest.fail(f"vstack did not exit; screen:\n{self.screen()}")

    def close(self):
        self.tmux("kill-server")


def shell_quote(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


TERMINFO_DIRS = ("etc/terminfo", "lib/terminfo", "usr/share/terminfo", "usr/lib/terminfo")


@pytest.mark.parametrize("term,lang,terminfo", [("xterm-256color", "C.UTF-8", True),
                                                ("tmux-256color", "en_US.UTF-8", True),
                                                ("xterm-kitty", "C.UTF-8", True),
                                                ("xterm-kitty", "C.UTF-8", False)],
                         ids=["xterm-256color", "en_US.UTF-8", "xterm-kitty", "no-terminfo-at-all"])
def test_viewer_starts_draws_and_quits(bare, tmp_path, term, lang, terminfo):
    """In tmux: the demo's first frame in half blocks, `q` exits 0. en_US.UTF-8 does not exist in
    the root filesystem (only C.utf8) and must draw the same glyphs; xterm-kitty has no terminfo
    entry there: xterm-256color is used and the status line says so; with every terminfo
    directory hidden (empty tmpfs over them), vstack's built-in xterm-256color is used."""
    assert not bare.host("/usr/lib/locale/en_US.utf8").exists()
    hidden = []
    try:
        if not terminfo:
            for d in TERMINFO_DIRS:
                if bare.host(d).is_dir():
                    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "none", str(bare.host(d))],
                                   check=True)
                    hidden.append(bare.host(d))
            assert bare.run("sh", "-c", "find /etc/terminfo /lib/terminfo /usr/share/terminfo -type f 2>/dev/null").stdout == ""
        t = Tmux(bare.command([bare.vstack, "demo"], {"TERM": term, "LANG": lang}), tmp_path / "exit")
        try:
            screen = t.wait(lambda s: "z 100/201" in s and "cache " in s, "the status line")
            t.wait(lambda s: "\u2580" in s or "\u2584" in s, "half blocks")
            if term == "xterm-kitty":
                used = "xterm-256color" if terminfo else "vstack's built-in xterm-256color"
                assert f"no terminfo entry for TERM=xterm-kitty: using {used}" in t.screen(), screen
            t.tmux("send-keys", "-t", "s", "q")
            assert t.exit_status() == 0
        finally:
            t.close()
        leftovers = list(bare.host("/tmp").glob("vstack-terminfo-*"))
        assert not leftovers, leftovers  # the built-in description is removed at exit
    finally:
        for d in reversed(hidden):
            subprocess.run(["umount", str(d)])


# ------------------------------------------------------------------------------------------ wheel

def test_wheel_tag_is_what_auditwheel_reports():
    wheel = one("vstack-*-py3-none-manylinux_*_x86_64.whl")
    if not AUDITWHEEL.exists():
        pytest.fail(f"auditwheel not found at {AUDITWHEEL} (make dist installs it; or set VSTACK_AUDITWHEEL)")
    proc = subprocess.run([str(AUDITWHEEL), "show", str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    tag = re.search(r'following platform tag:\s+"([^"]+)"', " ".join(proc.stdout.split()))
    assert tag and tag.group(1).startswith("manylinux_") and wheel.name.endswith(f"-{tag.group(1)}.whl"), proc.stdout
    z = zipfile.ZipFile(wheel)
    assert "vstack/bin/vstack" in z.namelist(), z.namelist()
    entry = next(n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "vstack = vstack:main" in z.read(entry).decode()


def test_wheel_installs_into_a_venv_and_draws():
    wheel = one("vstack-*-py3-none-manylinux_*_x86_64.whl")
    root = Root("venv", "--venv")
    try:
        shutil.copy(wheel, root.host("/tmp/" + wheel.name))
        proc = root.run("sh", "-c", f"python3 -m venv {HOME}/venv && {HOME}/venv/bin/pip install -q --no-index "
                        f"/tmp/{wheel.name}", timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        proc = root.run("sh", "-c", f"PATH={HOME}/venv/bin:$PATH; command -v vstack && vstack " + " ".join(RENDER))
        assert proc.returncode == 0, proc.stderr
        where, *frame = proc.stdout.splitlines()
        assert where == f"{HOME}/venv/bin/vstack"
        assert sum(ch not in " " for line in frame[1:] for ch in line) > 200, proc.stdout
        if VSTACK_BIN.exists():
            dev = subprocess.run([str(VSTACK_BIN), *RENDER], capture_output=True, text=True,
                                 env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "TERM": "xterm-256color"})
            assert "\n".join(frame) + "\n" == dev.stdout
        # pip install --user into the system Python (the venv's pip drives it; Debian marks its
        # Python externally managed): the entry point in ~/.local/bin finds the executable too.
        proc = root.run("sh", "-c", f"{HOME}/venv/bin/pip --python /usr/bin/python3 install -q --user "
                        f"--break-system-packages --no-index /tmp/{wheel.name} && {HOME}/.local/bin/vstack version",
                        timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.startswith("vstack "), proc.stdout
    finally:
        root.close()
        root.host("/tmp/" + wheel.name).unlink(missing_ok=True)
