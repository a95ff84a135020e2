//! End-to-end co-simulation: the generated accelerator on Verilator against the golden model,
//! exact agreement of spikes, logits, exit timestep, prediction and all 25 counters. Each
//! hardware configuration is generated and compiled once (the bridge caches it) and reused for
//! many networks, inputs and window lengths.

use spikeforge_config::{
    AcceleratorConfig, Buffer, Buffers, EntropyUnitKind, Format, Input, MemoryTech, Network,
    RtlLimits, Schedule,
};
use spikeforge_cosim::{cosim_on, params_for, CosimOptions, CosimReport, Design};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_rtlsim::{BuildOptions, Simulator};
use std::sync::{Mutex, OnceLock};

fn accel(double_buffer: bool, tick_batch: u32) -> AcceleratorConfig {
    let b = |size_bits| Buffer {
        size_bits,
        tech: MemoryTech::Sram,
    };
    AcceleratorConfig {
        name: if double_buffer {
            "cosim_db"
        } else {
            "cosim_small"
        }
        .into(),
        rows: 4,
        cols: 4,
        weight_spad_depth: 4,
        psum_bits: 16,
        lif_units: 4,
        pipeline_regs: 0,
        double_buffer,
        clock_mhz: 100.0,
        buffers: Buffers {
            weight: b(256 * 16),
            input_spike: b(256 * 4),
            output_spike: b(256 * 4),
            psum: b(256 * 64),
            membrane: b(64 * 32),
        },
        schedule: Schedule { tick_batch },
        lif: None,
        // The double-buffered design is also the small-capacity one: few stage descriptors,
        // classes and logit bits, 40-bit counters and the serial entropy unit (the `[rtl]`
        // generation limits).
        rtl: if double_buffer {
            RtlLimits {
                max_stages: 4,
                max_classes: 4,
                logit_bits: 16,
                counter_bits: 40,
                entropy_unit: EntropyUnitKind::Serial,
                counters: true,
                ram_output_regs: true,
            }
        } else {
            RtlLimits::default()
        },
    }
}

fn hw_for(accel: &AcceleratorConfig, net: &Network) -> AccelParams {
    let mut hw = params_for(accel, net);
    hw.max_stages = 4;
    hw.max_classes = 4;
    hw.logit_bits = 16;
    hw.max_tick_batch = 4;
    hw
}

/// One compiled simulator per hardware configuration, shared by the tests.
struct Hw {
    design: Design,
    sim: Mutex<Simulator>,
}

fn compiled(cell: &'static OnceLock<Hw>, accel: &AcceleratorConfig, net: &Network) -> &'static Hw {
    cell.get_or_init(|| {
        let design = Design::generate(&hw_for(accel, net)).unwrap_or_else(|e| panic!("{e}"));
        let sim = design
            .build(&BuildOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        Hw {
            design,
            sim: Mutex::new(sim),
        }
    })
}

fn net(text: &str) -> Network {
    Network::parse(text, Format::Toml, "net.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs one co-simulation; `Err` describes the first mismatch and every differing counter.
fn run(
    hw: &Hw,
    accel: &AcceleratorConfig,
    net: &Network,
    input: &Input,
) -> Result<CosimReport, String> {
    let mut sim = hw.sim.lock().unwrap_or_else(|p| p.into_inner());
    let dir = std::env::temp_dir().join("spikeforge-cosim-tests");
    let opts = CosimOptions {
        out_dir: Some(dir),
        ..Default::default()
    };
    let r = cosim_on(&hw.design, &mut sim, accel, net, input, &opts)
        .map_err(|e| format!("{}: {e}", net.name))?;
    if r.matched {
        return Ok(r);
    }
    let diffs: Vec<String> = r
        .counters
        .iter()
        .filter(|c| c.rtl != c.golden)
        .map(|c| format!("{} RTL {} golden {}", c.name, c.rtl, c.golden))
        .collect();
    Err(format!(
        "{} (B = {}): {}; differing counters: [{}]{}",
        net.name,
        r.tick_batch,
        r.mismatch
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default(),
        diffs.join(", "),
        r.vcd
            .as_ref()
            .map(|p| format!(" (VCD {})", p.display()))
            .unwrap_or_default()
    ))
}

/// Runs every case and fails with all failures listed.
fn check_all(cases: Vec<Result<CosimReport, String>>) {
    let failures: Vec<String> = cases.into_iter().filter_map(|r| r.err()).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

const LINEAR: &str = r#"
name = "linear"
timesteps = 4
entropy_threshold = 0.0
weight_seed = 3
[input]
channels = 6
[[layers]]
kind = "linear"
out_channels = 8
weight_bits = 4
threshold = 4
membrane_bits = 8
[classifier]
classes = 3
weight_bits = 4
"#;

const CONV: &str = r#"
name = "conv"
timesteps = 4
entropy_threshold = 0.0
weight_seed = 5
[input]
channels = 2
height = 5
width = 5
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 3
padding = 1
weight_bits = 4
threshold = 5
membrane_bits = 8
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 3
stride = 2
weight_bits = 4
threshold = 6
membrane_bits = 8
[classifier]
classes = 3
weight_bits = 4
"#;

static SMALL: OnceLock<Hw> = OnceLock::new();

#[test]
fn linear_network_matches_timestep_outer() {
    let n = net(LINEAR);
    let hw = compiled(&SMALL, &accel(false, 1), &n);
    let cases = (1..=3)
        .map(|seed| run(hw, &accel(false, 1), &n, &Input::random(0.4, seed)))
        .collect();
    check_all(cases);
}

/// Windows of B ≥ 2 timesteps over stages with one output position (P = 1: every linear
/// layer), where timestep t + 1 reads the membrane word timestep t has just written — the
/// case that first failed on the RTL (a read-after-write hazard in the LIF phase).
#[test]
fn linear_layers_match_for_every_window_length() {
    let n = net(LINEAR);
    let hw = compiled(&SMALL, &accel(false, 1), &n);
    let conv_lin = net(CONV_LIN);
    let mut cases = Vec::new();
    for b in [2, 3, 4] {
        for seed in [1, 2] {
            cases.push(run(hw, &accel(false, b), &n, &Input::random(0.4, seed)));
            cases.push(run(
                hw,
                &accel(false, b),
                &conv_lin,
                &Input::random(0.5, seed),
            ));
        }
    }
    check_all(cases);
}

const CONV_LIN: &str = r#"
name = "conv_lin"
timesteps = 4
entropy_threshold = 0.0
weight_seed = 11
[input]
channels = 1
height = 4
width = 4
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 3
padding = 1
weight_bits = 4
threshold = 3
membrane_bits = 8
[[layers]]
kind = "linear"
out_channels = 4
weight_bits = 4
threshold = 4
membrane_bits = 8
[classifier]
classes = 3
weight_bits = 4
"#;

#[test]
fn conv_network_matches_for_every_window_length() {
    let n = net(CONV);
    let hw = compiled(&SMALL, &accel(false, 2), &n);
    let mut cases = Vec::new();
    for b in [1, 2, 3, 4] {
        cases.push(run(
            hw,
            &accel(false, b),
            &n,
            &Input::random(0.35, 7 + b as u64),
        ));
    }
    // Early exit inside a window: the hidden stages computed the whole window.
    let early = net(&CONV
        .replace("entropy_threshold = 0.0", "entropy_threshold = 0.9")
        .replace("name = \"conv\"", "name = \"conv_early\""));
    for b in [2, 4] {
        cases.push(run(hw, &accel(false, b), &early, &Input::random(0.5, 3)));
    }
    check_all(cases);
}

const POOLED: &str = r#"
name = "pooled"
timesteps = 4
entropy_threshold = 0.0
weight_seed = 13
[input]
channels = 2
height = 5
width = 5
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 3
padding = 1
pool = 2
weight_bits = 4
threshold = 3
membrane_bits = 8
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 2
weight_bits = 4
threshold = 3
membrane_bits = 8
[classifier]
classes = 3
weight_bits = 4
"#;

/// OR pooling (docs/accelerator.md §6) on the hardware of the conv test: one lane block and
/// no sharing, so a window's next position follows one cycle after the previous one (the
/// pooling row buffer's forwarding); 5×5 outputs in 2×2 windows drop the last row and
/// column; 3×3 windows keep one of 25 positions.
#[test]
fn pooled_networks_match_for_every_window_length() {
    let n = net(POOLED);
    let hw = compiled(&SMALL, &accel(false, 2), &n);
    let mut cases = Vec::new();
    for b in [1, 2, 4] {
        cases.push(run(
            hw,
            &accel(false, b),
            &n,
            &Input::random(0.5, 20 + b as u64),
        ));
    }
    let three = net(&POOLED
        .replace("pool = 2", "pool = 3")
        .replace("kernel = 2\n", "kernel = 1\n")
        .replace("name = \"pooled\"", "name = \"pooled3\""));
    for b in [1, 4] {
        cases.push(run(
            hw,
            &accel(false, b),
            &three,
            &Input::random(0.6, 30 + b as u64),
        ));
    }
    check_all(cases);
}

/// A second hardware configuration: double-buffered weight scratchpads, one pipeline register,
/// C#2 shared membranes, shift leak, soft reset, `gt`. Built with [`params_for`] only (B_max =
/// 4 from `tick_batch = 4`), so the CLI test below finds it in the cache.
fn accel_db(tick_batch: u32) -> AcceleratorConfig {
    let mut a = accel(true, tick_batch);
    a.pipeline_regs = 1;
    a
}

const SHARED: &str = r#"
name = "shared"
timesteps = 4
entropy_threshold = 0.0
weight_seed = 9
[input]
channels = 3
height = 4
width = 4
[[layers]]
kind = "conv2d"
out_channels = 8
kernel = 3
padding = 1
weight_bits = 4
threshold = 6
membrane_bits = 8
leak = "shift(1)"
reset = "soft"
fire_compare = "gt"
share_factor = 2
[classifier]
classes = 4
weight_bits = 4
"#;

static DB: OnceLock<Hw> = OnceLock::new();

fn compiled_db(net: &Network) -> &'static Hw {
    DB.get_or_init(|| {
        let design =
            Design::generate(&params_for(&accel_db(4), net)).unwrap_or_else(|e| panic!("{e}"));
        let sim = design
            .build(&BuildOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        Hw {
            design,
            sim: Mutex::new(sim),
        }
    })
}

#[test]
fn shared_membranes_double_buffer_and_pipeline_regs_match() {
    let n = net(SHARED);
    let hw = compiled_db(&n);
    let mut cases = Vec::new();
    for b in [1, 2, 4] {
        cases.push(run(hw, &accel_db(b), &n, &Input::random(0.4, b as u64)));
    }
    check_all(cases);
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The files of a CLI run in `dir`: the double-buffered 4×4 configuration (B = 4), the `SHARED`
/// network and a random input of density 0.4 drawn with `seed`.
fn cli_files(
    dir: &std::path::Path,
    seed: u64,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let acc = write(
        dir,
        "acc.json",
        &serde_json::to_string(&accel_db(4)).unwrap(),
    );
    let netf = write(dir, "net.toml", SHARED);
    let inp = write(
        dir,
        "in.toml",
        &format!("encoding = \"random\"\ndensity = 0.4\nseed = {seed}\n"),
    );
    (acc, netf, inp)
}

/// Runs `spikeforge cosim --json -o OUT EXTRA… CONFIG NETWORK INPUT`, requires success and
/// returns the JSON report.
fn cosim_json(
    out: &std::path::Path,
    extra: &[&str],
    files: [&std::path::Path; 3],
) -> serde_json::Value {
    cosim_json_and_progress(out, extra, files).0
}

/// [`cosim_json`], with what the run wrote to standard error (its progress lines).
fn cosim_json_and_progress(
    out: &std::path::Path,
    extra: &[&str],
    files: [&std::path::Path; 3],
) -> (serde_json::Value, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(["cosim", "--json", "-o"])
        .arg(out)
        .args(extra)
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    (serde_json::from_str(&stdout).unwrap(), stderr)
}

#[test]
fn cli_reports_match_as_json_and_unsupported_networks_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let (acc, netf, inp) = cli_files(dir.path(), 2);
    let exe = env!("CARGO_BIN_EXE_spikeforge");
    let v = cosim_json(
        &dir.path().join("out"),
        &["--tick-batch", "2"],
        [&acc, &netf, &inp],
    );
    assert_eq!(v["matched"], true);
    assert_eq!(v["counters"].as_array().unwrap().len(), 25);
    assert_eq!(v["tick_batch"], 2);

    // A pooled layer runs (OR pooling in the LIF phase, docs/accelerator.md §6) and matches.
    let pooled = SHARED.replace("share_factor = 2", "share_factor = 2\npool = 2");
    let netp = write(dir.path(), "pooled.toml", &pooled);
    let v = cosim_json(&dir.path().join("out-pooled"), &[], [&acc, &netp, &inp]);
    assert_eq!(v["matched"], true);

    // A layer the hardware is not generated for: one line naming the field, no build.
    let other = SHARED.replace("classes = 4", "classes = 40");
    let neto = write(dir.path(), "other.toml", &other);
    let o = std::process::Command::new(exe)
        .arg("cosim")
        .args([&acc, &neto, &inp])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains(
            "classifier.classes = 40 but the accelerator's classifier holds at most max_classes"
        ),
        "{stderr}"
    );
}

#[test]
fn cli_profile_guided_run_matches() {
    // The simulator GCC optimised with the profile of a training run (the first cycles of this
    // same run) gives the same results and counters as the plain build.
    let dir = tempfile::tempdir().unwrap();
    let (acc, netf, inp) = cli_files(dir.path(), 5);
    let report = |extra: &[&str]| {
        cosim_json_and_progress(&dir.path().join("out"), extra, [&acc, &netf, &inp])
    };
    let (guided, progress) = report(&["--profile-guided"]);
    let (plain, _) = report(&[]);
    // Not a terminal: one line per step, each step in order (training only when the guided
    // library was not in the cache yet), the stream with its words (its requests at most one
    // line a second: this run is too short for them).
    let trained = guided["cached_build"] == false;
    let mut order = vec!["cosim: building the simulator"];
    if trained {
        order.push("cosim: training the profile-guided build");
        order.push("cosim: building the simulator again with the profile");
    }
    order.extend([
        "cosim: running the golden model",
        "cosim: programming the registers: 0 of ",
        "cosim: reading the results: ",
        "cosim: comparing with the golden model",
    ]);
    let at: Vec<Option<usize>> = order.iter().map(|l| progress.find(l)).collect();
    assert!(
        at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1]),
        "{at:?}\n{progress}"
    );
    assert_eq!(guided["matched"], true);
    assert_eq!(guided["profile_guided"], true);
    assert_eq!(plain["profile_guided"], false);
    assert_eq!(guided["counters"], plain["counters"]);
    assert_eq!(guided["run_cycles"], plain["run_cycles"]);
}

const CLASSIFIER_ONLY: &str = r#"
name = "classifier_only"
timesteps = 3
entropy_threshold = 0.0
weight_seed = 4
[input]
channels = 2
height = 2
width = 2
[classifier]
classes = 4
weight_bits = 4
"#;

#[test]
fn classifier_only_network_matches() {
    let n = net(CLASSIFIER_ONLY);
    let hw = compiled(&SMALL, &accel(false, 1), &net(LINEAR));
    let cases = [1, 2, 3]
        .into_iter()
        .map(|b| run(hw, &accel(false, b), &n, &Input::random(0.5, b as u64)))
        .collect();
    check_all(cases);
}

#[test]
fn a_differing_spike_is_located_and_gets_a_vcd() {
    use spikeforge_cosim::{compare, golden, host, write_mismatch_vcd, Mismatch, Program};
    let n = net(CONV);
    let a = accel(false, 2);
    let hw = compiled(&SMALL, &a, &n);
    let input = Input::random(0.35, 21);
    let prog = Program::compile(&n, &hw.design.hw)
        .unwrap()
        .with_tick_batch(2)
        .unwrap();
    let spikes = spikeforge_golden::encode::input_spikes(&n, &input);
    let rtl = {
        let mut sim = hw.sim.lock().unwrap_or_else(|p| p.into_inner());
        host::run(&mut sim, &prog, &spikes, &Default::default()).unwrap()
    };
    let mut gold = golden(&a, &n, &input).unwrap();
    compare(&rtl, &gold, &n).unwrap();
    // Layer 1 (4×2×2 outputs) at t = 3: toggle neuron (channel 2, y 1, x 0) = 2·4 + 2 = 10.
    let g = &mut gold.spikes.as_mut().unwrap()[1][2];
    match g.binary_search(&10) {
        Ok(i) => {
            g.remove(i);
        }
        Err(i) => g.insert(i, 10),
    }
    let m = compare(&rtl, &gold, &n).unwrap_err();
    let Mismatch::Spike {
        t,
        layer,
        channel,
        y,
        x,
        cycles,
        ..
    } = &m
    else {
        panic!("{m}");
    };
    assert_eq!((*t, *layer, *channel, *y, *x), (3, 1, 2, 1, 0), "{m}");
    let (c0, c1) = cycles.unwrap();
    assert!(rtl.start_cycle < c0 && c0 < c1 && c1 < rtl.final_cycle);
    assert!(m
        .to_string()
        .starts_with("t = 3, layer 1 (layer1), neuron (channel 2, y 1, x 0): RTL spike"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.vcd");
    let (w0, w1) = write_mismatch_vcd(
        &hw.design,
        &prog,
        &spikes,
        &m,
        &rtl,
        &path,
        1_000_000,
        &CosimOptions::default(),
    )
    .unwrap();
    assert!(w0 <= c0 && c1 < w1);
    let vcd = std::fs::read_to_string(&path).unwrap();
    assert!(vcd.contains("r_data"), "VCD without the ports");
    let times: Vec<u64> = vcd
        .lines()
        .filter_map(|l| l.strip_prefix('#')?.parse().ok())
        .collect();
    assert!(
        times.first().is_some_and(|&t| t <= 10 * c0) && times.last().is_some_and(|&t| t >= 10 * c1),
        "VCD times {:?}..{:?} do not cover cycles {c0}..{c1} (window {w0}..{w1})",
        times.first(),
        times.last()
    );
}

#[test]
fn a_missing_final_beat_is_a_timeout_naming_the_limit_and_state() {
    let n = net(CONV);
    let hw = compiled(&SMALL, &accel(false, 2), &n);
    let mut sim = hw.sim.lock().unwrap_or_else(|p| p.into_inner());
    let opts = CosimOptions {
        max_cycles: Some(300),
        ..Default::default()
    };
    let e = cosim_on(
        &hw.design,
        &mut sim,
        &accel(false, 2),
        &n,
        &Input::random(0.3, 1),
        &opts,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("cycle limit of 300 cycles"), "{e}");
    assert!(e.contains("STATUS = 0x1"), "{e}");
    assert!(e.contains("requests accepted"), "{e}");
}

const MID: &str = r#"
name = "mid"
timesteps = 6
entropy_threshold = 0.3
weight_seed = 17
[input]
channels = 3
height = 8
width = 8
[[layers]]
kind = "conv2d"
out_channels = 16
kernel = 3
padding = 1
weight_bits = 4
threshold = 6
membrane_bits = 10
leak = "shift(3)"
[[layers]]
kind = "conv2d"
out_channels = 32
kernel = 3
stride = 2
padding = 1
weight_bits = 4
threshold = 8
membrane_bits = 10
leak = "shift(3)"
[[layers]]
kind = "linear"
out_channels = 16
weight_bits = 4
threshold = 8
membrane_bits = 10
leak = "shift(3)"
[classifier]
classes = 10
weight_bits = 4
logit_frac_bits = 2
"#;

/// The default accelerator (8×16 array, 64-entry double-buffered scratchpads, B_max = 4) on a
/// three-hidden-layer network with leak, fractional logits and row-tile groups; with an early
/// exit too.
#[test]
fn default_accelerator_matches_a_three_layer_network() {
    let n = net(MID);
    let a = AcceleratorConfig::default();
    let design = Design::generate(&params_for(&a, &n)).unwrap_or_else(|e| panic!("{e}"));
    let hw = Hw {
        sim: Mutex::new(
            design
                .build(&BuildOptions::default())
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        design,
    };
    let early = net(&MID
        .replace("entropy_threshold = 0.3", "entropy_threshold = 0.95")
        .replace("name = \"mid\"", "name = \"mid_early\""));
    let mut cases = Vec::new();
    for b in [2, 4] {
        let mut a = a.clone();
        a.schedule.tick_batch = b;
        cases.push(run(&hw, &a, &n, &Input::random(0.3, 5)));
        cases.push(run(&hw, &a, &early, &Input::random(0.3, 6)));
    }
    check_all(cases);
}

/// Random small networks: shapes, strides, paddings, thresholds, T, B, densities and early
/// exits drawn from a seed, on the 4×4 accelerator and on the double-buffered C#2 one (~550
/// networks, well under a second once the two designs are built).
#[test]
fn random_networks_sweep() {
    let small = compiled(&SMALL, &accel(false, 1), &net(LINEAR));
    let db = compiled_db(&net(SHARED));
    let lif_db = "leak = \"shift(1)\"\nreset = \"soft\"\nfire_compare = \"gt\"\nshare_factor = 2\n";
    let mut cases = Vec::new();
    let mut ran = 0;
    for (hw, lif, ks, mk) in [
        (
            small,
            "",
            &[4u64, 8, 3, 5][..],
            accel as fn(bool, u32) -> AcceleratorConfig,
        ),
        (
            db,
            lif_db,
            &[8, 16][..],
            (|_, b| accel_db(b)) as fn(bool, u32) -> AcceleratorConfig,
        ),
    ] {
        let mut rng = spikeforge_config::SplitMix64::new(2026);
        let mut pick = |n: u64| rng.next_u64() % n;
        for case in 0..300 {
            let (c, h) = (1 + pick(4), 1 + pick(6));
            let t = 1 + pick(5);
            let mut text = format!(
                "name = \"r{case}\"\ntimesteps = {t}\nentropy_threshold = {}\nweight_seed = {}\n[input]\nchannels = {c}\nheight = {h}\nwidth = {h}\n",
                [0.0, 0.5, 0.9][pick(3) as usize],
                pick(1000)
            );
            let mut hh = h;
            for _ in 0..pick(3) {
                let k = ks[pick(ks.len() as u64) as usize];
                if pick(3) == 0 || hh < 2 {
                    text += &format!("[[layers]]\nkind = \"linear\"\nout_channels = {k}\n");
                    hh = 1;
                } else {
                    let kern = 1 + pick(hh.min(3));
                    let pad = pick(kern);
                    let stride = 1 + pick(2);
                    text += &format!(
                        "[[layers]]\nkind = \"conv2d\"\nout_channels = {k}\nkernel = {kern}\npadding = {pad}\nstride = {stride}\n"
                    );
                    hh = (hh + 2 * pad - kern) / stride + 1;
                }
                text += &format!(
                    "weight_bits = 4\nthreshold = {}\nmembrane_bits = 8\n{lif}",
                    2 + pick(7)
                );
            }
            text += &format!("[classifier]\nclasses = {}\nweight_bits = 4\n", 2 + pick(3));
            let Ok(n) = Network::parse(&text, Format::Toml, "r.toml") else {
                continue;
            };
            let b = 1 + pick(t.min(4)) as u32;
            let a = mk(false, b);
            let input = Input::random([0.1, 0.3, 0.6][pick(3) as usize], pick(100));
            if spikeforge_cosim::Program::compile(&n, &hw.design.hw).is_err()
                || spikeforge_cosim::golden(&a, &n, &input).is_err()
            {
                continue;
            }
            ran += 1;
            cases.push(run(hw, &a, &n, &input).map_err(|e| format!("{e}\n{text}")));
        }
    }
    eprintln!("{ran} random networks ran");
    assert!(ran > 300, "only {ran} networks ran");
    check_all(cases);
}

/// Every co-simulation build checks the stream protocol (the accelerator's assertions on
/// `req` and `r`, its assumptions on `w` and `s`): a host that withdraws a weight beat before
/// the accelerator took it stops the simulation with an error naming the assumption.
#[test]
fn a_host_breaking_the_stream_protocol_is_caught() {
    let hw = compiled(&SMALL, &accel(false, 1), &net(LINEAR));
    let mut sim = hw
        .design
        .build(&BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    sim.reset(2);
    // The accelerator is idle, so `w_ready` is low: offering a beat and withdrawing it breaks
    // "valid held until ready".
    sim.poke_u64("w_valid", 1).unwrap();
    sim.step();
    sim.poke_u64("w_valid", 0).unwrap();
    sim.step();
    let err = sim
        .check()
        .expect_err("the broken protocol stops the simulation");
    let msg = err.to_string();
    assert!(
        msg.contains("assumption `assume_w_valid_held_until_ready` failed"),
        "{msg}"
    );
}
