//! `spikeforge fpga [CONFIG] --board BOARD`: the accelerator on a board — board top, pins,
//! synthesis, place and route, bitstream, timing — with `report.json` and `report.md`.

use spikeforge_config::AcceleratorConfig;
use spikeforge_fpga::{run_flow, Board, Device, FlowOptions, FpgaError, Stage};
use spikeforge_rtlsim::logged::Interrupt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

/// Arguments of `spikeforge fpga`.
#[derive(Debug, clap::Args)]
pub struct FpgaArgs {
    /// Accelerator configuration (TOML or JSON). Without it, the board's built-in
    /// configuration: a 1×2 array with small buffers and limits; on the iCEBreaker a 2×2
    /// array without the performance counters.
    pub config: Option<PathBuf>,
    /// The board: `icebreaker` (iCE40 UP5K), `hx8k-breakout` (iCE40 HX8K) or `ulx3s-85f`
    /// (ECP5 LFE5U-85F).
    #[arg(long)]
    pub board: String,
    /// Another part of the board's family (`up5k`, `hx8k`, `lfe5u-85f`): placed without the
    /// board's pins.
    #[arg(long)]
    pub device: Option<String>,
    /// The host link's rate (bits/s).
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// The core's clock (MHz), made by the FPGA's PLL from the board's oscillator; the
    /// oscillator's clock when absent.
    #[arg(long = "clock")]
    pub clock_mhz: Option<f64>,
    /// The clock place and route must meet (MHz); the core's clock when absent.
    #[arg(long = "freq")]
    pub freq_mhz: Option<f64>,
    /// Output folder; the results go to `<OUT>/<name>-<board>/`.
    #[arg(short = 'o', long = "out", default_value = "fpga_out")]
    pub out: PathBuf,
    /// Replace an existing result folder even when it is not an untouched earlier output.
    #[arg(long)]
    pub force: bool,
    /// Place and route with nextpnr's seeds 1..=N and keep the fastest result (each seed is
    /// a full place and route; the report lists every seed's clock).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub seeds: u32,
}

/// Runs `spikeforge fpga`.
pub fn run(args: FpgaArgs) -> anyhow::Result<()> {
    let board = Board::by_name(&args.board)?;
    let device = args.device.as_deref().map(Device::by_name).transpose()?;
    for (flag, value) in [("--freq", args.freq_mhz), ("--clock", args.clock_mhz)] {
        if let Some(f) = value {
            anyhow::ensure!(
                f.is_finite() && f > 0.0 && f <= 1000.0,
                "{flag} {f}: must be a clock in MHz, above 0 and at most 1000"
            );
        }
    }
    let config = match &args.config {
        Some(path) => AcceleratorConfig::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => board.builtin_config(),
    };
    let opts = FlowOptions {
        board,
        device,
        baud: args.baud,
        clock_mhz: args.clock_mhz,
        target_mhz: args.freq_mhz,
        out: args.out.clone(),
        force: args.force,
        seeds: args.seeds,
        interrupt: Interrupt::new(),
    };
    let signal = on_signals_interrupt(&opts.interrupt)?;
    let terminal = std::io::stderr().is_terminal();
    let spinner = if terminal {
        indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {prefix}: {wide_msg}")
                .expect("a valid template"),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let mut last = None;
    let mut progress = |stage: Stage, detail: &str| {
        if last != Some(stage) {
            last = Some(stage);
            spinner.set_prefix(stage.label());
            if !terminal {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "fpga: {} ({:.0} s)",
                    stage.label(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        spinner.set_message(detail.to_string());
    };
    let result = run_flow(&config, &opts, &mut progress);
    spinner.finish_and_clear();
    if let Err(e @ FpgaError::Interrupted { .. }) = &result {
        // One line, and the status of a process ended by the signal (130 for SIGINT).
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "error: {e}");
        std::process::exit(128 + signal.load(Ordering::SeqCst));
    }
    let out = result?;
    let r = &out.report;
    super::stdout::print(&format!(
        "wrote {} (bitstream {}): {} of {} {}, {} of {} block RAMs, {} of {} DSPs; {:.1} MHz after routing (target {:.1} MHz{}); report.md and report.json",
        out.dir.display(),
        r.bitstream,
        r.logic_cells.used,
        r.logic_cells.available,
        r.logic_name,
        r.brams.used,
        r.brams.available,
        r.dsps.used,
        r.dsps.available,
        r.fmax_mhz,
        r.target_mhz,
        if r.timing_met { ", met" } else { ", NOT met" }
    ))
}

/// Turns SIGINT and SIGTERM into `interrupt` (the flow kills its running tool's process group
/// and removes its temporary folder, then [`run`] exits); a second signal ends the process at
/// once. Returns where the signal's number is kept.
fn on_signals_interrupt(interrupt: &Interrupt) -> anyhow::Result<Arc<AtomicI32>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let got = Arc::new(AtomicI32::new(0));
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    let (interrupt, seen) = (interrupt.clone(), got.clone());
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if seen.swap(sig, Ordering::SeqCst) != 0 {
                std::process::exit(128 + sig);
            }
            interrupt.interrupt();
        }
    });
    Ok(got)
}
