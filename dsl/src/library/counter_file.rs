//! A counter file: many wide event counters in one RAM (as Gemmini's `CounterFile` keeps its
//! counters narrow and few), for designs with more counters than they can afford adders for.
//!
//! Each counter keeps only a narrow local accumulator of its increments; a flush slot visits
//! one counter per cycle, round robin: it takes the accumulator (restarting it with that
//! cycle's increment) and, the next cycle, adds it to the counter's word read from the RAM and
//! writes the sum back. An accumulator therefore holds at most `n` cycles of increments
//! (`increment bits + ⌈log2(n + 1)⌉` wide) and the file has one `counter_bits`-wide adder.
//!
//! `clear` clears the accumulators and makes the next round write `0 + accumulator` into every
//! word (so does reset). The counts are **settled** — every increment is in the RAM — once a
//! whole round has passed with `active` and `clear` low; the caller keeps `active` high while
//! anything may still count. While settled, the RAM's read port serves `rd_addr` (the word
//! appears one cycle later, with `rd_valid`); otherwise `rd_valid` stays low.
//!
//! ```
//! use spikeforge_dsl::library::{counter_file, CounterFileSpec};
//! use spikeforge_dsl::prelude::*;
//!
//! let spec = CounterFileSpec {
//!     name: "perf_counters".into(),
//!     counter_bits: 48,
//!     increments: vec![("cycles".into(), 1), ("bytes".into(), 4)],
//! };
//! let file = counter_file(&spec);
//! let mut m = ModuleBuilder::new("top");
//! let busy = m.input("busy", Bool);
//! let u = m.instance("u_counters", &file);
//! m.connect(&u, "clear", Expr::bool(false));
//! m.connect(&u, "active", busy);
//! m.connect(&u, "inc_cycles", busy);
//! m.connect(&u, "inc_bytes", busy.select(Expr::uint(4, 4), Expr::uint(0, 4)));
//! m.connect(&u, "rd_addr", Expr::uint(1, spec.address_bits()));
//! m.output_from("bytes", u.out("rd_data"));
//! m.output_from("bytes_valid", u.out("rd_valid"));
//! elaborate(&m.finish()).unwrap();
//! ```

use crate::prelude::*;

/// What a counter file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterFileSpec {
    /// The module's name.
    pub name: String,
    /// Width of every counter (bits, 2..=64 in practice; wraps modulo `2^counter_bits`).
    pub counter_bits: u32,
    /// The counters, in address order: (name, width of its per-cycle increment in bits). Port
    /// `inc_<name>` takes the increment.
    pub increments: Vec<(String, u32)>,
}

impl CounterFileSpec {
    /// Number of counters.
    pub fn len(&self) -> u64 {
        self.increments.len() as u64
    }

    /// True when it holds no counter.
    pub fn is_empty(&self) -> bool {
        self.increments.is_empty()
    }

    /// Width of `rd_addr` (bits).
    pub fn address_bits(&self) -> u32 {
        bits_for(self.len().max(2) - 1)
    }

    /// Width of counter `k`'s local accumulator (bits): its increment's plus `⌈log2(n + 1)⌉`,
    /// at most `counter_bits`.
    pub fn accumulator_bits(&self, k: usize) -> u32 {
        let inc = self.increments[k].1;
        (inc + bits_for(self.len())).min(self.counter_bits)
    }
}

/// `e` (unsigned) zero-extended or truncated to `w` bits.
fn fit(e: Expr, w: u32) -> Expr {
    match e.width().cmp(&w) {
        std::cmp::Ordering::Less => e.zext(w),
        std::cmp::Ordering::Equal => e,
        std::cmp::Ordering::Greater => e.trunc(w),
    }
}

/// Bits to hold `v`.
fn bits_for(v: u64) -> u32 {
    (64 - v.leading_zeros()).max(1)
}

/// Generates the counter file `spec.name`. Ports: `clear`, `active` (`Bool`), one
/// `inc_<name>` per counter, `rd_addr` in; `settled`, `rd_valid` (`Bool`), `rd_data`
/// (`UInt(counter_bits)`) out.
pub fn counter_file(spec: &CounterFileSpec) -> Module {
    let n = spec.len().max(2);
    let sb = spec.address_bits();
    let cw = spec.counter_bits;
    let mut mb = ModuleBuilder::new(spec.name.clone());
    let m = &mut mb;
    m.param("counters", spec.len()).param("counter_bits", cw);
    let clear = m.input("clear", Bool);
    let active_in = m.input("active", Bool);
    let incs: Vec<Signal> = spec
        .increments
        .iter()
        .map(|(name, w)| m.input(format!("inc_{name}"), UInt(*w)))
        .collect();
    let rd_addr = m.input("rd_addr", UInt(sb));
    let file = m.mem("counts", n, UInt(cw));

    // The flush slot and the state of the round.
    let slot = m.reg("slot", UInt(sb));
    let settled = m.reg("settled_r", Bool);
    let clearing = m.reg_with_reset("clearing", Bool, 1);
    let round_clean = m.reg("round_clean", Bool);
    let round_done = m.reg("round_done", Bool);
    let active = m.wire_from("busy_now", active_in | clear);
    let flushing = m.wire_from("flushing", !settled.expr());
    let last = slot.is_eq(spec.len().max(1) - 1);
    m.next(
        slot,
        (clear | last.clone()).select(Expr::uint(0, sb), slot.wrapping_add(Expr::uint(1, sb))),
    );
    m.next(
        clearing,
        clear.select(Expr::bool(true), clearing & !(last.clone() & flushing)),
    );
    m.next(
        round_clean,
        slot.is_eq(0u64)
            .select(!active.expr(), round_clean & !active.expr()),
    );
    m.next(round_done, last & round_clean & !active.expr() & flushing);
    m.next(
        settled,
        active.select(Expr::bool(false), settled | round_done),
    );

    // The local accumulators; the flush slot takes one per cycle.
    let mut locals = Vec::new();
    for (k, (name, _)) in spec.increments.iter().enumerate() {
        let lw = spec.accumulator_bits(k);
        let inc = fit(incs[k].expr(), lw);
        let local = m.reg(format!("acc_{name}"), UInt(lw));
        let taken = flushing & slot.is_eq(k as u64);
        m.next(
            local,
            clear.select(
                Expr::uint(0, lw),
                taken.select(inc.clone(), local.wrapping_add(inc)),
            ),
        );
        locals.push(local);
    }
    let lmax = locals.iter().map(|l| l.width()).max().unwrap_or(1);
    let mut taken = Expr::uint(0, lmax);
    for (k, local) in locals.iter().enumerate() {
        taken = slot.is_eq(k as u64).select(fit(local.expr(), lmax), taken);
    }
    let snap = m.reg_no_reset("flush_value", UInt(lmax));
    m.next(snap, taken);
    let wslot = m.reg_no_reset("flush_slot", UInt(sb));
    m.next(wslot, slot);
    let wen = m.reg("flush_write", Bool);
    m.next(wen, flushing);
    let wclear = m.reg("flush_clear", Bool);
    m.next(wclear, clearing);

    // The RAM's one read port: the flush slot while flushing, `rd_addr` once settled.
    let q = m.mem_read(
        file,
        "rd_data_q",
        Expr::bool(true),
        settled.select(rd_addr, slot.expr()),
    );
    let sum = wclear
        .select(Expr::uint(0, cw), q.expr())
        .wrapping_add(fit(snap.expr(), cw));
    m.mem_write(file, wen, wslot, sum);
    let valid = m.reg("rd_valid_r", Bool);
    m.next(valid, settled);
    m.output_from("settled", settled);
    m.output_from("rd_valid", valid);
    m.output_from("rd_data", q);
    mb.finish()
}
