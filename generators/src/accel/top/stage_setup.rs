//! Per-stage constants of the im2col fetch, computed once at the start of each stage (in the
//! STAGE phase, after the descriptor has loaded; setup, not counted): the products `H·W`,
//! `R·W`, `pad·W`, `stride·W` by shift-and-add over the spike address width, then the first
//! tap of every array row (row `i` starts a column tile at tap `i`) and the offset of `rows`,
//! by counting taps up from 0. With them the fetch steps every address by additions.

use super::super::mixed_radix::{self, Radices, Tap};
use super::super::pe::clog2;
use super::common::{fit, u};
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The stage's fetch constants (all `sa` bits, modulo the spike address width, except the
/// digits).
#[derive(Clone, Debug)]
pub struct StageSetup {
    /// The setup is complete: the STAGE phase may end.
    pub done: Signal,
    /// Radices and offset corrections of tap additions.
    pub radix: Radices,
    /// `pad·W`.
    pub pad_w: Signal,
    /// `stride·W`.
    pub stride_w: Signal,
    /// The tap `rows` (digits from the descriptor, offset counted).
    pub rows_step: Tap,
    /// The first tap of each array row.
    pub first_taps: Vec<Tap>,
}

/// Builds the setup sequence; it starts the cycle after `loaded` first holds (every field
/// visible).
pub fn build(m: &mut ModuleBuilder, cx: Ctx, loaded: Signal) -> StageSetup {
    let Ctx { g, seq, desc, .. } = cx;
    let sa = g.sa;
    let in_stage = seq.in_phase(super::sequencer::ph::STAGE);
    // Steps 0..sa: one bit of the multipliers each; then the taps 0..=rows; then done.
    let last_step = u64::from(sa) + u64::from(g.rows);
    let sw = clog2(last_step + 2);
    let step = m.reg("setup_step", UInt(sw));
    let running = m.reg("setup_running", Bool);
    Update::new(running)
        .when(!in_stage.clone(), false)
        .when(loaded, true)
        .apply(m);
    Update::new(step)
        .when(!running.expr(), 0)
        .when(step.is_lt(last_step + 1), step.wrapping_add(1))
        .apply(m);
    let done = m.wire_from(
        "setup_done",
        in_stage.clone() & running & step.is_eq(last_step + 1),
    );

    // Shift-and-add: in step k (< sa), each product adds `W << k` where its multiplier has
    // bit k set.
    let multiplying = running & step.is_lt(u64::from(sa));
    let w_shifted = m.reg_no_reset("setup_w_shifted", UInt(sa));
    let w_now = step.is_eq(0).select(fit(desc.w, sa), w_shifted.expr());
    m.next(w_shifted, (w_now.clone() << 1).trunc(sa));
    let bit = fit(step, clog2(u64::from(sa)));
    let mut product = |name: &str, multiplier: Expr| -> Signal {
        let acc = m.reg_no_reset(format!("setup_{name}"), UInt(sa));
        let take = fit(multiplier, sa).shr_by(bit.clone()).bit(0);
        let base = step.is_eq(0).select(u(0, sa), acc.expr());
        Update::new(acc)
            .when(
                multiplying.clone(),
                base.wrapping_add(take.select(w_now.clone(), u(0, sa))),
            )
            .apply(m);
        acc
    };
    let hw = product("hw", desc.h.expr());
    let rw = product("rw", desc.r.expr());
    let pad_w = product("pad_w", desc.pad.expr());
    let stride_w = product("stride_w", desc.stride.expr());
    let radix = Radices {
        cols: u(u64::from(g.cols), g.cl_bits + 1),
        r: desc.r.expr(),
        s: desc.s.expr(),
        w_minus_s: fit(desc.w, sa).wrapping_sub(fit(desc.s, sa)),
        rw: rw.expr(),
        hw: hw.expr(),
    };

    // Counting taps up from 0: tap i lands in row i's registers in step sa + i, and the tap
    // `rows` (step sa + rows) gives the offset of the row step.
    let counting = running & step.is_ge(u64::from(sa));
    let cl = m.reg_no_reset("setup_tap_cl", UInt(g.cl_bits));
    let r = m.reg_no_reset("setup_tap_r", UInt(g.kd));
    let s = m.reg_no_reset("setup_tap_s", UInt(g.kd));
    let lin = m.reg_no_reset("setup_tap_lin", UInt(sa));
    let first = step.is_eq(u64::from(sa));
    let zero = |w: u32| u(0, w);
    let now = Tap {
        cl: first.select(zero(g.cl_bits), cl.expr()),
        r: first.select(zero(g.kd), r.expr()),
        s: first.select(zero(g.kd), s.expr()),
        lin: first.select(zero(sa), lin.expr()),
    };
    let next = mixed_radix::increment(&now, &radix);
    m.next(cl, next.cl);
    m.next(r, next.r);
    m.next(s, next.s);
    m.next(lin, next.lin);
    let mut first_taps = Vec::new();
    for i in 0..g.rows {
        let at = counting.clone() & step.is_eq(u64::from(sa) + u64::from(i));
        let keep = |m: &mut ModuleBuilder, name: &str, v: &Expr| -> Signal {
            let reg = m.reg_no_reset(format!("first_tap_{name}_{i}"), UInt(v.width()));
            m.next_when(reg, at.clone(), v.clone());
            reg
        };
        first_taps.push(Tap {
            cl: keep(m, "cl", &now.cl).expr(),
            r: keep(m, "r", &now.r).expr(),
            s: keep(m, "s", &now.s).expr(),
            lin: keep(m, "lin", &now.lin).expr(),
        });
    }
    let rows_lin = m.reg_no_reset("setup_rows_lin", UInt(sa));
    m.next_when(
        rows_lin,
        counting & step.is_eq(u64::from(sa) + u64::from(g.rows)),
        now.lin.clone(),
    );
    let rows_step = Tap {
        cl: desc.rows_digits[0].expr(),
        r: desc.rows_digits[1].expr(),
        s: desc.rows_digits[2].expr(),
        lin: rows_lin.expr(),
    };
    StageSetup {
        done,
        radix,
        pad_w,
        stride_w,
        rows_step,
        first_taps,
    }
}
