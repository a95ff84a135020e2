//! The DSL's sample modules on real tools: `verilator --lint-only -Wall` with zero warnings,
//! Yosys `synth; check -assert`, and `iverilog -g2005`. A missing tool fails the test with the
//! sentence that says how to install it; nothing is skipped.

use spikeforge_dsl::{elaborate, emit_verilog, VerilogOutput};
use spikeforge_generators::samples::all_samples;
use spikeforge_rtlsim::tools;
use std::path::PathBuf;

fn write(name: &str, v: &VerilogOutput) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("sf-sample-{name}-"))
        .tempdir()
        .expect("temporary folder");
    v.write_files(dir.path()).expect("write Verilog");
    let files = v.files.iter().map(|f| dir.path().join(&f.name)).collect();
    (dir, files)
}

fn samples() -> Vec<(&'static str, VerilogOutput)> {
    all_samples()
        .into_iter()
        .map(|(name, m)| {
            let design = elaborate(&m).unwrap_or_else(|e| panic!("sample {name}: {e}"));
            (name, emit_verilog(&design))
        })
        .collect()
}

#[test]
fn samples_are_verilator_lint_clean_with_wall() {
    for (name, v) in samples() {
        for f in &v.files {
            assert!(
                !f.contents.contains("lint_off"),
                "{name}: no lint pragmas allowed"
            );
        }
        let (_dir, files) = write(name, &v);
        let report = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.is_clean(), "sample {name}: {report}");
    }
}

#[test]
fn samples_synthesize_with_yosys_and_pass_check_assert() {
    for (name, v) in samples() {
        let (_dir, files) = write(name, &v);
        let report =
            tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("sample {name}: {e}"));
        assert!(report.cells > 0, "sample {name}: synthesized to no cells");
    }
}

#[test]
fn samples_compile_with_icarus_verilog_2005() {
    for (name, v) in samples() {
        let (_dir, files) = write(name, &v);
        let report = tools::iverilog_compile(&files, &v.top)
            .unwrap_or_else(|e| panic!("sample {name}: {e}"));
        assert!(
            report.warnings.is_empty(),
            "sample {name}: iverilog warnings: {:?}",
            report.warnings
        );
    }
}

#[test]
fn dual_port_ram_maps_to_block_ram_on_ice40() {
    let m = spikeforge_generators::samples::dual_port_ram(16, 256);
    let v = emit_verilog(&elaborate(&m).expect("elaborates"));
    let (_dir, files) = write("bram", &v);
    let report = tools::yosys_synth_ice40(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.brams,
        Some(1),
        "one SB_RAM40_4K expected: {:?}",
        report.cell_types
    );
}
