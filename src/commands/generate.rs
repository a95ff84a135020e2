//! `spikeforge generate`: elaborate a design and write its Verilog into `<out>/<name>/`.

use anyhow::Context as _;
use spikeforge_dsl::backend::write::write_design_dir;
use spikeforge_dsl::{elaborate, emit_verilog};
use std::path::PathBuf;

/// Arguments of `spikeforge generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Output folder; the design is written into `<OUT>/<name>/`.
    #[arg(short = 'o', long = "out", default_value = "rtl_out")]
    pub out: PathBuf,
}

/// Runs `spikeforge generate`: elaborates the built-in default design and writes it
/// atomically (a failed run leaves no partial folder).
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let top = spikeforge_generators::samples::hierarchy_top(8);
    let design = elaborate(&top).map_err(|e| anyhow::anyhow!("{e}"))?;
    let verilog = emit_verilog(&design);
    let name = verilog.top.clone();
    let dir = write_design_dir(&args.out, &name, &verilog.all_files())
        .with_context(|| format!("writing the design into {}", args.out.display()))?;
    println!(
        "wrote {} ({} Verilog files and the filelist {})",
        dir.display(),
        verilog.files.len(),
        verilog.filelist_name()
    );
    Ok(())
}
