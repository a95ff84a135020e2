//! `spikeforge run`: one inference on a board — the board core simulated in Verilator with its
//! UART bits ([`Target::Sim`]) or a real board on a serial port ([`Target::Serial`]) — through
//! the one driver ([`crate::driver::drive`]); on the simulated board, the result is compared
//! with the golden model.

use crate::board::sim_board_transport;
use crate::compare::{self, Mismatch};
use crate::driver::{drive_with_progress, Progress};
use crate::error::CosimError;
use crate::host::Counters;
use crate::program::Program;
use crate::serial::serial_transport;
use crate::{check_budget, check_hardware, default_cycle_limit, golden_within, regmap, CounterRow};
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_golden::encode;
use spikeforge_golden::resources::Budget;
use spikeforge_rtlsim::BuildOptions;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where the inference runs.
#[derive(Debug, Clone)]
pub enum Target {
    /// The board core in Verilator, the UART bits encoded and decoded in Rust.
    Sim {
        /// Board clock cycles per UART bit (≥ 4; the byte protocol does not depend on it).
        clocks_per_bit: u32,
        /// How long a read or the next board message may take, in board clock cycles after
        /// the host's last bit; `None`: `10·(golden cycles + streamed words) + 100000`.
        max_cycles: Option<u64>,
        /// Build options of the simulator (cache folder, optimisation level).
        build: BuildOptions,
    },
    /// A board on a serial port, built by `spikeforge fpga` for the same configuration.
    Serial {
        /// The device (`/dev/ttyUSB0`).
        port: PathBuf,
        /// The link's rate (bits/s), the `--baud` the board was built for.
        baud: u32,
        /// How long a read or the next board message may take.
        timeout: Duration,
    },
}

/// The golden model beside the board's result (simulated board only).
#[derive(Debug, Clone, Serialize)]
pub struct GoldenCheck {
    /// Whether spikes, logits, exit, prediction and every counter (when the hardware has them)
    /// agree.
    pub matched: bool,
    /// The first difference.
    pub mismatch: Option<Mismatch>,
    /// Golden prediction.
    pub prediction: u32,
    /// Golden exit timestep (1-based).
    pub exit_t: u32,
    /// Every counter, board beside golden (empty when the hardware has no counters).
    pub counters: Vec<CounterRow>,
}

/// The result of one inference on a board.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Network name.
    pub network: String,
    /// Accelerator design name.
    pub accelerator: String,
    /// The transport, in words.
    pub transport: String,
    /// Predicted class (final result beat).
    pub prediction: u32,
    /// Exit timestep, 1-based (final result beat).
    pub exit_t: u32,
    /// Logits per classified timestep (t = 1..=exit_t), in units of 2^-frac_bits.
    pub logits: Vec<Vec<i64>>,
    /// The 25 counters read after the run, by name; `None` when the hardware was generated
    /// without them (`[rtl] counters = false`).
    pub counters: Option<Counters>,
    /// STATUS after the run (bit 0 busy, bit 1 done).
    pub status: u32,
    /// EXIT_T register after the run.
    pub reg_exit_t: u32,
    /// PREDICTION register after the run.
    pub reg_prediction: u32,
    /// Weight and input-spike words sent.
    pub words_streamed: u64,
    /// Board clock cycles simulated, UART included (simulated board only).
    pub board_cycles: Option<u64>,
    /// Seconds from the first command to the last answer.
    pub seconds: f64,
    /// The golden model's result and the comparison (simulated board only).
    pub golden: Option<GoldenCheck>,
}

/// Runs `net` on `input` on the board `target` whose accelerator is `hw` (generated from
/// `accel`): checks the configuration and the budget, compiles the program, drives the board
/// and, on the simulated board, compares with the golden model (the report says whether they
/// agree; it is not an error here).
pub fn run(
    accel: &AcceleratorConfig,
    hw: &AccelParams,
    net: &Network,
    input: &Input,
    target: &Target,
    budget: &Budget,
) -> Result<RunReport, CosimError> {
    run_with_progress(accel, hw, net, input, target, budget, &mut |_| {})
}

/// [`run`], telling `progress` where it is: the golden model and the simulator's build (on
/// the simulated board; no words sent yet), then the driver's progress
/// ([`drive_with_progress`]: each request, the words and bytes sent, reading the results).
pub fn run_with_progress(
    accel: &AcceleratorConfig,
    hw: &AccelParams,
    net: &Network,
    input: &Input,
    target: &Target,
    budget: &Budget,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RunReport, CosimError> {
    check_hardware(accel, hw)?;
    check_budget(accel, hw, net, budget)?;
    let prog = Program::compile(net, hw)?.with_tick_batch(accel.schedule.tick_batch)?;
    let spikes = encode::input_spikes(net, input);
    let (rtl, transport, board_cycles, seconds, gold) = match target {
        Target::Sim {
            clocks_per_bit,
            max_cycles,
            build,
        } => {
            let before = |doing: &str| Progress {
                doing: doing.into(),
                words_planned: crate::driver::planned_words(&prog),
                ..Default::default()
            };
            progress(&before("golden model"));
            let gold = golden_within(accel, net, input, budget)?;
            let limit = max_cycles.unwrap_or_else(|| default_cycle_limit(&prog, &gold));
            progress(&before("building the simulated board (Verilator)"));
            let mut t = sim_board_transport(hw, *clocks_per_bit, limit, build)?;
            let t0 = Instant::now();
            let rtl = drive_with_progress(&mut t, &prog, &spikes, progress)?;
            let s = t0.elapsed().as_secs_f64();
            let name = format!(
                "simulated board ({}_board_core in Verilator, {clocks_per_bit} clock cycles per UART bit)",
                hw.name
            );
            (rtl, name, Some(t.link().cycles()), s, Some(gold))
        }
        Target::Serial {
            port,
            baud,
            timeout,
        } => {
            let mut t = serial_transport(port, *baud, *timeout, hw.cols, hw.weight_bits)?;
            let t0 = Instant::now();
            let rtl = drive_with_progress(&mut t, &prog, &spikes, progress)?;
            let s = t0.elapsed().as_secs_f64();
            (
                rtl,
                format!("serial port {} at {baud} baud", port.display()),
                None,
                s,
                None,
            )
        }
    };
    let golden = gold.map(|gold| {
        let mut result = compare::compare(&rtl, &gold, net);
        // Counters are compared last: without them in the hardware, a counter difference is
        // the only one left and means nothing.
        if !hw.counters && matches!(result, Err(Mismatch::Counter { .. })) {
            result = Ok(());
        }
        let g = compare::golden_counters(&gold.counts, net.layers.len());
        let rows = if hw.counters {
            (0..regmap::NUM_COUNTERS)
                .map(|i| CounterRow {
                    index: i,
                    name: regmap::COUNTER_NAMES[i],
                    rtl: rtl.counters.values[i],
                    golden: g[i],
                    golden_field: compare::GOLDEN_SOURCES[i],
                })
                .collect()
        } else {
            Vec::new()
        };
        GoldenCheck {
            matched: result.is_ok(),
            mismatch: result.err(),
            prediction: gold.prediction,
            exit_t: gold.exit_t,
            counters: rows,
        }
    });
    Ok(RunReport {
        network: net.name.clone(),
        accelerator: hw.name.clone(),
        transport,
        prediction: rtl.prediction,
        exit_t: rtl.exit_t,
        logits: rtl.logits,
        counters: hw.counters.then_some(rtl.counters),
        status: rtl.status,
        reg_exit_t: rtl.reg_exit_t,
        reg_prediction: rtl.reg_prediction,
        words_streamed: rtl.words_streamed,
        board_cycles,
        seconds,
        golden,
    })
}
