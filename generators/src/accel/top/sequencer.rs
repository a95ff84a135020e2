//! The stage sequencer (docs/accelerator.md §4): one phase register walks windows × stages ×
//! phases; the window (`t0`, `tw`), the stage index, the spike-buffer roles and the run's
//! status and result registers change only here.

use super::common::u;
use super::geometry::Geometry;
use super::registers::{Globals, HostInputs};
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The sequencer's phases.
pub mod ph {
    /// Waiting for CTRL.start.
    pub const IDLE: u64 = 0;
    /// Clearing the membranes (start of a run).
    pub const CLEAR: u64 = 1;
    /// Loading the stage's descriptor into the working set.
    pub const STAGE: u64 = 2;
    /// Requesting the input stream (stage 0).
    pub const REQ_IN: u64 = 3;
    /// Receiving input spikes.
    pub const RECV_IN: u64 = 4;
    /// Requesting the weight stream.
    pub const REQ_W: u64 = 5;
    /// Receiving weights.
    pub const RECV_W: u64 = 6;
    /// The array phase (§5).
    pub const ARRAY: u64 = 7;
    /// The LIF phase (§6).
    pub const LIF: u64 = 8;
    /// Classifier logit updates (§7).
    pub const CLASSIFY: u64 = 9;
    /// The entropy evaluation (§7).
    pub const ENTROPY: u64 = 10;
    /// Streaming the stage's output spikes.
    pub const TRACE: u64 = 11;
    /// Streaming the logits.
    pub const LOGITS: u64 = 12;
    /// Sending the final beat.
    pub const FINAL: u64 = 13;
    /// Choosing the next stage or window.
    pub const NEXT: u64 = 14;
}
/// Bits of the phase register.
const PHW: u32 = 4;

/// The sequencer's registers (declared first: every block reads them).
#[derive(Clone, Copy, Debug)]
pub struct Sequencer {
    /// The phase ([`ph`]).
    pub phase: Signal,
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
    /// Declares the registers; [`Sequencer::transitions`] drives them.
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry, globals: &Globals) -> Sequencer {
        let phase = m.reg("phase", UInt(PHW));
        let stage = m.reg("stage", UInt(g.sb));
        let run_start = m.wire_from(
            "run_start",
            globals.start & phase.is_eq(Expr::uint(ph::IDLE, PHW)),
        );
        let last_stage = m.wire_from(
            "last_stage",
            stage
                .zext(g.sb + 1)
                .wrapping_add(1)
                .is_eq(globals.num_stages),
        );
        Sequencer {
            phase,
            busy: m.reg("busy_r", Bool),
            done: m.reg("done_r", Bool),
            trace_en: m.reg("trace_en_r", Bool),
            stage,
            t0: m.reg("t0", UInt(16)),
            tw: m.reg("tw", UInt(16)),
            role: m.reg("role", Bool),
            exit_t: m.reg("exit_t_r", UInt(16)),
            prediction: m.reg("prediction_r", UInt(g.kb)),
            exited: m.reg("exited", Bool),
            run_start,
            last_stage,
        }
    }

    /// True in phase `v`.
    pub fn in_phase(&self, v: u64) -> Expr {
        self.phase.is_eq(Expr::uint(v, PHW))
    }

    /// Drives the phase and the sequencer's registers from the blocks' events.
    pub fn transitions(
        &self,
        m: &mut ModuleBuilder,
        globals: &Globals,
        host: &HostInputs,
        ev: &Events,
    ) {
        let to = |v: u64| u(v, PHW);
        let start = self.run_start.expr();
        let next_go = self.in_phase(ph::NEXT);
        let final_taken = self.in_phase(ph::FINAL) & ev.r_fire.clone();
        let last_window = self
            .t0
            .wrapping_add(self.tw)
            .trunc(16)
            .is_ge(globals.timesteps);
        let win_over = self.last_stage & (last_window | self.exited.expr());
        let more_or_next = ev.more_t.clone().select(to(ph::CLASSIFY), to(ph::NEXT));
        Update::new(self.phase)
            .when(
                start.clone(),
                globals
                    .mem_words
                    .is_eq(0)
                    .select(to(ph::STAGE), to(ph::CLEAR)),
            )
            .when(ev.clear_done.clone(), to(ph::STAGE))
            .when(
                ev.stage_go.clone(),
                self.stage.is_eq(0).select(to(ph::REQ_IN), to(ph::REQ_W)),
            )
            .when(
                self.in_phase(ph::REQ_IN) & ev.req_fire.clone(),
                to(ph::RECV_IN),
            )
            .when(ev.recv_in_done.clone(), to(ph::REQ_W))
            .when(
                self.in_phase(ph::REQ_W) & ev.req_fire.clone(),
                to(ph::RECV_W),
            )
            .when(ev.recv_w_done.clone(), to(ph::ARRAY))
            .when(
                ev.array_done.clone(),
                ev.is_classifier
                    .clone()
                    .select(to(ph::CLASSIFY), to(ph::LIF)),
            )
            .when(
                ev.lif_done.clone(),
                self.trace_en.select(to(ph::TRACE), to(ph::NEXT)),
            )
            .when(ev.cls_done.clone(), to(ph::ENTROPY))
            .when(
                ev.entropy_finish.clone(),
                self.trace_en.select(
                    to(ph::LOGITS),
                    ev.exit_now
                        .clone()
                        .select(to(ph::FINAL), more_or_next.clone()),
                ),
            )
            .when(
                ev.logits_done.clone(),
                self.exited.select(to(ph::FINAL), more_or_next),
            )
            .when(ev.trace_done.clone(), to(ph::NEXT))
            .when(
                next_go.clone(),
                win_over.select(to(ph::FINAL), to(ph::STAGE)),
            )
            .when(final_taken.clone(), to(ph::IDLE))
            .apply(m);
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
        // Windows: Tw = min(B, T − t0).
        let tw_first = globals
            .timesteps
            .is_lt(globals.tick_batch)
            .select(globals.timesteps, globals.tick_batch);
        let rest = globals
            .timesteps
            .wrapping_sub(self.t0.wrapping_add(self.tw))
            .trunc(16);
        let tw_next = rest
            .is_lt(globals.tick_batch)
            .select(rest, globals.tick_batch.expr());
        let next_window = next_go & self.last_stage;
        Update::new(self.t0)
            .when(start.clone(), 0)
            .when(next_window.clone(), self.t0.wrapping_add(self.tw))
            .apply(m);
        Update::new(self.tw)
            .when(start, tw_first)
            .when(next_window, tw_next)
            .apply(m);
        Update::new(self.exit_t)
            .when(ev.exit_now.clone(), ev.exit_t.clone())
            .apply(m);
        Update::new(self.prediction)
            .when(ev.exit_now.clone(), ev.prediction.clone())
            .apply(m);
    }
}
