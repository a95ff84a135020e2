//! Design-space exploration (`spikeforge sweep`): a sweep file names networks, a base
//! accelerator and a grid of parameter values ([`spec`]); each point is evaluated
//! analytically by the golden model ([`point`]) on all cores, its result appended as one JSON
//! line as it finishes, so an interrupted sweep resumes where it stopped ([`store`], [`run`]);
//! shards split a sweep over a Slurm job array ([`slurm`]) and [`run::collect`] merges them.
//! The results become a CSV table ([`table`]), SVG plots — the energy–latency Pareto front
//! ([`pareto`]) and energy breakdowns ([`plot`]) — and one self-contained `report.html`
//! ([`html`]). See docs/sweep.md.

pub mod error;
pub mod html;
pub mod pareto;
pub mod plot;
pub mod point;
pub mod run;
pub mod slurm;
pub mod spec;
pub mod store;
pub mod synth;
pub mod table;

pub use error::SweepError;
pub use run::{collect, finish, RunSummary, Sweep};
pub use spec::SweepSpec;
pub use store::Shard;
