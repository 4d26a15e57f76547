#!/usr/bin/env python3
"""Runs the sanitized c-blosc and libtiff (Fuzz/CLibs/build.sh) over corrupted inputs.

    Fuzz/CLibs/run.py FIXTURES      # make asan-c (part of make test)

The inputs, made afresh each run and sent to the driver through a pipe:

- blosc: the blosc frames among the fixtures (found by their header: version 2,
  cbytes equal to the file's size; one per directory of chunks, sampled evenly
  down to 240, and every one in zarr/errors),
  the blosc inputs of Fuzz/corpus/FuzzCodecs, the blosc chunks in the corpora of
  FuzzZarrV2, FuzzZarrV3 and FuzzN5, and Fuzz/corpus/CLibs/blosc/;
- tiff: the TIFF fixtures up to 128 KiB, the first 64 KiB of larger ones, and
  Fuzz/corpus/CLibs/tiff/;

each with deterministic variants (an RNG seeded by the input's hash): truncations
(for blosc also with the header's cbytes rewritten to match, which reaches the
decoder), a bit flip in every header byte, block-start tables pointing anywhere,
random byte flips, and for TIFF every entry of the first IFD given boundary
values (0, 2^31, 2^32-1, a random offset) in its count and value fields.
Any AddressSanitizer report fails the run and names the input; put such an
input into Fuzz/corpus/CLibs/<lib>/ once vstack avoids it.
"""
import hashlib, os, random, struct, subprocess, sys, tempfile, time

fixtures = sys.argv[1] if len(sys.argv) > 1 else ".fixtures"
TOP = ".build-asan"
MAX_BLOSC = 256 << 10
MAX_TIFF = 128 << 10
PER_ARRAY = 1                 # blosc frames per directory of chunks (zarr/errors: all)
MAX_BLOSC_BASES = 240         # of those, an even sample
ROUNDS = 3                    # rounds of random flips a base (about 25 000 inputs in all, 30 s)

def read(path):
    with open(path, "rb") as f:
        return f.read()

def is_blosc(b):
    return len(b) >= 16 and b[0] == 2 and struct.unpack_from("<I", b, 12)[0] == len(b)

def is_tiff(b):
    return b[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")

blosc, tiff = {}, {}          # sha1 -> bytes (the bases)
errors = {}                   # the corrupted fixtures' frames, all kept

def add(d, data):
    d.setdefault(hashlib.sha1(data).hexdigest(), data)

for root, dirs, files in sorted(os.walk(fixtures)):
    dirs.sort()
    taken = 0
    for name in sorted(files):
        path = os.path.join(root, name)
        size = os.path.getsize(path)
        if name.endswith((".tif", ".tiff")):
            add(tiff, read(path) if size <= MAX_TIFF else read(path)[:64 << 10])
        elif 16 <= size <= MAX_BLOSC and (taken < PER_ARRAY or "/errors" in root):
            with open(path, "rb") as f:
                head = f.read(16)
            if len(head) == 16 and head[0] == 2 and struct.unpack_from("<I", head, 12)[0] == size:
                add(errors if "/errors" in root else blosc, read(path))
                taken += 1
# An even sample of the frames (in path order, which groups them by fixture).
keys = list(blosc)
blosc = {k: blosc[k] for k in keys[::max(1, -(-len(keys) // MAX_BLOSC_BASES))]}
blosc.update(errors)

# FuzzCodecs inputs for blosc (selectors 0, 7, 8) are a 5-byte prefix and a frame.
codecs = "Fuzz/corpus/FuzzCodecs"
for name in sorted(os.listdir(codecs)) if os.path.isdir(codecs) else []:
    data = read(os.path.join(codecs, name))
    if len(data) > 5 and data[0] % 16 in (0, 7, 8):
        add(blosc, data[5:])
# The chunks in the Zarr and N5 targets' corpora (after the separator) that are blosc frames.
for target in ("FuzzZarrV2", "FuzzZarrV3", "FuzzN5"):
    corpus = f"Fuzz/corpus/{target}"
    for name in sorted(os.listdir(corpus)) if os.path.isdir(corpus) else []:
        data = read(os.path.join(corpus, name))
        payload = data.split(b"\n--payload--\n", 1)[1:]
        if payload and len(payload[0]) >= 16 and payload[0][0] == 2:
            add(blosc, payload[0])
for lib, d in (("blosc", blosc), ("tiff", tiff)):
    regress = f"Fuzz/corpus/CLibs/{lib}"
    for name in sorted(os.listdir(regress)) if os.path.isdir(regress) else []:
        add(d, read(os.path.join(regress, name)))

def flip(rng, b, k):
    b = bytearray(b)
    for _ in range(k):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)

def blosc_variants(b):
    rng = random.Random(hashlib.sha1(b).digest())
    yield b
    n = len(b)
    for cut in sorted({16, 17, 20, n // 4, n // 2, n - 1}):
        if 16 <= cut < n:
            t = b[:cut]
            yield t
            yield t[:12] + struct.pack("<I", cut) + t[16:]          # cbytes says the truncated size
    for i in range(16):                                           # every header byte
        h = bytearray(b)
        h[i] ^= 1 << rng.randrange(8)
        yield bytes(h)
    nbytes, blocksize = struct.unpack_from("<II", b, 4)
    nblocks = min(8, (nbytes + blocksize - 1) // blocksize if blocksize else 0)
    for i in range(nblocks):                                      # block starts anywhere
        if 16 + 4 * i + 4 <= n:
            for v in (0, 15, n - 1, n, rng.randrange(n + 64), 0x7FFFFFFF):
                s = bytearray(b)
                struct.pack_into("<I", s, 16 + 4 * i, v)
                yield bytes(s)
    for v in (1, 16, blocksize + 1, 0x7FFFFFEF, nbytes * 2):     # nbytes, blocksize claims
        for field in (4, 8):
            s = bytearray(b)
            struct.pack_into("<I", s, field, v & 0xFFFFFFFF)
            yield bytes(s)
    for _ in range(ROUNDS):
        for k in (1, 2, 4, 8, 16, 32):
            yield flip(rng, b, k)

def first_ifd_entries(b):
    """(offset of each entry of IFD 0, big-endian?, BigTIFF?), or []."""
    if len(b) < 16 or not is_tiff(b):
        return [], "<", False
    e = "<" if b[:2] == b"II" else ">"
    big = struct.unpack_from(e + "H", b, 2)[0] == 43
    off = struct.unpack_from(e + "Q", b, 8)[0] if big else struct.unpack_from(e + "I", b, 4)[0]
    try:
        count = struct.unpack_from(e + ("Q" if big else "H"), b, off)[0]
    except struct.error:
        return [], e, big
    start, size = off + (8 if big else 2), 20 if big else 12
    return [start + i * size for i in range(min(count, 64)) if start + (i + 1) * size <= len(b)], e, big

def tiff_variants(b):
    rng = random.Random(hashlib.sha1(b).digest())
    yield b
    n = len(b)
    for frac in (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
        if 8 < int(n * frac) < n:
            yield b[:int(n * frac)]
    entries, e, big = first_ifd_entries(b)
    for pos in entries:
        for field, width in (((4, 8), (12, 8)) if big else ((4, 4), (8, 4))):   # count, value/offset
            for v in (0, 1 << 31, (1 << 32) - 1, rng.randrange(max(n, 1) * 2)):
                s = bytearray(b)
                struct.pack_into(e + ("Q" if width == 8 else "I"), s, pos + field, v)
                yield bytes(s)
        s = bytearray(b)                                           # the type field
        struct.pack_into(e + "H", s, pos + 2, rng.choice((0, 1, 2, 3, 4, 5, 7, 11, 12, 16, 17, 99)))
        yield bytes(s)
    head = b[:min(n, 4096)]
    for _ in range(ROUNDS):
        for k in (1, 2, 4, 8, 16, 32):
            yield flip(rng, head, k) + b[len(head):]
            yield flip(rng, b, k)

def inputs():
    """(kind, name, bytes) of every input, deterministically, without repeats."""
    for lib, bases, variants in (("blosc", blosc, blosc_variants), ("tiff", tiff, tiff_variants)):
        seen = set()
        for h, base in sorted(bases.items()):
            for v in variants(base):
                k = hashlib.sha1(v).hexdigest()
                if k not in seen:
                    seen.add(k)
                    yield lib, k, v

# halt_on_error: the first report ends the run. allocator_may_return_null with a 4 GiB
# bound: a size a hostile header claims is a NULL libtiff handles, not an abort.
env = dict(os.environ, ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:handle_abort=1:detect_leaks=1:"
           "allocator_may_return_null=1:max_allocation_size_mb=4096:malloc_fill_byte=190")
start = time.monotonic()
counts = {"blosc": 0, "tiff": 0}
with tempfile.TemporaryFile() as log:
    # The inputs go through a pipe, so nothing is written to disk (about 250 MB of TIFFs).
    p = subprocess.Popen([f"{TOP}/decode", "--stream"], stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        for lib, name, data in inputs():
            counts[lib] += 1
            p.stdin.write(lib[0].encode() + name.encode() + struct.pack("<Q", len(data)) + data)
        p.stdin.close()
    except BrokenPipeError:
        pass              # the driver stopped: its report says why
    try:
        rc = p.wait(timeout=600)
    except subprocess.TimeoutExpired:
        p.kill()
        print("asan-c: the decode driver took over 600 s"); sys.exit(1)
    log.seek(0)
    out = log.read().decode(errors="replace").strip().splitlines()
seconds = time.monotonic() - start
print(f"asan-c: {len(blosc)} blosc frames and {len(tiff)} TIFFs, {counts['blosc']} and {counts['tiff']} inputs with the variants")
if rc != 0:
    print("\n".join(out[-60:]))
    # Keep the input the report names, for reproducing and for Fuzz/corpus/CLibs/.
    named = [l.split("from input ")[1].strip() for l in out if "from input " in l]
    os.makedirs(f"{TOP}/crashes", exist_ok=True)
    for lib, name, data in inputs() if named else ():
        if name == named[-1]:
            path = f"{TOP}/crashes/{lib}-{name}"
            with open(path, "wb") as f:
                f.write(data)
            print(f"asan-c: FAILED; the input is {path}; reproduce: {TOP}/decode --{lib} {path}")
            break
    else:
        print(f"asan-c: FAILED (exit {rc})")
    sys.exit(1)
print(f"{out[-1] if out else 'asan-c: no output'} ({seconds:.1f} s)")
