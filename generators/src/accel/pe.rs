//! The processing element of the weight-stationary systolic array (SATA, DESIGN.md §5):
//! `psum_out = psum_in + (spike ? w : 0)` — no multiplier, and a zero spike does no add and
//! does not read the weight scratchpad (gating).
//!
//! Two stages, one cycle each:
//! 1. the spike, its tap-valid bit and the scratchpad entry pass right through registers
//!    (to the next PE of the row); the weight scratchpad is read at `entry_in` when the tap is
//!    valid and the spike is 1, and the gated spike is registered;
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

/// The PE module. Ports: `spike_in`, `valid_in`, `entry_in`, `psum_in`, `wl_en`, `wl_entry`,
/// `wl_weight` (in); `psum_out`, and with `pass_right` also `spike_out`, `valid_out`,
/// `entry_out` (out). The PEs of the last column have nobody to their right, so they are
/// generated without the pass-through registers.
pub fn pe(p: &PeParams, pass_right: bool) -> Module {
    let eb = p.entry_bits();
    let edge = if pass_right { "" } else { "_edge" };
    let mut m = ModuleBuilder::new(format!(
        "sf_pe_w{}_p{}_d{}{edge}",
        p.weight_bits, p.psum_bits, p.spad_depth
    ));
    m.param("weight_bits", p.weight_bits)
        .param("psum_bits", p.psum_bits)
        .param("spad_depth", p.spad_depth);
    let spike_in = m.input("spike_in", Bool);
    let valid_in = m.input("valid_in", Bool);
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
    let fire = m.wire_from("fire", spike_in & valid_in);
    let weight_q = m.mem_read(spad, "weight_q", fire, entry_in);

    // Stage 1: pass right, register the gated spike.
    if pass_right {
        let spike_r = m.reg("spike_r", Bool);
        m.next(spike_r, spike_in);
        let valid_r = m.reg("valid_r", Bool);
        m.next(valid_r, valid_in);
        let entry_r = m.reg_no_reset("entry_r", UInt(eb));
        m.next(entry_r, entry_in);
        m.output_from("spike_out", spike_r);
        m.output_from("valid_out", valid_r);
        m.output_from("entry_out", entry_r);
    }
    let fire_q = m.reg("fire_q", Bool);
    m.next(fire_q, fire);

    // Stage 2: spike-gated accumulate.
    let addend = fire_q.select(weight_q.sext(p.psum_bits), Expr::sint(0, p.psum_bits));
    let psum_r = m.reg("psum_r", SInt(p.psum_bits));
    m.next(psum_r, psum_in.wrapping_add(addend));

    m.output_from("psum_out", psum_r);
    m.finish()
}
