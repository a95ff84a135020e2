//! The accelerator top elaborates, is lint-clean under `verilator -Wall` and passes Yosys
//! `synth; check -assert` for small configurations of every option.

use spikeforge_config::{FireCompare, Leak, Reset};
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_generators::accel::top::accelerator;
use spikeforge_rtlsim::tools;

/// A small accelerator for tests.
pub fn small(rows: u32, cols: u32, double_buffer: bool, share_factor: u32) -> AccelParams {
    AccelParams {
        name: format!("sf_r{rows}c{cols}"),
        rows,
        cols,
        weight_spad_depth: 4,
        psum_bits: 16,
        pipeline_regs: 0,
        double_buffer,
        weight_bits: 4,
        membrane_bits: 8,
        leak: Leak::Shift(2),
        reset: Reset::Hard,
        fire_compare: FireCompare::Ge,
        share_factor,
        max_stages: 3,
        max_classes: 4,
        logit_bits: 16,
        counter_bits: 64,
        entropy_unit: spikeforge_config::EntropyUnitKind::Parallel,
        counters: true,
        ram_output_regs: false,
        max_tick_batch: 4,
        weight_words: 64,
        spike_words: 128,
        psum_words: 128,
        membrane_words: 32,
    }
}

#[test]
fn small_accelerator_is_lint_clean_and_synthesizes() {
    let p = small(4, 4, true, 2);
    let design = elaborate(&accelerator(&p)).unwrap_or_else(|e| panic!("{e}"));
    let v = emit_verilog(&design);
    let dir = tempfile::tempdir().unwrap();
    let files = tools::write_sources(dir.path(), &v.module_files()).unwrap();
    let lint = tools::verilator_lint(&files, &v.top).unwrap();
    assert!(lint.is_clean(), "{lint}");
    tools::yosys_check_coarse(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
}

/// The hardware's counts are as wide as the buffers make them: `⌈log2(B + 1)⌉ + 1` bits for
/// `B = max buffer words · cols` (at least the kernel digits' range), 24 at most; the largest
/// count field the driver accepts is `2^(bits − 1) − 1`, or `2^24 − 1` at 24 bits.
#[test]
fn count_width_follows_the_buffers() {
    // 4×4 with 128-word buffers: B = 128·4 = 512 → 10 + 1 bits, fields up to 1023.
    let p = small(4, 4, true, 2);
    assert_eq!(p.count_bits(), 11);
    assert_eq!(p.max_count(), 1023);
    // Every field a fitting network can have is within it: the largest, the input channels
    // of a spike buffer full of one position (128 words · 4 lanes), and the fan-in of a full
    // weight buffer (64 words).
    assert!(p.max_count() >= 128 * 4 && p.max_count() >= 64);
    // The built-in 8×16 prototype: B = 2^18 words · 16 lanes → the registers' 24 bits.
    let big = AccelParams {
        rows: 8,
        cols: 16,
        weight_words: 1 << 18,
        spike_words: 1 << 16,
        ..small(8, 16, true, 1)
    };
    assert_eq!(big.count_bits(), 24);
    assert_eq!(big.max_count(), (1 << 24) - 1);
}

/// `[rtl] counters = false` leaves the counter file out: the design is still lint-clean and
/// passes the structural check, and nothing of the counters is emitted.
#[test]
fn without_counters_no_counter_file_is_built() {
    let mut p = small(2, 2, false, 1);
    p.counters = false;
    let design = elaborate(&accelerator(&p)).unwrap_or_else(|e| panic!("{e}"));
    let v = emit_verilog(&design);
    assert!(
        v.files.iter().all(|f| !f.name.contains("counters")),
        "{:?}",
        v.files.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
    let top = v.file(&format!("{}.v", v.top)).unwrap();
    assert!(!top.contains("u_counters") && !top.contains("acc_cycles"));
    let dir = tempfile::tempdir().unwrap();
    let files = tools::write_sources(dir.path(), &v.module_files()).unwrap();
    let lint = tools::verilator_lint(&files, &v.top).unwrap();
    assert!(lint.is_clean(), "{lint}");
    tools::yosys_check_coarse(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    p.counters = true;
    let with = emit_verilog(&elaborate(&accelerator(&p)).unwrap());
    assert!(with.files.iter().any(|f| f.name.contains("counters")));
}
