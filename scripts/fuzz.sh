#!/usr/bin/env bash
# Coverage-guided fuzzing of spikeforge's file loaders with libFuzzer, on the stable toolchain.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds fuzz/ (a workspace of its own) with the same SanitizerCoverage instrumentation that
# `cargo fuzz` uses (no sanitizer, so no nightly compiler is needed), seeds each target's
# corpus from examples/ and the committed regression inputs (fuzz/regressions/<target>/), runs
# each target for SECONDS_PER_TARGET (default 30) and prints libFuzzer's figures: executions,
# coverage (`cov`: edges, `ft`: features) and corpus size. A crash, panic, timeout or
# out-of-memory input fails the script; libFuzzer saves it under fuzz/artifacts/<target>/, and
# it belongs in fuzz/regressions/<target>/ once fixed (tests/fuzz_regressions.rs replays it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(network input accelerator)

host="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="${SPIKEFORGE_FUZZ_TARGET_DIR:-fuzz/target}"
cargo build --locked --release --manifest-path fuzz/Cargo.toml --target "$host" \
    $(printf -- '--bin %s ' "${targets[@]}")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A seed: one selector byte (even: TOML, odd: JSON), then the file.
seed() { # target file
    local sel='\x00'
    case "$2" in *.json) sel='\x01' ;; esac
    { printf "$sel"; cat "$2"; } >"$work/$1/$(basename "$2")"
}
status=0
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "fuzz/artifacts/$t"
    case "$t" in
        network) for f in examples/network-*.toml examples/vgg*.toml; do seed "$t" "$f"; done ;;
        input) for f in examples/input-*; do seed "$t" "$f"; done ;;
        accelerator) for f in examples/accel-*; do seed "$t" "$f"; done ;;
    esac
    if [ -d "fuzz/regressions/$t" ]; then cp fuzz/regressions/"$t"/* "$work/$t/" 2>/dev/null || true; fi
    echo "---- fuzzing $t for ${seconds}s"
    log="$work/$t.log"
    if ! "$CARGO_TARGET_DIR/$host/release/$t" "$work/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
        status=1
        tail -n 40 "$log"
        echo "fuzz target $t FAILED: input saved under fuzz/artifacts/$t/" >&2
        continue
    fi
    # The last status line (executions, coverage, corpus) and the final statistics.
    grep -E '^#[0-9]+' "$log" | tail -n 1
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
done
exit "$status"
