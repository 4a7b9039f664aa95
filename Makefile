# kubectl kf — the two commands: `make demo` and `make test`. Nothing else needs installing by hand:
# the emulators go into .venv from a pinned requirements file, Rust builds with the machine's cargo.

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/kubectl-kf/target
VENV := .venv
REQS := tests/emulators/requirements.txt
PYTHON ?= python3

.PHONY: all build venv test lint unit e2e demo fmt clean-venv completions man dist krew

all: build

build:
	cargo build --workspace --bins

$(VENV)/.installed: $(REQS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r $(REQS)
	touch $@

venv: $(VENV)/.installed

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# Everything CI checks: formatting, clippy, the emulators' own checks, unit and end-to-end tests.
test: venv lint build
	$(VENV)/bin/python -m unittest discover -s tests/emulators -p 'test_*.py'
	set -o pipefail; cargo test --workspace --no-fail-fast 2>&1 | tee $(CARGO_TARGET_DIR)/kf-test.log
	@awk '/^test result:/ { for (i = 2; i <= NF; i++) { if ($$i ~ /^passed;/) p += $$(i-1); if ($$i ~ /^failed;/) f += $$(i-1) } } \
	  END { printf "tests: %d passed, %d failed\n", p, f }' $(CARGO_TARGET_DIR)/kf-test.log

# The whole blue/green upgrade, against emulated AWS and Kubernetes (nothing touches real AWS).
demo: venv build
	scripts/demo.sh

clean-venv:
	rm -rf $(VENV)

# Release chores (xtask/): none of them is part of `make test`, which checks instead that the
# committed completions/ and krew/ are what the code generates. VERSION defaults to
# v<workspace version>; TARGETS to the host (musl when that target is installed).
XTASK := cargo run --quiet --locked -p xtask --
VERSION ?=
TARGETS ?=

# bash, zsh, fish, PowerShell scripts and kubectl_complete-* executables into completions/
completions:
	$(XTASK) completions

# man pages into dist/man
man:
	$(XTASK) man

# release binaries (LTO, stripped) and one .tar.gz per plugin and target into dist/
dist:
	$(XTASK) dist $(if $(VERSION),--version $(VERSION)) $(foreach t,$(TARGETS),--target $(t))

# krew/<plugin>.yaml with the URIs and sha256 of the archives `make dist` built
krew: dist
	$(XTASK) krew $(if $(VERSION),--version $(VERSION))
