//! The register map of docs/accelerator.md §8–9: addresses, stage-field numbers and counter
//! names. Nothing else.

/// CTRL (w): bit 0 start (pulse), bit 1 trace enable.
pub const CTRL: u32 = 0x000;
/// CTRL start bit.
pub const CTRL_START: u32 = 1;
/// CTRL trace-enable bit.
pub const CTRL_TRACE: u32 = 2;
/// STATUS (r): bit 0 busy, bit 1 done.
pub const STATUS: u32 = 0x001;
/// EXIT_T (r): exit timestep, 1-based.
pub const EXIT_T: u32 = 0x002;
/// PREDICTION (r): argmax class.
pub const PREDICTION: u32 = 0x003;
/// NUM_STAGES (rw): hidden layers + 1.
pub const NUM_STAGES: u32 = 0x004;
/// TIMESTEPS (rw): T.
pub const TIMESTEPS: u32 = 0x005;
/// TICK_BATCH (rw): B.
pub const TICK_BATCH: u32 = 0x006;
/// THETA_Q (rw): `round(θ_H·2^16)`.
pub const THETA_Q: u32 = 0x007;
/// RLNK (rw): `round(2^16/ln K)`.
pub const RLNK: u32 = 0x008;
/// FRAC_BITS (rw): logit fraction bits.
pub const FRAC_BITS: u32 = 0x009;
/// NUM_CLASSES (rw): K.
pub const NUM_CLASSES: u32 = 0x00A;
/// MEM_WORDS (rw): membrane words cleared at the start of an inference (Σ over hidden layers
/// of `P·n_ctb`; 0 skips the clear).
pub const MEM_WORDS: u32 = 0x00B;
/// Base of the stage fields: stage `s` field `f` is at `STAGE_BASE + STAGE_STRIDE·s + f`.
pub const STAGE_BASE: u32 = 0x100;
/// Address distance between two stages' fields.
pub const STAGE_STRIDE: u32 = 32;
/// Base of the counters: counter `i` low word at `COUNTER_BASE + 2i`, high word at `+1`.
pub const COUNTER_BASE: u32 = 0x200;

/// Names of the stage fields, by field number (docs/accelerator.md §8).
pub const STAGE_FIELDS: [&str; NUM_STAGE_FIELDS] = [
    "C",
    "H",
    "W",
    "M",
    "R",
    "S",
    "stride",
    "pad",
    "E",
    "F",
    "N",
    "n_rt",
    "n_ct",
    "P",
    "theta",
    "n_ctb",
    "membrane_base",
    "cg_count",
    "groups",
    "last_group",
    "rows_cg",
    "rows_cl",
    "rows_r",
    "rows_s",
    "is_classifier",
    "drows_cg",
    "drows_cl",
    "drows_r",
    "drows_s",
];

/// Number of stage fields: the 25 of docs/accelerator.md §8 plus 25–28, the mixed-radix
/// digits of `D·rows` (the tap step from one row-tile group to the next).
pub const NUM_STAGE_FIELDS: usize = 29;

/// Number of performance counters.
pub const NUM_COUNTERS: usize = 25;

/// Names of the 25 counters of docs/accelerator.md §9, by index.
pub const COUNTER_NAMES: [&str; NUM_COUNTERS] = [
    "cycles",
    "array_cycles",
    "lif_cycles",
    "classify_cycles",
    "entropy_cycles",
    "performed_acc",
    "gated_acc",
    "weight_buffer_reads",
    "weight_buffer_writes",
    "weight_spad_reads",
    "weight_spad_writes",
    "input_spike_reads",
    "input_spike_writes",
    "output_spike_writes",
    "column_acc_reads",
    "column_acc_writes",
    "psum_buffer_reads",
    "psum_buffer_writes",
    "membrane_reads",
    "membrane_writes",
    "lif_steps",
    "classifier_updates",
    "entropy_evaluations",
    "ext_read_bits",
    "ext_write_bits",
];

/// Address of stage `s` field `f`.
pub fn stage_field(s: usize, f: usize) -> u32 {
    STAGE_BASE + STAGE_STRIDE * s as u32 + f as u32
}

/// Address of the low word of counter `i` (the high word is at `+1`).
pub fn counter_low(i: usize) -> u32 {
    COUNTER_BASE + 2 * i as u32
}
