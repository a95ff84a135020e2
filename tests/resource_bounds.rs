//! Resource bounds up front (issue 8, item 2): `golden`, `estimate --input` and `cosim`
//! compute the memory and work a run needs and refuse, in one sentence, what exceeds the
//! budget — before allocating anything network-sized. The refused commands run under a 1 GiB
//! address-space limit (`ulimit -v`): a command that started allocating would die there
//! instead of printing the sentence. A watchdog kills a command that does not finish.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs spikeforge with `args` under `ulimit -v` (KiB); kills it after `limit`.
fn run_limited(args: &[&str], vm_kib: u64, limit: Duration) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {vm_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_spikeforge"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "spikeforge {args:?} still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// 1 GiB of address space, 60 s.
fn run(args: &[&str]) -> Output {
    run_limited(args, 1 << 20, Duration::from_secs(60))
}

/// Asserts a refusal: exit code 1, one line on stderr containing every needle, nothing on
/// stdout.
fn assert_refused(out: &Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "missing `{n}` in: {err}");
    }
    err
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// An 8×16 accelerator with the largest buffers the configuration accepts (2^30 bits each),
/// B = `b`.
fn huge_accel(dir: &Path, b: u32) -> PathBuf {
    let mut t = format!(
        "name = \"huge\"\nrows = 8\ncols = 16\nweight_spad_depth = 64\npsum_bits = 32\nlif_units = 16\nclock_mhz = 500.0\n[schedule]\ntick_batch = {b}\n"
    );
    for buf in ["weight", "input_spike", "output_spike", "psum", "membrane"] {
        t.push_str(&format!("[buffers.{buf}]\nsize_bits = 1073741824\n"));
    }
    write(dir, &format!("huge-b{b}.toml"), &t)
}

/// Input 4096×256×256 (2^28 values), T = 1024: a 1×1 conv to one channel, 2 classes.
fn big_input_network(dir: &Path) -> PathBuf {
    write(
        dir,
        "big.toml",
        "name = \"big\"\ntimesteps = 1024\nentropy_threshold = 0.0\nweight_seed = 1\n\
         [input]\nchannels = 4096\nheight = 256\nwidth = 256\n\
         [[layers]]\nkind = \"conv2d\"\nout_channels = 1\nkernel = 1\nweight_bits = 2\nthreshold = 1\nmembrane_bits = 8\n\
         [classifier]\nclasses = 2\nweight_bits = 2\n",
    )
}

/// Twelve linear layers of 2^28 weights (16384 × 16384), T = 1.
fn deep_network(dir: &Path) -> PathBuf {
    let mut t = String::from(
        "name = \"deep\"\ntimesteps = 1\nentropy_threshold = 0.0\nweight_seed = 1\n[input]\nchannels = 16384\n",
    );
    for _ in 0..12 {
        t.push_str("[[layers]]\nkind = \"linear\"\nout_features = 16384\nweight_bits = 2\nthreshold = 1\nmembrane_bits = 8\n");
    }
    t.push_str("[classifier]\nclasses = 2\nweight_bits = 2\n");
    write(dir, "deep.toml", &t)
}

fn random_input(dir: &Path) -> PathBuf {
    write(
        dir,
        "random.toml",
        "encoding = \"random\"\ndensity = 0.1\nseed = 3\n",
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn big_input_at_t_1024_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let (net, input, accel) = (
        big_input_network(dir.path()),
        random_input(dir.path()),
        huge_accel(dir.path(), 4),
    );
    // T·C·H·W = 2^38 encoder draws and 2^38 synaptic events (upper bound).
    let out = run(&["golden", s(&net), s(&input), "--accel", s(&accel)]);
    assert_refused(
        &out,
        &[
            "this run needs up to ~550.0 G operations",
            "input encoding 274.9 G",
            "synaptic events 275.0 G",
            "over the 250.0 G operation work budget",
            "--work-budget-gops",
        ],
    );
    // A raised memory budget changes nothing: the work is still too much.
    let out = run(&[
        "golden",
        s(&net),
        s(&input),
        "--accel",
        s(&accel),
        "--memory-budget-mib",
        "16384",
    ]);
    assert_refused(&out, &["over the 250.0 G operation work budget"]);
    // A raised work budget that still cannot fit.
    let out = run(&[
        "golden",
        s(&net),
        s(&input),
        "--accel",
        s(&accel),
        "--work-budget-gops",
        "500",
    ]);
    assert_refused(
        &out,
        &[
            "~550.0 G operations",
            "over the 500.0 G operation work budget",
        ],
    );
    // The same network through `estimate --input`.
    let out = run(&["estimate", s(&accel), s(&net), "--input", s(&input)]);
    assert_refused(&out, &["over the 250.0 G operation work budget"]);
    // A tiny memory budget names the memory figure instead.
    let out = run(&[
        "golden",
        s(&net),
        s(&input),
        "--accel",
        s(&accel),
        "--memory-budget-mib",
        "1",
    ]);
    assert_refused(
        &out,
        &[
            "this run needs ~",
            "of memory (",
            "over the 1.0 MiB memory budget",
            "--memory-budget-mib",
        ],
    );
}

#[test]
fn twelve_layers_of_2_pow_28_weights_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let (net, input, accel) = (
        deep_network(dir.path()),
        random_input(dir.path()),
        huge_accel(dir.path(), 1),
    );
    let out = run(&["golden", s(&net), s(&input), "--accel", s(&accel)]);
    assert_refused(
        &out,
        &[
            "this run needs ~7.0 GiB of memory (weights 7.0 GiB",
            "over the 4.0 GiB memory budget",
            "pass --memory-budget-mib N to raise it",
        ],
    );
    // Raised, but still too small.
    let out = run(&[
        "golden",
        s(&net),
        s(&input),
        "--accel",
        s(&accel),
        "--memory-budget-mib",
        "6144",
    ]);
    assert_refused(
        &out,
        &["~7.0 GiB of memory", "over the 6.0 GiB memory budget"],
    );
    let out = run(&[
        "estimate",
        s(&accel),
        s(&net),
        "--input",
        s(&input),
        "--memory-budget-mib",
        "6144",
    ]);
    assert_refused(
        &out,
        &["~7.0 GiB of memory", "over the 6.0 GiB memory budget"],
    );
}

#[test]
fn cosim_is_refused_before_any_rtl_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let (net, input, accel) = (
        big_input_network(dir.path()),
        random_input(dir.path()),
        huge_accel(dir.path(), 4),
    );
    let out_dir = dir.path().join("cosim_out");
    let out = run(&["cosim", s(&accel), s(&net), s(&input), "-o", s(&out_dir)]);
    // The co-simulation keeps every timestep's input spikes and the simulated buffers
    // (2^40 bits each): memory is refused first.
    assert_refused(
        &out,
        &[
            "this run needs ~",
            "host input spikes",
            "simulated buffers",
            "over the 4.0 GiB memory budget",
        ],
    );
    assert!(!out_dir.exists());
}

#[test]
fn estimate_exit_t_with_input_is_an_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let out = run(&[
        "estimate",
        s(&root.join("accel-default.toml")),
        s(&root.join("network-small.toml")),
        "--input",
        s(&root.join("input-small.toml")),
        "--exit-t",
        "2",
    ]);
    assert_refused(&out, &["--exit-t 2", "--input", "input-small.toml"]);
}

#[test]
fn the_budget_flags_admit_what_fits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let (net, input) = (
        root.join("network-small.toml"),
        root.join("input-small.toml"),
    );
    let ok = run(&[
        "golden",
        s(&net),
        s(&input),
        "--trace",
        "--memory-budget-mib",
        "1",
        "--work-budget-gops",
        "1",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert!(v["spikes"].is_array());
    let ok = run(&[
        "estimate",
        s(&root.join("accel-default.toml")),
        s(&net),
        "--input",
        s(&input),
        "--memory-budget-mib",
        "1",
        "--json",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // A zero budget is a usage error, not a refusal of every run.
    let bad = run(&["golden", s(&net), s(&input), "--memory-budget-mib", "0"]);
    assert_eq!(bad.status.code(), Some(2));
}
