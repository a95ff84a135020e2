//! Counters and loop nests: the index registers of a hardware `for` loop.

use super::Update;
use crate::builder::{Expr, ModuleBuilder, Signal, Value};
use crate::types::UInt;

/// A counter register `0, 1, …, last, 0, …` (`UInt(width)`, reset 0) that advances on clock
/// edges where `step` holds and returns to 0 where `clear` holds (clear wins). `last` may be a
/// constant or a signal (a bound set at run time); keep it fixed while counting (a count
/// already above a lowered `last` runs on until `width` bits wrap).
///
/// ```
/// use spikeforge_dsl::library::Counter;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("div3");
/// let go = m.input("go", Bool);
/// let c = Counter::new(&mut m, "phase", 2, 2, go, false);
/// m.output_from("tick", c.wrap()); // one cycle in three while `go` holds
/// elaborate(&m.finish()).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Counter {
    value: Signal,
    at_last: Expr,
    step: Expr,
}

impl Counter {
    /// A counter named `name` of `width` bits; see the type's docs.
    #[track_caller]
    pub fn new(
        m: &mut ModuleBuilder,
        name: &str,
        width: u32,
        last: impl Into<Expr>,
        step: impl Into<Expr>,
        clear: impl Into<Expr>,
    ) -> Counter {
        let value = m.reg(name, UInt(width));
        let step = step.into();
        let at_last = value.is_eq(last);
        Update::new(value)
            .when(clear, 0)
            .when(step.clone() & at_last.clone(), 0)
            .when(step.clone(), value.wrapping_add(1))
            .apply(m);
        Counter {
            value,
            at_last,
            step,
        }
    }

    /// The count.
    pub fn value(&self) -> Signal {
        self.value
    }

    /// True while the count equals `last`.
    pub fn at_last(&self) -> Expr {
        self.at_last.clone()
    }

    /// True on the step that takes the count from `last` back to 0.
    #[track_caller]
    pub fn wrap(&self) -> Expr {
        self.step.clone() & self.at_last.clone()
    }
}

/// Counters that wrap into the next outer one, outermost first: with levels `(i, 1)`,
/// `(j, 2)` and a step every cycle the values run `(0,0) (0,1) (0,2) (1,0) (1,1) (1,2)` and
/// then start again, and [`LoopNest::done`] holds on the step that leaves `(1,2)`.
///
/// ```
/// use spikeforge_dsl::library::LoopNest;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("scan");
/// let go = m.input("go", Bool);
/// let rows = m.input("rows_last", UInt(4));
/// let nest = LoopNest::new(&mut m, "scan", &[("y", 4, rows.expr()), ("x", 4, Expr::uint(7, 4))], go, false);
/// m.output_from("y", nest.level(0));
/// m.output_from("x", nest.level(1));
/// m.output_from("done", nest.done());
/// elaborate(&m.finish()).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct LoopNest {
    levels: Vec<Counter>,
    done: Expr,
}

impl LoopNest {
    /// Levels as `(name, width, last)`, outermost first; the registers are named
    /// `<name>_<level>`. All levels return to 0 where `clear` holds.
    #[track_caller]
    pub fn new(
        m: &mut ModuleBuilder,
        name: &str,
        levels: &[(&str, u32, Expr)],
        step: impl Into<Expr>,
        clear: impl Into<Expr>,
    ) -> LoopNest {
        let clear = clear.into();
        let mut carry = step.into();
        let mut counters = Vec::with_capacity(levels.len());
        for (level, width, last) in levels.iter().rev() {
            let c = Counter::new(
                m,
                &format!("{name}_{level}"),
                *width,
                last.clone(),
                carry.clone(),
                clear.clone(),
            );
            carry = c.wrap();
            counters.push(c);
        }
        counters.reverse();
        LoopNest {
            levels: counters,
            done: carry,
        }
    }

    /// The index of level `i` (0 = outermost).
    pub fn level(&self, i: usize) -> Signal {
        self.levels[i].value()
    }

    /// The counter of level `i`.
    pub fn counter(&self, i: usize) -> &Counter {
        &self.levels[i]
    }

    /// True on the step that completes the whole nest (every level at its last value).
    pub fn done(&self) -> Expr {
        self.done.clone()
    }
}
