//! `spikeforge golden`.

/// Arguments of `spikeforge golden`.
#[derive(Debug, clap::Args)]
pub struct GoldenArgs {}

/// Runs `spikeforge golden`.
pub fn run(_args: GoldenArgs) -> anyhow::Result<()> {
    anyhow::bail!("`spikeforge golden` is not implemented yet")
}
