//! The register map of docs/accelerator.md §8–9 as the driver uses it: the generator's own
//! addresses, field numbers and counter names (one definition, in
//! `spikeforge_generators::accel`), in the driver's `u32` address type.

use spikeforge_generators::accel::{manifest, top};

/// CTRL (w): bit 0 start (pulse), bit 1 trace enable.
pub const CTRL: u32 = top::reg::CTRL as u32;
/// CTRL start bit.
pub const CTRL_START: u32 = 1;
/// CTRL trace-enable bit.
pub const CTRL_TRACE: u32 = 2;
/// STATUS (r): bit 0 busy, bit 1 done.
pub const STATUS: u32 = top::reg::STATUS as u32;
/// EXIT_T (r): exit timestep, 1-based.
pub const EXIT_T: u32 = top::reg::EXIT_T as u32;
/// PREDICTION (r): argmax class.
pub const PREDICTION: u32 = top::reg::PREDICTION as u32;
/// NUM_STAGES (rw): hidden layers + 1.
pub const NUM_STAGES: u32 = top::reg::NUM_STAGES as u32;
/// TIMESTEPS (rw): T.
pub const TIMESTEPS: u32 = top::reg::TIMESTEPS as u32;
/// TICK_BATCH (rw): B.
pub const TICK_BATCH: u32 = top::reg::TICK_BATCH as u32;
/// THETA_Q (rw): `round(θ_H·2^16)`.
pub const THETA_Q: u32 = top::reg::THETA_Q as u32;
/// RLNK (rw): `round(2^16/ln K)`.
pub const RLNK: u32 = top::reg::RLNK as u32;
/// FRAC_BITS (rw): logit fraction bits.
pub const FRAC_BITS: u32 = top::reg::FRAC_BITS as u32;
/// NUM_CLASSES (rw): K.
pub const NUM_CLASSES: u32 = top::reg::NUM_CLASSES as u32;
/// MEM_WORDS (rw): membrane words cleared at the start of an inference (Σ over hidden layers
/// of `P·n_ctb`; 0 skips the clear).
pub const MEM_WORDS: u32 = top::reg::MEM_WORDS as u32;
/// Base of the stage fields: stage `s` field `f` is at `STAGE_BASE + STAGE_STRIDE·s + f`.
pub const STAGE_BASE: u32 = top::reg::STAGE_BASE as u32;
/// Address distance between two stages' fields.
pub const STAGE_STRIDE: u32 = top::reg::STAGE_STRIDE as u32;
/// Base of the counters: counter `i` low word at `COUNTER_BASE + 2i`, high word at `+1`.
pub const COUNTER_BASE: u32 = top::reg::COUNTER_BASE as u32;

/// Names of the stage fields, by field number (docs/accelerator.md §8).
pub const STAGE_FIELDS: [&str; NUM_STAGE_FIELDS] = manifest::FIELD_NAMES;

/// Number of stage fields.
pub const NUM_STAGE_FIELDS: usize = top::STAGE_FIELDS as usize;

/// Number of performance counters.
pub const NUM_COUNTERS: usize = top::NUM_COUNTERS;

/// Names of the 25 counters of docs/accelerator.md §9, by index.
pub const COUNTER_NAMES: [&str; NUM_COUNTERS] = top::COUNTER_NAMES;

/// Address of stage `s` field `f`.
pub fn stage_field(s: usize, f: usize) -> u32 {
    STAGE_BASE + STAGE_STRIDE * s as u32 + f as u32
}

/// Address of the low word of counter `i` (the high word is at `+1`).
pub fn counter_low(i: usize) -> u32 {
    COUNTER_BASE + 2 * i as u32
}
