//! `spikeforge run`: one inference on a board — the board core simulated in Verilator
//! (`--sim`) or a real board on a serial port (`--port`) — through the host link's byte
//! protocol (docs/host-link.md); prints the result as JSON.

use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::params_for;
use spikeforge_cosim::run::{run_with_progress, Target};
use spikeforge_cosim::Progress;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    let mut display = ProgressDisplay::new(std::io::stderr().is_terminal());
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

/// Progress on standard error, as `spikeforge fpga` and `evaluate` show theirs: on a terminal a
/// bar of the stream words sent with what the host is doing; otherwise plain `run: …` lines —
/// one for each step before and after the stream, and in the stream at most one a second when
/// the request changes, and one every ten seconds while a long one goes out.
struct ProgressDisplay {
    terminal: bool,
    bar: indicatif::ProgressBar,
    started: Instant,
    /// The last line written (plain lines), and when.
    last: Option<(String, bool, Instant)>,
    /// Bytes sent so far, when the transport sends bytes.
    bytes: Option<u64>,
}

impl ProgressDisplay {
    fn new(terminal: bool) -> Self {
        let bar = if terminal {
            indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template(
                    "run [{bar:40}] {pos}/{len} words, {msg} ({elapsed})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            )
        } else {
            indicatif::ProgressBar::hidden()
        };
        // The bar's clock moves while the board computes and no word goes out.
        bar.enable_steady_tick(Duration::from_millis(200));
        ProgressDisplay {
            terminal,
            bar,
            started: Instant::now(),
            last: None,
            bytes: None,
        }
    }

    fn show(&mut self, p: &Progress) {
        self.bytes = p.bytes;
        let bytes = p
            .bytes
            .map(|b| format!(", {b} bytes sent"))
            .unwrap_or_default();
        let what = p.describe();
        if self.terminal {
            self.bar.set_length(p.words_planned.max(p.words));
            self.bar.set_position(p.words);
            self.bar.set_message(format!("{what}{bytes}"));
            self.bar.tick();
            return;
        }
        let streaming = p.timesteps.is_some();
        let due = match &self.last {
            None => true,
            Some((last, was_streaming, at)) => {
                let quiet = at.elapsed();
                (*last != what && (!streaming || !was_streaming || quiet >= Duration::from_secs(1)))
                    || quiet >= Duration::from_secs(10)
            }
        };
        if due {
            let _ = writeln!(
                std::io::stderr(),
                "run: {what}: {} of {} words{bytes} ({:.0} s)",
                p.words,
                p.words_planned,
                self.started.elapsed().as_secs_f64()
            );
            self.last = Some((what, streaming, Instant::now()));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
