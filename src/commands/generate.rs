//! `spikeforge generate`.

/// Arguments of `spikeforge generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

/// Runs `spikeforge generate`.
pub fn run(_args: GenerateArgs) -> anyhow::Result<()> {
    anyhow::bail!("`spikeforge generate` is not implemented yet")
}
