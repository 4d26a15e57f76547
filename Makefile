# vstack — the two commands: `make demo` and `make test`.
SWIFT  ?= swift
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FIXTURES := .fixtures

# The libFuzzer targets under Fuzz/ (each a thin function over one parser or decoder).
FUZZ_TARGETS := FuzzZarrV2 FuzzZarrV3 FuzzCodecs FuzzTiff FuzzTiffAxes FuzzOME FuzzPipeline FuzzNpy FuzzN5 FuzzHDF5 FuzzBDV
# make test mutates all but FuzzHDF5 (libhdf5 1.10 itself hangs or reads wild on some mutated
# global heaps, which vstack cannot prevent: see README "Fuzzing"); FuzzHDF5 there only runs its
# seeds, regression inputs and corrupted fixtures once each. make fuzz mutates all eleven.
FUZZ_MUTATED := $(filter-out FuzzHDF5,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 60
# Mutations per target in make test: seconds in all, enough to catch a regression in a parser path.
FUZZ_RUNS    ?= 3000

.PHONY: lint demo test build release deps test-deps venv fixtures bench clean fuzz fuzz-build asan-c dist dist-deps bare-rootfs test-dist

## make demo: build (release) and open the viewer on the built-in synthetic dataset.
demo: deps
	$(SWIFT) build -c release --product vstack
	.build/release/vstack demo

## make test: install what the tests need, build, run the whole suite (about 15 minutes on 2 cores).
## swift test runs the debug build, invariants checked. pytest drives the release bundle that
## `make dist` builds (the program users download: Swift runtime and C libraries static, libcurl in
## lib/), and test_dist.py runs it in bare debootstrap root filesystems (.build-rootfs, made once).
## pytest runs twice: the tests not marked `serial` on PYTEST_WORKERS processes at once (most wait on
## a vstack process, a tmux screen or a server), then the `serial` ones alone (wall-clock budgets,
## and test_dist.py, which mounts into shared root filesystems).
## The run ends with the slowest tests, so the budget stays visible.
PYTEST_WORKERS ?= 3
TEST_TIMES := $(CURDIR)/.build/test-times.jsonl
TEST_ENV = VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) VSTACK_BIN=$(CURDIR)/.build-dist/bundle/current/bin/vstack \
  VSTACK_DIST=$(CURDIR)/dist VSTACK_ROOTFS=$(CURDIR)/.build-rootfs VSTACK_TEST_TIMES=$(TEST_TIMES)
test: test-deps venv fixtures lint
	$(SWIFT) build
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) VSTACK_BIN=$(CURDIR)/.build/debug/vstack $(SWIFT) test
	scripts/dist.sh
	scripts/bare-rootfs.sh $(CURDIR)/.build-rootfs/bare
	scripts/bare-rootfs.sh $(CURDIR)/.build-rootfs/venv --venv
	rm -f $(TEST_TIMES)
	$(TEST_ENV) $(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) -m "not serial" tests/python
	$(TEST_ENV) $(PY) -m pytest -q -p no:cacheprovider -m serial tests/python
	Fuzz/build.sh $(FUZZ_TARGETS)
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) $(PYTHON) Fuzz/run.py --runs $(FUZZ_RUNS) $(FUZZ_MUTATED)
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) $(PYTHON) Fuzz/run.py --runs 0 FuzzHDF5
	Fuzz/CLibs/build.sh
	$(PYTHON) Fuzz/CLibs/run.py $(FIXTURES)
	@$(PYTHON) scripts/slowest_tests.py $(TEST_TIMES) 15

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product vstack

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

# The reference tools (zarr-python, tensorstore, tifffile, scipy, ...), only for tests and benchmarks.
venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r tests/requirements.txt
	touch $@

# Fixtures are regenerated when a generator script changes.
fixtures: $(FIXTURES)/.stamp
$(FIXTURES)/.stamp: $(VENV)/.stamp $(wildcard tests/fixtures/*.py)
	mkdir -p $(FIXTURES)
	for script in tests/fixtures/make_*_fixtures.py; do $(PY) $$script $(FIXTURES) || exit 1; done
	touch $@

## make fuzz: build the fuzz targets (libFuzzer + AddressSanitizer, .build-fuzz) and run each for FUZZ_SECONDS;
## then the viewer's memory soak (tests/python/test_soak.py) for SOAK_SECONDS of random keys.
SOAK_SECONDS ?= 900
fuzz: deps fixtures venv
	Fuzz/build.sh $(FUZZ_TARGETS)
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) $(PYTHON) Fuzz/run.py --time $(FUZZ_SECONDS) $(FUZZ_TARGETS)
	$(SWIFT) build
	VSTACK_SOAK_SECONDS=$(SOAK_SECONDS) VSTACK_BIN=$(CURDIR)/.build/debug/vstack $(PY) -m pytest -q -p no:cacheprovider tests/python/test_soak.py

fuzz-build: deps
	Fuzz/build.sh $(FUZZ_TARGETS)

## make lint: swift-format (.swift-format) finds nothing beyond .swift-format-baseline; scripts/lint.sh --fix formats.
lint:
	scripts/lint.sh

## make asan-c: c-blosc and libtiff (Debian's source packages) built with AddressSanitizer
## into .build-asan (once), and a C decode driver run over the corrupted fixtures and their variants.
asan-c: test-deps fixtures
	Fuzz/CLibs/build.sh
	$(PYTHON) Fuzz/CLibs/run.py $(FIXTURES)

## make bench: benchmarks against the peers (zarr-python, tensorstore, ...) in the same run.
bench: venv
	@scripts/install-deps.sh --bench
	$(SWIFT) build -c release --product vstack
	$(PY) bench/run.py

## make dist: dist/vstack-VERSION-linux-x86_64.tar.gz (unpack anywhere, bin/vstack runs) and
## dist/vstack-VERSION-py3-none-manylinux_*.whl, built in .build-dist (scripts/dist.sh).
dist: dist-deps
	scripts/dist.sh

dist-deps:
	@scripts/install-deps.sh --dist

## The bare Debian root filesystems the bundle is tested in (debootstrap minbase; cached in .build-rootfs).
bare-rootfs: dist-deps
	scripts/bare-rootfs.sh $(CURDIR)/.build-rootfs/bare
	scripts/bare-rootfs.sh $(CURDIR)/.build-rootfs/venv --venv

## make test-dist: the bundle and the wheel in the bare root filesystems (tests/python/test_dist.py).
test-dist: bare-rootfs venv fixtures
	VSTACK_DIST=$(CURDIR)/dist VSTACK_ROOTFS=$(CURDIR)/.build-rootfs VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) \
	  $(PY) -m pytest -q tests/python/test_dist.py

clean:
	rm -rf .build .build-fuzz .build-asan .build-dist dist $(FIXTURES) .bench
