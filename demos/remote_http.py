#!/usr/bin/env python3
"""A Zarr array read over HTTP, from a web server on this machine.

What it shows: vstack reads a Zarr behind an `http://` URL like a local path --
only GET requests for the metadata and the chunks on screen, nothing copied.
The demo writes a small Zarr, serves its folder on a free loopback port (with
nginx when /usr/sbin/nginx exists, else Python's http.server in a thread),
opens `http://127.0.0.1:PORT/beads.zarr`, and stops the server when vstack exits.

Run it:
    python3 demos/remote_http.py                  # write, serve, open the viewer; q quits and stops the server
    python3 demos/remote_http.py --dir /tmp/web   # keep the data (and nginx's conf and logs) in /tmp/web
    python3 demos/remote_http.py --headless       # print one frame fetched over HTTP and exit
    python3 demos/remote_http.py --no-nginx       # use Python's http.server even if nginx is there
"""
import functools
import grp
import http.server
import os
import pwd
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import zarr

sys.dont_write_bytecode = True   # write nothing outside --dir, not even demos/__pycache__
from _common import data_dir, parser, run_vstack

NGINX = "/usr/sbin/nginx"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc=None, timeout=15.0) -> None:
    """Wait until something listens on 127.0.0.1:port (fail early if `proc` died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"nginx exited with {proc.returncode}; see its logs in {Path(proc.args[2]).parent}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"no server on port {port} after {timeout} s")


def start_nginx(root: Path, port: int, prefix: Path):
    """nginx in the foreground, one worker, its conf, pid, logs and temp files all in `prefix`."""
    prefix.mkdir(exist_ok=True)
    # As root, run the worker as root too so it can read a root-only temp directory.
    user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(os.getegid()).gr_name};" if os.geteuid() == 0 else ""
    temps = "\n".join(f"    {k}_temp_path {prefix}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
{temps}
    types {{ application/json json; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri =404; }}
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-c", str(prefix / "nginx.conf"), "-p", str(prefix), "-e", str(prefix / "error.log")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)

    def stop():
        proc.terminate()
        proc.wait(timeout=10)
    return stop


def start_http_server(root: Path, port: int):
    """Python's standard-library server in a background thread (no Range support; fine for Zarr)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):        # keep the viewer's screen clean
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()
    return stop


def main():
    p = parser(__doc__)
    p.add_argument("--no-nginx", action="store_true", help="serve with Python's http.server")
    args = p.parse_args()
    root = data_dir(args.dir, "http")

    # 1. A small z-stack of beads, 64x64 chunks, written by zarr-python into <dir>/www/beads.zarr.
    www = root / "www"
    rng = np.random.default_rng(7)
    z, y, x = np.ogrid[:32, :256, :256]
    beads = sum(2500 * np.exp(-(((z - cz) / 3) ** 2 + ((y - cy) / 6) ** 2 + ((x - cx) / 6) ** 2))
                for cz, cy, cx in rng.uniform(0, 1, (40, 3)) * (32, 256, 256))
    data = (beads + rng.normal(150, 20, beads.shape)).clip(0, 65535).astype(np.uint16)
    arr = zarr.open_array(str(www / "beads.zarr"), mode="w", shape=data.shape, chunks=(1, 64, 64), dtype="u2")
    arr[:] = data
    print(f"wrote {www / 'beads.zarr'} {data.shape} uint16", file=sys.stderr, flush=True)

    # 2. Serve <dir>/www on a free loopback port.
    port = free_port()
    if os.path.exists(NGINX) and not args.no_nginx:
        stop = start_nginx(www, port, root / "nginx")
        how = "nginx"
    else:
        stop = start_http_server(www, port)
        how = "http.server"
    url = f"http://127.0.0.1:{port}/beads.zarr"
    print(f"serving {www} with {how} at {url}", file=sys.stderr, flush=True)

    # 3. vstack as a child process (not exec), so the server can be stopped when it exits.
    try:
        rc = run_vstack(args.headless, url, "--at", "z=16")
    finally:
        stop()
    sys.exit(rc)


if __name__ == "__main__":
    main()
