#!/usr/bin/env bash
# Installs the real tools spikeforge's tests use — Verilator, Yosys, Icarus Verilog (and the
# C++ compiler Verilator needs), nextpnr-ice40 (place and route) — from Debian's packages,
# only when they are missing.
set -euo pipefail

need=()
command -v verilator >/dev/null 2>&1 || need+=(verilator)
command -v yosys >/dev/null 2>&1 || need+=(yosys)
command -v iverilog >/dev/null 2>&1 || need+=(iverilog)
command -v nextpnr-ice40 >/dev/null 2>&1 || need+=(nextpnr-ice40)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

echo "spikeforge: installing missing tools from Debian's packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "spikeforge: ${need[*]} missing and not running as root: run 'apt-get install -y ${need[*]}' as root." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
