//! spikeforge's golden model: bit-accurate SNN inference, schedules, event counts and energy.
//!
//! Depends only on `spikeforge-config`: it shares no code with the generators. One idea per
//! module:
//!
//! - [`lif`]: one LIF step (DESIGN.md §2);
//! - [`channel_share`]: C#n shared membranes (§3);
//! - [`classifier`]: the integrate-only output layer (§4);
//! - [`entropy`]: the DT-SNN entropy unit, fixed-point (normative) and float reference (§4);
//! - [`encode`]: input spikes, the deterministic rate encoder;
//! - [`synapse`]: event-driven synaptic currents (§1);
//! - [`schedule`]: windows of B = `tick_batch` timesteps and buffer needs (§5);
//! - [`counts`]: exact event counts and the analytic cycle model (§5–6);
//! - [`energy`]: the energy table and model (§6);
//! - [`model`]: `GoldenModel::run` and `GoldenModel::estimate`;
//! - [`resources`]: the memory and work a run needs, checked against a budget up front;
//! - [`report`]: text and JSON reports;
//! - [`reproduce`]: the reproduction document (spikeforge beside the seeds' figures).

#![warn(missing_docs)]

pub mod channel_share;
pub mod classifier;
pub mod counts;
pub mod encode;
pub mod energy;
pub mod entropy;
pub mod evaluate;
pub mod lif;
pub mod model;
pub mod report;
pub mod reproduce;
pub mod resources;
pub mod schedule;
pub mod synapse;

pub use counts::{Access, Counts, StageCounts};
pub use energy::{EnergyReport, EnergyTable};
pub use model::{GoldenModel, Outcome, RunOptions};
pub use resources::{Budget, RunFootprint};

/// Errors of the golden model.
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    /// A configuration problem (names file, field and value).
    #[error(transparent)]
    Config(#[from] spikeforge_config::ConfigError),
    /// Valid configuration the golden model does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The run would need more memory (bytes) or work (operations) than the budget allows;
    /// the message is one sentence naming the figure, its parts, the limit and the CLI flag
    /// that raises it.
    #[error("{message}")]
    OverBudget {
        /// What the run needs (bytes or operations).
        needed: u64,
        /// The budget (same unit).
        limit: u64,
        /// The sentence.
        message: String,
    },
}
