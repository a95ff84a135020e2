//! `spikeforge cosim`: the generated RTL (Verilator) against the golden model.

use super::progress::ProgressDisplay;
use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::{
    cosim, params_for, CosimError, CosimOptions, CosimReport, Progress, ProgressHook,
};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Arguments of `spikeforge cosim`.
#[derive(Debug, clap::Args)]
pub struct CosimArgs {
    /// Accelerator configuration (.toml or .json). The hardware LIF options (weight_bits,
    /// membrane_bits, leak, reset, fire_compare, share_factor) come from its `[lif]` section,
    /// or from the network's first hidden layer when it has none.
    pub config: PathBuf,
    /// Network description (.toml or .json).
    pub network: PathBuf,
    /// Input description (.toml or .json).
    pub input: PathBuf,
    /// Output folder for the mismatch VCD.
    #[arg(short = 'o', long = "out", default_value = "cosim_out")]
    pub out: PathBuf,
    /// Run with this window length B instead of the configuration's schedule.tick_batch, on the
    /// same hardware (B ≤ B_max, the next power of two ≥ the configuration's tick_batch).
    #[arg(long)]
    pub tick_batch: Option<u32>,
    /// Cycle limit after the start pulse (default: 10·(golden cycles + streamed words) + 100000).
    #[arg(long)]
    pub max_cycles: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Build the simulator profile-guided (GCC): its first build trains on the first million
    /// cycles of this run and compiles the design twice; later runs of the same hardware load
    /// the faster library from the cache (docs/cosim.md, "Profile-guided builds").
    #[arg(long)]
    pub profile_guided: bool,
    /// Memory and work budget of the co-simulation.
    #[command(flatten)]
    pub budget: super::golden::BudgetArgs,
}

/// Runs `spikeforge cosim`.
pub fn run(args: CosimArgs) -> anyhow::Result<()> {
    let file = args.config.display().to_string();
    let mut accel = AcceleratorConfig::load(&args.config)?;
    let net = Network::load(&args.network)?;
    let input = Input::load(&args.input, &net)?;
    // The hardware (B_max included) comes from the file, so `--tick-batch` runs any B ≤ B_max
    // on the same compiled design.
    let hw = params_for(&accel, &net);
    if let Some(b) = args.tick_batch {
        accel.schedule.tick_batch = b;
        accel.validate(&file)?;
    }
    // Progress on standard error: building the simulator can take a minute the first time.
    let display = Arc::new(Mutex::new(ProgressDisplay::new(
        "cosim",
        std::io::stderr().is_terminal(),
    )));
    let opts = CosimOptions {
        out_dir: Some(args.out.clone()),
        max_cycles: args.max_cycles,
        budget: args.budget.budget(),
        profile_guided: args.profile_guided,
        progress: Some(ProgressHook(Arc::new({
            let display = display.clone();
            move |p: &Progress| display.lock().unwrap_or_else(|e| e.into_inner()).show(p)
        }))),
        ..Default::default()
    };
    let result = cosim(&accel, &hw, &net, &input, &opts);
    display.lock().unwrap_or_else(|e| e.into_inner()).finish();
    let (report, err) = match result {
        Ok(r) => (r, None),
        Err(CosimError::Mismatch { report }) => {
            let msg = CosimError::Mismatch {
                report: report.clone(),
            }
            .to_string();
            (*report, Some(msg))
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        super::stdout::print(&serde_json::to_string_pretty(&report)?)?;
    } else {
        super::stdout::print(text(&report, &hw).trim_end())?;
    }
    match err {
        Some(msg) => anyhow::bail!("{msg}"),
        None => Ok(()),
    }
}

fn text(r: &CosimReport, hw: &spikeforge_generators::accel::params::AccelParams) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let name = if r.network.is_empty() {
        "(unnamed)"
    } else {
        &r.network
    };
    let _ = writeln!(
        s,
        "cosim: network {name} (T = {}) on {} ({}x{} array, B = {}): {}",
        r.timesteps,
        r.accelerator,
        hw.rows,
        hw.cols,
        r.tick_batch,
        if r.matched { "MATCH" } else { "MISMATCH" }
    );
    if let Some(m) = &r.mismatch {
        let _ = writeln!(s, "first mismatch: {m}");
    }
    if let Some(p) = &r.vcd {
        let _ = writeln!(
            s,
            "VCD of cycles {}..{}: {}",
            r.vcd_window.0,
            r.vcd_window.1,
            p.display()
        );
    }
    let _ = writeln!(
        s,
        "exit timestep {} (RTL {}), prediction {} (RTL {})",
        r.exit_t, r.rtl_exit_t, r.prediction, r.rtl_prediction
    );
    let _ = writeln!(
        s,
        "simulated {} cycles from start to the final beat; golden cycle count {}; build {:.2} s{}, simulation {:.2} s",
        r.run_cycles,
        r.golden_cycles,
        r.build_s,
        match (r.cached_build, r.profile_guided) {
            (false, false) => "",
            (true, false) => " (cached)",
            (false, true) => " (profile-guided)",
            (true, true) => " (cached, profile-guided)",
        },
        r.sim_s
    );
    let _ = writeln!(s, "\n{:<24} {:>16} {:>16}", "counter", "RTL", "golden");
    for c in &r.counters {
        let mark = if c.rtl == c.golden {
            ""
        } else {
            "  <- differs"
        };
        let _ = writeln!(s, "{:<24} {:>16} {:>16}{mark}", c.name, c.rtl, c.golden);
    }
    s
}
