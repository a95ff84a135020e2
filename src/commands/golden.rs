//! `spikeforge golden`.

use anyhow::Context;
use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_golden::{model::check_run, GoldenModel, RunOptions};
use std::path::PathBuf;

/// Arguments of `spikeforge golden`.
#[derive(Debug, clap::Args)]
pub struct GoldenArgs {
    /// Network description (.toml or .json).
    pub network: PathBuf,
    /// Input description (.toml or .json).
    pub input: PathBuf,
    /// Accelerator configuration for the counts and energy (default: the built-in SATA-like
    /// configuration with tick_batch = min(4, T)).
    #[arg(long)]
    pub accel: Option<PathBuf>,
    /// Override the configuration's schedule.tick_batch.
    #[arg(long)]
    pub tick_batch: Option<u32>,
    /// Include every hidden layer's output spikes per timestep.
    #[arg(long)]
    pub trace: bool,
    /// Print compact JSON (one line).
    #[arg(long)]
    pub compact: bool,
}

/// Runs `spikeforge golden`.
pub fn run(args: GoldenArgs) -> anyhow::Result<()> {
    let net = Network::load(&args.network)?;
    let input = Input::load(&args.input, &net)?;
    let (mut accel, accel_file) = match &args.accel {
        Some(p) => (AcceleratorConfig::load(p)?, p.display().to_string()),
        None => {
            let mut a = AcceleratorConfig::default();
            a.schedule.tick_batch = a.schedule.tick_batch.min(net.timesteps);
            (a, "<default accelerator>".to_string())
        }
    };
    if let Some(b) = args.tick_batch {
        accel.schedule.tick_batch = b;
        accel.validate(&accel_file)?;
    }
    check_run(&net, &accel, &accel_file)?;
    let opts = RunOptions {
        trace: args.trace,
        table: None,
    };
    let outcome = GoldenModel::run_with(&net, &input, &accel, &opts).context("golden model")?;
    let json = if args.compact {
        serde_json::to_string(&outcome)?
    } else {
        serde_json::to_string_pretty(&outcome)?
    };
    print_stdout(&json)
}

/// Writes `text` and a newline to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
