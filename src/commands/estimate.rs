//! `spikeforge estimate`.

/// Arguments of `spikeforge estimate`.
#[derive(Debug, clap::Args)]
pub struct EstimateArgs {}

/// Runs `spikeforge estimate`.
pub fn run(_args: EstimateArgs) -> anyhow::Result<()> {
    anyhow::bail!("`spikeforge estimate` is not implemented yet")
}
