//! The column accumulators below the PE array (docs/accelerator.md §5), a module of their own:
//! one accumulator per array column sums the partial sums of a (p, t)'s row tiles as they leave
//! the array, and with the last row tile the module gives the psum-buffer word to write — the
//! sums themselves for the first group of row tiles, the sums added to the buffer's word (read
//! a cycle earlier by the top) for the later groups (read-modify-write).
//!
//! ```text
//!  valid first last group0   psums (lane j: bits j·P..)   old (psum word read for the RMW)
//!    │     │     │    │          │                          │
//!    ▼     ▼     ▼    ▼          ▼                          ▼
//!  acc_j ← first ? psum_j : acc_j + psum_j (when valid)     │
//!  sum_j = that value ───────────────► word_j = group0 ? sum_j : old_j + sum_j
//!  write = valid ∧ last
//! ```
//!
//! Widths: `psum_bits` per lane, two's complement, every addition wrapping at `psum_bits`
//! (the hardware's partial sums; DESIGN.md keeps them within range).

use spikeforge_dsl::prelude::*;

/// Generation parameters of [`column_accumulators`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnAccParams {
    /// Array columns = lanes (1..=64).
    pub cols: u32,
    /// Partial-sum width of a lane (bits, 4..=48).
    pub psum_bits: u32,
}

/// The module's ports, as the [`Signal`]s its builder returned: connect an instance with
/// them ([`ModuleBuilder::connect`], [`Instance::out`]) instead of port-name strings.
#[derive(Debug, Clone, Copy)]
pub struct ColumnAccPorts {
    /// In: the array's output is valid this cycle (one bit).
    pub valid: Signal,
    /// In: it is the (p, t)'s first row tile of its group (the accumulators restart).
    pub first: Signal,
    /// In: it is the group's last row tile (the word is written).
    pub last: Signal,
    /// In: the group is the first (the word is written as it is, not added to `old`).
    pub group0: Signal,
    /// In: the array's partial sums, lane j in bits `j·psum_bits ..` (`cols × psum_bits`).
    pub psums: Signal,
    /// In: the psum-buffer word of this (p, t), for the read-modify-write of later groups.
    pub old: Signal,
    /// Out: write the word this cycle (`valid ∧ last`).
    pub write: Signal,
    /// Out: the word to write (`cols × psum_bits`).
    pub word: Signal,
}

/// The module name: `sf_col_acc_c{cols}_p{psum_bits}`.
pub fn module_name(p: &ColumnAccParams) -> String {
    format!("sf_col_acc_c{}_p{}", p.cols, p.psum_bits)
}

/// Builds the column accumulators; returns the module and its ports.
pub fn column_accumulators(p: &ColumnAccParams) -> (Module, ColumnAccPorts) {
    let (cols, pb) = (p.cols, p.psum_bits);
    let mut m = ModuleBuilder::new(module_name(p));
    m.param("cols", cols).param("psum_bits", pb);
    let valid = m.input("valid", Bool);
    let first = m.input("first", Bool);
    let last = m.input("last", Bool);
    let group0 = m.input("group0", Bool);
    let psums = m.input("psums", UInt(cols * pb));
    let old = m.input("old", UInt(cols * pb));
    let mut lanes = Vec::new();
    for j in 0..cols {
        let lane = psums.bits(j * pb + pb - 1, j * pb).as_sint();
        let acc = m.reg(format!("acc_{j}"), SInt(pb));
        let sum = m.wire_from(
            format!("sum_{j}"),
            first.select(lane.clone(), acc.wrapping_add(lane)),
        );
        m.next_when(acc, valid, sum);
        let old_lane = old.bits(j * pb + pb - 1, j * pb).as_sint();
        lanes.push(
            group0
                .select(sum.expr(), old_lane.wrapping_add(sum))
                .as_uint(),
        );
    }
    let write = m.output_from("write", valid & last);
    let word = m.output_from("word", Expr::cat(lanes.into_iter().rev()));
    let ports = ColumnAccPorts {
        valid,
        first,
        last,
        group0,
        psums,
        old,
        write,
        word,
    };
    (m.finish(), ports)
}
