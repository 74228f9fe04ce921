# Two entry points for a fresh machine: `make demo` and `make test`. Both create the virtualenv on first use.
# `make bench` (bench/README.md) adds the bench extra; flags go in BENCH_ARGS, e.g. make bench BENCH_ARGS=--quick
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

.PHONY: demo test lint bench clean browser node-soap axis

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v < (3, 13) else "Python 3.11 or 3.12 is required (Spyne 2.14), found %d.%d; set PYTHON=..." % v)'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv: on Debian run 'apt-get install python3-venv'." >&2; exit 1; }

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# make demo PORT=9000: the facade on 9000, the simulators on the next three ports.
PORT ?= 8000

demo: $(STAMP)
	$(BIN)/adapter demo --port $(PORT)

test: $(STAMP) browser node-soap axis
	$(BIN)/python -m pytest

# tests/api/test_docs_offline.py loads /docs in headless Chromium. Installed here only when missing and only as root
# (CI's machines are root with apt reachable); elsewhere that test skips, saying why (and fails under CI=true).
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "could not install chromium: the /docs browser test will skip" >&2

# tests/soap/test_axis.py runs a real Apache Axis 1.4 service: Debian's libaxis-java, and a JDK for javac. Installed
# here only when missing and only as root, like chromium; elsewhere that test skips, saying why (fails under CI=true).
axis:
	@{ [ -f /usr/share/java/axis.jar ] && command -v javac >/dev/null 2>&1; } || [ "$$(id -u)" != 0 ] || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libaxis-java \
	    $$(command -v javac >/dev/null 2>&1 || echo default-jdk-headless) >/dev/null; } || \
	  echo "could not install libaxis-java or a JDK: the Axis 1.4 test will skip" >&2

# tests/server/test_treasury.py also calls a served contract with node-soap (tests/server/node): installed here when
# npm is there; elsewhere that test skips, saying why.
node-soap:
	@[ -d tests/server/node/node_modules/soap ] || ! command -v npm >/dev/null 2>&1 || \
	  npm ci --prefix tests/server/node --no-audit --no-fund >/dev/null 2>&1 || \
	  echo "could not install node-soap: its served-contract test will skip" >&2

lint: $(STAMP)
	$(BIN)/ruff check adapter tests bench
	$(BIN)/ruff format --check adapter tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/.venvs
