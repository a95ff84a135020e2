//! `spikeforge generate` writes a FuseSoC core (`<top>.core`, CAPI2) beside the Verilog, and
//! FuseSoC (from the project's Python environment, scripts/install-tools.sh) runs its `lint`
//! target — Verilator with `-Wall`, warnings fatal — on the built-in design; a copy with one
//! injected width warning fails the same target, so the check can fail.

use std::path::{Path, PathBuf};
use std::process::Command;

/// FuseSoC in the project's environment, or one sentence on how to install it.
fn fusesoc() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = std::env::var_os("SPIKEFORGE_FUSESOC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/fusesoc"));
    assert!(
        bin.exists(),
        "FuseSoC is missing ({}): run scripts/install-tools.sh, which installs it into .venv",
        bin.display()
    );
    bin
}

/// Runs the core's `lint` target from `cores` in a build folder under `work`; returns
/// (success, combined output).
fn lint(cores: &Path, work: &Path, vlnv: &str) -> (bool, String) {
    let out = Command::new(fusesoc())
        .current_dir(work)
        .arg("--cores-root")
        .arg(cores)
        .arg("run")
        .arg("--build-root")
        .arg(work.join("build"))
        .arg("--target=lint")
        .arg(vlnv)
        .output()
        .expect("run fusesoc");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn generated_core_lints_clean_under_fusesoc_and_a_broken_copy_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rtl");
    let gen = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(["generate", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let dir = out.join("sf_sata8x16");
    let top = "sf_sata8x16_top";
    let core = std::fs::read_to_string(dir.join(format!("{top}.core"))).unwrap();
    let vlnv = format!("spikeforge:generated:{top}:{}", env!("CARGO_PKG_VERSION"));
    assert!(core.contains(&format!("name: {vlnv}\n")), "{core}");
    // Every Verilog file of the filelist is in the core, in the same order.
    let filelist = std::fs::read_to_string(dir.join(format!("{top}.f"))).unwrap();
    let listed: Vec<&str> = core
        .lines()
        .filter_map(|l| l.strip_prefix("      - "))
        .collect();
    let files: Vec<&str> = filelist.lines().collect();
    assert_eq!(listed, files, "{core}");

    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let (ok, text) = lint(&dir, &work, &vlnv);
    assert!(ok, "fusesoc lint failed:\n{text}");
    assert!(text.contains("lint-verilator"), "{text}");

    // One width warning in a copy: the same target must fail, naming it.
    let broken = tmp.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, broken.join(f.file_name().unwrap())).unwrap();
    }
    let top_v = broken.join(format!("{top}.v"));
    let text = std::fs::read_to_string(&top_v).unwrap();
    let at = text.rfind("endmodule").unwrap();
    let edited = format!(
        "{}    wire [3:0] sf_probe = 8'hff;\n{}",
        &text[..at],
        &text[at..]
    );
    std::fs::write(&top_v, edited).unwrap();
    let work2 = tmp.path().join("work2");
    std::fs::create_dir(&work2).unwrap();
    let (ok, text) = lint(&broken, &work2, &vlnv);
    assert!(!ok, "a width warning must fail the lint target:\n{text}");
    assert!(text.contains("WIDTH"), "{text}");
}
