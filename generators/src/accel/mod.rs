//! The SNN accelerator generators (DESIGN.md §2–6), written with the DSL's public API only.
//! One hardware idea per file; `docs/accelerator.md` describes how they fit together.

pub mod column_accumulators;
pub(crate) mod entropy_datapath;
pub mod entropy_unit;
pub mod entropy_unit_serial;
pub mod lif_unit;
pub mod logit_accumulators;
pub mod manifest;
pub mod mixed_radix;
pub mod params;
pub mod pe;
pub mod pe_array;
pub mod top;
