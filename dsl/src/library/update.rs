//! A register with prioritised update rules: what a generator otherwise writes as a chain of
//! `cond.select(value, …)` ending in the register itself.

use crate::builder::value::mux;
use crate::builder::{Expr, ModuleBuilder, Signal, Value};
use crate::ir::SourceLoc;
use std::panic::Location;

/// The next value of a register as a list of `(condition, value)` rules: on a clock edge the
/// first rule whose condition holds gives the new value; when none holds, the register keeps
/// its value.
///
/// ```
/// use spikeforge_dsl::library::Update;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("acc");
/// let clear = m.input("clear", Bool);
/// let add = m.input("add", Bool);
/// let x = m.input("x", UInt(8));
/// let acc = m.reg("acc_r", UInt(8));
/// Update::new(acc)
///     .when(clear, 0) // highest priority
///     .when(add, acc.wrapping_add(x))
///     .apply(&mut m);
/// m.output_from("acc", acc);
/// elaborate(&m.finish()).unwrap();
/// ```
#[derive(Debug)]
pub struct Update {
    reg: Signal,
    rules: Vec<(Expr, Expr, SourceLoc)>,
}

impl Update {
    /// Starts the rules of register `reg`.
    pub fn new(reg: Signal) -> Update {
        Update {
            reg,
            rules: Vec::new(),
        }
    }

    /// Adds a rule below the ones already given: when `cond` (one bit) holds and no earlier
    /// rule does, the register loads `value` (its type; an integer literal adapts).
    #[track_caller]
    pub fn when(mut self, cond: impl Into<Expr>, value: impl Into<Expr>) -> Update {
        let value = value.into().adapt_literal(self.reg.ty(), true);
        self.rules.push((cond.into(), value, Location::caller()));
        self
    }

    /// The register's next value (without driving it).
    pub fn next_value(&self) -> Expr {
        let mut next = self.reg.expr();
        for (cond, value, loc) in self.rules.iter().rev() {
            next = mux(cond.clone(), value.clone(), next, loc);
        }
        next
    }

    /// The next value of `f(register)`, given `now`, the value of `f(register)` this cycle
    /// (for instance a flag register that tracks it): each rule's value mapped through `f`,
    /// so `f`'s logic (a compare, say) runs beside the rules' conditions instead of after
    /// their multiplexers. Equal to `f(self.next_value())` whenever `now` equals
    /// `f(register)`.
    pub fn next_value_of(&self, f: impl Fn(Expr) -> Expr, now: Expr) -> Expr {
        let mut next = now;
        for (cond, value, loc) in self.rules.iter().rev() {
            next = mux(cond.clone(), f(value.clone()), next, loc);
        }
        next
    }

    /// Drives the register with the rules.
    #[track_caller]
    pub fn apply(self, m: &mut ModuleBuilder) {
        let next = self.next_value();
        m.push_driver(self.reg, next, None, Location::caller(), true);
    }
}
