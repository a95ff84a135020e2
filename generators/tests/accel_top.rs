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
