//! A finite-state machine with named states: the state register, one `localparam` per state,
//! and the next state from prioritised transitions — Amaranth's `m.FSM()`, with the states'
//! decoder (`is`) and an edge detector (`entering`).

use crate::builder::value::{and_at, binary, mux, unary};
use crate::builder::Kind;
use crate::builder::{Expr, ModuleBuilder, Signal, Value};
use crate::ir::{address_bits, BinOp, SourceLoc, UnOp};
use crate::types::{Bool, UInt};
use num_traits::Zero;
use std::panic::Location;

/// A state machine over named states. The state register `name` is `UInt(w)` with
/// `w = max(1, ⌈log2(states)⌉)`, and resets to the first state. Each state `S` is the constant
/// `<NAME>_<S>` (the machine's name upper-cased), emitted as a Verilog `localparam` and written
/// by name in the decoder and in the next-state `case`.
///
/// Transitions are rules `(from, condition, to)` in the order written: on a clock edge, the
/// first rule of the current state whose condition holds gives the next state (a rule added
/// with [`Fsm::on_any`] belongs to every state, at its place in that order); when none holds
/// the machine stays. The next state is the wire `<name>_next`.
///
/// ```
/// use spikeforge_dsl::library::Fsm;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("seq");
/// let start = m.input("start", Bool);
/// let last = m.input("last", Bool);
/// let abort = m.input("abort", Bool);
/// let mut fsm = Fsm::new(&mut m, "phase", &["IDLE", "LOAD", "RUN", "DONE"]);
/// fsm.on_any(abort, "IDLE"); // first: wins over every other rule
/// fsm.on("IDLE", start, "LOAD");
/// fsm.on("LOAD", true, "RUN");
/// fsm.on("RUN", last, "DONE");
/// fsm.on("DONE", true, "IDLE");
/// m.output_from("busy", !fsm.is("IDLE"));
/// m.output_from("done_pulse", fsm.entering("DONE"));
/// fsm.apply(&mut m);
/// let v = emit_verilog(&elaborate(&m.finish()).unwrap());
/// let text = v.file("seq.v").unwrap();
/// assert!(text.contains("localparam [1:0] PHASE_IDLE = 2'd0;"));
/// assert!(text.contains("case (phase)"));
/// assert!(text.contains("PHASE_RUN: phase_next = (abort ? PHASE_IDLE : (last ? PHASE_DONE : phase));"));
/// ```
#[derive(Debug)]
pub struct Fsm {
    name: String,
    state: Signal,
    next: Signal,
    states: Vec<String>,
    codes: Vec<Expr>,
    /// `(from state, or every state; condition; to state; where)`.
    rules: Vec<(Option<usize>, Expr, usize, SourceLoc)>,
    problems: Vec<(String, SourceLoc)>,
}

impl Fsm {
    /// A machine named `name` (the state register; a Verilog identifier) over `states`, the
    /// first being the reset state. Each state name must make `<NAME>_<STATE>` a Verilog
    /// identifier unique in the module; an empty list or a repeated state is reported at
    /// elaboration, at the caller's line.
    #[track_caller]
    pub fn new(m: &mut ModuleBuilder, name: &str, states: &[&str]) -> Fsm {
        let loc = Location::caller();
        let width = address_bits(states.len() as u64);
        let state = m.reg(name, UInt(width));
        let next = m.wire(format!("{name}_next"), UInt(width));
        let prefix = name.to_ascii_uppercase();
        // A loop, not a closure: `#[track_caller]` reaches through the one but not the other.
        let mut codes = Vec::with_capacity(states.len());
        for (i, s) in states.iter().enumerate() {
            codes.push(m.localparam(format!("{prefix}_{s}"), i, UInt(width)));
        }
        let mut problems = Vec::new();
        if states.is_empty() {
            problems.push((format!("state machine `{name}` has no states"), loc));
        }
        for (i, s) in states.iter().enumerate() {
            if states[..i].contains(s) {
                problems.push((
                    format!("state machine `{name}` lists state `{s}` twice"),
                    loc,
                ));
            }
        }
        Fsm {
            name: name.to_string(),
            state,
            next,
            states: states.iter().map(|s| s.to_string()).collect(),
            codes,
            rules: Vec::new(),
            problems,
        }
    }

    /// The state register.
    pub fn state(&self) -> Signal {
        self.state
    }

    /// The next state (the wire `<name>_next`): what the register loads on the next edge.
    pub fn next_state(&self) -> Signal {
        self.next
    }

    /// Index of `state`, or why there is none.
    fn index(&self, state: &str) -> Result<usize, String> {
        self.states.iter().position(|s| s == state).ok_or_else(|| {
            format!(
                "state machine `{}` has no state `{state}` (states: {})",
                self.name,
                self.states.join(", ")
            )
        })
    }

    /// The constant of `state` (its `localparam`; an unknown state is reported at
    /// elaboration, at the caller's line).
    #[track_caller]
    pub fn code(&self, state: &str) -> Expr {
        match self.index(state) {
            Ok(i) => self.codes[i].clone(),
            Err(message) => Expr::problem(message, self.state.ty(), Location::caller()),
        }
    }

    /// True while the machine is in `state` (an unknown state is reported at elaboration).
    #[track_caller]
    pub fn is(&self, state: &str) -> Expr {
        let loc = Location::caller();
        match self.index(state) {
            Ok(i) => binary(BinOp::Eq, self.state.expr(), self.codes[i].clone(), loc),
            Err(message) => Expr::problem(message, Bool, loc),
        }
    }

    /// True on a clock edge that moves the machine into `state` from another state (the cycle
    /// before [`Fsm::is`] turns true).
    #[track_caller]
    pub fn entering(&self, state: &str) -> Expr {
        let loc = Location::caller();
        match self.index(state) {
            Ok(i) => {
                let to = binary(BinOp::Eq, self.next.expr(), self.codes[i].clone(), loc);
                let here = binary(BinOp::Eq, self.state.expr(), self.codes[i].clone(), loc);
                and_at(to, unary(UnOp::Not, here, loc), loc)
            }
            Err(message) => Expr::problem(message, Bool, loc),
        }
    }

    /// Adds a transition below the ones already given: in state `from`, when `cond` (one bit)
    /// holds and no earlier rule of that state does, go to `to`.
    #[track_caller]
    pub fn on(&mut self, from: &str, cond: impl Into<Expr>, to: &str) -> &mut Fsm {
        let loc = Location::caller();
        let from = self.index(from);
        self.rule(from.map(Some), cond.into(), to, loc)
    }

    /// Adds a transition from every state below the rules already given: when `cond` holds
    /// and no earlier rule of the current state does, go to `to`.
    #[track_caller]
    pub fn on_any(&mut self, cond: impl Into<Expr>, to: &str) -> &mut Fsm {
        let loc = Location::caller();
        self.rule(Ok(None), cond.into(), to, loc)
    }

    fn rule(
        &mut self,
        from: Result<Option<usize>, String>,
        cond: Expr,
        to: &str,
        loc: SourceLoc,
    ) -> &mut Fsm {
        let cond = cond.adapt_literal(Bool, true);
        match (from, self.index(to)) {
            (Ok(from), Ok(to)) => self.rules.push((from, cond, to, loc)),
            (Err(message), _) | (_, Err(message)) => self.problems.push((message, loc)),
        }
        self
    }

    /// The next state as rules: a `case` over the state, each state with rules choosing by
    /// priority among them, staying otherwise.
    fn next_value(&self) -> Expr {
        let hold = self.state.expr();
        let mut next = hold.clone();
        for (i, code) in self.codes.iter().enumerate().rev() {
            let rules: Vec<_> = self
                .rules
                .iter()
                .filter(|(from, ..)| from.is_none_or(|f| f == i))
                .collect();
            if rules.is_empty() {
                continue;
            }
            // Built from the lowest-priority rule up; `arm_to` is the state `arm` is known to
            // be, so that a rule leading where the rules below it lead adds no multiplexer.
            let mut arm = hold.clone();
            let mut arm_to = Some(i);
            for (_, cond, to, loc) in rules.iter().rev() {
                let always = matches!(&cond.0.kind, Kind::Const(v) if !v.is_zero());
                if always || arm_to == Some(*to) {
                    arm = self.codes[*to].clone();
                    arm_to = Some(*to);
                } else {
                    arm = mux(cond.clone(), self.codes[*to].clone(), arm, loc);
                    arm_to = None;
                }
            }
            let loc = rules[0].3;
            let here = binary(BinOp::Eq, self.state.expr(), code.clone(), loc);
            next = mux(here, arm, next, loc);
        }
        next
    }

    /// Drives the state register from the transitions (and reports misuse found while they
    /// were given).
    #[track_caller]
    pub fn apply(self, m: &mut ModuleBuilder) {
        let loc = Location::caller();
        for (message, at) in &self.problems {
            m.problem(message.clone(), at);
        }
        m.push_driver(self.next, self.next_value(), None, loc, false);
        m.push_driver(self.state, self.next.expr(), None, loc, true);
    }
}
