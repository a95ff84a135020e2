//! The im2col fetch (docs/accelerator.md §5, "stream"): row `i` of the column issued for
//! (p, t, rt) carries tap `n = rt·rows + i`. Each row keeps its tap as mixed-radix digits
//! (cg, cl, r, s) that advance by additions (`mixed_radix`), checks the tap against the
//! input's bounds, reads its spike from the input-role spike buffer (registered address, then
//! the read), and gates padding and invalid taps.

use super::super::mixed_radix::{self, Tap};
use super::common::{fit, row_address, u};
use super::geometry::Geometry;
use super::stage_setup::StageSetup;
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

/// The tap of one row for the issuing column: digits, spatial offset, fan-in index.
struct RowTap {
    tap: Tap,
    n: Expr,
}

/// Reads one part of a tap.
type TapPart = fn(&Tap) -> Expr;

/// A row's tap registers of one kind (`base`, `cur`, `next`).
struct TapRegs {
    cl: Signal,
    r: Signal,
    s: Signal,
    lin: Signal,
    n: Signal,
}

impl TapRegs {
    fn declare(m: &mut ModuleBuilder, g: &Geometry, kind: &str, i: u32) -> TapRegs {
        TapRegs {
            cl: m.reg(format!("tap_{kind}_cl_{i}"), UInt(g.cl_bits)),
            r: m.reg(format!("tap_{kind}_r_{i}"), UInt(g.kd)),
            s: m.reg(format!("tap_{kind}_s_{i}"), UInt(g.kd)),
            lin: m.reg(format!("tap_{kind}_lin_{i}"), UInt(g.sa)),
            n: m.reg(format!("tap_{kind}_n_{i}"), UInt(g.nw)),
        }
    }

    fn tap(&self) -> Tap {
        Tap {
            cl: self.cl.expr(),
            r: self.r.expr(),
            s: self.s.expr(),
            lin: self.lin.expr(),
        }
    }

    /// Loads `(tap, n)` under the rules `rules` (first wins).
    fn load(&self, m: &mut ModuleBuilder, rules: &[(Expr, Tap, Expr)]) {
        let parts: [(Signal, TapPart); 4] = [
            (self.cl, |t| t.cl.clone()),
            (self.r, |t| t.r.clone()),
            (self.s, |t| t.s.clone()),
            (self.lin, |t| t.lin.clone()),
        ];
        for (reg, part) in parts {
            let mut u = Update::new(reg);
            for (cond, tap, _) in rules {
                u = u.when(cond.clone(), part(tap));
            }
            u.apply(m);
        }
        let mut u = Update::new(self.n);
        for (cond, _, n) in rules {
            u = u.when(cond.clone(), n.clone());
        }
        u.apply(m);
    }
}

/// Per-row taps: `base` at the pair's first row tile, `cur` after each row-tile step, `next`
/// the base of the column tile's next group (the step after its last row tile: `base + D·rows`).
fn row_taps(m: &mut ModuleBuilder, g: &Geometry, st: &Streamer, setup: &StageSetup) -> Vec<RowTap> {
    let nmod = 1u64 << g.nw;
    let first_rl = st.rl.is_eq(0);
    let at_groupk = st.start & !st.at_group0.clone();
    let rows_n = u(u64::from(g.rows) % nmod, g.nw);
    let mut taps = Vec::new();
    for i in 0..g.rows {
        let base = TapRegs::declare(m, g, "base", i);
        let cur = TapRegs::declare(m, g, "cur", i);
        let next = TapRegs::declare(m, g, "next", i);
        let pick = |a: &Expr, b: &Expr| first_rl.select(a.clone(), b.clone());
        let (bt, ct) = (base.tap(), cur.tap());
        let tap = Tap {
            cl: pick(&bt.cl, &ct.cl),
            r: pick(&bt.r, &ct.r),
            s: pick(&bt.s, &ct.s),
            lin: pick(&bt.lin, &ct.lin),
        };
        let tap_n = m.wire_from(format!("tap_n_{i}"), first_rl.select(base.n, cur.n));
        let stepped = mixed_radix::add(&tap, &setup.rows_step, &setup.radix);
        let stepped_n = tap_n.wrapping_add(rows_n.clone());
        base.load(
            m,
            &[
                (
                    st.at_group0.clone(),
                    setup.first_taps[i as usize].clone(),
                    u(u64::from(i) % nmod, g.nw),
                ),
                (at_groupk.clone(), next.tap(), next.n.expr()),
            ],
        );
        cur.load(m, &[(st.issue.expr(), stepped.clone(), stepped_n.clone())]);
        next.load(m, &[(st.issue & st.last_rl, stepped, stepped_n)]);
        taps.push(RowTap {
            tap,
            n: tap_n.expr(),
        });
    }
    taps
}

/// Builds the taps and the two fetch stages.
pub fn build(m: &mut ModuleBuilder, cx: Ctx, st: &Streamer, setup: &StageSetup) -> Column {
    let Ctx {
        g, seq, desc, bufs, ..
    } = cx;
    let taps = row_taps(m, g, st, setup);
    let yw = g.yw;
    let mut reads = Vec::new();
    let mut valid_bits = Vec::new();
    let mut words = Vec::new();
    let mut lane_sel = Vec::new();
    for (i, row) in taps.iter().enumerate() {
        // Fetch stage 1: the address, from the issuing column's coordinates.
        let valid = row.n.is_lt(desc.n);
        let y = st
            .ey
            .wrapping_add(fit(row.tap.r.clone(), yw - 1).as_sint())
            .trunc(yw);
        let x = st
            .fx
            .wrapping_add(fit(row.tap.s.clone(), yw - 1).as_sint())
            .trunc(yw);
        let inb = y.is_ge(Expr::sint(0, 2))
            & y.is_lt(fit(desc.h, yw - 1).as_sint())
            & x.is_ge(Expr::sint(0, 2))
            & x.is_lt(fit(desc.w, yw - 1).as_sint());
        // `(cg·H + y)·W + x = lin + (e·stride − pad)·W + (f·stride − pad)`.
        let pos = row.tap.lin.wrapping_add(st.window_offset.clone());
        let addr = row_address(pos, g.blog, st.t.expr(), g.sa);
        let en = m.wire_from(format!("fetch_en_{i}"), st.issue & valid.clone() & inb);
        let addr = m.wire_from(format!("fetch_addr_{i}"), addr);
        let v1 = m.reg(format!("fetch_valid_{i}"), Bool);
        m.next(v1, st.issue & valid);
        let cl1 = m.reg_no_reset(format!("fetch_lane_{i}"), UInt(g.cl_bits));
        m.next(cl1, row.tap.cl.clone());
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
