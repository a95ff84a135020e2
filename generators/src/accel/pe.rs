//! The processing element of the weight-stationary systolic array (SATA, DESIGN.md §5):
//! `psum_out = psum_in + (spike ? w : 0)` — no multiplier, and a zero spike does no add and
//! does not read the weight scratchpad (gating).
//!
//! Two stages, one cycle each:
//! 1. the spike, its tap-valid bit and the scratchpad entry pass right through registers
//!    (to the next PE of the row; the array holds these, see [`pe`]); the weight scratchpad is
//!    read at `entry_in` when the tap is valid and the spike is 1, and the gated spike is
//!    registered;
//! 2. the accumulate: `psum_out ← psum_in + (spike ? sext(w) : 0)`.
//!
//! The psum coming from the PE above arrives exactly when stage 2 needs it, because each row's
//! inputs are skewed one cycle later than the row above (see [`super::pe_array`]).

use spikeforge_dsl::prelude::*;

/// Parameters of a PE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeParams {
    /// Weight width (bits, signed two's complement).
    pub weight_bits: u32,
    /// Partial-sum width (bits, signed).
    pub psum_bits: u32,
    /// Weight scratchpad depth (entries of `weight_bits`): the row tiles held at once.
    pub spad_depth: u32,
}

impl PeParams {
    /// Scratchpad entry index width (bits).
    pub fn entry_bits(&self) -> u32 {
        clog2(u64::from(self.spad_depth).next_power_of_two())
    }
}

/// `max(1, ceil(log2(n)))`: the width of an index into `n` things (bits).
pub fn clog2(n: u64) -> u32 {
    if n <= 2 {
        1
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// The PE module. Ports: `fire` (the gated spike of stage 1: spike ∧ tap valid), `fire_q`
/// (`fire` registered: stage 2's gate), `entry_in`, `psum_in`, `wl_en`, `wl_entry`,
/// `wl_weight` (in); `psum_out` (out).
///
/// Stage 1's one-bit and entry registers — the spike, tap-valid bit and scratchpad entry passed
/// right to the next PE, and the registered gated spike — are the PE's in hardware terms but
/// are held by [`super::pe_array`] as one vector per array row (the same flip-flops, which a
/// cycle-based simulator then updates with one word operation per row instead of one per PE).
pub fn pe(p: &PeParams) -> Module {
    let eb = p.entry_bits();
    let mut m = ModuleBuilder::new(format!(
        "sf_pe_w{}_p{}_d{}",
        p.weight_bits, p.psum_bits, p.spad_depth
    ));
    m.param("weight_bits", p.weight_bits)
        .param("psum_bits", p.psum_bits)
        .param("spad_depth", p.spad_depth);
    let fire = m.input("fire", Bool);
    let fire_q = m.input("fire_q", Bool);
    let entry_in = m.input("entry_in", UInt(eb));
    let psum_in = m.input("psum_in", SInt(p.psum_bits));
    let wl_en = m.input("wl_en", Bool);
    let wl_entry = m.input("wl_entry", UInt(eb));
    let wl_weight = m.input("wl_weight", SInt(p.weight_bits));

    // Weight scratchpad: written by the tile loader, read only for performed accumulates.
    // The storage is rounded up to a power of two so that every address selects a word.
    let spad = m.mem(
        "weight_spad",
        u64::from(p.spad_depth).next_power_of_two(),
        SInt(p.weight_bits),
    );
    m.mem_write(spad, wl_en, wl_entry, wl_weight);
    // Stage 1: the weight of a firing tap is read into `weight_q`.
    let weight_q = m.mem_read(spad, "weight_q", fire, entry_in);

    // Stage 2: spike-gated accumulate.
    let addend = fire_q.select(weight_q.sext(p.psum_bits), Expr::sint(0, p.psum_bits));
    // No reset: row 0's `psum_in` is 0, so every psum register holds clean sums `rows` cycles
    // after power-up, before any valid column can reach it; `out_valid` (reset) says when.
    let psum_r = m.reg_no_reset("psum_r", SInt(p.psum_bits));
    m.next(psum_r, psum_in.wrapping_add(addend));

    m.output_from("psum_out", psum_r);
    m.finish()
}
