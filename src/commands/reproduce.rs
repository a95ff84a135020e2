//! `spikeforge reproduce`.

/// Arguments of `spikeforge reproduce`.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {}

/// Runs `spikeforge reproduce`.
pub fn run(_args: ReproduceArgs) -> anyhow::Result<()> {
    anyhow::bail!("`spikeforge reproduce` is not implemented yet")
}
