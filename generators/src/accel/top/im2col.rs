//! The im2col fetch (docs/accelerator.md §5, "stream"): row `i` of the column issued for
//! (p, t, rt) carries tap `n = rt·rows + i`. Each row keeps its tap as mixed-radix digits
//! (cg, cl, r, s) that advance by additions (`mixed_radix`), checks the tap against the
//! input's bounds, reads its spike from the input-role spike buffer (registered address, then
//! the read), and gates padding and invalid taps.

use super::super::mixed_radix::{self, Digits, Radices};
use super::common::{fit, row_address, u};
use super::descriptor::Descriptor;
use super::geometry::Geometry;
use super::streamer::Streamer;
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The column as it enters the array (two cycles after its issue).
#[derive(Clone, Debug)]
pub struct Column {
    /// The spikes of the column's rows (padding and invalid taps read as 0).
    pub spikes: Signal,
    /// The rows whose tap is valid (`n < N`; padding is valid).
    pub taps: Signal,
    /// The rows whose spike was read from the buffer (valid and in bounds).
    pub reads: Vec<Signal>,
}

/// The taps (digits and fan-in index) of one row for the issuing column.
struct RowTap {
    digits: Digits,
    n: Expr,
}

/// Per-row tap digits: `base` at the group's first row tile, `cur` after each row-tile step.
/// Row `i` starts a column tile at tap `i`.
fn row_taps(m: &mut ModuleBuilder, g: &Geometry, desc: &Descriptor, st: &Streamer) -> Vec<RowTap> {
    let digit_bits = [g.sa, g.cl_bits, g.kd, g.kd];
    let as_digits = |v: [Expr; 4]| {
        let [cg, cl, r, s] = v;
        Digits {
            cg: fit(cg, digit_bits[0]),
            cl: fit(cl, digit_bits[1]),
            r: fit(r, digit_bits[2]),
            s: fit(s, digit_bits[3]),
        }
    };
    let radix = Radices {
        cols: u(u64::from(g.cols), digit_bits[1] + 1),
        r: desc.r.expr(),
        s: desc.s.expr(),
    };
    let rows_step = as_digits(desc.rows_digits.map(|f| f.expr()));
    let group_step = as_digits(desc.group_digits.map(|f| f.expr()));
    let mut init = as_digits([u(0, 1), u(0, 1), u(0, 1), u(0, 1)]);
    let names = ["cg", "cl", "r", "s"];
    let nmod = 1u64 << g.nw;
    let first_rl = st.rl.is_eq(0);
    let at_groupk = st.start & !st.at_group0.clone();
    let mut taps = Vec::new();
    for i in 0..g.rows {
        let reg = |m: &mut ModuleBuilder, kind: &str| -> Vec<Signal> {
            names
                .iter()
                .zip(digit_bits)
                .map(|(n, w)| m.reg(format!("tap_{kind}_{n}_{i}"), UInt(w)))
                .collect()
        };
        let base_regs = reg(m, "base");
        let cur_regs = reg(m, "cur");
        let nbase = m.reg(format!("tap_base_n_{i}"), UInt(g.nw));
        let ncur = m.reg(format!("tap_cur_n_{i}"), UInt(g.nw));
        let of = |r: &[Signal]| as_digits([r[0].expr(), r[1].expr(), r[2].expr(), r[3].expr()]);
        let base = of(&base_regs);
        let cur = of(&cur_regs);
        let pick = |a: &Expr, b: &Expr| first_rl.select(a.clone(), b.clone());
        let tap = Digits {
            cg: pick(&base.cg, &cur.cg),
            cl: pick(&base.cl, &cur.cl),
            r: pick(&base.r, &cur.r),
            s: pick(&base.s, &cur.s),
        };
        let tap_n = first_rl.select(nbase, ncur);
        let stepped = mixed_radix::add(&tap, &rows_step, &radix);
        let grouped = mixed_radix::add(&base, &group_step, &radix);
        let digit = |d: &Digits, k: usize| match k {
            0 => d.cg.clone(),
            1 => d.cl.clone(),
            2 => d.r.clone(),
            _ => d.s.clone(),
        };
        for k in 0..4 {
            Update::new(base_regs[k])
                .when(st.at_group0.clone(), digit(&init, k))
                .when(at_groupk.clone(), digit(&grouped, k))
                .apply(m);
            Update::new(cur_regs[k])
                .when(st.issue, digit(&stepped, k))
                .apply(m);
        }
        let drows = u((u64::from(g.d) * u64::from(g.rows)) % nmod, g.nw);
        Update::new(nbase)
            .when(st.at_group0.clone(), u(u64::from(i) % nmod, g.nw))
            .when(at_groupk.clone(), nbase.wrapping_add(drows))
            .apply(m);
        Update::new(ncur)
            .when(
                st.issue,
                tap_n.wrapping_add(u(u64::from(g.rows) % nmod, g.nw)),
            )
            .apply(m);
        taps.push(RowTap {
            digits: tap,
            n: m.wire_from(format!("tap_n_{i}"), tap_n).expr(),
        });
        init = mixed_radix::increment(&init, &radix);
    }
    taps
}

/// Builds the taps and the two fetch stages.
pub fn build(m: &mut ModuleBuilder, cx: Ctx, st: &Streamer) -> Column {
    let Ctx {
        g, seq, desc, bufs, ..
    } = cx;
    let taps = row_taps(m, g, desc, st);
    let yw = g.yw;
    let mut reads = Vec::new();
    let mut valid_bits = Vec::new();
    let mut words = Vec::new();
    let mut lane_sel = Vec::new();
    for (i, tap) in taps.iter().enumerate() {
        // Fetch stage 1: the address, from the issuing column's coordinates.
        let valid = tap.n.is_lt(desc.n);
        let y = st
            .ey
            .wrapping_add(fit(tap.digits.r.clone(), yw - 1).as_sint())
            .trunc(yw);
        let x = st
            .fx
            .wrapping_add(fit(tap.digits.s.clone(), yw - 1).as_sint())
            .trunc(yw);
        let inb = y.is_ge(Expr::sint(0, 2))
            & y.is_lt(fit(desc.h, yw - 1).as_sint())
            & x.is_ge(Expr::sint(0, 2))
            & x.is_lt(fit(desc.w, yw - 1).as_sint());
        let sa = g.sa;
        let cg_row = (fit(tap.digits.cg.clone(), sa) * fit(desc.h, sa))
            .trunc(sa)
            .wrapping_add(fit(y.as_uint(), sa));
        let pos = (cg_row * fit(desc.w, sa))
            .trunc(sa)
            .wrapping_add(fit(x.as_uint(), sa));
        let addr = row_address(pos, g.blog, st.t.expr(), sa);
        let en = m.wire_from(format!("fetch_en_{i}"), st.issue & valid.clone() & inb);
        let addr = m.wire_from(format!("fetch_addr_{i}"), addr);
        let v1 = m.reg(format!("fetch_valid_{i}"), Bool);
        m.next(v1, st.issue & valid);
        let cl1 = m.reg_no_reset(format!("fetch_lane_{i}"), UInt(g.cl_bits));
        m.next(cl1, fit(tap.digits.cl.clone(), g.cl_bits));
        let en1 = m.reg(format!("fetch_en_d_{i}"), Bool);
        m.next(en1, en);
        // Fetch stage 2: the read (the input-role buffer is selected by `role`).
        let qa = m.mem_read(bufs.spike_a, format!("spike_a_q{i}"), en & !seq.role, addr);
        let qb = m.mem_read(bufs.spike_b, format!("spike_b_q{i}"), en & seq.role, addr);
        reads.push(en1);
        valid_bits.push(v1);
        words.push((qa, qb));
        lane_sel.push(cl1);
    }
    let role1 = m.reg("fetch_role", Bool);
    m.next(role1, seq.role);
    let spike_bits: Vec<Expr> = words
        .iter()
        .zip(&lane_sel)
        .zip(&reads)
        .map(|(((qa, qb), lane), en)| {
            let word = role1.select(*qb, *qa);
            *en & word.shr_by(*lane).bit(0)
        })
        .collect();
    let spikes = m.wire_from("array_in_spikes", Expr::cat(spike_bits.into_iter().rev()));
    let taps = m.wire_from(
        "array_in_taps",
        Expr::cat(valid_bits.iter().rev().map(|s| s.expr())),
    );
    Column {
        spikes,
        taps,
        reads,
    }
}
