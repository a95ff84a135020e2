//! The classifier's logit accumulators (docs/accelerator.md §7), a module of their own:
//! `max_classes` signed registers `z[k]`; in a cycle with `add`, the psum word of column tile
//! `word_index` adds lane `k mod cols` to `z[k]` for every class `k` of that tile below
//! `classes`; `clear` zeroes them all (it wins over `add`). With `early_hits`, `add`,
//! `word_index` and `classes` come a cycle before the psum word: each class registers whether
//! the word will be its own (`hit_k`), so every logit's enable is a register of its own
//! rather than one `add` fanning out to all `max_classes × logit_bits` flip-flops. With
//! `tree_reads` a read port is a balanced tree of two-way selects on the address bits (a
//! priority chain of compares otherwise: the same values). Two read ports (the entropy unit's
//! and the result stream's) show `z[addr]` combinationally, `z[0]` for an address at or beyond
//! `max_classes`.
//!
//! Widths: `psum_bits` per lane of the psum word, `logit_bits` per logit, both two's
//! complement; the sum wraps at `logit_bits` (DESIGN.md §4 keeps logits within range).

use super::pe::clog2;
use spikeforge_dsl::prelude::*;

/// Generation parameters of [`logit_accumulators`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogitAccParams {
    /// Classes held (`rtl.max_classes`, 2..=64).
    pub max_classes: u32,
    /// Lanes of a psum word (`cols`).
    pub cols: u32,
    /// Width of a psum lane (bits).
    pub psum_bits: u32,
    /// Width of a logit (bits).
    pub logit_bits: u32,
    /// Width of the column-tile index `word_index` (bits).
    pub index_bits: u32,
    /// `add`, `word_index` and `classes` arrive a cycle ahead of `psums`, and each class's
    /// hit is registered (module docs).
    pub early_hits: bool,
    /// The read ports are balanced select trees (module docs).
    pub tree_reads: bool,
}

impl LogitAccParams {
    /// The psum lanes that hold classes: `min(cols, max_classes)`.
    pub fn lanes(&self) -> u32 {
        self.cols.min(self.max_classes)
    }
}

/// The module's ports, as the signals its builder returned (typed instance ports).
#[derive(Debug, Clone, Copy)]
pub struct LogitAccPorts {
    /// In: zero every logit (one bit).
    pub clear: Signal,
    /// In: add the psum word this cycle (one bit).
    pub add: Signal,
    /// In: the column tile whose psum word this is (`index_bits`).
    pub word_index: Signal,
    /// In: the classes K (16 bits): classes at or above it are left alone.
    pub classes: Signal,
    /// In: the psum word's lanes that hold classes, lane j in bits `j·psum_bits ..`
    /// (`min(cols, max_classes) × psum_bits`: [`LogitAccParams::lanes`]).
    pub psums: Signal,
    /// In: read port A's class (`⌈log2(max_classes + 1)⌉` bits).
    pub addr_a: Signal,
    /// Out: `z[addr_a]` (`SInt(logit_bits)`).
    pub data_a: Signal,
    /// In: read port B's class.
    pub addr_b: Signal,
    /// Out: `z[addr_b]`.
    pub data_b: Signal,
}

/// The module name: `sf_logits_k{K}_c{cols}_p{psum_bits}_l{logit_bits}_i{index_bits}`, with
/// `_e` for `early_hits` and `_t` for `tree_reads`.
pub fn module_name(p: &LogitAccParams) -> String {
    format!(
        "sf_logits_k{}_c{}_p{}_l{}_i{}{}{}",
        p.max_classes,
        p.cols,
        p.psum_bits,
        p.logit_bits,
        p.index_bits,
        if p.early_hits { "_e" } else { "" },
        if p.tree_reads { "_t" } else { "" }
    )
}

/// Builds the logit accumulators; returns the module and its ports.
pub fn logit_accumulators(p: &LogitAccParams) -> (Module, LogitAccPorts) {
    let (lb, pb) = (p.logit_bits, p.psum_bits);
    let kb = clog2(u64::from(p.max_classes.max(2)) + 1);
    let mut m = ModuleBuilder::new(module_name(p));
    m.param("max_classes", p.max_classes)
        .param("cols", p.cols)
        .param("psum_bits", pb)
        .param("logit_bits", lb)
        .param("index_bits", p.index_bits);
    if p.early_hits {
        m.param("early_hits", 1);
    }
    if p.tree_reads {
        m.param("tree_reads", 1);
    }
    let clear = m.input("clear", Bool);
    let add = m.input("add", Bool);
    let word_index = m.input("word_index", UInt(p.index_bits));
    let classes = m.input("classes", UInt(16));
    let psums = m.input("psums", UInt(p.lanes() * pb));
    let addr_a = m.input("addr_a", UInt(kb));
    let addr_b = m.input("addr_b", UInt(kb));
    let wide = lb.max(pb);
    let mut logits = Vec::new();
    for k in 0..p.max_classes {
        let z = m.reg(format!("logit_{k}"), SInt(lb));
        let lane = k % p.cols;
        let term = psums
            .bits(lane * pb + pb - 1, lane * pb)
            .as_sint()
            .sext(wide);
        let hit = add & word_index.is_eq(u64::from(k / p.cols)) & classes.is_gt(u64::from(k));
        let hit = if p.early_hits {
            let r = m.reg(format!("hit_{k}"), Bool);
            m.next(r, hit);
            r.expr()
        } else {
            hit
        };
        let sum = z.sext(wide).wrapping_add(term).trunc(lb);
        m.next(
            z,
            clear.select(Expr::sint(0, lb), hit.select(sum, z.expr())),
        );
        logits.push(z);
    }
    let read = |addr: Signal| -> Expr {
        if p.tree_reads {
            return select_tree(&logits, addr, kb - 1, 0).1;
        }
        let mut out: Expr = logits[0].expr();
        for (k, z) in logits.iter().enumerate().skip(1) {
            out = addr.is_eq(k as u64).select(*z, out);
        }
        out
    };
    let data_a = m.output_from("data_a", read(addr_a));
    let data_b = m.output_from("data_b", read(addr_b));
    let ports = LogitAccPorts {
        clear,
        add,
        word_index,
        classes,
        psums,
        addr_a,
        data_a,
        addr_b,
        data_b,
    };
    (m.finish(), ports)
}

/// `z[addr]` for the addresses `base .. base + 2^(bit + 1)` (`z[0]` beyond the registers):
/// address bit `bit` selects between the two halves, each a tree on the bits below. A half
/// that holds one register only is that register (returned as its index with the value).
fn select_tree(logits: &[Signal], addr: Signal, bit: u32, base: u64) -> (Option<usize>, Expr) {
    let half = |base: u64| -> (Option<usize>, Expr) {
        if bit == 0 {
            let k = if (base as usize) < logits.len() {
                base as usize
            } else {
                0
            };
            (Some(k), logits[k].expr())
        } else {
            select_tree(logits, addr, bit - 1, base)
        }
    };
    let (low, high) = (half(base), half(base + (1 << bit)));
    match (low.0, high.0) {
        (Some(a), Some(b)) if a == b => low,
        _ => (None, addr.bit(bit).select(high.1, low.1)),
    }
}
