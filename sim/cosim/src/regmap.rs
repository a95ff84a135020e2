//! The register map of docs/accelerator.md §8–9 as the driver uses it: the catalog's addresses,
//! field numbers and counter names (one definition, in `spikeforge_config::catalog`), in the
//! driver's `u32` address type.

use spikeforge_config::catalog::{self, Counter, Register, StageField};

const fn a(r: Register) -> u32 {
    r.address() as u32
}

/// CTRL (w): bit 0 start (pulse), bit 1 trace enable.
pub const CTRL: u32 = a(Register::Ctrl);
/// CTRL start bit.
pub const CTRL_START: u32 = 1;
/// CTRL trace-enable bit.
pub const CTRL_TRACE: u32 = 2;
/// STATUS (r): bit 0 busy, bit 1 done.
pub const STATUS: u32 = a(Register::Status);
/// EXIT_T (r): exit timestep, 1-based.
pub const EXIT_T: u32 = a(Register::ExitT);
/// PREDICTION (r): argmax class.
pub const PREDICTION: u32 = a(Register::Prediction);
/// NUM_STAGES (rw): hidden layers + 1.
pub const NUM_STAGES: u32 = a(Register::NumStages);
/// TIMESTEPS (rw): T.
pub const TIMESTEPS: u32 = a(Register::Timesteps);
/// TICK_BATCH (rw): B.
pub const TICK_BATCH: u32 = a(Register::TickBatch);
/// THETA_Q (rw): `round(θ_H·2^16)`.
pub const THETA_Q: u32 = a(Register::ThetaQ);
/// RLNK (rw): `round(2^16/ln K)`.
pub const RLNK: u32 = a(Register::Rlnk);
/// FRAC_BITS (rw): logit fraction bits.
pub const FRAC_BITS: u32 = a(Register::FracBits);
/// NUM_CLASSES (rw): K.
pub const NUM_CLASSES: u32 = a(Register::NumClasses);
/// MEM_WORDS (rw): membrane words cleared at the start of an inference (Σ over hidden layers
/// of `P·n_ctb`; 0 skips the clear).
pub const MEM_WORDS: u32 = a(Register::MemWords);
/// Base of the stage fields: stage `s` field `f` is at `STAGE_BASE + STAGE_STRIDE·s + f`.
pub const STAGE_BASE: u32 = catalog::STAGE_BASE as u32;
/// Address distance between two stages' fields.
pub const STAGE_STRIDE: u32 = catalog::STAGE_STRIDE as u32;
/// Base of the counters: counter `i` low word at `COUNTER_BASE + 2i`, high word at `+1`.
pub const COUNTER_BASE: u32 = catalog::COUNTER_BASE as u32;

/// Number of stage fields.
pub const NUM_STAGE_FIELDS: usize = StageField::ALL.len();

/// Names of the stage fields, by field number (docs/accelerator.md §8).
pub const STAGE_FIELDS: [&str; NUM_STAGE_FIELDS] = {
    let mut names = [""; NUM_STAGE_FIELDS];
    let mut i = 0;
    while i < NUM_STAGE_FIELDS {
        names[i] = StageField::ALL[i].name();
        i += 1;
    }
    names
};

/// Number of performance counters.
pub const NUM_COUNTERS: usize = Counter::COUNT;

/// Names of the 25 counters of docs/accelerator.md §9, by index.
pub const COUNTER_NAMES: [&str; NUM_COUNTERS] = {
    let mut names = [""; NUM_COUNTERS];
    let mut i = 0;
    while i < NUM_COUNTERS {
        names[i] = Counter::ALL[i].name();
        i += 1;
    }
    names
};

/// Address of stage `s` field `f`.
pub fn stage_field(s: usize, f: usize) -> u32 {
    STAGE_BASE + STAGE_STRIDE * s as u32 + f as u32
}

/// Address of the low word of counter `i` (the high word is at `+1`).
pub fn counter_low(i: usize) -> u32 {
    COUNTER_BASE + 2 * i as u32
}
