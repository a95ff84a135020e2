//! Spike pooling in the LIF phase (docs/accelerator.md §6): OR over non-overlapping k×k
//! windows of the output positions, as the golden model pools (outputs that do not fill a
//! whole window are dropped). The LIF loop visits positions in raster order, so a window's
//! k² positions arrive over k rows: the partial OR of every window of the current row of
//! windows waits in a small RAM, the **pooling row buffer** (`n_ct·F'` words of `cols` bits,
//! word `fq·n_ct + ct`), and the window's last position writes the pooled word to the output
//! spike buffer at `(ct·P' + q)·B_max + t`, `q = (e/k)·F' + f/k`. Without pooling (k = 1)
//! every position is its own window's last: the spike word goes straight out, at the same
//! address as before (P' = P, q = p). Positions, window coordinates and addresses are stepped,
//! never divided or multiplied.

use super::super::pe::clog2;
use super::common::{apply_tracked, fit, row_address, u};
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The loop signals the pooling steps with (from the LIF loop).
pub struct LoopSteps {
    /// The loop starts (a new LIF phase).
    pub start: Signal,
    /// The loop runs this cycle.
    pub busy: Signal,
    /// The position advances after this cycle.
    pub adv_p: Signal,
    /// The current position is the last of the timestep.
    pub last_p: Signal,
    /// The lane block advances after this cycle.
    pub adv_cb: Signal,
    /// The current lane block is the last.
    pub last_cb: Signal,
    /// The current group is the last.
    pub last_g: Signal,
    /// The column tile of this cycle.
    pub ct: Signal,
    /// The window timestep.
    pub t: Signal,
}

impl LoopSteps {
    /// The steps a cycle later (registered copies named `pool_step_<name>`; of the column
    /// tile only the bits the row buffer's address takes): the pooling's window counters can
    /// run a cycle behind the loop, their resets and enables then coming from registers
    /// instead of the loop's compares.
    pub fn delayed(&self, m: &mut ModuleBuilder, cx: Ctx) -> LoopSteps {
        let ct_bits = self.ct.width().min(row_bits(cx));
        let flag = |m: &mut ModuleBuilder, s: Signal, name: &str| -> Signal {
            let r = m.reg(format!("pool_step_{name}"), Bool);
            m.next(r, s);
            r
        };
        let word = |m: &mut ModuleBuilder, s: Signal, name: &str| -> Signal {
            let r = m.reg_no_reset(format!("pool_step_{name}"), s.ty());
            m.next(r, s);
            r
        };
        LoopSteps {
            start: flag(m, self.start, "start"),
            busy: flag(m, self.busy, "busy"),
            adv_p: flag(m, self.adv_p, "adv_p"),
            last_p: flag(m, self.last_p, "last_p"),
            adv_cb: flag(m, self.adv_cb, "adv_cb"),
            last_cb: flag(m, self.last_cb, "last_cb"),
            last_g: flag(m, self.last_g, "last_g"),
            ct: {
                let r = m.reg_no_reset("pool_step_ct", UInt(ct_bits));
                m.next(r, fit(self.ct, ct_bits));
                r
            },
            t: word(m, self.t, "t"),
        }
    }
}

/// Per loop cycle (stage 0): where its spikes go.
#[derive(Clone, Copy, Debug)]
pub struct PoolIssue {
    /// The position lies in a whole window (`e < E'·k`, `f < F'·k`).
    pub in_area: Signal,
    /// First position of its window (`e mod k = 0`, `f mod k = 0`).
    pub first: Signal,
    /// Last position of its window: the pooled word is complete.
    pub last: Signal,
    /// The pooling row buffer word of (window column, ct).
    pub row_addr: Signal,
    /// The output spike buffer address of the pooled word.
    pub out_addr: Signal,
}

/// Address bits of the pooling row buffer.
fn row_bits(cx: Ctx) -> u32 {
    clog2(cx.g.p.pool_row_words().max(2))
}

/// Steps the window coordinates and addresses with the LIF loop.
pub fn issue(m: &mut ModuleBuilder, cx: Ctx, s: &LoopSteps) -> PoolIssue {
    let Ctx { g, desc, .. } = cx;
    let (fw, sa) = (g.fw, g.sa);
    let rbw = row_bits(cx);
    let k = fit(desc.pool, 4);
    let f = m.reg("pool_f", UInt(fw));
    let fx = m.reg("pool_fx", UInt(4));
    let fq = m.reg("pool_fq", UInt(fw));
    let ey = m.reg("pool_ey", UInt(4));
    let eq = m.reg("pool_eq", UInt(fw));
    let q_base = m.reg("pool_q_base", UInt(sa));
    let rb_base = m.reg("pool_rb_base", UInt(rbw));
    let ocb_row = m.reg("pool_ocb_row", UInt(sa));
    let o_row = m.reg("pool_o_row", UInt(sa));

    // With `ram_output_regs` the last-column flag is a register set from the column's next
    // value, and the output row's base `q_base + fq` (`pool_q`) and `q_base + F'`
    // (`pool_q_base_pf`) are registers too, so the output row steps by selects only: no
    // compare or add between the window counters and `pool_ocb_row`. (The flag holds while the
    // column holds; its bound `F − 1` is set before the loop's start, whose rule recomputes it.)
    let flag = g.p.ram_output_regs;
    let last_f_of = |v: Expr| v.is_eq(fit(desc.f_m1, fw));
    let last_f = if flag {
        m.reg("pool_last_f", Bool)
    } else {
        m.wire_from("pool_last_f", last_f_of(f.expr()))
    };
    let fx_wrap = m.wire_from("pool_fx_wrap", fx.wrapping_add(1).is_eq(k.clone()));
    let ey_wrap = m.wire_from("pool_ey_wrap", ey.wrapping_add(1).is_eq(k.clone()));
    // The next position's window coordinates (their values after `adv_p`).
    let fq_next = last_f.select(u(0, fw), fx_wrap.select(fq.wrapping_add(1), fq.expr()));
    let row_done = m.wire_from("pool_row_done", last_f & ey_wrap);
    let pf = fit(desc.pooled_f, sa);
    let q_regs = flag.then(|| (m.reg("pool_q", UInt(sa)), m.reg("pool_q_base_pf", UInt(sa))));
    let q_base_pf = match q_regs {
        Some((_, r)) => r.expr(),
        None => q_base.wrapping_add(pf.clone()),
    };
    let q_base_next = s
        .last_p
        .select(u(0, sa), row_done.select(q_base_pf, q_base.expr()));
    // The output row of the next position, `q_base_next + fq_next`.
    let q_next = match q_regs {
        // The sum's cases: at the last position `0 + fq_next`; at a row's last column
        // `q_base_next + 0`; elsewhere `q_base + fq_next`, i.e. `pool_q` or `pool_q + 1`.
        Some((q, _)) => s.last_p.select(
            fit(fq_next.clone(), sa),
            last_f.select(
                q_base_next.clone(),
                fx_wrap.select(q.wrapping_add(1), q.expr()),
            ),
        ),
        None => q_base_next.clone().wrapping_add(fit(fq_next.clone(), sa)),
    };
    let adv_p = s.adv_p;
    let restart = m.wire_from("pool_restart", s.start | (adv_p & s.last_p));
    apply_tracked(
        m,
        Update::new(f)
            .when(restart, 0)
            .when(adv_p, last_f.select(u(0, fw), f.wrapping_add(1))),
        flag.then_some(last_f),
        last_f_of,
    );
    if let Some((q, q_base_pf)) = q_regs {
        Update::new(q)
            .when(s.start, 0)
            .when(adv_p & s.last_p, 0)
            .when(adv_p, q_next.clone())
            .apply(m);
        Update::new(q_base_pf)
            .when(s.start, pf.clone())
            .when(adv_p, q_base_next.clone().wrapping_add(pf))
            .apply(m);
    }
    Update::new(fx)
        .when(restart, 0)
        .when(
            adv_p,
            (last_f | fx_wrap).select(u(0, 4), fx.wrapping_add(1)),
        )
        .apply(m);
    Update::new(fq)
        .when(restart, 0)
        .when(adv_p, fq_next)
        .apply(m);
    Update::new(ey)
        .when(restart, 0)
        .when(adv_p & last_f, ey_wrap.select(u(0, 4), ey.wrapping_add(1)))
        .apply(m);
    Update::new(eq)
        .when(restart, 0)
        .when(adv_p & row_done, eq.wrapping_add(1))
        .apply(m);
    Update::new(q_base)
        .when(s.start, 0)
        .when(adv_p, q_base_next)
        .apply(m);
    Update::new(rb_base)
        .when(restart, 0)
        .when(
            adv_p,
            last_f.select(
                u(0, rbw),
                fx_wrap.select(rb_base.wrapping_add(fit(desc.n_ct, rbw)), rb_base.expr()),
            ),
        )
        .apply(m);
    // The output row `ct·P' + q`, stepped as the psum row is (`cb·P' + q`, then `+ n_ctb·P'`
    // per group).
    let ocb_row_next = s
        .last_cb
        .select(q_next, ocb_row.wrapping_add(fit(desc.pooled_p, sa)));
    Update::new(ocb_row)
        .when(s.start, 0)
        .when(s.adv_cb, ocb_row_next.clone())
        .apply(m);
    Update::new(o_row)
        .when(s.start, 0)
        .when(
            s.busy,
            s.last_g
                .select(ocb_row_next, o_row.wrapping_add(fit(desc.n_ctb_pp, sa))),
        )
        .apply(m);

    let in_area = m.wire_from(
        "pool_in_area",
        fq.is_lt(fit(desc.pooled_f, fw)) & eq.is_lt(fit(desc.pooled_e, fw)),
    );
    let first = m.wire_from("pool_first", ey.is_eq(0) & fx.is_eq(0));
    let last = m.wire_from("pool_last", ey_wrap & fx_wrap);
    let row_addr = m.wire_from("pool_row_addr", rb_base.wrapping_add(fit(s.ct, rbw)));
    let out_addr = m.wire_from(
        "pool_out_addr",
        row_address(o_row.expr(), g.blog, s.t.expr(), sa),
    );
    PoolIssue {
        in_area,
        first,
        last,
        row_addr,
        out_addr,
    }
}

/// The issue signals `n` cycles later (registered copies named `<name>_d<n>`).
pub fn delay(m: &mut ModuleBuilder, p: &PoolIssue, n: u32) -> PoolIssue {
    let reg = |m: &mut ModuleBuilder, s: Signal, name: &str, reset: bool| -> Signal {
        let r = if reset {
            m.reg(format!("{name}_d{n}"), s.ty())
        } else {
            m.reg_no_reset(format!("{name}_d{n}"), s.ty())
        };
        m.next(r, s);
        r
    };
    PoolIssue {
        in_area: reg(m, p.in_area, "pool_in_area", true),
        first: reg(m, p.first, "pool_first", true),
        last: reg(m, p.last, "pool_last", true),
        row_addr: reg(m, p.row_addr, "pool_row_addr", false),
        out_addr: reg(m, p.out_addr, "pool_out_addr", false),
    }
}

/// The pooled word for the spikes of stage 2 (`spikes`, valid with `valid`), given the issue
/// signals of the stage that reads the row buffer (`(v_rd, s_rd)`), of stage 1 (`s1`) and of
/// stage 2 (`s2`): returns (write the output spike buffer, its address, the word). Without
/// `ram_output_regs` the read is stage 1's (`s_rd` is `s1`); with it, stage 0's, and the
/// word is registered as it leaves the RAM (an FPGA flow folds that register into the RAM).
pub fn combine(
    m: &mut ModuleBuilder,
    cx: Ctx,
    (v_rd, s_rd): (Signal, &PoolIssue),
    s1: &PoolIssue,
    valid: Signal,
    s2: &PoolIssue,
    spikes: Expr,
) -> (Signal, Signal, Signal) {
    let cols = cx.g.cols;
    let rbw = s1.row_addr.width();
    let rb = m.mem("pool_row", cx.g.p.pool_row_words().max(2), UInt(cols));
    m.promise_no_read_during_write(rb);
    // A window's next position can come one cycle after the previous one (one lane block,
    // no sharing): its read then misses the write of the same edge (it is skipped, so the
    // row buffer never reads during a write), and that word is forwarded when it is combined
    // (with `ram_output_regs` also the write of the edge after: the read is a cycle earlier).
    let store = m.wire("pool_row_we", Bool);
    let read = v_rd & s_rd.in_area & !(store & s2.row_addr.is_eq(s_rd.row_addr));
    let rb_q = m.mem_read(rb, "pool_row_q", read, s_rd.row_addr);
    let w_valid_q = m.reg("pool_row_wr_valid_q", Bool);
    let w_addr_q = m.reg_no_reset("pool_row_wr_addr_q", UInt(rbw));
    let w_data_q = m.reg_no_reset("pool_row_wr_data_q", UInt(cols));
    let old = if cx.g.p.ram_output_regs {
        // The newer of the two writes the read missed, decided a cycle ahead (the address
        // compares are off the path from the RAM's register): the one of the edge before
        // (`pool_row_wr_data_q`) or of the edge before that (`_q2`).
        let rb_q_r = m.reg_no_reset("pool_row_q_r", UInt(cols));
        m.next(rb_q_r, rb_q);
        let w_data_q2 = m.reg_no_reset("pool_row_wr_data_q2", UInt(cols));
        m.next(w_data_q2, w_data_q);
        let fwd1 = m.reg("pool_row_fwd", Bool);
        m.next(fwd1, store & s2.row_addr.is_eq(s1.row_addr));
        let fwd2 = m.reg("pool_row_fwd2", Bool);
        m.next(fwd2, w_valid_q & w_addr_q.is_eq(s1.row_addr));
        fwd1.select(w_data_q, fwd2.select(w_data_q2, rb_q_r))
    } else {
        let fwd = m.wire_from("pool_row_fwd", w_valid_q & w_addr_q.is_eq(s2.row_addr));
        fwd.select(w_data_q, rb_q)
    };
    let word = m.wire_from("pool_word", s2.first.select(u(0, cols), old) | spikes);
    m.drive(store, valid & s2.in_area & !s2.last);
    m.mem_write(rb, store, s2.row_addr, word);
    m.next(w_valid_q, store);
    m.next(w_addr_q, s2.row_addr);
    m.next(w_data_q, word);
    let out = m.wire_from("pool_out_we", valid & s2.in_area & s2.last);
    (out, s2.out_addr, word)
}
