//! The performance counters (docs/accelerator.md §9): one `counter_bits`-wide register per
//! counter of the catalog, cleared when a run starts, adding every cycle the increments the
//! blocks report for it (the phase cycle counters are the sequencer's).

use super::common::{fit, u};
use super::sequencer::{ph, Sequencer};
use spikeforge_config::catalog::Counter;
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

/// The counter registers, in the catalog's order, from every block's `(counter, increment)`
/// pairs (increments of one counter add up).
pub fn build(
    m: &mut ModuleBuilder,
    seq: &Sequencer,
    cw: u32,
    incs: &[(Counter, Expr)],
) -> Vec<Signal> {
    Counter::ALL
        .iter()
        .map(|&counter| {
            let inc = incs
                .iter()
                .filter(|(c, _)| *c == counter)
                .map(|(_, e)| fit(e.clone(), cw))
                .reduce(|a, b| a.wrapping_add(b))
                .unwrap_or_else(|| panic!("no block counts {counter:?}"));
            let reg = m.reg(format!("count_{}", counter.name()), UInt(cw));
            m.next(reg, seq.run_start.select(u(0, cw), reg.wrapping_add(inc)));
            reg
        })
        .collect()
}
