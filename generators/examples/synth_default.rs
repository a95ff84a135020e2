//! Synthesis report of the built-in accelerator (issue 5, point 6): Yosys generic `synth` with
//! `check -assert` (no latches, no combinational loops, no undriven or multiply driven nets)
//! and `synth_ice40` (LUT4, flip-flops, block RAMs, carries), plus the PE array alone for the
//! LUTs per PE. Takes minutes; run with
//! `cargo run --release -p spikeforge-generators --example synth_default`.

use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::params::{prototype_config, AccelParams};
use spikeforge_generators::accel::pe_array::{pe_array, PeArrayParams};
use spikeforge_generators::accel::top::accelerator;
use spikeforge_rtlsim::tools;
use std::time::Instant;

fn main() {
    let params = AccelParams::from_accel(&prototype_config());
    let design = elaborate(&accelerator(&params)).expect("the prototype elaborates");
    let v = emit_verilog(&design);
    let dir = tempfile::tempdir().expect("temporary folder");
    let files = tools::write_sources(dir.path(), &v.all_files()[..v.files.len()]).expect("write");
    let pes = u64::from(params.rows * params.cols);

    let t = Instant::now();
    let ice = tools::yosys_synth_ice40(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "synth_ice40 {}: {} LUT4, {} FF, {} SB_RAM40_4K, {} SB_CARRY, no latches ({:.0} s)",
        v.top,
        ice.luts.unwrap_or(0),
        ice.ffs.unwrap_or(0),
        ice.brams.unwrap_or(0),
        ice.carries.unwrap_or(0),
        t.elapsed().as_secs_f64()
    );

    let array = PeArrayParams {
        rows: params.rows,
        cols: params.cols,
        weight_bits: params.weight_bits,
        psum_bits: params.psum_bits,
        spad_depth: params.weight_spad_depth,
        pipeline_regs: params.pipeline_regs,
    };
    let av = emit_verilog(&elaborate(&pe_array(&array)).expect("array elaborates"));
    let adir = tempfile::tempdir().expect("temporary folder");
    let afiles =
        tools::write_sources(adir.path(), &av.all_files()[..av.files.len()]).expect("write");
    let a = tools::yosys_synth_ice40(&afiles, &av.top).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "synth_ice40 {}: {} LUT4, {} FF, {} SB_RAM40_4K → {:.1} LUT4 and {:.1} FF per PE",
        av.top,
        a.luts.unwrap_or(0),
        a.ffs.unwrap_or(0),
        a.brams.unwrap_or(0),
        a.luts.unwrap_or(0) as f64 / pes as f64,
        a.ffs.unwrap_or(0) as f64 / pes as f64
    );

    let t = Instant::now();
    let generic = tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "synth + check -assert {}: {} cells, {} flip-flops, no latches, no loops ({:.0} s)",
        v.top,
        generic.cells,
        generic.ffs.unwrap_or(0),
        t.elapsed().as_secs_f64()
    );
}
