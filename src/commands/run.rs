//! `spikeforge run`: one inference on a board — the board core simulated in Verilator
//! (`--sim`) or a real board on a serial port (`--port`) — through the host link's byte
//! protocol (docs/host-link.md); prints the result as JSON.

use super::progress::ProgressDisplay;
use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::params_for;
use spikeforge_cosim::run::{run_with_progress, Target};
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `spikeforge run`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["sim", "port"])))]
pub struct RunArgs {
    /// Accelerator configuration (.toml or .json) the board was built from (the hardware LIF
    /// options from its `[lif]` section, or from the network's first hidden layer).
    pub config: PathBuf,
    /// Network description (.toml or .json).
    pub network: PathBuf,
    /// Input description (.toml or .json).
    pub input: PathBuf,
    /// Run on the board core simulated in Verilator (UART bits included) and compare with the
    /// golden model; a difference is an error.
    #[arg(long)]
    pub sim: bool,
    /// Run on the board on this serial device (e.g. /dev/ttyUSB0).
    #[arg(long, value_name = "DEV")]
    pub port: Option<PathBuf>,
    /// The serial link's rate (bits/s): the `--baud` the board was built with.
    #[arg(long, default_value_t = 115_200, conflicts_with = "sim")]
    pub baud: u32,
    /// Seconds the board may take to answer a read or send its next message (serial port).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 2.0,
        conflicts_with = "sim"
    )]
    pub timeout: f64,
    /// Board clock cycles per UART bit of the simulated board (≥ 4).
    #[arg(long, default_value_t = 4, conflicts_with = "port",
          value_parser = clap::value_parser!(u32).range(4..))]
    pub clocks_per_bit: u32,
    /// Board clock cycles the simulated board may take to answer a read or send its next
    /// message (default: 10·(golden cycles + streamed words) + 100000).
    #[arg(long, value_name = "CYCLES", conflicts_with = "port")]
    pub max_cycles: Option<u64>,
    /// Memory and work budget.
    #[command(flatten)]
    pub budget: super::golden::BudgetArgs,
}

/// Runs `spikeforge run`.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let accel = AcceleratorConfig::load(&args.config)?;
    let net = Network::load(&args.network)?;
    let input = Input::load(&args.input, &net)?;
    let hw = params_for(&accel, &net);
    let target = match &args.port {
        Some(port) => {
            anyhow::ensure!(
                args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0,
                "--timeout {}: must be seconds, above 0 and at most 3600",
                args.timeout
            );
            Target::Serial {
                port: port.clone(),
                baud: args.baud,
                timeout: Duration::from_secs_f64(args.timeout),
            }
        }
        None => Target::Sim {
            clocks_per_bit: args.clocks_per_bit,
            max_cycles: args.max_cycles,
            build: Default::default(),
        },
    };
    let mut display = ProgressDisplay::new("run", std::io::stderr().is_terminal());
    let report = run_with_progress(
        &accel,
        &hw,
        &net,
        &input,
        &target,
        &args.budget.budget(),
        &mut |p| display.show(p),
    );
    display.finish();
    let report = report?;
    if !display.terminal {
        let _ = writeln!(
            std::io::stderr(),
            "run: done: {} words{} sent in {:.1} s",
            report.words_streamed,
            display
                .bytes
                .map(|b| format!(" ({b} bytes)"))
                .unwrap_or_default(),
            report.seconds
        );
    }
    super::stdout::print_json(&report, true)?;
    match report.golden.as_ref().and_then(|g| g.mismatch.as_ref()) {
        Some(m) => anyhow::bail!("the board and the golden model disagree: {m}"),
        None => Ok(()),
    }
}
