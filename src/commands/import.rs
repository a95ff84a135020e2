//! `spikeforge import`: a NIR file (a trained SNN) → a network description (TOML).

use anyhow::Context;
use spikeforge_config::lif::Reset;
use spikeforge_nir::{import_file, ImportOptions};
use std::io::Write as _;
use std::path::PathBuf;

/// Arguments of `spikeforge import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The NIR file (HDF5) to import.
    pub model: PathBuf,
    /// The network description to write (TOML).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Weight precision of every layer, bits (2, 4, 8 or 16).
    #[arg(long, default_value_t = 8)]
    pub weight_bits: u32,
    /// Membrane width of every hidden layer, bits (2..=24).
    #[arg(long, default_value_t = 16)]
    pub membrane_bits: u32,
    /// Timesteps T of the imported network.
    #[arg(long, default_value_t = 8)]
    pub timesteps: u32,
    /// DT-SNN entropy threshold θ_H in [0, 1] (0: never exit early).
    #[arg(long, default_value_t = 0.0)]
    pub entropy_threshold: f64,
    /// The discretisation time step, seconds (snnTorch exports with 1e-4).
    #[arg(long, default_value_t = 1e-4)]
    pub dt: f64,
    /// Reset of neurons with `v_reset = 0`: `hard` (to 0) or `soft` (subtract the threshold,
    /// where the exporter's neurons do so).
    #[arg(long, default_value = "hard", value_parser = ["hard", "soft"])]
    pub reset: String,
    /// Name written into the network description (default: the model file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Runs `spikeforge import`: maps the model, prints what the mapping rounded, and writes the
/// description atomically; an existing file is replaced only with `--force`.
pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    if !args.force && args.output.exists() {
        anyhow::bail!(
            "{} exists; it was left untouched (pass --force to replace it, or choose another --output)",
            args.output.display()
        );
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let opts = ImportOptions {
        name,
        weight_bits: args.weight_bits,
        membrane_bits: args.membrane_bits,
        timesteps: args.timesteps,
        entropy_threshold: args.entropy_threshold,
        dt: args.dt,
        reset: if args.reset == "soft" {
            Reset::Soft
        } else {
            Reset::Hard
        },
    };
    let imported = import_file(&args.model, &opts)?;
    let text = imported.to_toml(&args.model.display().to_string());
    let dir = match args.output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    let mut tmp = tempfile::Builder::new()
        .prefix(".spikeforge-import-")
        .permissions(mode)
        .tempfile_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", args.output.display()))?;
    if args.force {
        tmp.persist(&args.output).map_err(|e| e.error)
    } else {
        tmp.persist_noclobber(&args.output).map_err(|e| e.error)
    }
    .with_context(|| format!("writing {}", args.output.display()))?;
    let mut err = std::io::stderr();
    let _ = write!(err, "{}", imported.summary());
    let _ = writeln!(err, "wrote {}", args.output.display());
    Ok(())
}
