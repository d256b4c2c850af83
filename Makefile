# The two README commands: `make demo` and `make test`. Each sets up .venv on its own on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lgmot-installed
# torch first, pinned to the CPU build that lies on disk: a range alone would pull a multi-GB CUDA build.
TORCH := torch==2.13.0
# the browser tests drive Debian's chromium (never a browser a tool downloads); apt needs root, else sudo
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export LGMOT_PROGRESS ?= 0
# torch's OpenMP threads wait passively: the notebook tests run two kernels at once on two cores, and spinning
# threads slow each other down many times over (lgmot.core sets the same default)
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: demo test install browser clean-check export-check nbtest pytest lint clean

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(STAMP)

# chromium for the JupyterLab tests in tests/test_browser.py (playwright comes with the dev dependencies)
browser: $(CHROMIUM)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

## make demo: the main job on the embedded synthetic default
demo: $(STAMP)
	$(BIN)/lgmot demo --out reports

## make test: notebooks clean, lgmot/ in sync with nbs/, notebook tests, pytest suite
test: $(STAMP) browser clean-check export-check lint nbtest pytest

# nbdev-clean must change nothing: a notebook with outputs or stray metadata fails.
clean-check: $(STAMP)
	@bash tools/check_unchanged.sh nbs -- $(BIN)/nbdev-clean

# nbdev-export must change nothing: lgmot/ is generated from nbs/ and committed.
export-check: $(STAMP)
	@bash tools/check_unchanged.sh lgmot -- $(BIN)/nbdev-export

nbtest: $(STAMP)
	$(BIN)/nbdev-test --n-workers 2 --skip-folder-re '^runs$$'

pytest: $(STAMP)
	$(BIN)/python -m pytest tests

# pyflakes: unused imports and names, undefined names (lgmot/ is generated, so this checks the notebooks' code)
lint: $(STAMP)
	$(BIN)/python -m pyflakes lgmot tests tools

clean:
	rm -rf demo_out reports .pytest_cache
