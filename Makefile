# vstack — the two commands: `make demo` and `make test`.
SWIFT  ?= swift
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FIXTURES := .fixtures

# The libFuzzer targets under Fuzz/ (each a thin function over one parser or decoder).
FUZZ_TARGETS := FuzzZarrV2 FuzzZarrV3 FuzzCodecs FuzzTiff FuzzTiffAxes FuzzOME FuzzPipeline FuzzNpy FuzzN5 FuzzHDF5
# make test mutates all but FuzzHDF5 (libhdf5 1.10 itself hangs or reads wild on some mutated
# global heaps, which vstack cannot prevent: see README "Fuzzing"); FuzzHDF5 there only runs its
# seeds, regression inputs and corrupted fixtures once each. make fuzz mutates all ten.
FUZZ_MUTATED := $(filter-out FuzzHDF5,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 60
# Mutations per target in make test: seconds in all, enough to catch a regression in a parser path.
FUZZ_RUNS    ?= 3000

.PHONY: lint demo test build release deps test-deps venv fixtures bench clean fuzz fuzz-build asan-c dist dist-deps bare-rootfs test-dist

## make demo: build (release) and open the viewer on the built-in synthetic dataset.
demo: deps
	$(SWIFT) build -c release --product vstack
	.build/release/vstack demo

## make test: install what the tests need, build, run the whole suite.
test: test-deps venv fixtures lint
	$(SWIFT) build
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) VSTACK_BIN=$(CURDIR)/.build/debug/vstack $(SWIFT) test
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) VSTACK_BIN=$(CURDIR)/.build/debug/vstack $(PY) -m pytest -q tests/python
	Fuzz/build.sh $(FUZZ_TARGETS)
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) $(PYTHON) Fuzz/run.py --runs $(FUZZ_RUNS) $(FUZZ_MUTATED)
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) $(PYTHON) Fuzz/run.py --runs 0 FuzzHDF5
	Fuzz/CLibs/build.sh
	$(PYTHON) Fuzz/CLibs/run.py $(FIXTURES)

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

## make fuzz: build the fuzz targets (libFuzzer + AddressSanitizer, .build-fuzz) and run each for FUZZ_SECONDS.
fuzz: deps fixtures
	Fuzz/build.sh $(FUZZ_TARGETS)
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) $(PYTHON) Fuzz/run.py --time $(FUZZ_SECONDS) $(FUZZ_TARGETS)

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
