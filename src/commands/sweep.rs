//! `spikeforge sweep SWEEP.toml [-o DIR] [--shard i/N] [--emit slurm]` and
//! `spikeforge sweep collect DIR`: design-space exploration (docs/sweep.md).

use spikeforge_explore::slurm::{sbatch_script, ArrayJob};
use spikeforge_explore::{collect, Shard, Sweep};
use std::path::{Path, PathBuf};

/// Arguments of `spikeforge sweep`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// Sweep file (TOML; docs/sweep.md).
    pub sweep: Option<PathBuf>,
    /// Output folder (default: sweep_out/<name>). An earlier run's folder of the same sweep is
    /// resumed; any other non-empty folder is refused and left as it is.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Run only shard i of N (points with id mod N = i), into results-shard-i-of-N.jsonl;
    /// merge the shards with `spikeforge sweep collect DIR`.
    #[arg(long, value_name = "i/N")]
    pub shard: Option<String>,
    /// Write a job script instead of running: `slurm` writes DIR/sweep.sbatch, a job array of
    /// --shards tasks.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
    /// Number of shards (array tasks) of --emit slurm.
    #[arg(long, default_value_t = 4)]
    pub shards: usize,
    /// CPUs per array task of --emit slurm.
    #[arg(long, default_value_t = 2)]
    pub cpus_per_task: usize,
    /// With --emit: replace DIR/sweep.sbatch even if it was edited since spikeforge wrote it
    /// (without it, an edited script is kept and is an error).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `spikeforge sweep collect`.
#[derive(Debug, clap::Subcommand)]
pub enum SweepCommand {
    /// Merge the shard results in DIR into results.jsonl, results.csv, the plots and
    /// report.html (every point must have its result).
    Collect {
        /// The sweep's output folder.
        dir: PathBuf,
    },
}

/// Job scripts `--emit` writes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Emit {
    /// A Slurm sbatch job array.
    Slurm,
}

/// Runs `spikeforge sweep`.
pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    if let Some(SweepCommand::Collect { dir }) = &args.command {
        let results = collect(dir)?;
        let invalid = results.iter().filter(|r| r.figures().is_none()).count();
        return super::stdout::print(&format!(
            "collected {} points ({} invalid) into {}: results.jsonl, results.csv, the plots and report.html",
            results.len(),
            invalid,
            dir.display()
        ));
    }
    let Some(file) = &args.sweep else {
        anyhow::bail!(
            "name a sweep file (spikeforge sweep SWEEP.toml), or `spikeforge sweep collect DIR`"
        );
    };
    let sweep = Sweep::load(file)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("sweep_out").join(&sweep.meta.name));
    if let Some(Emit::Slurm) = args.emit {
        return emit_slurm(&args, &sweep, file, &dir);
    }
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|m| anyhow::anyhow!(m))?;
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(
                "sweep [{bar:40}] {pos}/{len} points, {elapsed} (ETA {eta})",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        )
    };
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let summary = sweep.run(&dir, shard, &progress)?;
    bar.finish_and_clear();
    let what = match shard {
        Some(s) => format!(
            "shard {}/{} ({} of {} points) into {}; merge the shards with `spikeforge sweep collect {}`",
            s.index,
            s.count,
            summary.points,
            sweep.meta.points,
            dir.join(s.file_name()).display(),
            dir.display()
        ),
        None => format!(
            "{} points into {}: results.jsonl, results.csv, the plots and report.html",
            summary.points,
            dir.display()
        ),
    };
    super::stdout::print(&format!(
        "sweep `{}`: {what} ({} evaluated now, {} resumed, {} invalid)",
        sweep.meta.name, summary.evaluated, summary.resumed, summary.invalid
    ))
}

/// Writes DIR/sweep.sbatch (and prepares DIR, so the array's shards resume into it).
fn emit_slurm(args: &SweepArgs, sweep: &Sweep, file: &Path, dir: &Path) -> anyhow::Result<()> {
    if args.shards == 0 {
        anyhow::bail!("--shards 0: a job array needs at least one task");
    }
    spikeforge_explore::store::open_dir(dir, &sweep.meta)?;
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let exe = std::env::current_exe()?;
    let (sweep_abs, dir_abs) = (abs(file), abs(dir));
    let script = sbatch_script(&ArrayJob {
        name: &format!("spikeforge-sweep-{}", sweep.meta.name),
        exe: &exe,
        sweep: &sweep_abs,
        out: &dir_abs,
        shards: args.shards,
        cpus_per_task: args.cpus_per_task,
    });
    let path = dir.join("sweep.sbatch");
    spikeforge_explore::slurm::write_script(&path, &script, args.force)?;
    super::stdout::print(&format!(
        "wrote {} ({} array tasks over {} points): submit it with `sbatch {}`, then merge with `spikeforge sweep collect {}`",
        path.display(),
        args.shards,
        sweep.meta.points,
        path.display(),
        dir.display()
    ))
}
