//! Property test of the whole accelerator (issue 5): random small accelerator configurations
//! (rows, cols, weight_bits, membrane_bits, leak, reset, fire_compare, share_factor, double
//! buffering, scratchpad depth, pipeline registers) × random small networks (linear and
//! conv2d with and without OR pooling, early exit on or off) × random inputs × several
//! schedules B, co-simulated on
//! Verilator against the golden model: spikes, logits, exit timestep, prediction and all 25
//! counters exactly equal. Every generated design is also lint-clean under `verilator -Wall`
//! and passes Yosys' structural `check -assert`.
//!
//! Each configuration is compiled once and runs every network, input and schedule drawn for
//! it. Networks are drawn within the buffers (inputs up to 3×4×4, "same" padding at most,
//! K = n·cols when n > 1), so a driver refusal is a failure too. The default is 32
//! configurations in two halves that run in parallel (one per core);
//! `SPIKEFORGE_ACCEL_CASES=N` sets the number of configurations per half. A failure prints
//! the accelerator and network descriptions (TOML), which reproduce it with
//! `spikeforge cosim`.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use spikeforge_config::{
    AcceleratorConfig, Buffer, Buffers, EntropyUnitKind, FireCompare, Format, HardwareLif, Input,
    Leak, MemoryTech, Network, Reset, RtlLimits, Schedule,
};
use spikeforge_cosim::{cosim_on, CosimOptions, Design};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_rtlsim::{tools, BuildOptions};

/// A random accelerator configuration.
#[derive(Debug, Clone)]
struct HwCase {
    rows: u32,
    cols: u32,
    weight_bits: u32,
    membrane_bits: u32,
    leak: Leak,
    reset: Reset,
    fire_compare: FireCompare,
    share_factor: u32,
    double_buffer: bool,
    spad_depth: u32,
    pipeline_regs: u32,
    entropy_unit: EntropyUnitKind,
    ram_output_regs: bool,
}

fn hw_case() -> impl Strategy<Value = HwCase> {
    (
        (
            1u32..=4,
            1u32..=4,
            prop_oneof![Just(2u32), Just(4), Just(8)],
            4u32..=12,
            0u32..3,
            1u32..=3,
            any::<bool>(),
            any::<bool>(),
            prop_oneof![Just(1u32), Just(2), Just(4)],
            any::<bool>(),
            1u32..=3,
            0u32..3,
        ),
        (0u8..3, any::<bool>()),
    )
        .prop_map(
            |(
                (
                    rows,
                    cols,
                    weight_bits,
                    membrane_bits,
                    leak_kind,
                    leak_arg,
                    soft,
                    gt,
                    share,
                    db,
                    depth,
                    preg,
                ),
                (serial, ram_output_regs),
            )| {
                let leak = match leak_kind {
                    0 => Leak::None,
                    1 => Leak::Shift(leak_arg.min(membrane_bits - 1)),
                    _ => Leak::Subtract(i64::from(leak_arg)),
                };
                HwCase {
                    rows,
                    cols,
                    weight_bits,
                    membrane_bits,
                    leak,
                    reset: if soft { Reset::Soft } else { Reset::Hard },
                    fire_compare: if gt { FireCompare::Gt } else { FireCompare::Ge },
                    share_factor: share,
                    double_buffer: db,
                    spad_depth: if db { depth + 1 } else { depth },
                    pipeline_regs: preg.min(rows - 1),
                    entropy_unit: match serial {
                        0 => EntropyUnitKind::Parallel,
                        1 => EntropyUnitKind::Serial,
                        _ => EntropyUnitKind::SerialPipelined,
                    },
                    ram_output_regs,
                }
            },
        )
}

impl HwCase {
    fn accel(&self, tick_batch: u32) -> AcceleratorConfig {
        let b = |size_bits| Buffer {
            size_bits,
            tech: MemoryTech::Sram,
        };
        let cols = u64::from(self.cols);
        AcceleratorConfig {
            rtl: RtlLimits {
                entropy_unit: self.entropy_unit,
                ram_output_regs: self.ram_output_regs,
                ..Default::default()
            },
            name: "props".into(),
            rows: self.rows,
            cols: self.cols,
            weight_spad_depth: self.spad_depth,
            psum_bits: 20,
            lif_units: self.cols,
            pipeline_regs: self.pipeline_regs,
            double_buffer: self.double_buffer,
            clock_mhz: 100.0,
            buffers: Buffers {
                weight: b(2048 * cols * u64::from(self.weight_bits)),
                input_spike: b(512 * cols),
                output_spike: b(512 * cols),
                psum: b(512 * cols * 20),
                membrane: b(256 * cols * u64::from(self.membrane_bits)),
            },
            schedule: Schedule { tick_batch },
            lif: Some(HardwareLif {
                weight_bits: self.weight_bits,
                membrane_bits: self.membrane_bits,
                leak: self.leak,
                reset: self.reset,
                fire_compare: self.fire_compare,
                share_factor: self.share_factor,
            }),
        }
    }

    fn params(&self) -> AccelParams {
        let mut p = AccelParams::from_accel(&self.accel(4));
        p.name = format!(
            "props_r{}c{}w{}m{}n{}{}d{}p{}{}",
            self.rows,
            self.cols,
            self.weight_bits,
            self.membrane_bits,
            self.share_factor,
            if self.double_buffer { "db" } else { "" },
            self.spad_depth,
            self.pipeline_regs,
            match self.entropy_unit {
                EntropyUnitKind::Parallel => "",
                EntropyUnitKind::Serial => "s",
                EntropyUnitKind::SerialPipelined => "sp",
            }
        );
        p.max_stages = 3;
        p.max_classes = 4;
        p.logit_bits = 20;
        p.max_tick_batch = 4;
        p
    }
}

/// A random network for `hw` as TOML text (the form a failure is reported in).
fn network_toml(hw: &HwCase, seed: u64) -> String {
    let mut r = spikeforge_config::SplitMix64::new(seed);
    let mut pick = |lo: u64, hi: u64| lo + r.next_u64() % (hi - lo + 1);
    let t = pick(2, 4);
    let spatial = pick(0, 1) == 1;
    let (c, h) = if spatial {
        (pick(1, 3), pick(2, 4))
    } else {
        (pick(1, 6), 1)
    };
    let theta_h = if pick(0, 1) == 1 {
        0.0
    } else {
        0.3 + 0.1 * pick(0, 5) as f64
    };
    let leak = match hw.leak {
        Leak::None => "none".to_string(),
        l => l.to_string(),
    };
    let reset = format!("{:?}", hw.reset).to_lowercase();
    let compare = format!("{:?}", hw.fire_compare).to_lowercase();
    let v_max = (1i64 << (hw.membrane_bits - 1)) - 1;
    let mut text = format!(
        "name = \"props_{seed}\"\ntimesteps = {t}\nentropy_threshold = {theta_h}\nweight_seed = {}\n[input]\nchannels = {c}\nheight = {h}\nwidth = {h}\n",
        seed % 1000
    );
    let layers = pick(1, 2);
    let mut size = h;
    for _ in 0..layers {
        let n = u64::from(hw.share_factor);
        let k = if n > 1 {
            n * u64::from(hw.cols)
        } else {
            pick(1, 6)
        };
        let threshold = pick(1, (v_max as u64 / 3).max(1));
        let conv = size >= 2 && pick(0, 2) > 0;
        if conv {
            let kernel = pick(1, size.min(3));
            // "same" padding at most, so no layer grows: P ≤ 16 keeps every buffer in range.
            let pad = pick(0, 1).min((kernel - 1) / 2);
            let stride = pick(1, 2);
            let out = (size + 2 * pad - kernel) / stride + 1;
            // OR pooling in half the layers that can pool (windows of 2 or 3; E mod k dropped).
            let pool = if out >= 2 && pick(0, 1) == 1 {
                pick(2, out.min(3))
            } else {
                1
            };
            text += &format!(
                "[[layers]]\nkind = \"conv2d\"\nout_channels = {k}\nkernel = {kernel}\nstride = {stride}\npadding = {pad}\npool = {pool}\n"
            );
            size = out / pool;
        } else {
            text += &format!("[[layers]]\nkind = \"linear\"\nout_channels = {k}\n");
            size = 1;
        }
        text += &format!(
            "weight_bits = {}\nthreshold = {threshold}\nleak = \"{leak}\"\nreset = \"{reset}\"\nfire_compare = \"{compare}\"\nmembrane_bits = {}\nshare_factor = {n}\n",
            hw.weight_bits, hw.membrane_bits
        );
    }
    text += &format!(
        "[classifier]\nclasses = {}\nweight_bits = {}\n",
        pick(2, 4),
        hw.weight_bits
    );
    text
}

/// Generates, lints, checks and compiles one configuration, then co-simulates networks ×
/// inputs × schedules on it.
fn check_hw(hw: &HwCase, seed: u64) -> Result<(), TestCaseError> {
    let params = hw.params();
    let design =
        Design::generate(&params).map_err(|e| TestCaseError::fail(format!("{hw:?}: {e}")))?;
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let files = tools::write_sources(dir.path(), &design.sources.files)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let lint = tools::verilator_lint(&files, &design.sources.top)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(lint.is_clean(), "{hw:?}: {lint}");
    tools::yosys_check_coarse(&files, &design.sources.top)
        .map_err(|e| TestCaseError::fail(format!("{hw:?}: {e}")))?;
    let mut sim = design
        .build(&BuildOptions {
            opt_level: 0,
            ..BuildOptions::default()
        })
        .map_err(|e| TestCaseError::fail(format!("{hw:?}: {e}")))?;
    let opts = CosimOptions {
        out_dir: Some(std::env::temp_dir().join("spikeforge-accel-props")),
        ..Default::default()
    };
    for k in 0..3u64 {
        let text = network_toml(hw, seed.wrapping_mul(31).wrapping_add(k));
        let net = Network::parse(&text, Format::Toml, "net.toml")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for (j, b) in [1, net.timesteps.min(4), 2.min(net.timesteps)]
            .into_iter()
            .enumerate()
        {
            let accel = hw.accel(b);
            let input = Input::random(0.2 + 0.15 * j as f64, seed ^ (k << 8) ^ j as u64);
            let report = cosim_on(&design, &mut sim, &accel, &net, &input, &opts)
                .map_err(|e| TestCaseError::fail(format!("{hw:?} B={b}: {e}\n{text}")))?;
            prop_assert!(
                report.matched,
                "{hw:?} B={b} input {input:?}: {}\nnetwork:\n{text}",
                report.mismatch.map(|m| m.to_string()).unwrap_or_default()
            );
        }
    }
    Ok(())
}

fn run_half(half: u64) {
    let cases = std::env::var("SPIKEFORGE_ACCEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 8,
        ..Config::default()
    });
    let result = runner.run(&(hw_case(), any::<u64>()), |(hw, seed)| {
        check_hw(&hw, seed ^ half)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn random_accelerators_agree_with_the_golden_model_a() {
    run_half(0);
}

#[test]
fn random_accelerators_agree_with_the_golden_model_b() {
    run_half(0x5eed);
}
