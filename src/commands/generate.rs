//! `spikeforge generate [CONFIG]`: generate the accelerator's Verilog into `<out>/<name>/`.

use anyhow::Context as _;
use spikeforge_config::AcceleratorConfig;
use spikeforge_dsl::backend::write::write_design_dir;
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::manifest::manifest;
use spikeforge_generators::accel::params::{prototype_config, AccelParams};
use spikeforge_generators::accel::top::accelerator;
use std::path::PathBuf;

/// Arguments of `spikeforge generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Accelerator configuration (TOML or JSON; see docs/formats.md). Without it, the
    /// built-in 8×16 SATA-style prototype is generated.
    pub config: Option<PathBuf>,
    /// Output folder; the design is written into `<OUT>/<name>/`.
    #[arg(short = 'o', long = "out", default_value = "rtl_out")]
    pub out: PathBuf,
}

/// Runs `spikeforge generate`: elaborates the accelerator and writes its Verilog files, the
/// filelist and `manifest.json` atomically (a failed run leaves no partial folder).
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => AcceleratorConfig::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => prototype_config(),
    };
    let params = AccelParams::from_accel(&config);
    let design = elaborate(&accelerator(&params)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let verilog = emit_verilog(&design);
    let mut files = verilog.all_files();
    let text = serde_json::to_string_pretty(&manifest(&params, &design))? + "\n";
    files.push(("manifest.json".to_string(), text));
    let dir = write_design_dir(&args.out, &config.name, &files)
        .with_context(|| format!("writing the design into {}", args.out.display()))?;
    println!(
        "wrote {} ({} Verilog files, the filelist {} and manifest.json; top module {})",
        dir.display(),
        verilog.files.len(),
        verilog.filelist_name(),
        verilog.top
    );
    Ok(())
}
