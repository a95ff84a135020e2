//! The performance counters (docs/accelerator.md §9): the catalog's counters in a counter file
//! (the DSL library's [`counter_file`], a submodule with its own tests: one block RAM, narrow
//! accumulators flushed round robin), cleared at a run start, active while the sequencer is
//! busy. Until the counts are *settled* STATUS.busy stays set and counter words read as 0;
//! once settled, the file's read port serves the register bus.

use super::common::{fit, u};
use super::registers::HostInputs;
use super::sequencer::{ph, Sequencer};
use crate::accel::pe::clog2;
use spikeforge_config::catalog::{self, Counter};
use spikeforge_dsl::library::{counter_file, CounterFileSpec};
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

/// Cycles an event's count lags the event (cycles): the array's count inputs and their
/// popcounts are registered (array_datapath.rs, two cycles), and so is every summed increment
/// before the counter file, so that no block-RAM output, popcount or multiplier feeds the
/// counters' accumulators in the same cycle. The counts, read once settled, are the same.
pub const COUNT_LAG: u32 = 3;

/// Cycles an event's count lags the event in a design with `[rtl] ram_output_regs`
/// (`register_terms`): one more than [`COUNT_LAG`], as every block's increment is registered
/// on its own before its counter's sum (the sums of several terms, each a lane count or a
/// select, are then not on one path).
pub fn count_lag(register_terms: bool) -> u32 {
    COUNT_LAG + u32::from(register_terms)
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

/// The register read's view of a design built without counters (`[rtl] counters = false`):
/// always settled, and no counter word (the counter registers read 0, as unmapped addresses
/// do). The blocks' increments feed only `counter_increments_unused` (a name Verilator's
/// lint knows as deliberately unused), so synthesis removes them.
pub fn none(m: &mut ModuleBuilder, incs: &[(Counter, Expr)]) -> CounterFile {
    let all = Expr::cat(incs.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>());
    let w = all.width();
    m.wire_from("counter_increments_unused", all.is_ne(u(0, w)));
    CounterFile {
        settled: m.wire_from("counters_settled", Expr::bool(true)),
        word_valid: m.wire_from("count_read_valid", Expr::bool(false)),
        word: u(0, 32),
    }
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

/// Builds the counter file (a [`counter_file`] instance, `u_counters`) from every block's
/// `(counter, increment)` pairs (increments of one counter add up), and its bus read. With
/// `register_terms` (`[rtl] ram_output_regs`) every pair's increment is registered
/// (`inc_<counter>_term<j>`) before the sums: the counts lag by [`count_lag`].
pub fn build(
    m: &mut ModuleBuilder,
    seq: &Sequencer,
    host: &HostInputs,
    cw: u32,
    register_terms: bool,
    incs: &[(Counter, Expr)],
) -> CounterFile {
    let registered: Vec<(Counter, Expr)>;
    let incs = if register_terms {
        let mut seen: Vec<Counter> = Vec::new();
        registered = incs
            .iter()
            .map(|(c, e)| {
                let j = seen.iter().filter(|s| *s == c).count();
                seen.push(*c);
                let r = m.reg(format!("inc_{}_term{j}", c.name()), e.ty());
                m.next(r, e.clone());
                (*c, r.expr())
            })
            .collect();
        &registered[..]
    } else {
        incs
    };
    let summed: Vec<(Counter, Expr)> = Counter::ALL
        .iter()
        .map(|&c| (c, increment_of(c, incs)))
        .collect();
    let spec = CounterFileSpec {
        name: format!("{}_counters", m.name()),
        counter_bits: cw,
        increments: summed
            .iter()
            .map(|(c, e)| (c.name().to_string(), e.width()))
            .collect(),
    };
    let n = spec.len();
    let ab = spec.address_bits();
    let unit = m.instance("u_counters", &counter_file(&spec));
    // The clear at a run start, registered: it reaches every accumulator of the file (across
    // the die on an FPGA) and comes from the decode of the host's CTRL write. A cycle later
    // is early enough: a run's first increment arrives `COUNT_LAG` cycles after its first
    // event, which is after the start.
    let clear = m.reg("counters_clear", Bool);
    m.next(clear, seq.run_start);
    m.connect(&unit, "clear", clear);
    // The counter file stays active until the last increment, [`count_lag`] cycles behind its
    // event, has reached it.
    let mut active = seq.busy.expr();
    let mut busy_d = seq.busy.expr();
    for k in 1..=count_lag(register_terms) {
        let r = m.reg(format!("count_busy_d{k}"), Bool);
        m.next(r, busy_d);
        busy_d = r.expr();
        active = active | busy_d.clone();
    }
    m.connect(&unit, "active", active);
    for (c, e) in summed {
        let r = m.reg(format!("inc_{}_r", c.name()), UInt(e.width()));
        m.next(r, e);
        m.connect(&unit, format!("inc_{}", c.name()), r);
    }
    let base = catalog::COUNTER_BASE;
    let is_counter = host.cfg_addr.bits(11, 6).is_eq(u(base >> 6, 6))
        & host.cfg_addr.bits(5, 0).is_lt(u(2 * n, 6));
    m.connect(&unit, "rd_addr", host.cfg_addr.bits(ab, 1));
    // (Not settled in the cycle the registered clear is on its way either.)
    let settled = m.wire_from("counters_settled", unit.out("settled") & !clear.expr());
    let q = m.wire_from("counter_q", unit.out("rd_data"));

    // A counter word of the bus: the read was a counter's, made while settled.
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
