//! The classifier stage's phases (docs/accelerator.md §7): CLASSIFY adds the psum words of
//! each timestep to the logit registers; ENTROPY runs the entropy unit over them and decides
//! whether the inference exits (DT-SNN) with `exit_t` and `prediction`.

use super::super::entropy_unit::{entropy_unit, EntropyUnitParams};
use super::super::entropy_unit_serial::{entropy_unit_serial, entropy_unit_serial_pipelined};
use super::super::logit_accumulators::{logit_accumulators, LogitAccParams};
use super::super::params::cls_pipe;
use super::super::pe::clog2;
use super::common::{fit, lanes, row_address, u};
use super::geometry::Geometry;
use super::sequencer::ph;
use super::Ctx;
use spikeforge_config::catalog::Counter;
use spikeforge_config::EntropyUnitKind;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The classify loop's read side: one psum word per cycle, `ct` in 0..n_ct, at timestep
/// `tl` of the window (declared before the LIF phase, which owns the shared read port).
#[derive(Clone, Copy, Debug)]
pub struct ClassifyIssue {
    /// Reading.
    pub busy: Signal,
    /// Column tile read.
    pub ct: Signal,
    /// Timestep within the window being classified.
    pub tl: Signal,
    /// `ct·P`, stepped.
    pub psum_row: Signal,
    /// The psum address `ct·P·B_max + tl`.
    pub addr: Signal,
}

impl ClassifyIssue {
    /// Declares the loop registers and the address.
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry) -> ClassifyIssue {
        let busy = m.reg("cls_busy", Bool);
        let ct = m.reg("cls_ct", UInt(g.fw));
        let tl = m.reg("cls_tl", UInt(g.wb));
        let psum_row = m.reg("cls_psum_row", UInt(g.pa));
        let addr = m.wire_from(
            "cls_psum_addr",
            row_address(psum_row.expr(), g.blog, tl.expr(), g.pa),
        );
        ClassifyIssue {
            busy,
            ct,
            tl,
            psum_row,
            addr,
        }
    }
}

/// The classifier's results and events.
#[derive(Clone, Debug)]
pub struct Classify {
    /// The CLASSIFY phase ends.
    pub done: Signal,
    /// The entropy unit finished (ENTROPY phase ends).
    pub entropy_finish: Signal,
    /// The inference exits now.
    pub exit_now: Signal,
    /// The exit timestep (1-based) if it exits now.
    pub exit_t: Expr,
    /// The prediction if it exits now.
    pub prediction: Expr,
    /// Timesteps of the window remain to classify.
    pub more_t: Expr,
    /// The logit the result stream reads: `z[result_logit_addr]`.
    pub result_logit: Expr,
    /// The class the result stream reads (a wire it drives).
    pub result_logit_addr: Signal,
    /// What the phases add to the counters (§9).
    pub counts: Vec<(Counter, Expr)>,
}

/// The events that (re)start the classify loop.
pub struct ClassifyStarts {
    /// The classifier stage's array phase ended: timestep 0 of the window.
    pub first: Expr,
    /// The logit beats are out (a wire driven by the result stream).
    pub logits_done: Signal,
}

/// Builds the classify loop, the logits and the entropy unit; `psum_q` is the psum read
/// port's word (registered with `ram_output_regs`).
pub fn build(
    m: &mut ModuleBuilder,
    cx: Ctx,
    issue: &ClassifyIssue,
    psum_q: Signal,
    starts: ClassifyStarts,
) -> Classify {
    let Ctx {
        g,
        globals,
        seq,
        desc,
        ..
    } = cx;
    let (lb, pb) = (g.lb, g.pb);
    let ClassifyIssue {
        busy,
        ct,
        tl,
        psum_row,
        ..
    } = *issue;
    let last_ct = m.wire_from("cls_last_ct", ct.is_eq(fit(desc.n_ct_m1, g.fw)));
    let v1 = m.reg("cls_v1", Bool);
    m.next(v1, busy);
    let ct1 = m.reg_no_reset("cls_ct1", UInt(g.fw));
    m.next(ct1, ct);
    // With `ram_output_regs` the psum word arrives registered, a cycle later: the logits add
    // it in the step's third cycle (`cls_pipe`), their per-class hits registered from the
    // step's second (`early_hits`); their read ports are select trees (`tree_reads`).
    let issue_end = m.wire_from("cls_issue_end", busy & last_ct);
    let tail = m.reg("cls_tail", UInt(2));
    let done = m.wire_from("cls_done", seq.in_phase(ph::CLASSIFY) & tail.is_eq(1));

    // Logit registers: z[k] += psum(k, p = 0, t), lane k mod cols of word k / cols (a module
    // of their own, with read ports for the entropy unit and the result stream).
    let logit_params = LogitAccParams {
        max_classes: g.p.max_classes,
        cols: g.cols,
        psum_bits: pb,
        logit_bits: lb,
        index_bits: g.fw,
        early_hits: g.p.ram_output_regs,
        tree_reads: g.p.ram_output_regs,
    };
    let (logit_module, lp) = logit_accumulators(&logit_params);
    let logits = m.instance("u_logits", &logit_module);
    // The clear at a run start; with `ram_output_regs` registered (it reaches all the logit
    // registers, across the die on an FPGA): a cycle later is early enough, the first logit
    // update comes in a classify phase, long after.
    if g.p.ram_output_regs {
        let clear = m.reg("logits_clear", Bool);
        m.next(clear, seq.run_start);
        m.connect(&logits, lp.clear, clear);
    } else {
        m.connect(&logits, lp.clear, seq.run_start);
    }
    m.connect(&logits, lp.add, v1);
    m.connect(&logits, lp.word_index, ct1);
    m.connect(&logits, lp.classes, fit(desc.m, 16));
    m.connect(
        &logits,
        lp.psums,
        psum_q.bits(logit_params.lanes() * pb - 1, 0),
    );
    let result_logit_addr = m.wire("result_logit_addr", UInt(g.kb));
    m.connect(&logits, lp.addr_b, result_logit_addr);

    // The entropy unit (parallel or serial, `[rtl] entropy_unit`): starts in the classify
    // phase's last cycle, once every logit update has landed (it reads class 0 on its start
    // edge); ENTROPY lasts its latency (2K + 22 or 32K + 40 edges) plus the cycle in which
    // `done` is seen.
    let eu_params = EntropyUnitParams {
        max_classes: g.p.max_classes,
        logit_bits: lb,
    };
    let eu_module = match g.p.entropy_unit {
        EntropyUnitKind::Parallel => entropy_unit(&eu_params),
        EntropyUnitKind::Serial => entropy_unit_serial(&eu_params),
        EntropyUnitKind::SerialPipelined => entropy_unit_serial_pipelined(&eu_params),
    };
    let eu = m.instance("u_entropy", &eu_module);
    let entropy_start = m.wire_from("entropy_start", done);
    m.connect(&eu, "start", entropy_start);
    m.connect(
        &eu,
        "num_classes",
        fit(globals.num_classes, clog2(u64::from(g.p.max_classes) + 1)),
    );
    m.connect(&eu, "frac_bits", globals.frac_bits);
    m.connect(&eu, "rlnk", globals.rlnk);
    m.connect(&eu, "theta_q", globals.theta_q);
    m.connect(&logits, lp.addr_a, fit(eu.out("logit_addr"), g.kb));
    let read_q = m.reg_no_reset("logit_read_q", SInt(lb));
    m.next(read_q, logits.out(lp.data_a));
    m.connect(&eu, "logit_data", read_q);
    let _ = (eu.out("busy"), eu.out("h_q"));
    let in_entropy = m.wire_from("in_entropy", seq.in_phase(ph::ENTROPY));
    let entropy_finish = m.wire_from("entropy_finish", in_entropy & eu.out("done"));
    // The timestep the inference would exit at, and whether it is the last, registered off
    // the path from the entropy unit's `done` into the sequencer: t0 and the window timestep
    // change only when the classify loop starts, dozens of cycles (a classify pass and an
    // entropy evaluation) before the `done` that reads them.
    let exit_t = m.reg_no_reset("cls_exit_t", UInt(g.tb));
    m.next(exit_t, seq.t0.wrapping_add(fit(tl, g.tb)).wrapping_add(1));
    let last_timestep = m.reg_no_reset("cls_last_timestep", Bool);
    m.next(
        last_timestep,
        seq.t0
            .wrapping_add(fit(tl, g.tb))
            .wrapping_add(1)
            .is_ge(globals.timesteps),
    );
    let exit_now = m.wire_from(
        "exit_now",
        entropy_finish & (eu.out("exit") | last_timestep),
    );
    let more_t = tl.wrapping_add(1).is_lt(seq.tw);
    // With `ram_output_regs`, registered: it is read only where an entropy evaluation or the
    // logit beats end (here and in the sequencer), dozens of cycles after `tl` or the
    // window's length last changed, so the register's cycle of lag is never seen, and the add
    // and compare leave the path from the entropy unit's `done` into the loop's restart
    // (docs/fpga.md). No cycle changes.
    let more_t = if g.p.ram_output_regs {
        let r = m.reg("cls_more_t", Bool);
        m.next(r, more_t);
        r.expr()
    } else {
        more_t
    };

    // The loop: restarted for the window's next timestep after the entropy evaluation (or
    // after the logit beats when tracing).
    let restart = (entropy_finish & !exit_now.expr() & more_t.clone() & !seq.trace_en.expr())
        | (starts.logits_done & !seq.exited.expr() & more_t.clone());
    let start = m.wire_from("cls_start", starts.first.clone() | restart.clone());
    Update::new(busy)
        .when(start, true)
        .when(issue_end, false)
        .apply(m);
    Update::new(ct)
        .when(start, 0)
        .when(busy, ct.wrapping_add(1))
        .apply(m);
    Update::new(psum_row)
        .when(start, 0)
        .when(busy, psum_row.wrapping_add(fit(desc.p, g.pa)))
        .apply(m);
    Update::new(tail)
        .when(issue_end, cls_pipe(&g.p))
        .when(tail.is_ne(0), tail.wrapping_sub(1))
        .apply(m);
    Update::new(tl)
        .when(restart, tl.wrapping_add(1))
        .when(starts.first, 0)
        .apply(m);

    let cls_lanes = lanes(&ct.expr(), &desc.m.expr(), g.cols, g.fw, g.lw);
    let reading = busy.select(cls_lanes, u(0, g.lw));
    let counts = vec![
        (Counter::PsumBufferReads, reading.clone()),
        (Counter::ClassifierUpdates, reading),
        (Counter::EntropyEvaluations, done.expr()),
    ];
    Classify {
        done,
        entropy_finish,
        exit_now,
        exit_t: exit_t.expr(),
        prediction: fit(eu.out("prediction"), g.kb),
        more_t,
        result_logit: logits.out(lp.data_b),
        result_logit_addr,
        counts,
    }
}
