//! `spikeforge reproduce`.

use anyhow::Context;
use std::path::PathBuf;

/// Arguments of `spikeforge reproduce`.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Where to write the markdown document.
    #[arg(short, long, default_value = "docs/reproduction.md")]
    pub output: PathBuf,
}

/// Runs `spikeforge reproduce`.
pub fn run(args: ReproduceArgs) -> anyhow::Result<()> {
    let doc = spikeforge_golden::reproduce::document()?;
    if let Some(dir) = args.output.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    std::fs::write(&args.output, doc)
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}
