//! Tool runners against real tools (a missing tool fails the test with the clear sentence).

mod common;

use std::path::PathBuf;

use spikeforge_rtlsim::tools::{self, Tool};
use spikeforge_rtlsim::RtlSimError;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn require_finds_the_installed_tools() {
    let v = tools::require(Tool::Verilator).unwrap();
    assert!(v.version.unwrap() >= (5, 0), "{:?}", v);
    assert!(v.version_string.starts_with("Verilator"));
    let y = tools::require(Tool::Yosys).unwrap();
    assert!(y.version_string.starts_with("Yosys"));
    tools::require(Tool::Iverilog).unwrap();
    tools::require(Tool::Vvp).unwrap();
}

#[test]
fn missing_tool_is_one_clear_sentence() {
    let e = RtlSimError::ToolMissing {
        name: Tool::Verilator.name(),
        command: Tool::Verilator.command(),
        package: Tool::Verilator.package(),
    };
    assert_eq!(
        e.to_string(),
        "Verilator (`verilator`) is not installed: install it with `apt-get install -y verilator` (the README's test command does this)."
    );
    // and require() really produces it when the tool is not on PATH (run in a child process so
    // PATH changes do not leak into other tests)
    if std::env::var_os("SF_CHILD_EMPTY_PATH").is_some() {
        let e = tools::require(Tool::Yosys).unwrap_err().to_string();
        println!("CHILD-ERROR: {e}");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "missing_tool_is_one_clear_sentence",
            "--nocapture",
        ])
        .env("SF_CHILD_EMPTY_PATH", "1")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CHILD-ERROR: Yosys (`yosys`) is not installed: install it with `apt-get install -y yosys`"),
        "{text}"
    );
}

#[test]
fn verilator_lint_flags_unused_signal_and_passes_clean_design() {
    let d = tempfile::tempdir().unwrap();
    let bad = write(
        &d,
        "bad.v",
        // (Verilator exempts names matching `*unused*` from UNUSED warnings, so the name is `dangling`.)
        "module bad(input wire [7:0] a, output wire [7:0] y);\n  wire [7:0] dangling;\n  assign dangling = ~a;\n  assign y = a;\nendmodule\n",
    );
    let r = tools::verilator_lint(&[bad], "bad").unwrap();
    assert!(!r.is_clean());
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("UNUSED") && w.contains("dangling")),
        "{r}"
    );
    assert!(r.log.exists());
    let good = write(&d, "counter.v", common::COUNTER);
    let r = tools::verilator_lint(&[good], "counter").unwrap();
    assert!(r.is_clean(), "{r}");
}

#[test]
fn yosys_counts_a_hierarchical_design() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        &d,
        "h.v",
        "module leaf(input wire clk, input wire [3:0] d, output reg [3:0] q);\n  always @(posedge clk) q <= d + 4'd1;\nendmodule\nmodule toph(input wire clk, input wire [3:0] d, output wire [3:0] q);\n  wire [3:0] m;\n  leaf a(.clk(clk), .d(d), .q(m));\n  leaf b(.clk(clk), .d(m), .q(q));\nendmodule\n",
    );
    let r = tools::yosys_check(std::slice::from_ref(&f), "toph").unwrap();
    assert_eq!(r.ffs, Some(8), "{:?}", r.cell_types);
    let r = tools::yosys_synth_ice40(&[f], "toph").unwrap();
    assert_eq!(r.ffs, Some(8), "{:?}", r.cell_types);
}

#[test]
fn yosys_check_passes_clean_design_and_counts_cells() {
    let d = tempfile::tempdir().unwrap();
    let f = write(&d, "alu.v", common::ALU);
    let r = tools::yosys_check(std::slice::from_ref(&f), "alu").unwrap();
    assert!(r.cells > 0);
    // 16 (y) + 32 (acc) flip-flops
    assert_eq!(r.ffs, Some(48), "{:?}", r.cell_types);
    assert!(r.log.exists());
    let r = tools::yosys_synth_ice40(&[f], "alu").unwrap();
    assert_eq!(r.ffs, Some(48), "{:?}", r.cell_types);
    assert!(r.luts.unwrap() > 16, "{:?}", r.cell_types);
    assert_eq!(r.brams, Some(0));
}

/// A 64 × 8 RAM (synchronous write, registered read) in a module instantiated twice, and a
/// register file too small to matter.
const RAMS: &str = "module ram(input wire clk, input wire we, input wire [5:0] a, input wire [7:0] d, output reg [7:0] q);\n  reg [7:0] mem [0:63];\n  always @(posedge clk) begin\n    if (we) mem[a] <= d;\n    q <= mem[a];\n  end\nendmodule\n\
module rams(input wire clk, input wire we, input wire [5:0] a, input wire [7:0] d, output wire [7:0] y);\n  wire [7:0] q0, q1;\n  ram u0(.clk(clk), .we(we), .a(a), .d(d), .q(q0));\n  \
ram u1(.clk(clk), .we(!we), .a(a), .d(q0), .q(q1));\n  assign y = q1;\nendmodule\n";

#[test]
fn generic_synthesis_keeps_memories_whole_and_lists_them() {
    let d = tempfile::tempdir().unwrap();
    let f = write(&d, "rams.v", RAMS);
    let r = tools::yosys_check(&[f], "rams").unwrap();
    assert_eq!(
        r.memories,
        vec!["ram/mem".to_string()],
        "{:?}",
        r.cell_types
    );
    assert_eq!(r.cell_types.get("$mem_v2"), Some(&2), "{:?}", r.cell_types);
    // No flip-flops: not the 2 × 512 memory bits, and the read registers are the memories'
    // own (merged into their read ports).
    assert_eq!(r.ffs, Some(0), "{:?}", r.cell_types);
}

const LATCH: &str = "module latchy(input wire en, input wire [3:0] d, output reg [3:0] q);\n  always @(*) if (en) q = d;\nendmodule\n";

#[test]
fn latches_are_errors() {
    let d = tempfile::tempdir().unwrap();
    let f = write(&d, "latchy.v", LATCH);
    let e = tools::yosys_synth_ice40(std::slice::from_ref(&f), "latchy").unwrap_err();
    assert!(matches!(e, RtlSimError::Latch { .. }), "{e}");
    assert!(e.to_string().contains("q"), "{e}");
    let e = tools::yosys_check(std::slice::from_ref(&f), "latchy").unwrap_err();
    assert!(matches!(e, RtlSimError::Latch { .. }), "{e}");
    let e = tools::yosys_check_coarse(&[f], "latchy").unwrap_err();
    assert!(matches!(e, RtlSimError::Latch { .. }), "coarse check: {e}");
}

#[test]
fn coarse_check_finds_multiple_drivers_and_passes_a_clean_design() {
    let d = tempfile::tempdir().unwrap();
    let f = write(&d, "multi.v", "module multi(input wire a, input wire b, output wire y);\n  assign y = a;\n  assign y = b;\nendmodule\n");
    assert!(tools::yosys_check_coarse(&[f], "multi").is_err());
    let good = write(&d, "alu.v", common::ALU);
    let r = tools::yosys_check_coarse(&[good], "alu").unwrap();
    assert!(r.cells > 0);
}

/// Two instances of an inverter wired in a ring: no module has a loop, the flat design has.
const RING: &str = "module inv(input wire a, output wire y);\n  assign y = ~a;\nendmodule\n\
module ring(input wire en, output wire y);\n  wire p, q;\n  inv u0(.a(q & en), .y(p));\n  \
inv u1(.a(p), .y(q));\n  assign y = q;\nendmodule\n";

#[test]
fn coarse_check_finds_a_loop_through_instances() {
    let d = tempfile::tempdir().unwrap();
    let f = write(&d, "ring.v", RING);
    let e = tools::yosys_check_coarse(std::slice::from_ref(&f), "ring").unwrap_err();
    assert!(e.to_string().contains("loop"), "{e}");
}

#[test]
fn yosys_failure_shows_excerpt_and_log() {
    let d = tempfile::tempdir().unwrap();
    let f = write(&d, "multi.v", "module multi(input wire a, input wire b, output wire y);\n  assign y = a;\n  assign y = b;\nendmodule\n");
    let e = tools::yosys_check(&[f], "multi").unwrap_err();
    let RtlSimError::ToolFailed { ref log, .. } = e else {
        panic!("{e}")
    };
    assert!(log.exists());
    assert!(e.to_string().contains("full log"), "{e}");
}

#[test]
fn iverilog_compile_ok_and_error() {
    let d = tempfile::tempdir().unwrap();
    let good = write(&d, "alu.v", common::ALU);
    tools::iverilog_compile(&[good], "alu").unwrap();
    let bad = write(
        &d,
        "bad.v",
        "module bad(input a, output y);\n  assign y = a +;\nendmodule\n",
    );
    let e = tools::iverilog_compile(&[bad], "bad")
        .unwrap_err()
        .to_string();
    assert!(e.contains("syntax error") && e.contains("full log"), "{e}");
}

#[test]
fn old_verilator_is_rejected_naming_the_version_needed() {
    // A fake `verilator` 4.038 first on PATH, in a child process.
    if let Some(dir) = std::env::var_os("SF_CHILD_FAKE_VERILATOR") {
        let _ = dir;
        let e = tools::require(Tool::Verilator).unwrap_err().to_string();
        println!("CHILD-REQUIRE: {e}");
        let cache = tempfile::tempdir().unwrap();
        let opts = spikeforge_rtlsim::BuildOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            ..Default::default()
        };
        let e = spikeforge_rtlsim::build(&common::counter(), &opts)
            .unwrap_err()
            .to_string();
        println!("CHILD-BUILD: {e}");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let fake = d.path().join("verilator");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Verilator 4.038 2020-07-11 rev v4.036-114-g0cd4a57ad'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", d.path().display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "old_verilator_is_rejected_naming_the_version_needed",
            "--nocapture",
        ])
        .env("SF_CHILD_FAKE_VERILATOR", d.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let want = "Verilator 4.038 is too old: spikeforge needs Verilator 5.0 or newer";
    assert!(text.contains(&format!("CHILD-REQUIRE: {want}")), "{text}");
    assert!(text.contains(&format!("CHILD-BUILD: {want}")), "{text}");
}
