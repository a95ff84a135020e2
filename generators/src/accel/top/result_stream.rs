//! The result stream (docs/accelerator.md §8): trace words (kind 0), logits (kind 1, with
//! CTRL.trace, after each entropy evaluation) and the final beat (kind 2: prediction and
//! exit timestep), one beat at a time.

use super::common::fit;
use super::registers::HostInputs;
use super::sequencer::ph;
use super::trace::Trace;
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The result stream's registers (declared before the trace, which waits on `valid`).
#[derive(Clone, Copy, Debug)]
pub struct ResultRegs {
    /// `r_valid`.
    pub valid: Signal,
    /// `r_kind`.
    pub kind: Signal,
    /// `r_data`.
    pub data: Signal,
    /// A beat is taken.
    pub fire: Signal,
}

impl ResultRegs {
    /// Declares the registers.
    pub fn declare(m: &mut ModuleBuilder, host: &HostInputs) -> ResultRegs {
        let valid = m.reg("r_valid_r", Bool);
        ResultRegs {
            valid,
            kind: m.reg("r_kind_r", UInt(2)),
            data: m.reg("r_data_r", UInt(32)),
            fire: m.wire_from("r_fire", valid & host.r_ready),
        }
    }
}

/// Drives the beats: a pending trace word, the next logit in the LOGITS phase (the logit
/// index rewinds at `rewind_logits`), the final beat in FINAL (sent when the inference
/// exited); and drives `logits_done`, the end of the LOGITS phase.
pub fn drive(
    m: &mut ModuleBuilder,
    cx: Ctx,
    r: &ResultRegs,
    trace: &Trace,
    logit: (Expr, Signal),
    rewind_logits: Expr,
    logits_done: Signal,
) {
    let Ctx { g, seq, desc, .. } = cx;
    let in_logits = m.wire_from("in_logits", seq.in_phase(ph::LOGITS));
    let index = m.reg("logit_index", UInt(g.kb));
    let index_update = Update::new(index)
        .when(rewind_logits, 0)
        .when(in_logits & r.fire, index.wrapping_add(1));
    let classes = fit(desc.m, g.kb);
    // Every logit is out (`index ≥ K`): a compare, or with `ram_output_regs` a register set
    // from the index's next value (K holds through the classifier stage, and the index is
    // rewound before each pass), so the compare is off the paths into the beat and the
    // classify loop's restart.
    let all_sent = if g.p.ram_output_regs {
        let sent = m.reg("logits_all_sent", Bool);
        let classes = classes.clone();
        m.next(
            sent,
            index_update.next_value_of(|v| v.is_ge(classes.clone()), sent.expr()),
        );
        sent.expr()
    } else {
        index.is_ge(classes.clone())
    };
    index_update.apply(m);
    // The logit registers' read port B shows logit `index`.
    let (logit, logit_addr) = logit;
    m.drive(logit_addr, index);
    let logit = logit.sext(32);
    let logit_beat = if g.p.ram_output_regs {
        in_logits & !r.valid & !all_sent.clone()
    } else {
        in_logits & !r.valid & index.is_lt(classes)
    };
    m.drive(logits_done, in_logits & all_sent & !r.valid);
    let final_go = m.wire_from("final_go", seq.in_phase(ph::FINAL) & !r.valid);
    let final_beat = Expr::cat([fit(seq.prediction, 16), fit(seq.exit_t, 16)]);
    Update::new(r.valid)
        .when(r.fire, false)
        .when(trace.pending, true)
        .when(logit_beat.clone(), true)
        .when(final_go & seq.exited, true)
        .apply(m);
    Update::new(r.kind)
        .when(trace.pending, 0)
        .when(logit_beat.clone(), 1)
        .when(final_go, 2)
        .apply(m);
    Update::new(r.data)
        .when(trace.pending, fit(trace.word.clone(), 32))
        .when(logit_beat, logit.as_uint())
        .when(final_go, final_beat)
        .apply(m);
}
