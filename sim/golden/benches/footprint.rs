//! Checks `resources::run_footprint` against reality: each case runs in its own process
//! (this binary re-executed with `--case N`), which measures the peak resident memory of the
//! run — `VmHWM` at the end minus `VmRSS` at the start, from /proc/self/status — and prints it
//! beside the estimate. The parent asserts that the estimate is an upper bound and within a
//! factor of 3 of the measurement (the cases are dense: every input spikes, so the
//! worst-case spike lists are nearly reached).
//!
//! Run: `cargo bench -p spikeforge-golden --bench footprint` (Linux; add `-- --vgg16` to
//! include the VGG16 example, ~20 s).

use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
use spikeforge_golden::resources::{fmt_bytes, run_footprint, Budget};
use spikeforge_golden::{GoldenModel, RunOptions};
use std::path::Path;
use std::process::Command;

fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = s
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("{key} in /proc/self/status"));
    line.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB")
}

/// An accelerator with the largest buffers the configuration accepts (2^30 bits), window
/// length `b`.
fn accel(b: u32) -> AcceleratorConfig {
    let mut a = AcceleratorConfig::default();
    a.schedule.tick_batch = b;
    a.psum_bits = 32;
    for buf in [
        &mut a.buffers.weight,
        &mut a.buffers.input_spike,
        &mut a.buffers.output_spike,
        &mut a.buffers.psum,
        &mut a.buffers.membrane,
    ] {
        buf.size_bits = 1 << 30;
    }
    a
}

/// (name, network TOML, window length, trace). Inputs: every input spikes (density 1).
fn cases() -> Vec<(&'static str, String, u32, bool)> {
    let linear = |n: u32, layers: usize| {
        let mut t = format!(
            "timesteps = 2\nentropy_threshold = 0.0\nweight_seed = 5\ninput = {{ channels = {n} }}\n"
        );
        for _ in 0..layers {
            t.push_str(&format!(
                "[[layers]]\nkind = \"linear\"\nout_features = {n}\nweight_bits = 4\nthreshold = 1\n"
            ));
        }
        t + "[classifier]\nclasses = 10\nweight_bits = 4\n"
    };
    // All-ones conv weights [K][C][3][3]: with every input at 1 every neuron fires at every
    // timestep (θ = 1), so the spike lists and the trace reach their worst case.
    let ones = |k: u32, c: u32| {
        let tap = "[1, 1, 1]";
        let kernel = format!("[{}]", [tap; 3].join(", "));
        let per_k = format!("[{}]", vec![kernel; c as usize].join(", "));
        format!("[{}]", vec![per_k; k as usize].join(", "))
    };
    let conv = |t: u32, c: u32, k: u32, hw: u32, pool: u32| {
        format!(
            "timesteps = {t}\nentropy_threshold = 0.0\nweight_seed = 6\ninput = {{ channels = {c}, height = {hw}, width = {hw} }}\n\
             [[layers]]\nkind = \"conv2d\"\nout_channels = {k}\nkernel = 3\npadding = 1\npool = {pool}\nweight_bits = 4\nthreshold = 1\nweights = {}\n\
             [[layers]]\nkind = \"conv2d\"\nout_channels = {k}\nkernel = 3\npadding = 1\nweight_bits = 4\nthreshold = 1\nweights = {}\n\
             [classifier]\nclasses = 10\nweight_bits = 4\n",
            ones(k, c),
            ones(k, k)
        )
    };
    vec![
        (
            "weights: 3 linear layers of 4096×4096",
            linear(4096, 3),
            2,
            false,
        ),
        (
            "window: 2 convs 16→64 ch at 128×128, B = 16",
            conv(16, 16, 64, 128, 1),
            16,
            false,
        ),
        (
            "trace: 2 convs 8→32 ch at 64×64, pool 2, T = 128",
            conv(128, 8, 32, 64, 2),
            4,
            true,
        ),
    ]
}

fn child(case: usize) {
    let (name, text, b, trace) = if case == usize::MAX {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let text = std::fs::read_to_string(root.join("vgg16-imagenet.toml")).unwrap();
        let a = AcceleratorConfig::load(root.join("accel-large.toml")).unwrap();
        (
            "VGG16 example (accel-large)",
            text,
            a.schedule.tick_batch,
            false,
        )
    } else {
        cases().swap_remove(case)
    };
    let net = Network::parse(&text, Format::Toml, name).expect("case network");
    let a = if case == usize::MAX {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        AcceleratorConfig::load(root.join("accel-large.toml")).unwrap()
    } else {
        accel(b)
    };
    let input = Input::random(if case == usize::MAX { 0.15 } else { 1.0 }, 1);
    let est = run_footprint(&net, &a, trace).bytes();
    let start = status_kib("VmRSS:");
    let opts = RunOptions {
        trace,
        budget: Budget::unlimited(),
        ..Default::default()
    };
    let o = GoldenModel::run_with(&net, &input, &a, &opts).expect("run");
    std::hint::black_box(&o);
    let peak = status_kib("VmHWM:");
    println!(
        "{est} {} {}",
        (peak.saturating_sub(start)) * 1024,
        o.counts.total.performed_acc
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        child(args[i + 1].parse().expect("case number"));
        return;
    }
    let mut ids: Vec<usize> = (0..cases().len()).collect();
    if args.iter().any(|a| a == "--vgg16") {
        ids.push(usize::MAX);
    }
    let exe = std::env::current_exe().expect("this binary");
    println!("run footprint estimate against measured peak memory (VmHWM − VmRSS at start):");
    for id in ids {
        let name = if id == usize::MAX {
            "VGG16 example (accel-large), density 0.15"
        } else {
            cases()[id].0
        };
        let out = Command::new(&exe)
            .args(["--case", &id.to_string()])
            .output()
            .expect("child runs");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout);
        let v: Vec<u64> = line
            .split_whitespace()
            .map(|x| x.parse().expect("number"))
            .collect();
        let (est, measured) = (v[0], v[1]);
        println!(
            "  {name}: estimate {} ({est} B), measured {} ({measured} B), ratio {:.2}",
            fmt_bytes(est),
            fmt_bytes(measured),
            est as f64 / measured.max(1) as f64
        );
        assert!(
            measured <= est,
            "{name}: measured {measured} B above the estimate {est} B"
        );
        if id != usize::MAX {
            assert!(
                est <= 3 * measured,
                "{name}: estimate {est} B more than 3× the measured {measured} B"
            );
        }
    }
}
