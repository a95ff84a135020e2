//! The stage sequencer (docs/accelerator.md §4): one phase register walks windows × stages ×
//! phases; the window (`t0`, `tw`), the stage index, the spike-buffer roles and the run's
//! status and result registers change only here.

use super::common::{fit, u};
use super::geometry::Geometry;
use super::registers::{Globals, HostInputs};
use spikeforge_dsl::library::{Fsm, Update};
use spikeforge_dsl::prelude::*;

/// The sequencer's phases (the states of its `phase` machine, in code order).
pub mod ph {
    /// Waiting for CTRL.start.
    pub const IDLE: &str = "IDLE";
    /// Clearing the membranes (start of a run).
    pub const CLEAR: &str = "CLEAR";
    /// Loading the stage's descriptor into the working set.
    pub const STAGE: &str = "STAGE";
    /// Requesting the input stream (stage 0).
    pub const REQ_IN: &str = "REQ_IN";
    /// Receiving input spikes.
    pub const RECV_IN: &str = "RECV_IN";
    /// Requesting the weight stream.
    pub const REQ_W: &str = "REQ_W";
    /// Receiving weights.
    pub const RECV_W: &str = "RECV_W";
    /// The array phase (§5).
    pub const ARRAY: &str = "ARRAY";
    /// The LIF phase (§6).
    pub const LIF: &str = "LIF";
    /// Classifier logit updates (§7).
    pub const CLASSIFY: &str = "CLASSIFY";
    /// The entropy evaluation (§7).
    pub const ENTROPY: &str = "ENTROPY";
    /// Streaming the stage's output spikes.
    pub const TRACE: &str = "TRACE";
    /// Streaming the logits.
    pub const LOGITS: &str = "LOGITS";
    /// Sending the final beat.
    pub const FINAL: &str = "FINAL";
    /// Choosing the next stage or window.
    pub const NEXT: &str = "NEXT";
    /// Every phase, in code order (IDLE, the reset state, first).
    pub const ALL: [&str; 15] = [
        IDLE, CLEAR, STAGE, REQ_IN, RECV_IN, REQ_W, RECV_W, ARRAY, LIF, CLASSIFY, ENTROPY, TRACE,
        LOGITS, FINAL, NEXT,
    ];
}

/// The sequencer's registers (declared first: every block reads them).
#[derive(Clone, Debug)]
pub struct Sequencer {
    /// The phase ([`ph`]).
    pub phase: Signal,
    /// The phases' codes (`localparam`s), in [`ph::ALL`]'s order.
    codes: Vec<Expr>,
    /// STATUS.busy.
    pub busy: Signal,
    /// STATUS.done.
    pub done: Signal,
    /// CTRL.trace of the running inference.
    pub trace_en: Signal,
    /// The current stage.
    pub stage: Signal,
    /// First timestep of the window.
    pub t0: Signal,
    /// Timesteps of the window `Tw`.
    pub tw: Signal,
    /// Which spike buffer holds the stage's input: false A, true B.
    pub role: Signal,
    /// EXIT_T.
    pub exit_t: Signal,
    /// PREDICTION.
    pub prediction: Signal,
    /// The inference has exited (the entropy or the last timestep said so).
    pub exited: Signal,
    /// CTRL.start while idle: a run begins.
    pub run_start: Signal,
    /// The current stage is the last (the classifier).
    pub last_stage: Signal,
}

/// What ends each phase, from the blocks.
#[derive(Clone, Debug)]
pub struct Events {
    /// The membranes are cleared.
    pub clear_done: Expr,
    /// The descriptor is in the working set.
    pub stage_go: Expr,
    /// A request was taken.
    pub req_fire: Expr,
    /// The last input word arrived.
    pub recv_in_done: Expr,
    /// The last weight word arrived.
    pub recv_w_done: Expr,
    /// The array phase ended.
    pub array_done: Expr,
    /// The stage is the classifier.
    pub is_classifier: Expr,
    /// The LIF phase ended.
    pub lif_done: Expr,
    /// The classify phase ended.
    pub cls_done: Expr,
    /// The entropy unit finished.
    pub entropy_finish: Expr,
    /// The inference exits now (with `exit_t`, `prediction`).
    pub exit_now: Expr,
    /// The exit timestep (1-based) if it exits now.
    pub exit_t: Expr,
    /// The prediction if it exits now.
    pub prediction: Expr,
    /// Timesteps of the window remain to classify.
    pub more_t: Expr,
    /// The logit beats are out.
    pub logits_done: Expr,
    /// The trace beats are out.
    pub trace_done: Expr,
    /// A result beat was taken.
    pub r_fire: Expr,
}

impl Sequencer {
    /// Declares the registers and the phase machine; [`Sequencer::transitions`] drives them.
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry, globals: &Globals) -> (Sequencer, Fsm) {
        let fsm = Fsm::new(m, "phase", &ph::ALL);
        let phase = fsm.state();
        let codes: Vec<Expr> = ph::ALL.iter().map(|s| fsm.code(s)).collect();
        let stage = m.reg("stage", UInt(g.sb));
        let run_start = m.wire_from("run_start", globals.start & fsm.is(ph::IDLE));
        let last_stage = m.wire_from(
            "last_stage",
            stage
                .zext(g.sb + 1)
                .wrapping_add(1)
                .is_eq(globals.num_stages),
        );
        let seq = Sequencer {
            phase,
            codes,
            busy: m.reg("busy_r", Bool),
            done: m.reg("done_r", Bool),
            trace_en: m.reg("trace_en_r", Bool),
            stage,
            t0: m.reg("t0", UInt(g.tb)),
            tw: m.reg("tw", UInt(g.wb)),
            role: m.reg("role", Bool),
            exit_t: m.reg("exit_t_r", UInt(g.tb)),
            prediction: m.reg("prediction_r", UInt(g.kb)),
            exited: m.reg("exited", Bool),
            run_start,
            last_stage,
        };
        (seq, fsm)
    }

    /// True in phase `name` (one of [`ph`]).
    pub fn in_phase(&self, name: &str) -> Expr {
        let i = ph::ALL
            .iter()
            .position(|s| *s == name)
            .expect("a phase of ph::ALL");
        self.phase.is_eq(self.codes[i].clone())
    }

    /// Drives the phase machine and the sequencer's registers from the blocks' events. With
    /// `window_regs` (`[rtl] ram_output_regs`) the window's end and next window are computed
    /// into registers ahead of the NEXT phase that reads them (below).
    pub fn transitions(
        &self,
        m: &mut ModuleBuilder,
        mut fsm: Fsm,
        globals: &Globals,
        host: &HostInputs,
        ev: &Events,
        window_regs: bool,
    ) {
        let start = self.run_start.expr();
        let next_go = self.in_phase(ph::NEXT);
        let final_taken = self.in_phase(ph::FINAL) & ev.r_fire.clone();
        let tb = self.t0.width();
        // The window's end and the next window (below) change only with `t0` and `tw`, which
        // change only at a run's start and in NEXT, at least a whole stage (many cycles)
        // before the next NEXT reads them: with `window_regs` they are registers, a cycle or
        // two behind, and their adds and compares leave the paths into the phase and the
        // window registers (docs/fpga.md). No cycle changes.
        let ahead = |m: &mut ModuleBuilder, name: &str, e: Expr| -> Expr {
            if window_regs {
                let r = m.reg(name, e.ty());
                m.next(r, e);
                r.expr()
            } else {
                e
            }
        };
        let window_end = || self.t0.wrapping_add(fit(self.tw, tb));
        let t_next = ahead(m, "t_next_r", window_end());
        // (Without the registers, its own add: the Verilog of those designs stays as it was.)
        let last_window = if window_regs {
            ahead(m, "last_window_r", t_next.is_ge(globals.timesteps))
        } else {
            window_end().is_ge(globals.timesteps)
        };
        let win_over = self.last_stage & (last_window | self.exited.expr());
        // After an entropy evaluation (or its logit beats): the window's next timestep, or on.
        let classify_more = |fsm: &mut Fsm, from: &str, when: Expr| {
            fsm.on(from, when.clone() & ev.more_t.clone(), ph::CLASSIFY);
            fsm.on(from, when, ph::NEXT);
        };
        fsm.on(
            ph::IDLE,
            start.clone() & globals.mem_words.is_eq(0),
            ph::STAGE,
        );
        fsm.on(ph::IDLE, start.clone(), ph::CLEAR);
        fsm.on(ph::CLEAR, ev.clear_done.clone(), ph::STAGE);
        fsm.on(
            ph::STAGE,
            ev.stage_go.clone() & self.stage.is_eq(0),
            ph::REQ_IN,
        );
        fsm.on(ph::STAGE, ev.stage_go.clone(), ph::REQ_W);
        fsm.on(ph::REQ_IN, ev.req_fire.clone(), ph::RECV_IN);
        fsm.on(ph::RECV_IN, ev.recv_in_done.clone(), ph::REQ_W);
        fsm.on(ph::REQ_W, ev.req_fire.clone(), ph::RECV_W);
        fsm.on(ph::RECV_W, ev.recv_w_done.clone(), ph::ARRAY);
        fsm.on(
            ph::ARRAY,
            ev.array_done.clone() & ev.is_classifier.clone(),
            ph::CLASSIFY,
        );
        fsm.on(ph::ARRAY, ev.array_done.clone(), ph::LIF);
        fsm.on(ph::LIF, ev.lif_done.clone() & self.trace_en, ph::TRACE);
        fsm.on(ph::LIF, ev.lif_done.clone(), ph::NEXT);
        fsm.on(ph::CLASSIFY, ev.cls_done.clone(), ph::ENTROPY);
        fsm.on(
            ph::ENTROPY,
            ev.entropy_finish.clone() & self.trace_en,
            ph::LOGITS,
        );
        fsm.on(
            ph::ENTROPY,
            ev.entropy_finish.clone() & ev.exit_now.clone(),
            ph::FINAL,
        );
        classify_more(&mut fsm, ph::ENTROPY, ev.entropy_finish.clone());
        fsm.on(ph::LOGITS, ev.logits_done.clone() & self.exited, ph::FINAL);
        classify_more(&mut fsm, ph::LOGITS, ev.logits_done.clone());
        fsm.on(ph::TRACE, ev.trace_done.clone(), ph::NEXT);
        fsm.on(ph::NEXT, win_over, ph::FINAL);
        fsm.on(ph::NEXT, true, ph::STAGE);
        fsm.on(ph::FINAL, ev.r_fire.clone(), ph::IDLE);
        fsm.apply(m);
        Update::new(self.exited)
            .when(start.clone(), false)
            .when(ev.exit_now.clone(), true)
            .apply(m);
        Update::new(self.busy)
            .when(start.clone(), true)
            .when(final_taken.clone(), false)
            .apply(m);
        Update::new(self.done)
            .when(start.clone(), false)
            .when(final_taken, true)
            .apply(m);
        Update::new(self.trace_en)
            .when(start.clone(), host.cfg_wdata.bit(1))
            .apply(m);
        Update::new(self.stage)
            .when(start.clone(), 0)
            .when(
                next_go.clone(),
                self.last_stage
                    .select(u(0, self.stage.width()), self.stage.wrapping_add(1)),
            )
            .apply(m);
        Update::new(self.role)
            .when(start.clone(), false)
            .when(
                next_go.clone(),
                self.last_stage.select(Expr::bool(false), !self.role),
            )
            .apply(m);
        // Windows: Tw = min(B, T − t0), compared in T's width (B ≤ B_max ≤ 2^tb − 1).
        let wb = self.tw.width();
        let batch = fit(globals.tick_batch, tb);
        let tw_first = globals
            .timesteps
            .is_lt(batch.clone())
            .select(globals.timesteps, batch.clone());
        let rest = globals.timesteps.wrapping_sub(t_next.clone());
        let tw_next = ahead(
            m,
            "tw_next_r",
            fit(rest.is_lt(batch.clone()).select(rest, batch), wb),
        );
        let next_window = next_go & self.last_stage;
        Update::new(self.t0)
            .when(start.clone(), 0)
            .when(next_window.clone(), t_next)
            .apply(m);
        Update::new(self.tw)
            .when(start, fit(tw_first, wb))
            .when(next_window, fit(tw_next, wb))
            .apply(m);
        Update::new(self.exit_t)
            .when(ev.exit_now.clone(), ev.exit_t.clone())
            .apply(m);
        Update::new(self.prediction)
            .when(ev.exit_now.clone(), ev.prediction.clone())
            .apply(m);
    }
}

impl Sequencer {
    /// The sequencer's registers as input ports instead (a block's test harness): `phase`
    /// carries the index of the phase in [`ph::ALL`], the others are named as the registers
    /// (`busy_r`, `done_r`, `trace_en_r`, `stage`, `t0`, `tw`, `role`, `exit_t_r`,
    /// `prediction_r`, `exited`, `run_start`, `last_stage`).
    pub fn from_ports(m: &mut ModuleBuilder, g: &Geometry) -> Sequencer {
        let width = spikeforge_dsl::ir::address_bits(ph::ALL.len() as u64);
        Sequencer {
            phase: m.input("phase", UInt(width)),
            codes: (0..ph::ALL.len() as u64).map(|i| u(i, width)).collect(),
            busy: m.input("busy_r", Bool),
            done: m.input("done_r", Bool),
            trace_en: m.input("trace_en_r", Bool),
            stage: m.input("stage", UInt(g.sb)),
            t0: m.input("t0", UInt(g.tb)),
            tw: m.input("tw", UInt(g.wb)),
            role: m.input("role", Bool),
            exit_t: m.input("exit_t_r", UInt(g.tb)),
            prediction: m.input("prediction_r", UInt(g.kb)),
            exited: m.input("exited", Bool),
            run_start: m.input("run_start", Bool),
            last_stage: m.input("last_stage", Bool),
        }
    }
}
