# vstack — the two commands: `make demo` and `make test`.
SWIFT  ?= swift
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FIXTURES := .fixtures

.PHONY: demo test build release deps test-deps venv fixtures bench clean

## make demo: build (release) and open the viewer on the built-in synthetic dataset.
demo: deps
	$(SWIFT) build -c release --product vstack
	.build/release/vstack demo

## make test: install what the tests need, build, run the whole suite.
test: test-deps venv fixtures
	$(SWIFT) build
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) VSTACK_BIN=$(CURDIR)/.build/debug/vstack $(SWIFT) test
	VSTACK_FIXTURES=$(CURDIR)/$(FIXTURES) VSTACK_BIN=$(CURDIR)/.build/debug/vstack $(PY) -m pytest -q tests/python

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

## make bench: benchmarks against the peers (zarr-python, tensorstore, ...) in the same run.
bench: venv
	@scripts/install-deps.sh --bench
	$(SWIFT) build -c release --product vstack
	$(PY) bench/run.py

clean:
	rm -rf .build $(FIXTURES) .bench
