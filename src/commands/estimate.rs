//! `spikeforge estimate`.

use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_golden::report::{self, EstimateReport};
use spikeforge_golden::resources;
use spikeforge_golden::{model::check_run, EnergyTable, GoldenModel, RunOptions};
use std::path::PathBuf;

/// Arguments of `spikeforge estimate`.
#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    /// Accelerator configuration (.toml or .json).
    pub config: PathBuf,
    /// Network description (.toml or .json).
    pub network: PathBuf,
    /// Input-spike density assumed for every stage when no --input is given.
    #[arg(long, default_value_t = 0.1)]
    pub density: f64,
    /// Exit timestep to assume (1..=T; default T); only without --input (with an input the
    /// exit is computed).
    #[arg(long)]
    pub exit_t: Option<u32>,
    /// Run the golden model on this input for exact activity instead of assuming a density.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Override the configuration's schedule.tick_batch.
    #[arg(long)]
    pub tick_batch: Option<u32>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also draw the energy by component into this SVG file (an existing file is refused
    /// unless --force).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Replace an existing --svg file.
    #[arg(long)]
    pub force: bool,
    /// Memory and work budget of the golden-model run made with --input.
    #[command(flatten)]
    pub budget: super::golden::BudgetArgs,
}

/// Runs `spikeforge estimate`.
pub fn run(args: EstimateArgs) -> anyhow::Result<()> {
    if let Some(p) = &args.svg {
        if p.exists() && !args.force {
            anyhow::bail!(
                "--svg {}: the file exists; choose another name, or add --force to replace it",
                p.display()
            );
        }
    }
    let mut accel = AcceleratorConfig::load(&args.config)?;
    let file = args.config.display().to_string();
    if let Some(b) = args.tick_batch {
        accel.schedule.tick_batch = b;
        accel.validate(&file)?;
    }
    if let (Some(t), Some(p)) = (args.exit_t, &args.input) {
        anyhow::bail!(
            "--exit-t {t} cannot be combined with --input {}: with an input the golden model computes the exit timestep (drop --exit-t, or drop --input to assume an exit)",
            p.display()
        );
    }
    let net = Network::load(&args.network)?;
    check_run(&net, &accel, &file)?;
    let report = match &args.input {
        Some(p) => {
            let budget = args.budget.budget();
            // Refuse before anything network-sized is allocated (the library checks again).
            resources::run_footprint(&net, &accel, false).check(&budget)?;
            let input = Input::load(p, &net)?;
            let opts = RunOptions {
                budget,
                ..Default::default()
            };
            let o = GoldenModel::run_with(&net, &input, &accel, &opts)?;
            EstimateReport {
                network: net.name.clone(),
                accelerator: accel.name.clone(),
                tick_batch: o.counts.tick_batch,
                timesteps: net.timesteps,
                activity: format!("input {}", p.display()),
                density: None,
                counts: o.counts,
                energy: o.energy,
            }
        }
        None => {
            if !(0.0..=1.0).contains(&args.density) {
                anyhow::bail!("--density {}: must be in [0, 1]", args.density);
            }
            if let Some(t) = args.exit_t {
                if t == 0 || t > net.timesteps {
                    anyhow::bail!("--exit-t {t}: must be in 1..={}", net.timesteps);
                }
            }
            let (counts, energy) = GoldenModel::estimate(
                &net,
                &accel,
                args.density,
                args.exit_t,
                &EnergyTable::default(),
            )?;
            EstimateReport {
                network: net.name.clone(),
                accelerator: accel.name.clone(),
                tick_batch: counts.tick_batch,
                timesteps: net.timesteps,
                activity: "density".into(),
                density: Some(args.density),
                counts,
                energy,
            }
        }
    };
    if let Some(p) = &args.svg {
        let parts: Vec<(String, f64)> = report
            .energy
            .components
            .iter()
            .map(|c| (c.name.clone(), c.pj))
            .collect();
        let title = format!(
            "{} on {}: {:.3} µJ, {} cycles",
            report.network,
            report.accelerator,
            report.energy.total_pj * 1e-6,
            report.energy.latency_cycles
        );
        let svg = spikeforge_explore::plot::components_svg(&title, &parts)
            .map_err(|m| anyhow::anyhow!("--svg {}: {m}", p.display()))?;
        spikeforge_explore::store::write_atomic(p, svg.as_bytes())?;
    }
    if args.json {
        super::stdout::print_json(&report, true)
    } else {
        let text = report::text(&report, &net, &accel);
        super::stdout::print(text.trim_end())
    }
}
