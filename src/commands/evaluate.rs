//! `spikeforge evaluate`: a network (or a NIR model, imported at several precisions) over a
//! labelled dataset in the golden model — accuracy vs timesteps and precision, fixed-T costs,
//! DT-SNN — written as `evaluation.json` and `evaluation.md` (docs/evaluation.md).

use anyhow::{bail, Context};
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, Dataset, Network};
use spikeforge_golden::evaluate::{self, DtSnn, FixedT};
use spikeforge_nir::{import_file, ImportOptions};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `spikeforge evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// The network: a NIR model (`.nir`, imported here) or a network description.
    pub model: PathBuf,
    /// The labelled dataset (JSON or TOML; docs/evaluation.md).
    pub dataset: PathBuf,
    /// Folder for evaluation.json and evaluation.md.
    #[arg(short, long, default_value = "evaluation")]
    pub output: PathBuf,
    /// Replace an earlier evaluation.json / evaluation.md in the folder.
    #[arg(long)]
    pub force: bool,
    /// Accelerator configuration for the costs (default: the built-in one).
    #[arg(long)]
    pub accel: Option<PathBuf>,
    /// Timesteps T of fixed-T inference and DT-SNN's largest T.
    #[arg(long, default_value_t = 8)]
    pub timesteps: u32,
    /// Accuracy is reported after every t = 1..=this; fixed-T costs for each such T.
    #[arg(long, default_value_t = 16)]
    pub max_timesteps: u32,
    /// DT-SNN entropy thresholds θ_H.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.02,0.05,0.1,0.15,0.2,0.3,0.4,0.5"
    )]
    pub thetas: Vec<f64>,
    /// NIR models: weight bits of the evaluated network.
    #[arg(long, default_value_t = 4)]
    pub weight_bits: u32,
    /// NIR models: membrane bits of the evaluated network.
    #[arg(long, default_value_t = 8)]
    pub membrane_bits: u32,
    /// NIR models: weight bits of the precision sweep (accuracy vs t for each).
    #[arg(long, value_delimiter = ',', default_value = "2,4,8")]
    pub sweep_weight_bits: Vec<u32>,
    /// NIR models: membrane bits of the precision sweep.
    #[arg(long, value_delimiter = ',', default_value = "6,8,12")]
    pub sweep_membrane_bits: Vec<u32>,
    /// The float network's accuracy after each t (JSON `{"accuracy": [...]}`, as
    /// scripts/train_digits.py writes), shown beside the integer network's.
    #[arg(long)]
    pub float: Option<PathBuf>,
}

/// Accuracy after each t of one network variant.
#[derive(Debug, Serialize)]
struct Curve {
    label: String,
    weight_bits: Option<u32>,
    membrane_bits: Option<u32>,
    /// After t = 1..; empty when the variant could not be built.
    accuracy: Vec<f64>,
    /// Why the variant could not be built (an import error).
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    model: String,
    dataset: String,
    images: usize,
    accelerator: String,
    network: String,
    weight_bits: Vec<u32>,
    membrane_bits: Vec<u32>,
    timesteps: u32,
    curves: Vec<Curve>,
    fixed: Vec<FixedT>,
    dtsnn: Vec<DtSnn>,
    golden_runs: u64,
    seconds: f64,
}

fn is_nir(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("nir"))
}

fn import(args: &EvaluateArgs, w: u32, m: u32, t: u32) -> anyhow::Result<Network> {
    let opts = ImportOptions {
        name: args
            .model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        weight_bits: w,
        membrane_bits: m,
        timesteps: t,
        ..ImportOptions::default()
    };
    Ok(import_file(&args.model, &opts)?.network)
}

/// Runs `spikeforge evaluate`.
pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    if args.timesteps == 0 || args.max_timesteps < args.timesteps {
        bail!(
            "--timesteps {} must be at least 1 and at most --max-timesteps {}",
            args.timesteps,
            args.max_timesteps
        );
    }
    if let Some(t) = args.thetas.iter().find(|t| !(0.0..=1.0).contains(*t)) {
        bail!("--thetas holds {t}; each θ_H must be in [0, 1]");
    }
    let json_path = args.output.join("evaluation.json");
    let md_path = args.output.join("evaluation.md");
    if !args.force {
        for p in [&json_path, &md_path] {
            if p.exists() {
                bail!(
                    "{} exists; it was left untouched (pass --force to replace it, or choose another --output)",
                    p.display()
                );
            }
        }
    }
    let data = Dataset::load(&args.dataset)?;
    let dataset_file = args.dataset.display().to_string();
    let (accel, accel_name) = match &args.accel {
        Some(p) => (AcceleratorConfig::load(p)?, p.display().to_string()),
        None => (
            AcceleratorConfig::default(),
            "the built-in accelerator".into(),
        ),
    };
    let nir = is_nir(&args.model);
    let net = if nir {
        import(
            &args,
            args.weight_bits,
            args.membrane_bits,
            args.max_timesteps,
        )?
    } else {
        Network::load(&args.model)?
    };
    data.check_network(&net, &dataset_file)?;

    let (sweep_w, sweep_m) = if nir {
        (
            args.sweep_weight_bits.clone(),
            args.sweep_membrane_bits.clone(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let sweeps = sweep_w.len() * sweep_m.len();
    let runs_per_image = 1 + sweeps + args.max_timesteps as usize + args.thetas.len();
    let total = (data.len() * runs_per_image) as u64;
    let bar = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template(
            "{msg:28} [{bar:40}] {pos}/{len} golden runs, {elapsed} (ETA {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let tick = || bar.inc(1);

    // Accuracy vs t: the evaluated network, then the precision sweep.
    bar.set_message("accuracy vs timesteps");
    let mut curves = Vec::new();
    let traces = evaluate::traces(&net, &data, args.max_timesteps, &accel, &tick)?;
    curves.push(Curve {
        label: if nir {
            format!("W{}/M{}", args.weight_bits, args.membrane_bits)
        } else {
            net.name.clone()
        },
        weight_bits: nir.then_some(args.weight_bits),
        membrane_bits: nir.then_some(args.membrane_bits),
        accuracy: evaluate::accuracy_vs_t(&traces),
        error: None,
    });
    bar.set_message("precision sweep");
    for &w in &sweep_w {
        for &m in &sweep_m {
            curves.push(sweep_curve(&args, &data, &accel, w, m, &bar)?);
        }
    }
    bar.set_message("fixed-T costs");
    let mut fixed = Vec::new();
    for t in 1..=args.max_timesteps {
        fixed.push(evaluate::fixed_t(&net, &data, t, &accel, &tick)?);
    }
    bar.set_message("DT-SNN");
    let mut dts = Vec::new();
    for &theta in &args.thetas {
        dts.push(evaluate::dtsnn(
            &net,
            &data,
            args.timesteps,
            theta,
            &accel,
            &fixed,
            &tick,
        )?);
    }
    bar.finish_and_clear();
    let float = match &args.float {
        Some(p) => Some(read_float(p)?),
        None => None,
    };
    let report = Report {
        model: args.model.display().to_string(),
        dataset: format!("{} ({})", data.name, dataset_file),
        images: data.len(),
        accelerator: accel_name,
        network: net.name.clone(),
        weight_bits: net.layers.iter().map(|l| l.weight_bits).collect(),
        membrane_bits: net.layers.iter().map(|l| l.membrane_bits).collect(),
        timesteps: args.timesteps,
        curves,
        fixed,
        dtsnn: dts,
        golden_runs: bar.position(),
        seconds: start.elapsed().as_secs_f64(),
    };
    let md = markdown(&report, float.as_deref());
    let mut json = serde_json::to_string_pretty(&serde_json::json!({
        "report": &report,
        "float_accuracy": float,
    }))?;
    json.push('\n');
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("creating {}", args.output.display()))?;
    write_atomic(&json_path, &json)?;
    write_atomic(&md_path, &md)?;
    let mut out = std::io::stdout();
    let _ = write!(out, "{md}");
    let _ = writeln!(
        std::io::stderr(),
        "wrote {} and {} ({} golden runs in {:.1} s)",
        json_path.display(),
        md_path.display(),
        report.golden_runs,
        report.seconds
    );
    Ok(())
}

/// Accuracy after each t of the NIR model imported at `w`-bit weights and `m`-bit membranes;
/// an import that fails is a curve with its error (its runs are counted as done).
fn sweep_curve(
    args: &EvaluateArgs,
    data: &Dataset,
    accel: &AcceleratorConfig,
    w: u32,
    m: u32,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Curve> {
    let tick = || bar.inc(1);
    let (accuracy, error) = match import(args, w, m, args.max_timesteps) {
        Ok(n) => {
            let t = evaluate::traces(&n, data, args.max_timesteps, accel, &tick)?;
            (evaluate::accuracy_vs_t(&t), None)
        }
        Err(e) => {
            bar.inc(data.len() as u64);
            (Vec::new(), Some(format!("{e:#}")))
        }
    };
    Ok(Curve {
        label: format!("W{w}/M{m}"),
        weight_bits: Some(w),
        membrane_bits: Some(m),
        accuracy,
        error,
    })
}

fn read_float(p: &Path) -> anyhow::Result<Vec<f64>> {
    let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", p.display()))?;
    serde_json::from_value(v["accuracy"].clone())
        .with_context(|| format!("{}: field `accuracy` is not a list of numbers", p.display()))
}

fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    let mut tmp = tempfile::Builder::new()
        .prefix(".spikeforge-evaluate-")
        .permissions(mode)
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn pct(a: f64) -> String {
    format!("{:.1}", 100.0 * a)
}

fn markdown(r: &Report, float: Option<&[f64]>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Evaluation of `{}` on {}\n", r.network, r.dataset);
    let _ = writeln!(
        s,
        "{} images; golden model (bit-exact with the RTL); costs on {}; {} golden runs.\n",
        r.images, r.accelerator, r.golden_runs
    );
    let _ = writeln!(s, "## Test accuracy (%) after t timesteps\n");
    let mut head = String::from("| t |");
    let mut rule = String::from("|---|");
    if float.is_some() {
        head.push_str(" float |");
        rule.push_str("---|");
    }
    for c in &r.curves {
        let _ = write!(head, " {} |", c.label);
        rule.push_str("---|");
    }
    let _ = writeln!(s, "{head}\n{rule}");
    let steps = r.curves.iter().map(|c| c.accuracy.len()).max().unwrap_or(0);
    for t in 0..steps {
        let mut row = format!("| {} |", t + 1);
        if let Some(f) = float {
            let _ = write!(row, " {} |", f.get(t).map_or("–".into(), |a| pct(*a)));
        }
        for c in &r.curves {
            let _ = write!(
                row,
                " {} |",
                c.accuracy.get(t).map_or("–".into(), |a| pct(*a))
            );
        }
        let _ = writeln!(s, "{row}");
    }
    for c in r.curves.iter().filter(|c| c.error.is_some()) {
        let _ = writeln!(
            s,
            "\n{}: not built: {}",
            c.label,
            c.error.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(
        s,
        "\n(W = weight bits, M = membrane bits. The first column after `float` is the evaluated network.)\n"
    );
    let _ = writeln!(s, "## Fixed T\n");
    let _ = writeln!(
        s,
        "| T | accuracy % | energy (nJ) | latency (cycles) | EDP (pJ·s) |\n|---|---|---|---|---|"
    );
    for f in &r.fixed {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {:.0} | {:.3e} |",
            f.timesteps,
            pct(f.accuracy),
            f.cost.energy_pj / 1e3,
            f.cost.latency_cycles,
            f.cost.edp_pj_s
        );
    }
    let _ = writeln!(
        s,
        "\n## DT-SNN (exit when H < θ_H, at most T = {})\n",
        r.timesteps
    );
    let _ = writeln!(s, "| θ_H | accuracy % | mean exit | exits at t = 1..T | energy (nJ) | latency (cycles) | EDP (pJ·s) | fixed T of ≥ accuracy | EDP ratio |\n|---|---|---|---|---|---|---|---|---|");
    for d in &r.dtsnn {
        let (iso_t, ratio) = match d.iso_accuracy {
            Some(i) => (
                format!("{} ({} %)", i.fixed_timesteps, pct(i.fixed_accuracy)),
                format!("{:.2}×", i.edp_ratio),
            ),
            None => ("none".into(), "–".into()),
        };
        let hist = d
            .exit_histogram
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {} | {:.2} | {:.0} | {:.3e} | {} | {} |",
            d.theta,
            pct(d.accuracy),
            d.mean_exit,
            hist,
            d.cost.energy_pj / 1e3,
            d.cost.latency_cycles,
            d.cost.edp_pj_s,
            iso_t,
            ratio
        );
    }
    s
}
