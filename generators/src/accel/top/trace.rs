//! The spike trace (docs/accelerator.md §4, §8): with CTRL.trace set, after a hidden stage's
//! LIF phase its output spike words go to the result stream in (ct, p, t) order over the pooled positions, one read of
//! the output-role spike buffer per beat.

use super::common::{apply_tracked, fit, row_address};

use super::result_stream::ResultRegs;
use super::sequencer::ph;
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The trace's beats and its end.
#[derive(Clone, Debug)]
pub struct Trace {
    /// A word was read last cycle: its beat goes out now.
    pub pending: Signal,
    /// The word read (valid with `pending`).
    pub word: Expr,
    /// Every word is out (TRACE phase ends).
    pub done: Signal,
}

/// Builds the trace readout; `restart` (the LIF phase's end) rewinds it.
pub fn build(m: &mut ModuleBuilder, cx: Ctx, result: &ResultRegs, restart: Signal) -> Trace {
    let Ctx {
        g, seq, desc, bufs, ..
    } = cx;
    // A read was issued last cycle (two cycles ago with `ram_output_regs`, whose read words
    // are registered before the beat takes them: one TRACE cycle more per word, which no
    // counter counts).
    let (issued, pending) = if g.p.ram_output_regs {
        let issued = m.reg("trace_issued", Bool);
        let pending = m.reg("trace_pending", Bool);
        m.next(pending, issued & !restart.expr());
        (issued, pending)
    } else {
        let pending = m.reg("trace_pending", Bool);
        (pending, pending)
    };
    let ct = m.reg("trace_ct", UInt(g.fw));
    let p = m.reg("trace_p", UInt(g.fw));
    let t = m.reg("trace_t", UInt(g.wb));
    // Words go out in (ct, p, t) order, so their spike row `ct·P + p` just counts.
    let row = m.reg("trace_row", UInt(g.sa));
    let all = m.reg("trace_all_issued", Bool);
    let addr = m.wire_from(
        "trace_addr",
        row_address(row.expr(), g.blog, t.expr(), g.sa),
    );
    let in_trace = m.wire_from("in_trace", seq.in_phase(ph::TRACE));
    let waiting = if g.p.ram_output_regs {
        issued | pending
    } else {
        pending.expr()
    };
    let issue = m.wire_from(
        "trace_issue",
        in_trace & !waiting.clone() & !result.valid & !all,
    );
    // The stage's output is in the output-role buffer: B when role = 0.
    let qa = m.mem_read(bufs.spike_a, "trace_qa", issue & seq.role, addr);
    let qb = m.mem_read(bufs.spike_b, "trace_qb", issue & !seq.role, addr);
    // Whether t, p and ct are at their last values: compares (without `ram_output_regs`) or
    // registers set from their next values, so the loop's enables start at registers. (A flag
    // holds while its index holds, so the bounds, the window's length and the stage's shape,
    // must be set before the restart, whose rule recomputes every flag: they are.)
    let flags = g.p.ram_output_regs.then(|| {
        [
            m.reg("trace_last_t", Bool),
            m.reg("trace_last_p", Bool),
            m.reg("trace_last_ct", Bool),
        ]
    });
    let last_t_of = |t: Expr| t.wrapping_add(1).is_eq(seq.tw);
    let last_p_of = |p: Expr| p.wrapping_add(1).is_eq(fit(desc.pooled_p, g.fw));
    let last_ct_of = |ct: Expr| ct.is_eq(fit(desc.n_ct_m1, g.fw));
    let (last_t, last_p, last_ct) = match flags {
        Some([lt, lp, lc]) => (lt.expr(), lp.expr(), lc.expr()),
        None => (
            last_t_of(t.expr()),
            last_p_of(p.expr()),
            last_ct_of(ct.expr()),
        ),
    };
    let done = m.wire_from("trace_done", in_trace & all & !result.valid & !waiting);
    Update::new(issued)
        .when(restart, false)
        .when(issue, true)
        .when(issued, false)
        .apply(m);
    let t_update = Update::new(t).when(restart, 0).when(
        issue,
        last_t
            .clone()
            .select(Expr::uint(0, g.wb), t.wrapping_add(1)),
    );
    let p_update = Update::new(p).when(restart, 0).when(
        issue & last_t.clone(),
        last_p
            .clone()
            .select(Expr::uint(0, g.fw), p.wrapping_add(1)),
    );
    let ct_update = Update::new(ct)
        .when(restart, 0)
        .when(issue & last_t.clone() & last_p.clone(), ct.wrapping_add(1));
    let [lt, lp, lc] = flags.map_or([None; 3], |f| f.map(Some));
    apply_tracked(m, t_update, lt, last_t_of);
    apply_tracked(m, p_update, lp, last_p_of);
    apply_tracked(m, ct_update, lc, last_ct_of);
    Update::new(row)
        .when(restart, 0)
        .when(issue & last_t.clone(), row.wrapping_add(1))
        .apply(m);
    Update::new(all)
        .when(restart, false)
        .when(issue & last_t & last_p & last_ct, true)
        .apply(m);
    let (qa, qb) = if g.p.ram_output_regs {
        let ra = m.reg_no_reset("trace_qa_r", qa.ty());
        m.next(ra, qa);
        let rb = m.reg_no_reset("trace_qb_r", qb.ty());
        m.next(rb, qb);
        (ra, rb)
    } else {
        (qa, qb)
    };
    Trace {
        pending,
        word: seq.role.select(qa, qb),
        done,
    }
}
