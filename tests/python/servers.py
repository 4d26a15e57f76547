"""Real servers on loopback ports for the remote-data tests and the remote benchmark (issue 15).

Everything listens on 127.0.0.1 only, on a free port chosen at start, and is stopped by
`stop()` / the context manager / the pytest fixtures (registered in conftest.py).

  Nginx(root)             nginx serving `root` (static files, Range, keep-alive, autoindex off);
                          access_log() -> [LogEntry(method, uri, status, bytes, range, ...)];
                          Nginx(root, tls=(cert, key)) serves HTTPS (.url is https://127.0.0.1:PORT)
  Moto()                  moto's S3 server; create_bucket, upload_tree, make_public, enforce_auth
  FaultServer(...)        a raw-socket HTTP/1.1 server misbehaving on purpose; the constructors
                          never_answers(), fails_then_serves(root, n), closes_mid_body(root),
                          wrong_length(root), truncated_range(root), forbidden();
                          .requests -> [Request(method, path, headers)]
  LatencyProxy(upstream)  an aiohttp reverse proxy adding `delay` seconds to each request

Each has `.url` (http://127.0.0.1:PORT) and `.port`. Nothing here needs vstack.
"""
from __future__ import annotations

import asyncio
import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["free_port", "wait_port", "Nginx", "LogEntry", "Moto", "FaultServer", "Request", "LatencyProxy",
           "never_answers", "fails_then_serves", "closes_mid_body", "wrong_length", "truncated_range",
           "forbidden", "is_metadata", "NGINX"]

NGINX = os.environ.get("VSTACK_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
METADATA_NAMES = {"zarr.json", ".zarray", ".zgroup", ".zattrs", ".zmetadata"}


def is_metadata(path: str) -> bool:
    """True for a Zarr metadata key (zarr.json, .zarray, .zgroup, .zattrs, .zmetadata)."""
    return path.rstrip("/").rsplit("/", 1)[-1] in METADATA_NAMES


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 15.0, proc: subprocess.Popen | None = None, what: str = "server") -> None:
    """Waits until 127.0.0.1:port accepts connections; fails early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout} s")


class _Managed:
    """start()/stop() plus the context-manager protocol."""
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------------------------- nginx

@dataclass
class LogEntry:
    method: str
    uri: str            # $request_uri: the path (and query) as sent, not decoded
    status: int
    bytes: int          # $body_bytes_sent
    range: str | None   # $http_range, None when the request had no Range header
    request_time: float
    connection: int     # $connection: the connection serial number (keep-alive reuses it)
    requests_on_connection: int


class Nginx(_Managed):
    """nginx serving the directory `root` on 127.0.0.1:port (a free port by default).

    The configuration, pid file, logs and temp directories live in a fresh temp directory
    (`prefix`); `nginx -c nginx.conf -p prefix` runs in the foreground (daemon off) with one
    worker. When the tests run as root the workers run as root too (`user root <group>;`), so a
    root-only tmp_path is readable; otherwise the `user` directive is left out (nginx ignores
    it, with a warning, without super-user rights)."""

    LOG_FORMAT = "$request_method\t$request_uri\t$status\t$body_bytes_sent\t$http_range\t$request_time\t$connection\t$connection_requests"

    def __init__(self, root: str | os.PathLike, port: int | None = None,
                 tls: tuple[str | os.PathLike, str | os.PathLike] | None = None):
        self.root = Path(root).resolve()
        self.port = port or free_port()
        self.tls = tls  # (certificate chain PEM, key PEM): HTTPS instead of HTTP
        self.prefix = Path(tempfile.mkdtemp(prefix="vstack-nginx-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def conf_path(self) -> Path:
        return self.prefix / "nginx.conf"

    @property
    def access_log_path(self) -> Path:
        return self.prefix / "access.log"

    @property
    def error_log_path(self) -> Path:
        return self.prefix / "error.log"

    def config(self) -> str:
        p = self.prefix
        user = ""
        if os.geteuid() == 0:
            user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
        tls = ""
        if self.tls:
            tls = f"\n        ssl_certificate {Path(self.tls[0]).resolve()};\n        ssl_certificate_key {Path(self.tls[1]).resolve()};"
        return f"""{user}worker_processes 1;
daemon off;
master_process on;
pid {p}/nginx.pid;
error_log {p}/error.log info;
events {{ worker_connections 512; }}
http {{
    log_format vstack '{self.LOG_FORMAT}';
    access_log {p}/access.log vstack;
    client_body_temp_path {p}/client_body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    types {{ application/json json; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    keepalive_requests 100000;
    server_tokens off;
    server {{
        listen 127.0.0.1:{self.port}{" ssl" if self.tls else ""};
        server_name localhost;{tls}
        root {self.root};
        autoindex off;
        location / {{ try_files $uri =404; }}
    }}
}}
"""

    def start(self) -> "Nginx":
        self.conf_path.write_text(self.config())
        self.access_log_path.touch()
        # -e: the error log from the start (before the configuration is read, nginx would try its
        # compiled-in /var/log/nginx/error.log, which a non-root user cannot open)
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf_path), "-p", str(self.prefix),
                                      "-e", str(self.error_log_path)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.prefix / "stderr.log", "wb"))
        try:
            wait_port(self.port, proc=self.proc, what="nginx")
        except RuntimeError as e:
            self.stop()
            raise RuntimeError(f"{e}\n{self.errors()}") from None
        return self

    def errors(self) -> str:
        out = []
        for name in ("stderr.log", "error.log"):
            try:
                out.append((self.prefix / name).read_text()[-2000:])
            except OSError:
                pass
        return "\n".join(out)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)      # graceful: workers finish and flush the log
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def access_log(self, prefix: str | None = None, since: int = 0) -> list[LogEntry]:
        """The access log (nginx writes each line as its request completes), parsed; from byte
        offset `since` (a log_mark()), only requests whose URI starts with `prefix` when given."""
        with open(self.access_log_path, "rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
        entries = []
        for line in text.splitlines():
            f = line.split("\t")
            if len(f) != 8:
                continue
            e = LogEntry(f[0], f[1], int(f[2]), int(f[3]), None if f[4] == "-" else f[4], float(f[5]),
                         int(f[6]), int(f[7]))
            if prefix is None or e.uri.startswith(prefix):
                entries.append(e)
        return entries

    def log_mark(self) -> int:
        """The access log's current end, for access_log_since()."""
        return self.access_log_path.stat().st_size

    def access_log_since(self, mark: int, prefix: str | None = None) -> list[LogEntry]:
        return self.access_log(prefix, since=mark)


# ---------------------------------------------------------------------------------------- moto

class Moto(_Managed):
    """moto's S3 (and IAM) server, `python -m moto.server -H 127.0.0.1 -p PORT`.

    moto accepts any credentials until `enforce_auth()`; call it after creating the user,
    buckets and objects (credentials = create_user()). From then on a request signed with an
    unknown key or a wrong secret gets 403 (SignatureDoesNotMatch / InvalidAccessKeyId).
    Quirk (moto 5.2): once auth is enforced an *unsigned* request crashes moto (500, KeyError
    'HTTP_AUTHORIZATION'), so anonymous access needs a second server left without
    enforce_auth(): there an unsigned GET/HEAD of a private object is 403 and of a
    make_public() bucket 200."""

    REGION = "us-east-1"
    SETUP_KEY = ("AKIASETUPSETUPSETUP0", "setup-secret")    # moto accepts anything before enforce_auth

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="vstack-moto-", suffix=".log", delete=False)

    def start(self) -> "Moto":
        env = dict(os.environ, MOTO_PORT=str(self.port))
        for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            env.pop(k, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_port(self.port, timeout=30, proc=self.proc, what="moto")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def client(self, service: str = "s3", key: tuple[str, str] | None = None, anonymous: bool = False):
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config
        key = key or self.SETUP_KEY
        cfg = Config(signature_version=UNSIGNED if anonymous else "s3v4", s3={"addressing_style": "path"},
                     retries={"max_attempts": 1}, max_pool_connections=16)
        return boto3.client(service, endpoint_url=self.url, region_name=self.REGION, aws_access_key_id=key[0],
                            aws_secret_access_key=key[1], config=cfg)

    def create_user(self, name: str = "vstack") -> tuple[str, str]:
        """An IAM user allowed s3:* everywhere; returns its (access key id, secret)."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="s3-all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        k = iam.create_access_key(UserName=name)["AccessKey"]
        return k["AccessKeyId"], k["SecretAccessKey"]

    def create_bucket(self, bucket: str) -> None:
        self.client().create_bucket(Bucket=bucket)

    def upload_tree(self, bucket: str, prefix: str, directory: str | os.PathLike, acl: str | None = None) -> int:
        """Uploads every file under `directory` as bucket/prefix/<relative path> (8 at a time,
        with the canned `acl` if given); returns the count."""
        from concurrent.futures import ThreadPoolExecutor
        s3 = self.client()
        directory = Path(directory)
        files = [p for p in sorted(directory.rglob("*")) if p.is_file()]
        extra = {"ACL": acl} if acl else {}

        def put(path: Path) -> None:
            key = f"{prefix.strip('/')}/{path.relative_to(directory).as_posix()}".lstrip("/")
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), **extra)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(put, files))
        return len(files)

    def make_public(self, bucket: str, acls: bool = True) -> None:
        """Anyone may GET, HEAD and list the bucket: the --anon case. A bucket policy (what a real
        public bucket has) plus, unless the objects were uploaded with acl="public-read", a
        public-read ACL on every object, because moto consults only the ACL for an anonymous HEAD
        (with the policy alone, GET is 200 but HEAD is 403)."""
        s3 = self.client()
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*"},
                {"Sid": "PublicList", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                 "Resource": f"arn:aws:s3:::{bucket}"}]}))
        if acls:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    s3.put_object_acl(Bucket=bucket, Key=obj["Key"], ACL="public-read")

    def enforce_auth(self) -> None:
        """From the next request on, moto checks signatures and IAM policies."""
        import urllib.request
        req = urllib.request.Request(f"{self.url}/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})   # not form data: moto reads the raw body
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200, r.status

    def env(self, key: tuple[str, str] | None) -> dict[str, str]:
        """The environment vstack (or any AWS client) needs for this server: endpoint, region, and
        the key (None: no credentials at all). AWS_PROFILE/AWS_SESSION_TOKEN are removed, and
        the config/credentials files pointed at /dev/null so nothing from the host leaks in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=self.url, AWS_REGION=self.REGION, AWS_DEFAULT_REGION=self.REGION,
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_EC2_METADATA_DISABLED="true")
        if key is not None:
            env.update(AWS_ACCESS_KEY_ID=key[0], AWS_SECRET_ACCESS_KEY=key[1])
        return env


# ---------------------------------------------------------------------------------------- fault servers

@dataclass
class Request:
    method: str
    path: str                      # the request target's path, percent-decoded, without the query
    headers: dict[str, str]        # lower-case names
    time: float = field(default_factory=time.monotonic)


def _parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """`bytes=a-b`, `bytes=a-`, `bytes=-n` -> (start, end exclusive), clamped; None if absent/unsupported."""
    if not value:
        return None
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value)
    if not m or (m[1] == "" and m[2] == ""):
        return None
    if m[1] == "":
        n = int(m[2])
        return max(0, size - n), size
    start = int(m[1])
    end = size if m[2] == "" else min(size, int(m[2]) + 1)
    return start, end


class FaultServer(_Managed):
    """A threaded raw-socket HTTP/1.1 server on 127.0.0.1 for one kind of misbehaviour.

    `mode`:
      never_answers    reads each request and never replies (holds the connection open)
      fails_then_serves  500 for the first `n` requests of each path, then serves files from root
      closes_mid_body  full Content-Length, half the body, then closes the connection
      wrong_length     Content-Length 1000 more than the body, whole body, then closes
      truncated_range  a Range request gets 206 with the Content-Range asked for but only half
                       those bytes (a consistent Content-Length of the half); keeps the connection
      forbidden        403 for everything
      wrong_range      a Range request gets 206 and the bytes of another range (one byte later),
                       its Content-Range saying so
      ignores_range    a Range request gets 200 and the whole file
      redirect_loop    302 to the same path with `?again` appended, forever
      huge_headers     200 whose headers run past 1 MiB before the body
      slowloris        the answer trickles: one byte every 0.2 s, never finishing in time
    The faults apply to the requests `faulty(path)` selects (default: all but Zarr metadata, so
    that a store opens and a chunk fails); other requests are served normally from root.
    `requests` records every request (method, path, headers) in arrival order."""

    MODES = ("never_answers", "fails_then_serves", "closes_mid_body", "wrong_length", "truncated_range", "forbidden",
             "wrong_range", "ignores_range", "redirect_loop", "huge_headers", "slowloris")

    def __init__(self, mode: str, root: str | os.PathLike | None = None, n: int = 2, faulty=None,
                 port: int | None = None):
        assert mode in self.MODES, mode
        self.mode, self.n = mode, n
        self.root = Path(root).resolve() if root is not None else None
        if faulty is None:
            faulty = (lambda p: True) if mode in ("never_answers", "fails_then_serves", "forbidden") \
                else (lambda p: not is_metadata(p))
        self.faulty = faulty
        self.port = port or free_port()
        self.requests: list[Request] = []
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> "FaultServer":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        s.settimeout(0.2)
        self._sock = s
        self._thread = threading.Thread(target=self._accept_loop, name=f"fault-{self.mode}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            for c in list(self._conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self._conns.clear()

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    # -- serving
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket, buf: bytearray) -> Request | None:
        while b"\r\n\r\n" not in buf:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                if self._stop.is_set():
                    return None
                continue
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        buf[:] = rest
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0") or 0)      # GET/HEAD carry no body; drain one anyway
        while len(buf) < n:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf += chunk
        del buf[:n]
        path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
        return Request(method, path, headers)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        buf = bytearray()
        try:
            while not self._stop.is_set():
                req = self._read_request(conn, buf)
                if req is None:
                    return
                with self._lock:
                    self.requests.append(req)
                    self.counts[req.path] = self.counts.get(req.path, 0) + 1
                    count = self.counts[req.path]
                if not self._respond(conn, req, count):
                    return
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _file(self, path: str) -> bytes | None:
        if self.root is None:
            return None
        p = (self.root / path.lstrip("/")).resolve()
        if self.root not in p.parents and p != self.root:
            return None
        try:
            return p.read_bytes() if p.is_file() else None
        except OSError:
            return None

    @staticmethod
    def _send(conn, status: str, headers: dict[str, str | int], body: bytes = b"", head: bool = False) -> None:
        lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body))

    def _respond(self, conn: socket.socket, req: Request, count: int) -> bool:
        """Answers `req`; returns False to close the connection."""
        head = req.method == "HEAD"
        close = req.headers.get("connection", "").lower() == "close"
        base = {"Server": f"vstack-fault-{self.mode}", "Connection": "close" if close else "keep-alive"}
        faulty = self.faulty(req.path)
        if faulty and self.mode == "never_answers":
            while not self._stop.is_set():             # keep reading (and discarding) until the peer or we quit
                try:
                    if not conn.recv(65536):
                        return False
                except socket.timeout:
                    continue
                except OSError:
                    return False
            return False
        if faulty and self.mode == "forbidden":
            body = b"<Error><Code>AccessDenied</Code><Message>Forbidden</Message></Error>"
            self._send(conn, "403 Forbidden", base | {"Content-Type": "application/xml", "Content-Length": len(body)},
                       body, head)
            return not close
        if faulty and self.mode == "redirect_loop":
            self._send(conn, "302 Found", base | {"Location": req.path + ("&" if "?" in req.path else "?") + "again",
                                                  "Content-Length": 0})
            return not close
        if faulty and self.mode == "slowloris":
            answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000
            for byte in answer:
                if self._stop.wait(0.2):
                    return False
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return False
            return False
        if faulty and self.mode == "fails_then_serves" and count <= self.n:
            body = b"internal error (on purpose)\n"
            self._send(conn, "500 Internal Server Error", base | {"Content-Type": "text/plain",
                                                                 "Content-Length": len(body)}, body, head)
            return not close
        if req.method not in ("GET", "HEAD"):
            self._send(conn, "405 Method Not Allowed", base | {"Allow": "GET, HEAD", "Content-Length": 0})
            return not close
        data = self._file(req.path)
        if data is None:
            body = b"not found\n"
            self._send(conn, "404 Not Found", base | {"Content-Type": "text/plain", "Content-Length": len(body)},
                       body, head)
            return not close
        size = len(data)
        rng = _parse_range(req.headers.get("range"), size)
        if rng is not None and rng[0] >= size:
            self._send(conn, "416 Range Not Satisfiable", base | {"Content-Range": f"bytes */{size}",
                                                                   "Content-Length": 0})
            return not close
        status, headers, body = "200 OK", {"Accept-Ranges": "bytes"}, data
        if rng is not None:
            a, b = rng
            status, body = "206 Partial Content", data[a:b]
            headers["Content-Range"] = f"bytes {a}-{b - 1}/{size}"
        headers = base | headers | {"Content-Type": "application/octet-stream"}
        if faulty and self.mode == "closes_mid_body" and not head:
            self._send(conn, status, headers | {"Connection": "close", "Content-Length": len(body)},
                       body[: len(body) // 2])
            return False
        if faulty and self.mode == "wrong_length" and not head:
            self._send(conn, status, headers | {"Connection": "close", "Content-Length": len(body) + 1000}, body)
            return False
        if faulty and self.mode == "wrong_range" and rng is not None and not head and rng[1] < size:
            a, b = rng[0] + 1, rng[1] + 1
            self._send(conn, status, headers | {"Content-Range": f"bytes {a}-{b - 1}/{size}", "Content-Length": b - a},
                       data[a:b])
            return not close
        if faulty and self.mode == "ignores_range" and rng is not None and not head:
            headers.pop("Content-Range", None)
            self._send(conn, "200 OK", headers | {"Content-Length": size}, data)
            return not close
        if faulty and self.mode == "huge_headers" and not head:
            filler = {f"X-Filler-{i}": "f" * 1000 for i in range(1100)}
            self._send(conn, status, headers | filler | {"Content-Length": len(body)}, body)
            return not close
        if faulty and self.mode == "truncated_range" and rng is not None and not head:
            short = body[: len(body) // 2]
            self._send(conn, status, headers | {"Content-Length": len(short)}, short)
            return not close
        self._send(conn, status, headers | {"Content-Length": len(body)}, body, head)
        return not close


def never_answers(**kw) -> FaultServer:
    return FaultServer("never_answers", **kw)


def fails_then_serves(root, n: int = 2, **kw) -> FaultServer:
    return FaultServer("fails_then_serves", root=root, n=n, **kw)


def closes_mid_body(root, **kw) -> FaultServer:
    return FaultServer("closes_mid_body", root=root, **kw)


def wrong_length(root, **kw) -> FaultServer:
    return FaultServer("wrong_length", root=root, **kw)


def truncated_range(root, **kw) -> FaultServer:
    return FaultServer("truncated_range", root=root, **kw)


def forbidden(**kw) -> FaultServer:
    return FaultServer("forbidden", **kw)


# ---------------------------------------------------------------------------------------- latency proxy

class LatencyProxy(_Managed):
    """A reverse proxy (aiohttp, in its own thread and event loop) in front of `upstream`
    (e.g. Nginx(...).url) that waits `delay` seconds before forwarding each request.

    GET and HEAD are forwarded with their Range, If-* and Accept headers; the status, the
    body (not decompressed) and the Content-Length/Content-Range/ETag/... headers come back
    unchanged; other methods get 405. Both sides keep connections alive. `requests` records
    (method, path, headers) of every request received."""

    FORWARD_REQUEST = ("range", "if-none-match", "if-match", "if-modified-since", "if-range", "accept",
                       "accept-encoding", "user-agent")
    FORWARD_RESPONSE = ("content-type", "content-range", "accept-ranges", "etag", "last-modified",
                        "content-encoding", "cache-control")

    def __init__(self, upstream: str, delay: float = 0.05, port: int | None = None):
        self.upstream = upstream.rstrip("/")
        self.delay = delay
        self.port = port or free_port()
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0          # the most requests handled at once (for --max-requests)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> "LatencyProxy":
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(15) or self._error is not None:
            raise RuntimeError(f"latency proxy did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._shutdown.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as e:  # noqa: BLE001 - reported by start()
            self._error = e
            self._ready.set()
        finally:
            self._loop.close()

    async def _main(self) -> None:
        from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
        self._shutdown = asyncio.Event()
        session = ClientSession(connector=TCPConnector(limit=64, keepalive_timeout=60), auto_decompress=False,
                                timeout=ClientTimeout(total=None, sock_connect=10, sock_read=60))

        async def handle(request: web.Request) -> web.StreamResponse:
            self.requests.append(Request(request.method, request.path, {k.lower(): v for k, v in request.headers.items()}))
            if request.method not in ("GET", "HEAD"):
                return web.Response(status=405, headers={"Allow": "GET, HEAD"})
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                return await forward(request)
            finally:
                self.in_flight -= 1

        async def forward(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(self.delay)
            headers = {k: v for k, v in request.headers.items() if k.lower() in self.FORWARD_REQUEST}
            async with session.request(request.method, self.upstream + request.rel_url.raw_path_qs,
                                       headers=headers, allow_redirects=False) as up:
                body = await up.read()
                out = {k: v for k, v in up.headers.items() if k.lower() in self.FORWARD_RESPONSE}
                resp = web.StreamResponse(status=up.status, reason=up.reason, headers=out)
                length = up.headers.get("Content-Length")
                if request.method == "HEAD":
                    if length is not None:
                        resp.content_length = int(length)
                    await resp.prepare(request)
                    return resp
                resp.content_length = len(body)
                await resp.prepare(request)
                await resp.write(body)
                await resp.write_eof()
                return resp

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None, keepalive_timeout=75)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self._ready.set()
        await self._shutdown.wait()
        await runner.cleanup()
        await session.close()


# ---------------------------------------------------------------------------------------- pytest fixtures
# Imported by conftest.py, so any test module can ask for them.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def nginx_fixtures():
    """One nginx for the session serving the fixtures directory (VSTACK_FIXTURES) at /."""
    from conftest import FIXTURES
    with Nginx(FIXTURES) as n:
        yield n


@pytest.fixture
def fault_server():
    """fault_server(mode, root=None, n=2, faulty=None) -> a started FaultServer, stopped after the test."""
    started = []

    def make(mode, **kw):
        s = FaultServer(mode, **kw).start()
        started.append(s)
        return s
    yield make
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def latency_proxy(nginx_fixtures):
    """A 50 ms LatencyProxy in front of nginx_fixtures."""
    with LatencyProxy(nginx_fixtures.url, delay=0.05) as p:
        yield p
