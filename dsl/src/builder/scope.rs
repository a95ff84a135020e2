//! Conditional scopes (`ModuleBuilder::when`, `When::elif`, `When::otherwise`), and their
//! lowering into ordinary drivers at `finish()`; the semantics are on [`When`].

use super::expr::Expr;
use super::module::{DeclKind, Driver, ModuleBuilder, ModuleData};
use super::value::{and_at, mux};
use super::Value;
use crate::types::Bool;
use std::panic::Location;

/// A conditional scope chain, Amaranth's `with m.If / Elif / Else` for a Rust builder:
///
/// ```
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("updown");
/// let up = m.input("up", Bool);
/// let down = m.input("down", Bool);
/// let count = m.reg("count_r", UInt(4));
/// let moving = m.wire("moving", Bool);
/// m.drive(moving, false); // the default, before the scopes
/// m.when(up, |m| {
///     m.next(count, count.wrapping_add(1));
///     m.drive(moving, true);
/// })
/// .elif(down, |m| {
///     m.next(count, count.wrapping_sub(1));
///     m.drive(moving, true);
/// });
/// // otherwise: `count` holds, `moving` keeps its default
/// m.output_from("count", count);
/// m.output_from("busy", moving);
/// elaborate(&m.finish()).unwrap();
/// ```
///
/// Semantics (as in Amaranth): an assignment inside a scope takes effect when every enclosing
/// condition holds (and, for `elif`/`otherwise`, no earlier branch's did); of several
/// assignments to one signal, **the one written last wins**. Where no assignment takes effect,
/// a register keeps its value and a wire or output takes its unconditional default — the
/// `drive` written before the scopes — or 0 when it has none. Memory ports written inside a
/// scope are enabled only where it holds. `finish()` turns each signal's assignments into one
/// priority multiplexer, so the IR, the checks and the back-ends see ordinary drivers.
///
/// Continue a chain with [`When::elif`] or [`When::otherwise`], or drop it.
pub struct When<'m> {
    m: &'m mut ModuleBuilder,
    /// True when an earlier branch of this chain was taken.
    taken: Expr,
}

impl ModuleBuilder {
    /// Runs `body` with its assignments conditional on `cond` (one bit); see the module docs.
    #[track_caller]
    pub fn when(
        &mut self,
        cond: impl Into<Expr>,
        body: impl FnOnce(&mut ModuleBuilder),
    ) -> When<'_> {
        let cond = self.condition(cond.into(), Location::caller());
        self.scoped(cond.clone(), body);
        When {
            m: self,
            taken: cond,
        }
    }

    /// The AND of every enclosing scope's guard (`None` outside scopes).
    pub(crate) fn scope_guard(&self) -> Option<Expr> {
        let mut guards = self.scope.iter().cloned();
        let first = guards.next()?;
        Some(guards.fold(first, |acc, g| {
            let loc = g.0.loc;
            and_at(acc, g, loc)
        }))
    }

    fn condition(&mut self, cond: Expr, loc: crate::ir::SourceLoc) -> Expr {
        let cond = cond.adapt_literal(Bool, true);
        if cond.width() != 1 {
            self.problem(
                format!("a `when` condition must be one bit, got {}", cond.ty()),
                loc,
            );
            return Expr::constant(0u8, Bool);
        }
        cond
    }

    fn scoped(&mut self, guard: Expr, body: impl FnOnce(&mut ModuleBuilder)) {
        self.scope.push(guard);
        body(self);
        self.scope.pop();
    }
}

impl When<'_> {
    /// Another branch: `body`'s assignments take effect when `cond` holds and no earlier branch
    /// of the chain did.
    #[track_caller]
    pub fn elif(self, cond: impl Into<Expr>, body: impl FnOnce(&mut ModuleBuilder)) -> Self {
        let loc = Location::caller();
        let cond = self.m.condition(cond.into(), loc);
        let guard = and_at(!self.taken.clone(), cond.clone(), loc);
        self.m.scoped(guard, body);
        let taken = self.taken | cond;
        When { m: self.m, taken }
    }

    /// The last branch: `body`'s assignments take effect when no earlier branch did.
    #[track_caller]
    pub fn otherwise(self, body: impl FnOnce(&mut ModuleBuilder)) {
        let guard = !self.taken;
        self.m.scoped(guard, body);
    }
}

/// Merges, for every signal with an assignment made inside a scope, all its drivers (in the
/// order written) into one driver: a chain of multiplexers in which the last assignment wins,
/// over a default of the register itself (hold), or a wire's unconditional `drive` written
/// before the scopes, or 0.
pub(super) fn merge_scoped_drivers(data: &mut ModuleData) {
    let mut targets: Vec<_> = data
        .drivers
        .iter()
        .filter(|d| d.scoped)
        .map(|d| d.target)
        .collect();
    targets.dedup();
    targets.sort_by_key(|t| t.index);
    targets.dedup();
    for target in targets {
        let (mine, others): (Vec<Driver>, Vec<Driver>) = std::mem::take(&mut data.drivers)
            .into_iter()
            .partition(|d| d.target == target);
        data.drivers = others;
        let decl = &data.decls[target.index as usize];
        let is_reg = matches!(decl.kind, DeclKind::Reg { .. });
        let first_loc = mine[0].loc;
        let mut value = if is_reg {
            target.expr()
        } else {
            Expr::constant(0u8, target.ty())
        };
        let mut problem = None;
        let mut seen_scoped = false;
        let mut default_at: Option<crate::ir::SourceLoc> = None;
        for d in &mine {
            if d.is_next != is_reg {
                problem = Some((
                    format!(
                        "`{}` is {}: use `{}`",
                        decl.name,
                        if is_reg {
                            "a register"
                        } else {
                            "not a register"
                        },
                        if is_reg { "next" } else { "drive" }
                    ),
                    d.loc,
                ));
            }
            match &d.enable {
                Some(guard) => {
                    value = mux(guard.clone(), d.value.clone(), value, d.loc);
                    seen_scoped |= d.scoped;
                }
                None if seen_scoped => {
                    problem = Some((
                        format!(
                            "`{}` is assigned unconditionally after a conditional assignment \
                             ({}:{}), which it would always override; write the default before \
                             the `when`",
                            decl.name,
                            first_loc.file(),
                            first_loc.line()
                        ),
                        d.loc,
                    ));
                }
                None => {
                    if let Some(first) = default_at {
                        problem = Some((
                            format!(
                                "multiple drivers for `{}`: first at {}:{}, again here",
                                decl.name,
                                first.file(),
                                first.line()
                            ),
                            d.loc,
                        ));
                    }
                    default_at = Some(d.loc);
                    value = d.value.clone();
                }
            }
        }
        if let Some((message, loc)) = problem {
            data.problems
                .push(super::module::BuildProblem { message, loc });
        }
        data.drivers.push(Driver {
            target,
            value,
            enable: None,
            loc: first_loc,
            is_next: is_reg,
            scoped: false,
        });
    }
}
