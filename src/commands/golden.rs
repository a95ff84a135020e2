//! `spikeforge golden`.

use anyhow::Context;
use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_golden::resources::{self, Budget};
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
    /// Memory and work budget.
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// The resource budget flags shared by `golden`, `estimate` and `cosim` (docs/golden-model.md
/// §7): a run whose memory or work bound exceeds them is refused before it starts.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct BudgetArgs {
    /// Memory budget of the run in MiB (default 4096 = 4 GiB).
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    pub memory_budget_mib: Option<u64>,
    /// Work budget of the run in 10^9 operations (input encoding + weight tables + synaptic
    /// events + neuron updates, upper bounds; default 250).
    #[arg(long, value_name = "GOPS", value_parser = clap::value_parser!(u64).range(1..))]
    pub work_budget_gops: Option<u64>,
}

impl BudgetArgs {
    /// The budget these flags select.
    pub fn budget(&self) -> Budget {
        Budget::with_overrides(self.memory_budget_mib, self.work_budget_gops)
    }
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
    let budget = args.budget.budget();
    // Refuse before anything network-sized is allocated (the library checks again).
    resources::run_footprint(&net, &accel, args.trace).check(&budget)?;
    let opts = RunOptions {
        trace: args.trace,
        table: None,
        budget,
    };
    let outcome = GoldenModel::run_with(&net, &input, &accel, &opts).context("golden model")?;
    super::stdout::print_json(&outcome, !args.compact)
}
