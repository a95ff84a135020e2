#!/usr/bin/env bash
# The whole test suite, as the README promises and CI runs it: installs Verilator, Yosys and
# Icarus Verilog when they are missing, checks formatting and clippy, then runs every test of
# the workspace (unit, integration, property and doc tests) against the real tools.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-tools.sh
verilator --version
yosys -V
iverilog -V 2>&1 | sed -n 1p || true

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
