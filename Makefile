# Margin Call Lab: offline toolchain. Needs only python3, node and npm; every
# other tool (solc-js, anvil, forge, ganache, brownie, slither) is installed
# into node_modules/ and .venv/ by `make install` (run by the other targets).
#
#   make test        install, then Brownie/pytest tests, the demo on Ganache, Forge tests, gas check
#   make test-py     PYTEST_ARGS="-k probe -x" to pass options to pytest
#   make test-forge  FORGE_ARGS="--mt testFoo -vvv" to pass options to forge test
#   make gas-check   every figure of snapshots/gas.json, fail on a rise over 1 % (run by make test)
#   make gas-snapshot  rewrite snapshots/gas.json (commit it with the change that moved it)
#   make test-ape    the Ape suite (tests_ape/) in its own venv, .venv-ape
#   CI=true make test    Forge runs its `ci` profile (pinned seed, invariant 64x32)

SHELL  := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test
.DELETE_ON_ERROR:

ROOT   := $(CURDIR)
VENV   := $(ROOT)/.venv
PY     := $(VENV)/bin/python
PYTHON ?= python3

# Every recipe sees the project's tools first, never global ones.
export PATH := $(ROOT)/node_modules/.bin:$(VENV)/bin:$(PATH)
# Brownie (py-solc-x) finds "solc 0.8.28" as $SOLCX_BINARY_PATH/solc-v0.8.28.
# Trap: brownie-config's `dotenv:` is read too late to set this.
export SOLCX_BINARY_PATH := $(ROOT)/tools/solcx
# Trap: foundry.toml's `solc =` is relative to the working directory.
export FOUNDRY_SOLC := $(ROOT)/tools/solcx/solc-v0.8.28
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
ifeq ($(CI),true)
export FOUNDRY_PROFILE ?= ci
endif

PYTEST_ARGS ?=
# `make demo NETWORK=ganache-cli` tells the story on Ganache instead of Anvil
NETWORK     ?= anvil
FORGE_ARGS  ?=
SLITHER_VERSION := 0.11.6

# npm writes node_modules/.package-lock.json on every install: it is the stamp
# that says node_modules matches package-lock.json (npm ci only when it is
# missing or older than package-lock.json / package.json).
NPM_STAMP  := node_modules/.package-lock.json
VENV_STAMP := .venv/.margincall-pip.stamp
# eth-ape needs pins that clash with Brownie's (pytest < 9, rich < 15): its own venv.
APE_VENV   := $(ROOT)/.venv-ape
APE_STAMP  := .venv-ape/.margincall-ape.stamp

.PHONY: install install-ape compile test test-py test-ganache test-forge test-ape gas-check gas-snapshot demo bench lint clean distclean check-port

# ---- install (idempotent: each step reruns only when its inputs changed) ----
install: $(NPM_STAMP) $(VENV_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(PY):
	$(PYTHON) -m venv $(VENV)

# The .pth sets SOLCX_BINARY_PATH for any python of the venv (a bare
# `brownie test` outside make), unless the caller already set it.
# The package needs only web3.py; the venv adds Brownie (the `brownie` extra) for tests and scripts/.
$(VENV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[brownie]'
	$(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' | { read -r site; \
	  printf 'import os; os.environ.setdefault("SOLCX_BINARY_PATH", "%s")\n' "$(SOLCX_BINARY_PATH)" \
	    > "$$site/margincall_solcx.pth"; }
	touch $@

# The Ape venv: eth-ape + ape-solidity + ape-foundry and everything else pinned exactly
# (requirements-ape.txt), then this package without resolving again (--no-deps).
install-ape: $(APE_STAMP)

$(APE_STAMP): requirements-ape.txt pyproject.toml
	$(PYTHON) -m venv $(APE_VENV)
	$(APE_VENV)/bin/pip install -r requirements-ape.txt
	$(APE_VENV)/bin/pip install --no-deps -e .
	touch $@

# ---- build --------------------------------------------------------------------
# Trap: Brownie's incremental build can keep a contract compiled against an older
# version of an interface it imports (seen: a stale liquidator calling a changed pool
# hook). Any Solidity change therefore recompiles everything (~10 s).
SOL_SOURCES := $(shell find contracts interfaces -name '*.sol' 2>/dev/null)
BROWNIE_STAMP := build/.margincall-compiled.stamp

$(BROWNIE_STAMP): $(SOL_SOURCES) brownie-config.yaml | $(NPM_STAMP) $(VENV_STAMP)
	brownie compile --all
	touch $@

compile: install $(BROWNIE_STAMP)
	forge build

# ---- tests --------------------------------------------------------------------
test: install
	$(MAKE) --no-print-directory test-py
	$(MAKE) --no-print-directory test-ganache
	$(MAKE) --no-print-directory test-forge
	$(MAKE) --no-print-directory gas-check
	$(MAKE) --no-print-directory test-ape

# Trap: if 8545 is taken, Brownie silently attaches to that chain (none of our
# settings). Fail loudly instead; this never kills anything.
check-port:
	@if $(PYTHON) -c 'import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(("127.0.0.1",8545))!=0)'; then \
	  echo "ERROR: something is already listening on 127.0.0.1:8545." >&2; \
	  echo "Brownie would attach to it instead of starting its own Anvil (60M gas, 20 accounts)." >&2; \
	  echo "Stop that process (find it with: ss -ltnp 'sport = :8545') and run make again." >&2; \
	  exit 1; fi

# pytest through Brownie's plugin; pyproject.toml adds `--network anvil` and
# skips tests/forge.
test-py: install check-port $(BROWNIE_STAMP)
	brownie test $(PYTEST_ARGS)

test-forge: install
	forge test $(FORGE_ARGS)

# Gas of every DESIGN.md 11 operation, each its own transaction on cold storage
# (tests/forge/gas, run isolated by tools/gas.py; a plain `forge test` skips them).
gas-check: install
	$(PY) tools/gas.py check

gas-snapshot: install
	$(PY) tools/gas.py snapshot

# Ape compiles the project itself (ape-config.yaml: the shim, Shanghai, same optimizer) into
# .build/ and starts Anvil through ape-foundry on a free port (`host: auto`: never 8545).
# tests_ape/pytest.ini keeps pyproject's Brownie options away from this run.
test-ape: install $(APE_STAMP)
	$(APE_VENV)/bin/ape compile
	$(APE_VENV)/bin/ape test tests_ape --network ethereum:local:foundry $(APE_ARGS)

# The same contracts on Ganache (Shanghai, its own gas and trace quirks): the demo deploys the
# demo market and checks every claim of its story against the chain (margincall/demo.py), on a
# private Ganache on a free port (margincall/ganache.py) that stops when the demo ends.
# The package CLI runs as `$(PY) -m margincall`: the checkout's own package, from any folder
# (`brownie run` with an absolute script path fails under a parent folder with a dot in its name).
MARGINCALL := $(PY) -m margincall
test-ganache: install $(BROWNIE_STAMP)
	$(PY) -m margincall.ganache $(MARGINCALL) demo --rpc-url {url}

# ---- scripts ------------------------------------------------------------------
# `make demo` runs on a private Anvil on a free port; NETWORK=ganache-cli on a private Ganache.
# (`brownie run scripts/demo.py --network anvil` still tells it through Brownie, where Brownie can.)
demo: install $(BROWNIE_STAMP)
ifeq ($(NETWORK),ganache-cli)
	$(PY) -m margincall.ganache $(MARGINCALL) demo --rpc-url {url}
else
	$(MARGINCALL) demo
endif

# The gas of every DESIGN.md 11 operation beside the budget and the Aave/Maker/Morpho figures
# (bench/gas.json, Forge, isolated), then the gas of each action on Anvil (reports/bench.json)
# and the bulk path's throughput against the raw ceiling (reports/throughput.json; DESIGN.md 12
# asks ratio >= 0.6), each on a private Anvil on a free port.
BENCH_ACCOUNTS ?= 500
THROUGHPUT_ACCOUNTS ?= 2000
bench: install $(BROWNIE_STAMP)
	$(PY) tools/gas.py report
	$(MARGINCALL) bench gas --accounts $(BENCH_ACCOUNTS) --out reports/bench.json
	$(MARGINCALL) bench throughput --accounts $(THROUGHPUT_ACCOUNTS) --out reports/throughput.json

# ---- static analysis ----------------------------------------------------------
# Slither compiles through Forge (and so the shim). Traps: it runs `forge clean`
# first, so never run it beside `forge test`; and it installs a `solc`
# (solc-select) wrapper into .venv/bin that tries to download: nothing here
# calls a bare `solc`.
lint: install
	@test -x $(VENV)/bin/slither || $(PY) -m pip install "slither-analyzer==$(SLITHER_VERSION)"
	slither . --config-file slither.config.json --fail-medium
	forge fmt --check contracts interfaces tests/forge

clean:
	rm -rf build out cache reports .build .hypothesis .pytest_cache tests_ape/.pytest_cache
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf node_modules .venv .venv-ape *.egg-info
