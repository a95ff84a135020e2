//! `spikeforge generate`, `--help` and `--version` through the real binary.

mod common;

use common::listing;
use std::path::Path;
use std::process::Command;

fn spikeforge() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spikeforge"))
}

#[test]
fn generate_without_arguments_writes_the_default_design_into_rtl_out() {
    let cwd = tempfile::tempdir().unwrap();
    let out = spikeforge()
        .arg("generate")
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(listing(cwd.path()), ["rtl_out"], "nothing outside rtl_out/");
    let design = cwd.path().join("rtl_out");
    let names = listing(&design);
    assert_eq!(names.len(), 1, "one design folder: {names:?}");
    let files = listing(&design.join(&names[0]));
    assert!(
        files.iter().any(|f| f.ends_with(".f")),
        "a filelist: {files:?}"
    );
    assert!(
        files.iter().filter(|f| f.ends_with(".v")).count() >= 3,
        "{files:?}"
    );
}

#[test]
fn generate_twice_is_byte_identical_and_o_chooses_the_folder() {
    let cwd = tempfile::tempdir().unwrap();
    let read_all = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        listing(dir)
            .into_iter()
            .map(|f| {
                let bytes = std::fs::read(dir.join(&f)).unwrap();
                (f, bytes)
            })
            .collect()
    };
    for out in ["a", "b"] {
        let st = spikeforge()
            .args(["generate", "-o", out])
            .current_dir(cwd.path())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let name = listing(&cwd.path().join("a")).remove(0);
    let a = read_all(&cwd.path().join("a").join(&name));
    let b = read_all(&cwd.path().join("b").join(&name));
    assert_eq!(a, b);
    assert_eq!(listing(cwd.path()), ["a", "b"]);
}

#[test]
fn a_failed_generate_leaves_no_partial_folder() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join("blocker"),
        "a file where a folder should go",
    )
    .unwrap();
    let out = spikeforge()
        .args(["generate", "-o", "blocker"])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: "), "one clear error: {err}");
    assert!(err.contains("blocker"), "names the folder: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(listing(cwd.path()), ["blocker"]);
}

#[test]
fn help_and_version() {
    let out = spikeforge().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("spikeforge {}", env!("CARGO_PKG_VERSION"))
    );
    let out = spikeforge().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for cmd in ["generate", "golden", "estimate"] {
        assert!(text.contains(cmd), "--help lists {cmd}: {text}");
    }
}

const SMALL_CONFIG: &str = r#"
name = "tiny"
rows = 2
cols = 2
weight_spad_depth = 2
psum_bits = 16
lif_units = 2
clock_mhz = 100
[buffers]
weight = { size_bits = 1024 }
input_spike = { size_bits = 1024 }
output_spike = { size_bits = 1024 }
psum = { size_bits = 8192 }
membrane = { size_bits = 1024 }
[schedule]
tick_batch = 2
[lif]
weight_bits = 4
membrane_bits = 6
leak = "subtract(1)"
reset = "soft"
fire_compare = "gt"
share_factor = 2
"#;

#[test]
fn generate_from_a_configuration_writes_verilog_and_manifest() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("tiny.toml"), SMALL_CONFIG).unwrap();
    let out = spikeforge()
        .args(["generate", "tiny.toml"])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = cwd.path().join("rtl_out").join("tiny");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["top"], "tiny_top");
    assert_eq!(manifest["parameters"]["share_factor"], 2);
    assert_eq!(manifest["parameters"]["leak"], "subtract(1)");
    assert_eq!(manifest["counters"].as_array().unwrap().len(), 25);
    let top = std::fs::read_to_string(dir.join("tiny_top.v")).unwrap();
    assert!(top.contains("module tiny_top"));
    assert!(std::fs::read_to_string(dir.join("tiny_top.f"))
        .unwrap()
        .contains("tiny_top.v"));

    // The filelist's paths are relative to the filelist, so `verilator -F` reads it from any
    // folder: here from another temporary folder, lint-clean with -Wall.
    let elsewhere = tempfile::tempdir().unwrap();
    let lint = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", "tiny_top", "-F"])
        .arg(dir.join("tiny_top.f"))
        .current_dir(elsewhere.path())
        .output()
        .expect("verilator (installed by scripts/install-tools.sh)");
    assert!(
        lint.status.success() && lint.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn a_bad_configuration_names_file_field_and_value_and_writes_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let bad = SMALL_CONFIG.replace("membrane_bits = 6", "membrane_bits = 40");
    std::fs::write(cwd.path().join("bad.toml"), bad).unwrap();
    let out = spikeforge()
        .args(["generate", "bad.toml"])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("lif.membrane_bits") && err.contains("40"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(listing(cwd.path()), ["bad.toml"]);
}

/// examples/accel-prototype.toml is the built-in design as a file (what `generate` builds
/// without a configuration), for the commands that need one (`spikeforge fpga`).
#[test]
fn the_prototype_example_is_the_built_in_configuration() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/accel-prototype.toml");
    let example = spikeforge_config::AcceleratorConfig::load(&path).unwrap();
    assert_eq!(
        example,
        spikeforge_generators::accel::params::prototype_config()
    );
}
