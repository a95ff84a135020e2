//! The array phase's streamer and pair control (docs/accelerator.md §5): which (column tile,
//! group) pair loads and streams when, the column loop (`p` outer, `t`, `rt` inner) with the
//! window coordinates `e·stride − pad`, `f·stride − pad`, and the drain.

use super::super::pe::clog2;
use super::common::{apply_tracked, fit, group_last_tile, row_address, u};

use super::sequencer::ph;
use super::stage_setup::StageSetup;
use super::weight_loader::Loader;
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The streamer's state as the im2col fetch and the column tags need it.
#[derive(Clone, Debug)]
pub struct Streamer {
    /// A column is issued this cycle.
    pub issue: Signal,
    /// The pair streaming (or last streamed).
    pub pair: Signal,
    /// Its column tile.
    pub ct: Signal,
    /// Its row-tile group.
    pub group: Signal,
    /// Row tile within the group of the issuing column.
    pub rl: Signal,
    /// The row tile `g·D + rl` of the issuing column (`Geometry::rtb` bits); the tap table's
    /// read address with `ram_output_regs`.
    pub rt: Signal,
    /// The row tile of the next column to issue (`rt`'s value the next cycle), so the tap table
    /// can be read a cycle ahead (without `ram_output_regs`).
    pub rt_next: Expr,
    /// The column's row tile is the group's last.
    pub last_rl: Signal,
    /// Timestep within the window of the issuing column.
    pub t: Signal,
    /// The issuing column's window bounds on a tap's row digit `r`: it lies in the input iff
    /// `y_lo ≤ r < y_hi`, with `y_lo = −(e·stride − pad)` and `y_hi = H − (e·stride − pad)`
    /// (signed, `Geometry::yw + 1` bits), stepped with `e`.
    pub y_lo: Signal,
    /// See `y_lo`.
    pub y_hi: Signal,
    /// The same bounds on the column digit `s`: `x_lo = −(f·stride − pad)`,
    /// `x_hi = W − (f·stride − pad)`, stepped with `f`.
    pub x_lo: Signal,
    /// See `x_lo`.
    pub x_hi: Signal,
    /// `(e·stride − pad)·W` and `f·stride − pad` of the issuing column (`Geometry::sa` bits
    /// each): their sum modulo the spike address width is the spike-buffer offset of its
    /// window ([`Streamer::window_offset`]).
    pub window_terms: [Expr; 2],
    /// Psum address `(ct·P + p)·B_max + t` of the issuing column.
    pub psum_addr: Expr,
    /// The stage's last pair has drained.
    pub array_done: Signal,
}

impl Streamer {
    /// `(e·stride − pad)·W + (f·stride − pad)` of the issuing column, modulo the spike address
    /// width: the spike-buffer offset of its window (the sum of `window_terms`).
    pub fn window_offset(&self) -> Expr {
        let [row, col] = self.window_terms.clone();
        row.wrapping_add(col)
    }
}

/// Builds the pair control and the streamer; drives the loader's `start` and `start_pair`.
pub fn build(
    m: &mut ModuleBuilder,
    cx: Ctx,
    ld: &Loader,
    enter_array: Signal,
    setup: &StageSetup,
) -> Streamer {
    let Ctx { g, seq, desc, .. } = cx;
    let busy = m.reg("st_busy", Bool);
    let pair = m.reg("st_pair", UInt(g.fw));
    let ct = m.reg("st_ct", UInt(g.fw));
    let group = m.reg("st_g", UInt(g.fw));
    // Cycles since the last column was issued (0 while issuing), up to the drain.
    let tail = m.reg("st_tail", UInt(clog2(g.drain + 1)));
    // With `ram_output_regs` a register set from the next values of `busy` and `tail` (below),
    // like `end`, and so are the column loop's last-index flags: the loop's steps (the window
    // bounds' enables) take registers only.
    let issue = if g.p.ram_output_regs {
        m.reg("st_issue", Bool)
    } else {
        m.wire_from("st_issue", busy & tail.is_eq(0))
    };
    // The pair's drain ends this cycle (`busy & tail = DRAIN`). With `ram_output_regs` a
    // register set from the next values of `busy` and `tail` (below), so the tail compare is
    // off the paths into `start` and the classify phase's start.
    let end = if g.p.ram_output_regs {
        m.reg("st_end", Bool)
    } else {
        m.wire_from("st_end", busy & tail.is_eq(g.drain))
    };
    // Whether ct is the stage's last column tile and g its last group: registers set with
    // them (from their next values: ct and g change only on entering the phase and when a
    // pair starts), so the descriptor compares are off the paths into `start` and into the
    // column loop's last row tile.
    let last_ct = m.reg("st_last_ct", Bool);
    let wrap = m.reg("st_last_group", Bool);
    let last_pair = m.wire_from("st_last_pair", last_ct & wrap);

    // Pair control (§5 timing).
    let in_array = m.wire_from("in_array", seq.in_phase(ph::ARRAY));
    let ld_done = m.reg("ld_done", Bool); // the load of pair `next` has finished
    let next = m.reg("st_next", UInt(g.fw)); // the next pair to stream
    let loaded_next = m.wire_from("loaded_next", ld_done | ld.last);
    let free = m.wire_from("st_free", !busy | end);
    // No pair has started yet (`next = 0`): with `ram_output_regs` a register set from
    // `next`'s next value, so its compare is off the path into `start`.
    let first_pair_r =
        g.p.ram_output_regs
            .then(|| m.reg_with_reset("st_first_pair", Bool, 1));
    // (A fresh expression per use, as without the register each use has its own compare.)
    let first_pair = || first_pair_r.map_or_else(|| next.is_eq(0), |r| r.expr());
    // Pairs remain to stream: none has started yet, or the one streaming is not the last.
    let more = first_pair() | !last_pair.expr();
    let start = m.wire_from("st_start", in_array & free & loaded_next & more);
    let array_done = m.wire_from("array_done", in_array & end & last_pair);
    // Loads: pair 0 at phase entry; with double buffering pair k+1 when pair k starts
    // streaming (the loader then holds pair k); without, when pair k has drained.
    let load_next = if g.p.double_buffer {
        let ld_last_pair = m.wire_from(
            "ld_last_pair",
            ld.last_pair.clone().unwrap_or_else(|| {
                ld.ct.is_eq(fit(desc.n_ct_m1, g.fw)) & ld.group.is_eq(fit(desc.groups_m1, g.fw))
            }),
        );
        start & !ld_last_pair.expr()
    } else {
        end & !last_pair.expr()
    };
    m.drive(ld.start, enter_array | load_next);
    m.drive(
        ld.start_pair,
        enter_array.select(
            u(0, g.fw),
            if g.p.double_buffer {
                next.wrapping_add(1)
            } else {
                pair.wrapping_add(1)
            },
        ),
    );
    Update::new(ld_done)
        .when(enter_array | start, false)
        .when(ld.last, true)
        .apply(m);

    // Streamer bookkeeping: each start advances (ct, g) by one pair (not for the first).
    let advance = start & !first_pair();
    let next_update = Update::new(next)
        .when(enter_array, 0)
        .when(start, next.wrapping_add(1));
    if let Some(r) = first_pair_r {
        m.next(r, next_update.next_value_of(|v| v.is_eq(0), r.expr()));
    }
    next_update.apply(m);
    Update::new(pair).when(start, next).apply(m);
    Update::new(busy)
        .when(start, true)
        .when(end, false)
        .apply(m);
    Update::new(ct)
        .when(enter_array, 0)
        .when(advance.clone(), wrap.select(ct.wrapping_add(1), ct.expr()))
        .apply(m);
    let n_ct_m1 = fit(desc.n_ct_m1, g.fw);
    let groups_m1 = fit(desc.groups_m1, g.fw);
    Update::new(last_ct)
        .when(enter_array, n_ct_m1.is_eq(0))
        .when(
            advance.clone() & wrap,
            ct.wrapping_add(1).is_eq(n_ct_m1.clone()),
        )
        .apply(m);
    let wrap_update = Update::new(wrap)
        .when(enter_array, groups_m1.is_eq(0))
        .when(
            advance.clone(),
            wrap.select(
                groups_m1.is_eq(0),
                group.wrapping_add(1).is_eq(groups_m1.clone()),
            ),
        );
    let wrap_next = wrap_update.next_value();
    wrap_update.apply(m);
    // `ct·P`, the column tile's first psum row, stepped with it.
    let ct_rows = m.reg("st_ct_rows", UInt(g.pa));
    Update::new(ct_rows)
        .when(enter_array, 0)
        .when(
            advance.clone() & wrap,
            ct_rows.wrapping_add(fit(desc.p, g.pa)),
        )
        .apply(m);
    Update::new(group)
        .when(enter_array, 0)
        .when(
            advance.clone(),
            wrap.select(u(0, g.fw), group.wrapping_add(1)),
        )
        .apply(m);

    let cl = column_loop(m, cx, setup, start, issue, (wrap, wrap_next));
    // The row tile of the issuing column, `g·D + rl`, stepped with the group and `rl`.
    let group_rt = m.reg("st_group_rt", UInt(g.rtb));
    let group_rt_next = enter_array.select(
        u(0, g.rtb),
        advance.clone().select(
            wrap.select(
                u(0, g.rtb),
                group_rt.wrapping_add(u(u64::from(g.d) % (1 << g.rtb), g.rtb)),
            ),
            group_rt.expr(),
        ),
    );
    m.next(group_rt, group_rt_next.clone());
    let rt = m.reg("st_rt", UInt(g.rtb));
    let rt_next = start.select(
        group_rt_next,
        issue.select(
            cl.last_rl
                .select(group_rt.expr(), rt.wrapping_add(u(1, g.rtb))),
            rt.expr(),
        ),
    );
    m.next(rt, rt_next.clone());
    if g.p.ram_output_regs {
        let tail_w = tail.width();
        let tail_next = start.select(
            u(0, tail_w),
            cl.last_column.clone().select(
                u(1, tail_w),
                (busy & tail.is_ne(0)).select(tail.wrapping_add(1), tail.expr()),
            ),
        );
        m.next(tail, tail_next.clone());
        let busy_next = start.select(true, end.select(false, busy.expr()));
        m.next(issue, busy_next.clone() & tail_next.is_eq(0));
        m.next(end, busy_next & tail_next.is_eq(g.drain));
    } else {
        Update::new(tail)
            .when(start, 0)
            .when(cl.last_column.clone(), 1)
            .when(busy & tail.is_ne(0), tail.wrapping_add(1))
            .apply(m);
    }
    let psum_addr = row_address(
        ct_rows.wrapping_add(fit(cl.p, g.pa)),
        g.blog,
        cl.t.expr(),
        g.pa,
    );
    Streamer {
        issue,
        pair,
        ct,
        group,
        rl: cl.rl,
        rt,
        rt_next,
        last_rl: cl.last_rl,
        t: cl.t,
        y_lo: cl.bounds[0],
        y_hi: cl.bounds[1],
        x_lo: cl.bounds[2],
        x_hi: cl.bounds[3],
        window_terms: cl.window_terms,
        psum_addr,
        array_done,
    }
}

/// The column loop of a pair and its window coordinates.
struct ColumnLoop {
    rl: Signal,
    last_rl: Signal,
    t: Signal,
    p: Signal,
    /// `y_lo`, `y_hi`, `x_lo`, `x_hi` ([`Streamer`]).
    bounds: [Signal; 4],
    window_terms: [Expr; 2],
    /// The pair's last column is issued this cycle.
    last_column: Expr,
}

/// Column loop: `rl` inner (up to the pair's group size), then `t`, then `p = (e, f)`;
/// `last_group` is the pair's last-group flag and its next value.
fn column_loop(
    m: &mut ModuleBuilder,
    cx: Ctx,
    setup: &StageSetup,
    start: Signal,
    issue: Signal,
    (last_group, last_group_next): (Signal, Expr),
) -> ColumnLoop {
    let Ctx { g, seq, desc, .. } = cx;
    let p = m.reg("st_p", UInt(g.fw));
    let f = m.reg("st_f", UInt(g.fw));
    let t = m.reg("st_t", UInt(g.wb));
    let rl = m.reg("st_rl", UInt(g.gtb));
    // Every value of the window coordinates the fetch uses lies in (−2^k, H + 2^k), k = kd
    // (the driver bounds pad and the kernel by 2^k − 1, and H by the spike buffer).
    let fx = m.reg("st_fx", SInt(g.yw));
    let f_m1 = fit(desc.f_m1, g.fw);
    let p_m1 = fit(desc.p_m1, g.fw);
    // Whether each index is at its last value: compares of the index (without
    // `ram_output_regs`), or registers set from the indices' next values, so the steps'
    // enables below start at registers. (A flag holds while its index holds, so the bounds
    // they compare with, the descriptor's and the window's, must be set before the pair's
    // start, whose rule recomputes every flag, and hold through the array phase: they do.)
    let flag = g.p.ram_output_regs;
    let last = |m: &mut ModuleBuilder, name: &str, now: Expr| -> Signal {
        if flag {
            m.reg(name, Bool)
        } else {
            m.wire_from(name, now)
        }
    };
    let last_rl = if flag {
        m.reg("st_last_rl", Bool)
    } else {
        let r_m1 = m.wire_from("st_r_m1", group_last_tile(g, desc, last_group.expr()));
        m.wire_from("st_last_rl", rl.is_eq(r_m1))
    };
    let last_t = last(m, "st_last_t", t.wrapping_add(1).is_eq(seq.tw));
    let last_f = last(m, "st_last_f", f.is_eq(f_m1.clone()));
    let last_p = last(m, "st_last_p", p.is_eq(p_m1.clone()));
    let adv_t = m.wire_from("adv_t", issue & last_rl);
    let adv_p = m.wire_from("adv_p", adv_t & last_t);
    let adv_e = m.wire_from("adv_e", adv_p & last_f);
    let rl_update = Update::new(rl)
        .when(start, 0)
        .when(issue, last_rl.select(u(0, g.gtb), rl.wrapping_add(1)));
    let t_update = Update::new(t)
        .when(start, 0)
        .when(adv_t, last_t.select(u(0, g.wb), t.wrapping_add(1)));
    let p_update = Update::new(p).when(start, 0).when(adv_p, p.wrapping_add(1));
    let f_update = Update::new(f)
        .when(start, 0)
        .when(adv_p, last_f.select(u(0, g.fw), f.wrapping_add(1)));
    if flag {
        // (The last row tile's bound changes with the group at a pair's start, so this flag
        // compares the whole next value with the next bound.)
        let r_m1_next = group_last_tile(g, desc, last_group_next);
        m.next(last_rl, rl_update.next_value().is_eq(r_m1_next));
    }
    rl_update.apply(m);
    let tracked = |s: Signal| flag.then_some(s);
    apply_tracked(m, t_update, tracked(last_t), |v| {
        v.wrapping_add(1).is_eq(seq.tw)
    });
    apply_tracked(m, p_update, tracked(last_p), |v| v.is_eq(p_m1.clone()));
    apply_tracked(m, f_update, tracked(last_f), |v| v.is_eq(f_m1.clone()));
    let neg_pad = Expr::sint(0, g.yw).wrapping_sub(fit(desc.pad, g.yw - 1).as_sint());
    let stride = fit(desc.stride, g.yw - 1).as_sint();
    // The fetch's bounds (`Streamer::y_lo` …), stepped with `e` and `f` instead of formed
    // from their coordinates in the issue cycle: the bounds check then starts at registers.
    // Exact in `yw + 1` bits, as the coordinates are in `yw`.
    let bw = g.yw + 1;
    let pad = fit(desc.pad, g.yw - 1).as_sint().sext(bw);
    let stride_b = stride.sext(bw);
    let bound = |m: &mut ModuleBuilder, name: &str, first: Expr, adv: Expr, wrap: Expr| {
        let r = m.reg(format!("st_{name}"), SInt(bw));
        let stepped = r.wrapping_sub(stride_b.clone()).trunc(bw);
        m.next(
            r,
            start.select(
                first.clone(),
                adv.select(wrap.select(first, stepped), r.expr()),
            ),
        );
        r
    };
    let size = |v: Signal| fit(v, g.yw - 1).as_sint().sext(bw);
    let hi_first = |v: Signal| size(v).wrapping_add(pad.clone()).trunc(bw);
    let never = Expr::from(false);
    let bounds = [
        bound(m, "y_lo", pad.clone(), adv_e.expr(), never.clone()),
        bound(m, "y_hi", hi_first(desc.h), adv_e.expr(), never),
        bound(m, "x_lo", pad.clone(), adv_p.expr(), last_f.expr()),
        bound(m, "x_hi", hi_first(desc.w), adv_p.expr(), last_f.expr()),
    ];
    m.next(
        fx,
        start.select(
            neg_pad.clone(),
            adv_p.select(
                last_f.select(neg_pad, fx.wrapping_add(stride).trunc(g.yw)),
                fx.expr(),
            ),
        ),
    );
    // `(e·stride − pad)·W`, stepped with e.
    let row_offset = m.reg("st_row_offset", UInt(g.sa));
    Update::new(row_offset)
        .when(start, u(0, g.sa).wrapping_sub(setup.pad_w))
        .when(adv_e, row_offset.wrapping_add(setup.stride_w))
        .apply(m);
    let window_terms = [row_offset.expr(), fit(fx.as_uint(), g.sa)];
    ColumnLoop {
        rl,
        last_rl,
        t,
        p,
        bounds,
        window_terms,
        last_column: issue & last_rl & last_t & last_p,
    }
}
