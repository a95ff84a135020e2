#!/usr/bin/env bash
# The whole test suite, as the README promises and CI runs it: installs Verilator, Yosys and
# Icarus Verilog when they are missing, checks formatting and clippy, then runs every test of
# the workspace (unit, integration, property and doc tests) against the real tools, and fuzzes
# the file loaders for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

# On CI every build is from scratch: incremental-compilation caches (about 1 GB) only cost disk.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi
echo "free disk space where the build goes: $(df -h --output=avail . | tail -1 | tr -d ' ')"
scripts/install-tools.sh
verilator --version
yosys -V
iverilog -V 2>&1 | sed -n 1p || true

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Yosys synthesis of the built-in accelerator (generators/tests/default_synthesis.rs, tests
# named `synth_default_*`) takes minutes of single-threaded Yosys, so it runs in the background
# while the rest of the suite uses the other core; its output is printed when both are done.
# The tests write their figures to `<target>/tmp/spikeforge-synthesis-*.md`, printed at the end.
target_dir="${CARGO_TARGET_DIR:-target}"
reports="$target_dir/tmp"
rm -f "$reports"/spikeforge-synthesis-*.md
cargo test --workspace --locked --no-run
synth_log="$(mktemp)"
# (`--workspace`, not `-p`: the same feature set as the build above, so nothing is rebuilt.)
# The FPGA board builds (tests/fpga_flow.rs, tests named `fpga_board_*`: synthesis, place and
# route, bitstreams) follow them in the background, then the sweep's per-point synthesis and
# place and route (tests/sweep.rs, tests named `*per_point_is_reported*`): single-threaded
# tools all, which the background runs one after another in the time the rest of the suite
# takes (measured: about 10 of its 16 minutes).
# Each runs even when one before it failed (a failed board build must not hide the sweep's).
{
    bg_status=0
    cargo test --workspace --locked --test default_synthesis || bg_status=1
    cargo test --workspace --locked --test fpga_flow || bg_status=1
    cargo test --workspace --locked --test sweep -- per_point_is_reported || bg_status=1
    exit "$bg_status"
} >"$synth_log" 2>&1 &
synth_pid=$!
suite_status=0
cargo test --workspace --locked -- --skip synth_default_ --skip fpga_board_ \
    --skip per_point_is_reported || suite_status=$?
# Coverage-guided fuzzing of the file loaders (libFuzzer, stable toolchain), for a bounded time
# per target (SPIKEFORGE_FUZZ_SECONDS, default 30); fuzz/README.md says more.
fuzz_status=0
scripts/fuzz.sh "${SPIKEFORGE_FUZZ_SECONDS:-30}" || fuzz_status=$?
synth_status=0
wait "$synth_pid" || synth_status=$?
echo
echo "---- synthesis of the built-in accelerator (generators/tests/default_synthesis.rs), the FPGA board builds (tests/fpga_flow.rs) and the sweep's per-point synthesis (tests/sweep.rs)"
cat "$synth_log"
rm -f "$synth_log"
for r in "$reports"/spikeforge-synthesis-*.md; do
    if [ -f "$r" ]; then echo; cat "$r"; echo; fi
done
if [ "$suite_status" -ne 0 ] || [ "$synth_status" -ne 0 ] || [ "$fuzz_status" -ne 0 ]; then
    echo "test suite failed (tests: exit $suite_status, synthesis: exit $synth_status, fuzzing: exit $fuzz_status)" >&2
    exit 1
fi
