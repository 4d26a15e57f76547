#!/usr/bin/env python3
"""Runs the fuzz targets (built by `make fuzz-build` into .build-fuzz) and prints a summary.

    Fuzz/run.py --time 60 TARGET...     # make fuzz: each for 60 s, growing .build-fuzz/corpus/<target>
    Fuzz/run.py --runs 3000 TARGET...   # make test: the corrupted fixtures once each, then 3000 fixed-seed runs

Every target starts from Fuzz/corpus/<target> (hand-written seeds and the
regression inputs of crashes found) and .build-fuzz/seeds/<target> (from the
fixtures, Fuzz/seeds.py). A crash leaves .build-fuzz/crashes/<target>-crash-…
and makes the run fail; reproduce it with `.build-fuzz/debug/<target> <file>`.
"""
import argparse, os, re, subprocess, sys, tempfile, time

BUILD = ".build-fuzz"
# A 10 s input is a hang; 2 GiB resident is the OOM the hostile-input rules forbid.
LIMITS = ["-timeout=10", "-rss_limit_mb=2048", "-malloc_limit_mb=2048"]
# libhdf5 (Debian's build, not sanitized) allocates what a file's metadata claims before
# checking it against the file (H5C_load_entry: 184 GB for a mutated heap prefix), and
# leaks a few KB in some of its error paths. A plain malloc returns NULL for such a claim
# and libhdf5 reports an error, which vstack passes on; so FuzzHDF5 runs with ASan's
# allocator returning NULL too, without the per-malloc limit (the 2 GiB RSS limit stays,
# so a claim that is actually touched still fails) and without the leak check. The
# target itself checks that vstack leaves no HDF5 id open.
TARGET_FLAGS = {"FuzzHDF5": (["-malloc_limit_mb=1048576", "-detect_leaks=0"], "allocator_may_return_null=1:detect_leaks=0")}

ap = argparse.ArgumentParser()
group = ap.add_mutually_exclusive_group(required=True)
group.add_argument("--time", type=int, help="seconds per target")
group.add_argument("--runs", type=int, help="mutations per target (fixed seed)")
ap.add_argument("targets", nargs="+")
args = ap.parse_args()

subprocess.run([sys.executable, "Fuzz/seeds.py", os.environ.get("VSTACK_FIXTURES", ".fixtures"), f"{BUILD}/seeds"], check=True)
os.makedirs(f"{BUILD}/crashes", exist_ok=True)
failed, rows = [], []

def run(target, argv):
    """Runs one target; returns (ok, output)."""
    # Swift's own backtracer would pause a crashing run; libFuzzer prints the stack itself.
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
    flags, asan = TARGET_FLAGS.get(target, ([], None))
    if asan:
        env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS"), asan) if o)
    # A flag given twice: libFuzzer takes the last.
    p = subprocess.run([f"{BUILD}/debug/{target}", *LIMITS, *flags, f"-artifact_prefix={BUILD}/crashes/{target}-", *argv],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=env)
    if p.returncode != 0:
        print(f"--- {target} failed (exit {p.returncode}):\n" + "\n".join(p.stdout.splitlines()[-40:]))
        failed.append(target)
    return p.returncode == 0, p.stdout

for target in args.targets:
    dirs = [d for d in (f"Fuzz/corpus/{target}", f"{BUILD}/seeds/{target}") if os.path.isdir(d)]
    corrupt = f"{BUILD}/seeds/{target}-corrupt"
    checked = 0
    if args.runs is not None and os.path.isdir(corrupt):
        # The corrupted fixtures (truncated blosc/zlib/zstd chunks, crc mismatches, broken TIFFs)
        # through blosc, zlib, zstd and libtiff under AddressSanitizer, one run each.
        files = sorted(os.path.join(corrupt, f) for f in os.listdir(corrupt))
        ok, out = run(target, files)
        checked = out.count("Executed ")
        if ok and checked != len(files):
            print(f"--- {target}: {checked} of {len(files)} corrupted fixture inputs ran"); failed.append(target)
    with tempfile.TemporaryDirectory() as scratch:
        if args.time is not None:
            grown = f"{BUILD}/corpus/{target}"
            os.makedirs(grown, exist_ok=True)
            argv = [f"-max_total_time={args.time}", grown, *dirs]
        else:
            argv = [f"-runs={args.runs}", "-seed=1", scratch, *dirs]
        start = time.monotonic()
        ok, out = run(target, ["-print_final_stats=1", *argv])
        seconds = time.monotonic() - start
    done = re.findall(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", out)
    runs, cov, ft, corp, size = done[-1] if done else ("?",) * 5
    # libFuzzer's exec/s is 0 for runs under a second; then the rate over the whole run.
    rate = [int(r) for r in re.findall(r"exec/s: (\d+)", out)][-1:] or [0]
    if rate[0] == 0 and runs != "?": rate = [int(int(runs) / seconds)]
    rows.append((target, runs, rate[0], cov, ft, f"{corp} ({size})", checked, f"{seconds:.1f}", "ok" if ok else "FAILED"))
    print(f"fuzz: {target}: {runs} runs, {rate[0]} exec/s, cov {cov}, corpus {corp}", flush=True)

head = ("target", "runs", "exec/s", "cov", "features", "corpus", "corrupt", "seconds", "")
widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
for r in [head] + rows:
    print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)))
if failed:
    print(f"fuzz: {', '.join(failed)} failed; crash inputs in {BUILD}/crashes/ (reproduce: {BUILD}/debug/<target> <file>)")
    sys.exit(1)
