//! `spikeforge generate [CONFIG]`: generate the accelerator's Verilog into `<out>/<name>/`.

use spikeforge_config::AcceleratorConfig;
use spikeforge_dsl::backend::fusesoc;
use spikeforge_dsl::backend::write::{write_design_dir, WriteOptions};
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
    /// Replace an existing `<OUT>/<name>/` folder even when it is not an untouched earlier
    /// output of spikeforge (without it, such a folder is an error and stays as it is).
    #[arg(long)]
    pub force: bool,
}

/// Runs `spikeforge generate`: elaborates the accelerator and writes its Verilog files, the
/// filelist, a FuseSoC core (`<top>.core`) and `manifest.json` atomically (a failed run leaves no partial folder; an existing
/// folder is replaced only when it is an untouched earlier output, or with `--force`).
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => AcceleratorConfig::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => prototype_config(),
    };
    let params = AccelParams::from_accel(&config);
    let design = elaborate(&accelerator(&params)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let verilog = emit_verilog(&design);
    let mut files = verilog.all_files();
    files.push((
        fusesoc::core_file_name(&verilog),
        fusesoc::fusesoc_core(
            &verilog,
            &format!(
                "spikeforge SNN accelerator {} ({}x{} PE array)",
                config.name, config.rows, config.cols
            ),
        ),
    ));
    let dir = write_design_dir(
        &args.out,
        &config.name,
        &files,
        manifest(&params, &design),
        WriteOptions { force: args.force },
    )?;
    super::stdout::print(&format!(
        "wrote {} ({} Verilog files, the filelist {}, the FuseSoC core {} and manifest.json; top module {})",
        dir.display(),
        verilog.files.len(),
        verilog.filelist_name(),
        fusesoc::core_file_name(&verilog),
        verilog.top
    ))
}
