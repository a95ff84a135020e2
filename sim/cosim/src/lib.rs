//! Co-simulation of the generated accelerator against the golden model (`spikeforge cosim`).
//!
//! One idea per module:
//! - [`regmap`]: the register map of docs/accelerator.md §8–9;
//! - [`program`]: the driver's compiler — checks that a network runs on the accelerator,
//!   computes every register value, lays out weight and input-spike words;
//! - [`driver`]: the host and external memory — programs the design, serves its weight and
//!   input-spike requests, collects the result stream and the counters — over a [`Transport`];
//! - [`host`]: the transport at the accelerator top's ports in Verilator (cfg bus, streams);
//! - [`link`], [`board`], [`serial`]: the transport over the host bridge's byte protocol
//!   (docs/host-link.md) — to the board core in Verilator with its UART bits, or to a real
//!   board on a serial port;
//! - [`run`]: one inference on a simulated or real board (`spikeforge run`);
//! - [`compare`]: RTL against golden model (spikes, logits, exit, prediction, counters);
//! - this file: [`cosim`] — generate, build (cached), run both, compare, and on a mismatch
//!   rerun with tracing and write a VCD around the first difference.
//!
//! See `docs/cosim.md`.

#![warn(missing_docs)]

pub mod board;
pub mod compare;
pub mod driver;
pub mod error;
pub mod host;
pub mod link;
pub mod program;
pub mod regmap;
pub mod run;
pub mod serial;

pub use compare::{compare, Mismatch};
pub use driver::{drive, drive_with_progress, Progress, Transport};
pub use error::CosimError;
pub use host::{Counters, HostOptions, RtlOutcome};
pub use program::{Program, StageProgram};

use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, HardwareLif, Input, Network};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_golden::resources::{self, Budget, RunFootprint};
use spikeforge_golden::{encode, GoldenModel, Outcome, RunOptions};
use spikeforge_rtlsim::{build, build_profiled, BuildOptions, DesignSources, Simulator};
use std::path::PathBuf;

/// Options of [`cosim`].
#[derive(Debug, Clone)]
pub struct CosimOptions {
    /// Folder for the mismatch VCD (created when needed); `None`: no VCD rerun.
    pub out_dir: Option<PathBuf>,
    /// Cycle limit after the start pulse; `None`: `10·(golden cycles + streamed words) + 100000`.
    pub max_cycles: Option<u64>,
    /// Longest VCD window (cycles).
    pub vcd_cycles: u64,
    /// Build options (cache folder, optimisation level); `trace` is set by the driver.
    pub build: BuildOptions,
    /// Memory and work budget: a co-simulation whose [`footprint`] exceeds it is refused
    /// before the program is compiled or any RTL is generated (default [`Budget::default`]).
    pub budget: Budget,
    /// Build the simulator profile-guided ([`Design::build_profiled`]): the first build of a
    /// design compiles it twice and trains it on the first [`PROFILE_TRAINING_CYCLES`] of this
    /// run; the cached library then simulates ~1.25× faster (docs/cosim.md). Default `false`.
    pub profile_guided: bool,
    /// Hears where the co-simulation is: building the simulator, training it, running the
    /// golden model, the host's requests while the stream goes out (as [`drive_with_progress`]
    /// tells them), comparing. `None` (the default): nobody listens.
    pub progress: Option<ProgressHook>,
}

/// A listener of a co-simulation's [`Progress`] ([`CosimOptions::progress`]); the steps before
/// and after the stream come with only `doing` set.
#[derive(Clone)]
pub struct ProgressHook(pub std::sync::Arc<dyn Fn(&Progress) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

impl ProgressHook {
    /// Tells the listener that the co-simulation is now `doing` this.
    fn step(&self, doing: &str) {
        (self.0)(&Progress {
            doing: doing.into(),
            ..Default::default()
        });
    }
}

/// Tells `opts`'s listener, if any, what the co-simulation is doing now.
fn step(opts: &CosimOptions, doing: &str) {
    if let Some(h) = &opts.progress {
        h.step(doing);
    }
}

/// Simulated cycles of the training run of a profile-guided build (at most; a shorter
/// co-simulation trains on all of its cycles).
pub const PROFILE_TRAINING_CYCLES: u64 = 1_000_000;

impl Default for CosimOptions {
    fn default() -> Self {
        CosimOptions {
            out_dir: None,
            max_cycles: None,
            vcd_cycles: 20_000,
            build: BuildOptions::default(),
            budget: Budget::default(),
            profile_guided: false,
            progress: None,
        }
    }
}

/// One counter of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterRow {
    /// Index (docs/accelerator.md §9).
    pub index: usize,
    /// Name.
    pub name: &'static str,
    /// RTL value.
    pub rtl: u64,
    /// Golden value.
    pub golden: u64,
    /// Golden field.
    pub golden_field: &'static str,
}

/// The result of a co-simulation.
#[derive(Debug, Clone, Serialize)]
pub struct CosimReport {
    /// Network name.
    pub network: String,
    /// Accelerator design name.
    pub accelerator: String,
    /// T.
    pub timesteps: u32,
    /// Window length B.
    pub tick_batch: u32,
    /// Whether everything compared equal.
    pub matched: bool,
    /// The first difference.
    pub mismatch: Option<Mismatch>,
    /// Golden exit timestep.
    pub exit_t: u32,
    /// Golden prediction.
    pub prediction: u32,
    /// RTL exit timestep (final beat).
    pub rtl_exit_t: u32,
    /// RTL prediction (final beat).
    pub rtl_prediction: u32,
    /// Simulated cycles from the start pulse to the final beat (includes stream transfers).
    pub run_cycles: u64,
    /// The golden model's cycle count (counter 0).
    pub golden_cycles: u64,
    /// Every counter, RTL beside golden.
    pub counters: Vec<CounterRow>,
    /// Whether the simulator library came from the cache.
    pub cached_build: bool,
    /// Whether the simulator library is a profile-guided build ([`Design::build_profiled`]).
    pub profile_guided: bool,
    /// Seconds spent generating and building (or loading) the simulator.
    pub build_s: f64,
    /// Seconds spent simulating.
    pub sim_s: f64,
    /// VCD written around the first mismatch.
    pub vcd: Option<PathBuf>,
    /// Its cycle window (cycles from the beginning of the run = the VCD's cycle numbers).
    pub vcd_window: (u64, u64),
}

/// The hardware generation parameters for `net` on `accel`: [`AccelParams::from_config`]
/// with the LIF options (`weight_bits`, `membrane_bits`, `leak`, `reset`, `fire_compare`,
/// `share_factor`) of the configuration's `lif` section when it has one, else those of the
/// network's first hidden layer (so any network whose layers agree runs without writing them
/// twice). Without hidden layers: the classifier's `weight_bits` and
/// [`HardwareLif::default`]'s other options.
pub fn params_for(accel: &AcceleratorConfig, net: &Network) -> AccelParams {
    let lif = match (accel.lif, net.layers.first()) {
        (Some(l), _) => l,
        (None, Some(l)) => HardwareLif {
            weight_bits: l.weight_bits,
            membrane_bits: l.membrane_bits,
            leak: l.leak,
            reset: l.reset,
            fire_compare: l.fire_compare,
            share_factor: l.share_factor,
        },
        (None, None) => HardwareLif {
            weight_bits: net.classifier.weight_bits,
            ..HardwareLif::default()
        },
    };
    AccelParams::from_config(
        accel,
        lif.weight_bits,
        lif.membrane_bits,
        lif.leak,
        lif.reset,
        lif.fire_compare,
        lif.share_factor,
    )
}

/// Checks that the accelerator configuration (used by the golden model's counts) describes
/// the generated hardware: same array, scratchpads, widths, `lif_units = cols` (§1),
/// `tick_batch ≤ max_tick_batch`, and `cols ≤ 32` (a spike-trace word travels in the 32-bit
/// `r_data`) — [`check_hardware`] — and that the hardware has its performance counters
/// (co-simulation checks them).
pub fn check_config(accel: &AcceleratorConfig, hw: &AccelParams) -> Result<(), CosimError> {
    if !hw.counters {
        return Err(CosimError::Config {
            field: "rtl.counters".into(),
            value: "false".into(),
            reason: "co-simulation checks the performance counters against the golden model; \
                     generate the hardware with them to co-simulate it"
                .into(),
        });
    }
    check_hardware(accel, hw)
}

/// [`check_config`] without the counters: what a run on a board needs (a board built without
/// its performance counters runs; they are not read).
pub fn check_hardware(accel: &AcceleratorConfig, hw: &AccelParams) -> Result<(), CosimError> {
    let diff = |field: &str, value: String, hw_value: String| CosimError::Config {
        field: field.into(),
        value,
        reason: format!("the generated hardware has {field} = {hw_value}"),
    };
    for (f, a, h) in [
        ("rows", accel.rows, hw.rows),
        ("cols", accel.cols, hw.cols),
        (
            "weight_spad_depth",
            accel.weight_spad_depth,
            hw.weight_spad_depth,
        ),
        ("psum_bits", accel.psum_bits, hw.psum_bits),
        ("pipeline_regs", accel.pipeline_regs, hw.pipeline_regs),
    ] {
        if a != h {
            return Err(diff(f, a.to_string(), h.to_string()));
        }
    }
    if accel.double_buffer != hw.double_buffer {
        return Err(diff(
            "double_buffer",
            accel.double_buffer.to_string(),
            hw.double_buffer.to_string(),
        ));
    }
    if hw.cols > 32 {
        return Err(CosimError::Config {
            field: "cols".into(),
            value: hw.cols.to_string(),
            reason: "the driver reads spike-trace words of cols lanes from the 32-bit r_data (cols ≤ 32)".into(),
        });
    }
    if accel.lif_units != hw.cols {
        return Err(CosimError::Config {
            field: "lif_units".into(),
            value: accel.lif_units.to_string(),
            reason: format!(
                "the accelerator has one LIF datapath per array column (lif_units = cols = {})",
                hw.cols
            ),
        });
    }
    if accel.schedule.tick_batch > hw.max_tick_batch {
        return Err(CosimError::Config {
            field: "schedule.tick_batch".into(),
            value: accel.schedule.tick_batch.to_string(),
            reason: format!(
                "the generated hardware's spike buffers hold B_max = {} timesteps",
                hw.max_tick_batch
            ),
        });
    }
    Ok(())
}

/// The generated accelerator's Verilog, ready for the bridge.
#[derive(Debug, Clone)]
pub struct Design {
    /// Generation parameters.
    pub hw: AccelParams,
    /// Verilog files, top and ports.
    pub sources: DesignSources,
}

impl Design {
    /// Generates the accelerator RTL for `hw` (elaborate + emit Verilog).
    pub fn generate(hw: &AccelParams) -> Result<Design, CosimError> {
        let top = spikeforge_generators::accel::top::accelerator(hw);
        let design =
            spikeforge_dsl::elaborate(&top).map_err(|e| CosimError::Elaborate(e.to_string()))?;
        let v = spikeforge_dsl::emit_verilog(&design);
        let sources = DesignSources::from_texts(&v.top, v.module_files());
        Ok(Design {
            hw: hw.clone(),
            sources,
        })
    }

    /// Builds (or loads from the cache) a simulator of the design, always with its assertions
    /// compiled in (`BuildOptions::assertions`): every co-simulation also checks the stream
    /// protocol the accelerator promises and the one it assumes of the host (the driver).
    pub fn build(&self, opts: &BuildOptions) -> Result<Simulator, CosimError> {
        Ok(build(&self.sources, &Self::with_assertions(opts))?)
    }

    /// [`Design::build`], profile-guided (`spikeforge_rtlsim::build_profiled`): on a cache
    /// miss, `train` drives an instrumented build first (a co-simulation that exercises the
    /// design as later runs will; its outcome is ignored), and GCC compiles the design again
    /// with the recorded profile. Same results, cycle for cycle, as [`Design::build`]; faster.
    pub fn build_profiled(
        &self,
        opts: &BuildOptions,
        train: impl FnOnce(&mut Simulator),
    ) -> Result<Simulator, CosimError> {
        Ok(build_profiled(
            &self.sources,
            &Self::with_assertions(opts),
            |sim| {
                train(sim);
                Ok(())
            },
        )?)
    }

    fn with_assertions(opts: &BuildOptions) -> BuildOptions {
        BuildOptions {
            assertions: true,
            ..opts.clone()
        }
    }
}

/// Trains a profile-guided build on `net` and `input`: the first [`PROFILE_TRAINING_CYCLES`]
/// of their co-simulation, with no VCD; the outcome (a cycle-limit error when the run is
/// longer) is ignored — the training only measures which code runs how often.
pub fn train_on(
    design: &Design,
    sim: &mut Simulator,
    accel_cfg: &AcceleratorConfig,
    net: &Network,
    input: &Input,
    opts: &CosimOptions,
) {
    let training = CosimOptions {
        out_dir: None,
        progress: None,
        max_cycles: Some(
            opts.max_cycles
                .unwrap_or(PROFILE_TRAINING_CYCLES)
                .min(PROFILE_TRAINING_CYCLES),
        ),
        ..opts.clone()
    };
    let _ = cosim_on(design, sim, accel_cfg, net, input, &training);
}

/// Runs the golden model on `net` and `input` with tracing on (default budget).
pub fn golden(
    accel: &AcceleratorConfig,
    net: &Network,
    input: &Input,
) -> Result<Outcome, CosimError> {
    golden_within(accel, net, input, &Budget::default())
}

/// [`golden`] within `budget`.
pub fn golden_within(
    accel: &AcceleratorConfig,
    net: &Network,
    input: &Input,
    budget: &Budget,
) -> Result<Outcome, CosimError> {
    Ok(GoldenModel::run_with(
        net,
        input,
        accel,
        &RunOptions {
            trace: true,
            table: None,
            budget: *budget,
        },
    )?)
}

/// Bytes Verilator stores a `bits`-wide memory word in (C types of 1, 2, 4 or 8 bytes, wider
/// words as 32-bit limbs).
fn verilated_word_bytes(bits: u64) -> u64 {
    match bits {
        0..=8 => 1,
        9..=16 => 2,
        17..=32 => 4,
        33..=64 => 8,
        _ => 4 * bits.div_ceil(32),
    }
}

/// Bytes of one `BigUint` word of `bits` bits in the driver (the value and its heap limbs,
/// with the allocator's minimum chunk).
fn word_bytes(bits: u64) -> u64 {
    24 + (16 + 8 * bits.div_ceil(64)).max(32)
}

/// The memory and work of co-simulating `net` on `hw` (bytes and operations, upper bounds):
/// the golden model's run with the spike trace ([`resources::run_footprint`]) plus the
/// driver's own data — the input spikes of every timestep (`T·(24 + 4·C·H·W)`, held for the
/// replay of a mismatch), the program's weight words (`Σ n_ct·n_rt·rows` words of
/// `cols·weight_bits` bits), one window's input words (`B·C·H·W` flags and
/// `⌈C/cols⌉·H·W·B` words) — and the simulated buffers (`depth × word` in Verilator's
/// storage, two spike buffers, twice for the traced rerun of a mismatch).
pub fn footprint(accel: &AcceleratorConfig, hw: &AccelParams, net: &Network) -> RunFootprint {
    let mut f = resources::run_footprint(net, accel, true);
    let t = net.timesteps as u64;
    let b = (accel.schedule.tick_batch as u64).clamp(1, t.max(1));
    let (c, h, w) = (
        net.input.channels as u64,
        net.input.height as u64,
        net.input.width as u64,
    );
    let cols = hw.cols.max(1) as u64;
    f.add_memory("host input spikes", t.saturating_mul(24 + 4 * c * h * w));
    let weight_words: u64 = net
        .shapes()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let wb = net
                .layers
                .get(i)
                .map_or(net.classifier.weight_bits, |l| l.weight_bits) as u64;
            let words = (s.out_channels as u64).div_ceil(cols)
                * s.fan_in().div_ceil(hw.rows.max(1) as u64)
                * hw.rows as u64;
            words.saturating_mul(word_bytes(cols * wb))
        })
        .fold(0, u64::saturating_add);
    f.add_memory("program weight words", weight_words);
    f.add_memory(
        "input words of a window",
        b * c * h * w + c.div_ceil(cols) * h * w * b * word_bytes(cols),
    );
    let buffers = hw
        .weight_words
        .saturating_mul(verilated_word_bytes(cols * hw.weight_bits as u64))
        .saturating_add(2 * hw.spike_words.saturating_mul(verilated_word_bytes(cols)))
        .saturating_add(
            hw.psum_words
                .saturating_mul(verilated_word_bytes(cols * hw.psum_bits as u64)),
        )
        .saturating_add(
            hw.membrane_words
                .saturating_mul(verilated_word_bytes(cols * hw.membrane_bits as u64)),
        );
    f.add_memory("simulated buffers", buffers.saturating_mul(2));
    f
}

/// Refuses a co-simulation whose [`footprint`] exceeds `budget` (one sentence naming the
/// figure and the limit).
pub fn check_budget(
    accel: &AcceleratorConfig,
    hw: &AccelParams,
    net: &Network,
    budget: &Budget,
) -> Result<(), CosimError> {
    footprint(accel, hw, net)
        .check(budget)
        .map_err(CosimError::OverBudget)
}

/// Generates the RTL for `hw`, builds it (cached), runs `net` on `input` on it and on the
/// golden model (with `accel_cfg`'s schedule and counts), and compares. On a mismatch, with
/// `opts.out_dir` set, rebuilds with tracing, reruns and writes a VCD window around the first
/// mismatch; the error names it.
pub fn cosim(
    accel_cfg: &AcceleratorConfig,
    hw: &AccelParams,
    net: &Network,
    input: &Input,
    opts: &CosimOptions,
) -> Result<CosimReport, CosimError> {
    // The cheap checks first: no RTL is generated for a network that cannot run.
    check_config(accel_cfg, hw)?;
    check_budget(accel_cfg, hw, net, &opts.budget)?;
    Program::compile(net, hw)?.with_tick_batch(accel_cfg.schedule.tick_batch)?;
    let t0 = std::time::Instant::now();
    let design = Design::generate(hw)?;
    let build_opts = BuildOptions {
        trace: false,
        ..opts.build.clone()
    };
    step(
        opts,
        "building the simulator (Verilator and the C++ compiler; cached after the first build)",
    );
    let mut sim = if opts.profile_guided {
        design.build_profiled(&build_opts, |sim| {
            step(
                opts,
                "training the profile-guided build (its first million cycles)",
            );
            train_on(&design, sim, accel_cfg, net, input, opts);
            step(opts, "building the simulator again with the profile");
        })?
    } else {
        design.build(&build_opts)?
    };
    let build_s = t0.elapsed().as_secs_f64();
    let mut report = cosim_on(&design, &mut sim, accel_cfg, net, input, opts)?;
    report.build_s = build_s;
    if report.matched {
        Ok(report)
    } else {
        Err(CosimError::Mismatch {
            report: Box::new(report),
        })
    }
}

/// [`cosim`] on an already built simulator of `design` (reuse one compiled design for many
/// networks and inputs). Returns the report whether or not it matched (`matched`,
/// `mismatch`); on a mismatch with `opts.out_dir` set the VCD is written as in [`cosim`].
pub fn cosim_on(
    design: &Design,
    sim: &mut Simulator,
    accel_cfg: &AcceleratorConfig,
    net: &Network,
    input: &Input,
    opts: &CosimOptions,
) -> Result<CosimReport, CosimError> {
    let hw = &design.hw;
    check_config(accel_cfg, hw)?;
    check_budget(accel_cfg, hw, net, &opts.budget)?;
    let prog = Program::compile(net, hw)?.with_tick_batch(accel_cfg.schedule.tick_batch)?;
    step(opts, "running the golden model");
    let gold = golden_within(accel_cfg, net, input, &opts.budget)?;
    let spikes = encode::input_spikes(net, input);
    let max_cycles = opts
        .max_cycles
        .unwrap_or_else(|| default_cycle_limit(&prog, &gold));
    let host_opts = HostOptions {
        max_cycles,
        ..Default::default()
    };
    let t_sim = std::time::Instant::now();
    let rtl = match &opts.progress {
        Some(h) => host::run_with_progress(sim, &prog, &spikes, &host_opts, &mut |p| (h.0)(p))?,
        None => host::run(sim, &prog, &spikes, &host_opts)?,
    };
    let sim_s = t_sim.elapsed().as_secs_f64();
    step(opts, "comparing with the golden model");
    let result = compare::compare(&rtl, &gold, net);
    let g = compare::golden_counters(&gold.counts, net.layers.len());
    let mut report = CosimReport {
        network: net.name.clone(),
        accelerator: hw.name.clone(),
        timesteps: net.timesteps,
        tick_batch: prog.tick_batch,
        matched: result.is_ok(),
        mismatch: result.err(),
        exit_t: gold.exit_t,
        prediction: gold.prediction,
        rtl_exit_t: rtl.exit_t,
        rtl_prediction: rtl.prediction,
        run_cycles: rtl.cycles,
        golden_cycles: gold.counts.cycles,
        counters: (0..regmap::NUM_COUNTERS)
            .map(|i| CounterRow {
                index: i,
                name: regmap::COUNTER_NAMES[i],
                rtl: rtl.counters.values[i],
                golden: g[i],
                golden_field: compare::GOLDEN_SOURCES[i],
            })
            .collect(),
        cached_build: sim.cached(),
        profile_guided: sim.build_info().profile_guided,
        build_s: 0.0,
        sim_s,
        vcd: None,
        vcd_window: (0, 0),
    };
    if let (Some(m), Some(dir)) = (&report.mismatch, &opts.out_dir) {
        let name = if net.name.is_empty() {
            "network"
        } else {
            &net.name
        };
        let path = dir.join(format!("cosim-{name}-mismatch.vcd"));
        let window = write_mismatch_vcd(design, &prog, &spikes, m, &rtl, &path, max_cycles, opts)?;
        report.vcd = Some(path);
        report.vcd_window = window;
    }
    Ok(report)
}

/// Rebuilds `design` with tracing, reruns the same stimulus (the host is deterministic and
/// counts cycles from the beginning of its run, so cycle numbers repeat) and writes a VCD of
/// the cycles around `mismatch` to `path` (its folder is created; written under a temporary
/// name and renamed when complete): the stage-window that produced a differing spike or logit (±16
/// cycles), else the whole run from the start pulse to the final beat + 8; at most
/// `opts.vcd_cycles` cycles, keeping the end. Returns the window.
#[allow(clippy::too_many_arguments)]
pub fn write_mismatch_vcd(
    design: &Design,
    prog: &Program,
    spikes: &[Vec<u32>],
    mismatch: &Mismatch,
    rtl: &RtlOutcome,
    path: &std::path::Path,
    max_cycles: u64,
    opts: &CosimOptions,
) -> Result<(u64, u64), CosimError> {
    let (a, b) = match mismatch.cycles() {
        Some((a, b)) => (a.saturating_sub(16), b + 16),
        None => (rtl.start_cycle, rtl.final_cycle + 8),
    };
    let a = a.max(b.saturating_sub(opts.vcd_cycles.max(1)));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CosimError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
    }
    let mut traced = design.build(&BuildOptions {
        trace: true,
        ..opts.build.clone()
    })?;
    // The VCD is written under a temporary name and renamed once closed, so an interrupted
    // or failed rerun never leaves a truncated file under `path`.
    let partial = path.with_extension("vcd.partial");
    let rerun = HostOptions {
        max_cycles,
        vcd: Some((partial.clone(), a..b)),
        ..Default::default()
    };
    if let Err(e) = host::run(&mut traced, prog, spikes, &rerun) {
        traced.trace_close();
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    traced.run(8);
    traced.trace_close();
    std::fs::rename(&partial, path).map_err(|e| CosimError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok((a, b))
}

/// The default cycle limit: `10·(golden cycles + words streamed in and out) + 100000`.
pub fn default_cycle_limit(prog: &Program, gold: &Outcome) -> u64 {
    // Weights and input spikes (`driver::planned_words`), then the traced output words.
    let streamed_in = driver::planned_words(prog);
    let traces: u64 = prog
        .stages
        .iter()
        .map(|s| s.output_words_per_t() * prog.timesteps as u64)
        .sum();
    10 * (gold.counts.cycles + streamed_in + traces) + 100_000
}
