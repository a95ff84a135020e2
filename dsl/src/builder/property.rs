//! Assertions, assumptions and covers: properties a module promises or needs, written next to
//! the logic they are about.
//!
//! ```
//! use spikeforge_dsl::prelude::*;
//!
//! let mut m = ModuleBuilder::new("wrap10");
//! let en = m.input("en", Bool);
//! let c = m.reg("c", UInt(4));
//! m.next_when(c, en, c.is_eq(9u64).select(Expr::uint(0, 4), c.wrapping_add(1)));
//! m.assert_always(c.is_le(9u64), "the count stays below 10");
//! m.cover(c.is_eq(9u64), "the count reaches 9");
//! m.output_from("q", c);
//! let v = emit_verilog(&elaborate(&m.finish()).unwrap());
//! assert!(v.file("wrap10.v").unwrap().contains("assert_the_count_stays_below_10: assert"));
//! ```
//!
//! Each property is sampled on every rising clock edge while `rst` is low (continuously in a
//! module without a clock). The Verilog back-end emits them inside `` `ifdef FORMAL `` as
//! SystemVerilog immediate `assert` / `assume` / `cover` statements, so synthesis, Icarus and
//! plain lint never see them, while Yosys (`read_verilog -formal`) proves them and Verilator
//! (`-DFORMAL --assert`) and the reference evaluator check them during simulation. A property
//! written inside a [`ModuleBuilder::when`] scope applies only where the scope holds.

use super::expr::Expr;
use super::module::{ModuleBuilder, PropertyDecl};
use super::value::and_at;
use crate::ir::PropertyKind;
use crate::types::Bool;
use std::panic::Location;

impl ModuleBuilder {
    /// Asserts that `cond` (one bit) holds in every cycle out of reset; `message` says what it
    /// means and names the Verilog label.
    #[track_caller]
    pub fn assert_always(&mut self, cond: impl Into<Expr>, message: &str) {
        self.property(
            PropertyKind::Assert,
            cond.into(),
            message,
            Location::caller(),
        );
    }

    /// Assumes `cond` (one bit) in every cycle out of reset: a constraint formal tools take as
    /// given (typically on inputs); simulation checks it like an assertion.
    #[track_caller]
    pub fn assume(&mut self, cond: impl Into<Expr>, message: &str) {
        self.property(
            PropertyKind::Assume,
            cond.into(),
            message,
            Location::caller(),
        );
    }

    /// Asks formal tools to show that `cond` (one bit) can hold; simulation counts how often
    /// it does.
    #[track_caller]
    pub fn cover(&mut self, cond: impl Into<Expr>, message: &str) {
        self.property(
            PropertyKind::Cover,
            cond.into(),
            message,
            Location::caller(),
        );
    }

    fn property(
        &mut self,
        kind: PropertyKind,
        cond: Expr,
        message: &str,
        loc: crate::ir::SourceLoc,
    ) {
        let cond = cond.adapt_literal(Bool, true);
        if cond.width() != 1 {
            self.problem(
                format!(
                    "the condition of `{}` must be one bit, got {}",
                    kind.keyword(),
                    cond.ty()
                ),
                loc,
            );
            return;
        }
        // Inside a scope: an assertion need only hold where the scope does; a cover is
        // reached only there.
        let cond = match (self.scope_guard(), kind) {
            (None, _) => cond,
            (Some(g), PropertyKind::Cover) => and_at(g, cond, loc),
            (Some(g), _) => super::value::or_at(!g, cond, loc),
        };
        self.data.properties.push(PropertyDecl {
            kind,
            cond,
            message: message.to_string(),
            loc,
        });
    }
}
