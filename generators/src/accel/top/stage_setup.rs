//! Per-stage constants of the im2col fetch, computed once at the start of each stage (in the
//! STAGE phase, after the descriptor has loaded; setup, not counted): the products `H·W`,
//! `R·W`, `pad·W`, `stride·W` by shift-and-add over the spike address width, then the **tap
//! table**: counting taps up from 0 (digits and spatial offset advance by additions,
//! `mixed_radix::increment`), every row tile's `rows` taps are packed into one word of a small
//! RAM, so the array phase reads the whole column's taps with one read per column instead of
//! stepping `rows` taps by mixed-radix additions.

use super::super::mixed_radix::{self, Radices, Tap};
use super::super::pe::clog2;
use super::common::{fit, u};
use super::geometry::Geometry;
use super::Ctx;
use spikeforge_dsl::library::{Layout, Update};
use spikeforge_dsl::prelude::*;

/// The stage's fetch constants (modulo the spike address width) and its tap table.
#[derive(Clone, Debug)]
pub struct StageSetup {
    /// The setup is complete: the STAGE phase may end.
    pub done: Signal,
    /// `pad·W`.
    pub pad_w: Signal,
    /// `stride·W`.
    pub stride_w: Signal,
    /// The tap table.
    pub taps: TapTable,
    /// A tap-table word is written this cycle (its readers stay off then).
    pub taps_written: Signal,
}

/// The taps of every row tile of the stage: word `rt` holds, for each array row `i` (row 0 in
/// the least significant bits), the tap `n = rt·rows + i` as a [`TapTable::row_layout`].
#[derive(Clone, Debug)]
pub struct TapTable {
    /// The RAM: `Geometry::row_tiles` words, `rows × row_layout` bits.
    pub mem: Mem,
    /// One row's tap: `valid` (`n < N`), its digits `cl`, `r`, `s` and spatial offset `lin`.
    pub row_layout: Layout,
}

impl TapTable {
    /// Declares the table of geometry `g`.
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry) -> TapTable {
        let row_layout = Layout::new(&[
            ("valid", Bool),
            ("cl", UInt(g.cl_bits)),
            ("r", UInt(g.kd)),
            ("s", UInt(g.kd)),
            ("lin", UInt(g.sa)),
        ]);
        let mem = m.mem("tap_table", g.row_tiles, UInt(row_layout.width() * g.rows));
        // Filled in the STAGE phase, read in the array phase.
        m.promise_no_read_during_write(mem);
        TapTable { mem, row_layout }
    }

    /// Address bits of the table.
    pub fn address_bits(&self) -> u32 {
        self.mem.address_bits()
    }

    /// Row `i`'s tap and valid bit in a table word.
    pub fn row(&self, word: &Expr, i: u32) -> (Tap, Expr) {
        let w = self.row_layout.width();
        let lane = word.bits((i + 1) * w - 1, i * w);
        let f = |name: &str| self.row_layout.field(&lane, name);
        let tap = Tap {
            cl: f("cl"),
            r: f("r"),
            s: f("s"),
            lin: f("lin"),
        };
        (tap, f("valid"))
    }
}

/// Builds the setup sequence; it starts the cycle after `loaded` first holds (every field
/// visible).
pub fn build(m: &mut ModuleBuilder, cx: Ctx, loaded: Signal) -> StageSetup {
    let Ctx { g, seq, desc, .. } = cx;
    let sa = g.sa;
    let in_stage = seq.in_phase(super::sequencer::ph::STAGE);
    // Steps 0..sa: one bit of the multipliers each; in step sa the counter's constants are
    // registered; from step sa + 1 on, the tap table fills.
    let sw = clog2(u64::from(sa) + 2);
    let step = m.reg("setup_step", UInt(sw));
    let running = m.reg("setup_running", Bool);
    Update::new(running)
        .when(!in_stage.clone(), false)
        .when(loaded, true)
        .apply(m);
    Update::new(step)
        .when(!running.expr(), 0)
        .when(step.is_lt(u64::from(sa) + 1), step.wrapping_add(1))
        .apply(m);
    let counting = m.wire_from("setup_counting", running & step.is_eq(u64::from(sa) + 1));
    let done = m.wire("setup_done", Bool);

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
    // Step sa: the digits' last values and the offset's steps (docs: `mixed_radix`), in
    // registers, so the tap counter's paths start at registers that hold still.
    let constants = running & step.is_eq(u64::from(sa));
    let mut constant = |name: &str, w: u32, value: Expr| -> Signal {
        let r = m.reg_no_reset(format!("setup_{name}"), UInt(w));
        m.next_when(r, constants.clone(), value);
        r
    };
    let step_s = fit(desc.w, sa)
        .wrapping_sub(fit(desc.s, sa))
        .wrapping_add(1u64);
    let step_r = step_s.clone().wrapping_sub(rw.expr());
    let step_cl = step_r.clone().wrapping_add(hw.expr());
    let radix = Radices {
        cols_last: u(u64::from(g.cols - 1), g.cl_bits),
        // In the width the working set keeps R and S (the tap digits' `kd` bits, or fewer
        // where their 24-bit registers are narrower).
        r_last: constant("r_last", desc.r.width(), desc.r.wrapping_sub(1u64)).expr(),
        s_last: constant("s_last", desc.s.width(), desc.s.wrapping_sub(1u64)).expr(),
        step_s: constant("step_s", sa, step_s).expr(),
        step_r: constant("step_r", sa, step_r).expr(),
        step_cl: constant("step_cl", sa, step_cl).expr(),
    };
    let taps = TapTable::declare(m, g);
    let (filled, taps_written) = fill_tap_table(m, g, &taps, &radix, cx, counting.expr());
    m.drive(done, in_stage & filled);
    StageSetup {
        done,
        pad_w,
        stride_w,
        taps,
        taps_written,
    }
}

/// Fills the tap table while `counting` holds (from its first cycle, with the products
/// ready): one tap per cycle, `n = 0, 1, …`; every `rows` taps the packed row tile is written.
/// Returns the signal that holds once the stage's `n_rt` row tiles are written, and the
/// table's write enable.
fn fill_tap_table(
    m: &mut ModuleBuilder,
    g: &Geometry,
    table: &TapTable,
    radix: &Radices,
    cx: Ctx,
    counting: Expr,
) -> (Signal, Signal) {
    let desc = cx.desc;
    let sa = g.sa;
    let ib = clog2(u64::from(g.rows).max(2));
    let filled = m.reg("tap_fill_done", Bool);
    let slot = m.reg("tap_fill_row", UInt(ib));
    let rt = m.reg("tap_fill_rt", UInt(g.fw));
    let n = m.reg("tap_fill_n", UInt(g.fw));
    let cl = m.reg_no_reset("tap_fill_cl", UInt(g.cl_bits));
    let r = m.reg_no_reset("tap_fill_r", UInt(g.kd));
    let s = m.reg_no_reset("tap_fill_s", UInt(g.kd));
    let lin = m.reg_no_reset("tap_fill_lin", UInt(sa));
    let zero = |w: u32| u(0, w);
    // The counter holds tap 0 until counting starts (its registers are cleared in every cycle
    // before), so the tap in hand is the registers' value, with no multiplexer before it.
    let now = Tap {
        cl: cl.expr(),
        r: r.expr(),
        s: s.expr(),
        lin: lin.expr(),
    };
    let writing = counting.clone() & !filled.expr();
    let next = mixed_radix::increment(&now, radix);
    let idle = !counting.clone();
    for (reg, v) in [(cl, next.cl), (r, next.r), (s, next.s), (lin, next.lin)] {
        Update::new(reg)
            .when(idle.clone(), 0)
            .when(writing.clone(), v)
            .apply(m);
    }
    let last_slot = slot.is_eq(u64::from(g.rows) - 1);
    let last_rt = rt.is_eq(fit(desc.n_rt_m1, g.fw));
    Update::new(filled)
        .when(idle.clone(), false)
        .when(writing.clone() & last_slot.clone() & last_rt, true)
        .apply(m);
    Update::new(n)
        .when(idle.clone(), 0)
        .when(writing.clone(), n.wrapping_add(1))
        .apply(m);
    Update::new(slot)
        .when(idle.clone(), 0)
        .when(
            writing.clone(),
            last_slot.select(zero(ib), slot.wrapping_add(1)),
        )
        .apply(m);
    Update::new(rt)
        .when(idle, 0)
        .when(
            writing.clone(),
            last_slot.clone().select(rt.wrapping_add(1), rt.expr()),
        )
        .apply(m);
    let n_now = n.expr();
    let rt_now = rt.expr();
    let packed = table.row_layout.pack(&[
        ("valid", n_now.is_lt(desc.n)),
        ("cl", now.cl),
        ("r", now.r),
        ("s", now.s),
        ("lin", now.lin),
    ]);
    // Rows 0..rows−1 of the tile gather in a shift register (row 0 lowest once full).
    let rw = table.row_layout.width();
    let word = if g.rows > 1 {
        let lower = rw * (g.rows - 1);
        let gather = m.reg_no_reset("tap_fill_gather", UInt(lower));
        let shifted = if g.rows > 2 {
            Expr::cat([packed.clone(), gather.bits(lower - 1, rw)])
        } else {
            packed.clone()
        };
        m.next_when(gather, writing.clone(), shifted);
        Expr::cat([packed, gather.expr()])
    } else {
        packed
    };
    let we = m.wire_from("tap_table_we", writing & last_slot);
    m.mem_write(table.mem, we, fit(rt_now, table.address_bits()), word);
    (filled, we)
}
