//! Helpers shared by the root integration tests; a test file includes them with `mod common;`.

// Each test file is its own crate and uses a different part of this module.
#![allow(dead_code)]

/// SplitMix64: a small deterministic generator of test stimuli, so a failure reproduces from
/// its seed.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
        (i128::from(lo) + (u128::from(self.next()) % span) as i128) as i64
    }

    /// True once in `one_in` draws on average.
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    /// True with probability `num / den`.
    pub fn coin(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// The names in a folder, sorted.
pub fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A design's Verilog written into a temporary folder (removed when the folder is dropped).
pub struct Emitted {
    /// The folder.
    pub dir: tempfile::TempDir,
    /// Every module's file, in the emitter's order.
    pub files: Vec<std::path::PathBuf>,
    /// The emitted text and the top's name.
    pub verilog: spikeforge_dsl::VerilogOutput,
}

/// Writes `verilog` into a new temporary folder whose name starts with `prefix`.
pub fn write_verilog(verilog: spikeforge_dsl::VerilogOutput, prefix: &str) -> Emitted {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temporary folder");
    verilog
        .write_files(dir.path())
        .unwrap_or_else(|e| panic!("writing {}: {e}", dir.path().display()));
    let files = verilog
        .files
        .iter()
        .map(|f| dir.path().join(&f.name))
        .collect();
    Emitted {
        dir,
        files,
        verilog,
    }
}

/// Elaborates `module` (panicking with the elaboration error, a bug of the test) and writes
/// its Verilog into a new temporary folder whose name starts with `prefix`.
#[track_caller]
pub fn emit(module: &spikeforge_dsl::prelude::Module, prefix: &str) -> Emitted {
    let design = spikeforge_dsl::elaborate(module).unwrap_or_else(|e| panic!("{e}"));
    write_verilog(spikeforge_dsl::emit_verilog(&design), prefix)
}

/// `module`'s Verilog, asserted lint-clean in `verilator -Wall`, built as a Verilator model with
/// clock `clk` and reset `rst`; the returned [`Emitted`] keeps the files alive.
#[track_caller]
pub fn verilated(
    module: &spikeforge_dsl::prelude::Module,
    prefix: &str,
) -> (spikeforge_rtlsim::Simulator, Emitted) {
    let emitted = emit(module, prefix);
    let top = &emitted.verilog.top;
    let lint = spikeforge_rtlsim::tools::verilator_lint(&emitted.files, top)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(lint.is_clean(), "{lint}");
    let sources = spikeforge_rtlsim::DesignSources {
        clock: Some("clk".into()),
        reset: Some("rst".into()),
        ..spikeforge_rtlsim::DesignSources::from_texts(top, emitted.verilog.module_files())
    };
    let options = spikeforge_rtlsim::BuildOptions::default();
    let sim = spikeforge_rtlsim::build(&sources, &options).unwrap_or_else(|e| panic!("{e}"));
    (sim, emitted)
}

/// Runs `script` (relative to the repository) with the project's Python environment
/// (`.venv`, created by scripts/install-tools.sh; `SPIKEFORGE_PYTHON` overrides it) and
/// `args`; panics with the script's standard error when it fails, or with one sentence saying
/// how to create the environment when it is missing.
pub fn run_python(script: &str, args: &[&std::path::Path]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("SPIKEFORGE_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    assert!(
        python.exists(),
        "the project's Python environment is missing ({}): run scripts/install-tools.sh, which creates .venv with the nir package",
        python.display()
    );
    let out = std::process::Command::new(&python)
        .arg(root.join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `verilog` into a temporary folder and requires it to be `verilator --lint-only -Wall`
/// clean, compiled by Icarus, and proved by Yosys's temporal induction (depth 8, reset `rst`):
/// the properties hold. Panics naming `what` and the tool's complaint otherwise.
#[track_caller]
pub fn assert_clean_and_proved(verilog: &spikeforge_dsl::VerilogOutput, what: &str) -> Emitted {
    use spikeforge_rtlsim::tools::{self, ProofOutcome};
    let emitted = write_verilog(verilog.clone(), "sf-dsl-tools-");
    let top = &verilog.top;
    let text = verilog.file(&format!("{top}.v")).unwrap_or_default();
    let lint = tools::verilator_lint(&emitted.files, top).unwrap_or_else(|e| panic!("{e}"));
    assert!(lint.is_clean(), "{what}: {lint}\n{text}");
    tools::iverilog_compile(&emitted.files, top).unwrap_or_else(|e| panic!("{what}: {e}"));
    let proof = tools::yosys_prove(&emitted.files, top, Some("rst"), 8)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        matches!(proof.outcome, ProofOutcome::Proven { .. }),
        "{what}: {:?} (log {})",
        proof.outcome,
        proof.log.display()
    );
    emitted
}

/// The reference evaluator of `design` and a Verilator model of its Verilog built with its
/// assertions checked (clock `clk`, reset `rst`), both after one cycle of reset.
#[track_caller]
pub fn evaluator_and_model(
    design: &spikeforge_dsl::ir::Design,
    verilog: &spikeforge_dsl::VerilogOutput,
    what: &str,
) -> (
    spikeforge_dsl::eval::Evaluator,
    spikeforge_rtlsim::Simulator,
) {
    let sources = spikeforge_rtlsim::DesignSources {
        clock: Some("clk".into()),
        reset: Some("rst".into()),
        ..spikeforge_rtlsim::DesignSources::from_texts(&verilog.top, verilog.module_files())
    };
    let opts = spikeforge_rtlsim::BuildOptions {
        assertions: true,
        ..Default::default()
    };
    let mut sim =
        spikeforge_rtlsim::build(&sources, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut ev = spikeforge_dsl::eval::Evaluator::new(design);
    ev.reset(1);
    sim.reset(1);
    (ev, sim)
}

/// One cycle in lockstep: `inputs` poked into both, one clock edge each, then every output in
/// `outputs` required equal (the Verilator model's assertions checked on its edge).
#[track_caller]
pub fn step_both(
    ev: &mut spikeforge_dsl::eval::Evaluator,
    sim: &mut spikeforge_rtlsim::Simulator,
    inputs: &[(&str, u64)],
    outputs: &[&str],
    what: &str,
) {
    for &(name, value) in inputs {
        ev.poke(name, &num_bigint::BigUint::from(value)).unwrap();
        sim.poke_u64(name, value).unwrap();
    }
    ev.step();
    sim.try_step().unwrap_or_else(|e| panic!("{what}: {e}"));
    for o in outputs {
        assert_eq!(
            num_bigint::BigInt::from(ev.peek(o).unwrap()),
            num_bigint::BigInt::from(sim.peek_u64(o).unwrap()),
            "{what}, output {o}: evaluator vs Verilator"
        );
    }
}
