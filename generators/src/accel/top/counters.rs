//! The performance counters (docs/accelerator.md §9), as a counter file: the counts live in
//! one block RAM of `Counter::COUNT` words of `counter_bits`, and each counter keeps only a
//! narrow local accumulator of its increments. A flush slot walks the counters round robin,
//! one per cycle: it takes counter `k`'s accumulator (restarting it with this cycle's
//! increment) and, the next cycle, adds it to the word read from the RAM and writes the sum
//! back. An accumulator therefore holds at most `COUNT` cycles of increments, so it is only
//! `increment bits + ⌈log2(COUNT + 1)⌉` wide instead of `counter_bits`, and the 64-bit adders
//! are one instead of 25.
//!
//! A run start clears the accumulators and makes the next round write `0 + accumulator`
//! (so does reset). The counts are *settled* (every increment is in the RAM) once a whole
//! round has passed with the design idle; until then STATUS.busy stays set and counter words
//! read as 0. Once settled, the RAM's read port serves the register bus.

use super::common::{fit, u};
use super::registers::HostInputs;
use super::sequencer::{ph, Sequencer};
use crate::accel::pe::clog2;
use spikeforge_config::catalog::{self, Counter};
use spikeforge_dsl::prelude::*;

/// The cycle counters: a phase's cycles, and `cycles` over the array, LIF, classify and
/// entropy phases.
pub fn phase_cycles(seq: &Sequencer) -> Vec<(Counter, Expr)> {
    let array = seq.in_phase(ph::ARRAY);
    let lif = seq.in_phase(ph::LIF);
    let classify = seq.in_phase(ph::CLASSIFY);
    let entropy = seq.in_phase(ph::ENTROPY);
    vec![
        (
            Counter::Cycles,
            array.clone() | lif.clone() | classify.clone() | entropy.clone(),
        ),
        (Counter::ArrayCycles, array),
        (Counter::LifCycles, lif),
        (Counter::ClassifyCycles, classify),
        (Counter::EntropyCycles, entropy),
    ]
}

/// What the register read needs of the counter file.
#[derive(Clone, Debug)]
pub struct CounterFile {
    /// Every increment is in the RAM and nothing runs: the counters may be read.
    pub settled: Signal,
    /// The previous cycle's bus read addressed a counter word while settled.
    pub word_valid: Signal,
    /// That word (32 bits; the high word of a counter of ≤ 32 bits reads 0).
    pub word: Expr,
}

/// One counter's summed increment, at its natural width (bits: the widest term plus one per
/// doubling of the number of terms).
fn increment_of(counter: Counter, incs: &[(Counter, Expr)]) -> Expr {
    let terms: Vec<&Expr> = incs
        .iter()
        .filter(|(c, _)| *c == counter)
        .map(|(_, e)| e)
        .collect();
    assert!(!terms.is_empty(), "no block counts {counter:?}");
    let widest = terms.iter().map(|e| e.width()).max().unwrap_or(1);
    let w = widest + clog2(terms.len() as u64);
    terms
        .into_iter()
        .map(|e| fit(e.clone(), w))
        .reduce(|a, b| a.wrapping_add(b))
        .unwrap_or_else(|| u(0, w))
}

/// Builds the counter file from every block's `(counter, increment)` pairs (increments of one
/// counter add up), and its bus read port.
pub fn build(
    m: &mut ModuleBuilder,
    seq: &Sequencer,
    host: &HostInputs,
    cw: u32,
    incs: &[(Counter, Expr)],
) -> CounterFile {
    let n = Counter::COUNT as u64;
    let sb = clog2(n);
    let file = m.mem("counter_file", n, UInt(cw));

    // The flush slot and the state of the round.
    let slot = m.reg("count_slot", UInt(sb));
    let settled = m.reg("count_settled", Bool);
    let clearing = m.reg_with_reset("count_clearing", Bool, 1);
    let round_clean = m.reg("count_round_clean", Bool);
    let active = seq.busy | seq.run_start;
    let flushing = m.wire_from("count_flushing", !settled.expr());
    let last = slot.is_eq(n - 1);
    let first = slot.is_eq(0);
    m.next(
        slot,
        (seq.run_start | last.clone()).select(u(0, sb), slot.wrapping_add(u(1, sb))),
    );
    m.next(
        clearing,
        seq.run_start
            .select(Expr::bool(true), clearing & !(last.clone() & flushing)),
    );
    m.next(
        round_clean,
        first.select(!active.clone(), round_clean & !active.clone()),
    );
    let round_done = m.reg("count_round_done", Bool);
    m.next(round_done, last & round_clean & !active.clone() & flushing);
    m.next(
        settled,
        active.select(Expr::bool(false), settled | round_done),
    );

    // The local accumulators; the flush slot takes one per cycle.
    let mut locals = Vec::new();
    for (k, &counter) in Counter::ALL.iter().enumerate() {
        let inc = increment_of(counter, incs);
        let lw = (inc.width() + clog2(n + 1)).min(cw);
        let local = m.reg(format!("count_{}_acc", counter.name()), UInt(lw));
        let taken = flushing & slot.is_eq(k as u64);
        m.next(
            local,
            seq.run_start.select(
                u(0, lw),
                taken.select(fit(inc.clone(), lw), local.wrapping_add(fit(inc, lw))),
            ),
        );
        locals.push(local);
    }
    let lmax = locals.iter().map(|l| l.width()).max().unwrap_or(1);
    let mut taken = u(0, lmax);
    for (k, local) in locals.iter().enumerate() {
        taken = slot.is_eq(k as u64).select(fit(*local, lmax), taken);
    }
    let snap = m.reg_no_reset("count_flush_value", UInt(lmax));
    m.next(snap, taken);
    let wslot = m.reg_no_reset("count_flush_slot", UInt(sb));
    m.next(wslot, slot);
    let wen = m.reg("count_flush_write", Bool);
    m.next(wen, flushing);
    let wclear = m.reg("count_flush_clear", Bool);
    m.next(wclear, clearing);

    // The RAM's one read port: the flush slot while flushing, the bus once settled.
    let base = catalog::COUNTER_BASE;
    let index = host.cfg_addr.bits(sb, 1);
    let is_counter = host.cfg_addr.bits(11, 6).is_eq(u(base >> 6, 6))
        & host.cfg_addr.bits(5, 0).is_lt(u(2 * n, 6));
    let q = m.mem_read(
        file,
        "counter_q",
        Expr::bool(true),
        settled.select(index, slot.expr()),
    );
    let sum = wclear
        .select(u(0, cw), q.expr())
        .wrapping_add(fit(snap, cw));
    m.mem_write(file, wen, wslot, sum);

    let word_valid = m.reg("count_read_valid", Bool);
    m.next(word_valid, settled & is_counter);
    let high = m.reg("count_read_high", Bool);
    m.next(high, host.cfg_addr.bit(0));
    let high_word = if cw > 32 {
        fit(q.bits(cw - 1, 32), 32)
    } else {
        u(0, 32)
    };
    let word = high.select(high_word, fit(q.bits(cw.min(32) - 1, 0), 32));
    CounterFile {
        settled,
        word_valid,
        word,
    }
}
