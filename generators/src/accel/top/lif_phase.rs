//! The LIF phase (docs/accelerator.md §6) and the membrane clear at the start of a run: for t
//! in the window, p in 0..P, cb in 0..n_ctb, group g in 0..n (one cycle each) it reads psum
//! word `ct = g·n_ctb + cb`, runs the `cols` LIF datapaths, writes the output spike word and,
//! at the last group, writes the membranes back. Addresses are stepped, not multiplied.

use super::super::lif_unit::{lif_unit, LifUnitParams};
use super::super::params::lif_pipe;
use super::super::pe::clog2;
use super::common::{apply_tracked, fit, lanes, row_address, u};
use super::pooling;

use super::sequencer::ph;
use super::Ctx;
use spikeforge_config::catalog::Counter;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The LIF phase's interface to the rest of the top.
#[derive(Clone, Debug)]
pub struct LifPhase {
    /// Read data of the psum buffer's phase port (shared with the classify phase): the RAM's
    /// word, registered with `ram_output_regs` (a cycle later; the LIF datapaths then take it
    /// a cycle ahead of their step and register it once more).
    pub psum_word: Signal,
    /// The membranes are cleared (CLEAR phase ends).
    pub clear_done: Signal,
    /// The LIF phase ends.
    pub done: Signal,
    /// What the phase adds to the counters (§9).
    pub counts: Vec<(Counter, Expr)>,
}

/// The LIF loop: its indices, stepped addresses and end.
struct LifLoop {
    busy: Signal,
    cb: Signal,
    grp: Signal,
    last_g: Signal,
    ct: Signal,
    addr: Signal,
    maddr: Signal,
    done: Signal,
    /// What the pooling steps with.
    steps: pooling::LoopSteps,
}

/// Another reader of the psum buffer's phase port (the classify phase): enable and address.
pub struct PsumReader {
    /// Reads this cycle.
    pub busy: Signal,
    /// The address.
    pub addr: Signal,
}

/// The loop (g inner, then cb, p, t), its stepped addresses, and the phase's end.
fn lif_loop(m: &mut ModuleBuilder, cx: Ctx, start: Expr) -> LifLoop {
    let Ctx { g, seq, desc, .. } = cx;
    let (pa, ma) = (g.pa, g.ma);
    let n = g.p.share_factor;
    let nb = clog2(u64::from(n.max(2)));
    let busy = m.reg("lif_busy", Bool);
    let t = m.reg("lif_t", UInt(g.wb));
    let p = m.reg("lif_p", UInt(g.fw));
    let cb = m.reg("lif_cb", UInt(g.fw));
    let grp = m.reg("lif_g", UInt(nb));
    let tail = m.reg("lif_tail", UInt(3));
    // Whether each index is at its last value: compares of the index (without
    // `ram_output_regs`), or registers set from the indices' next values, so the loop's
    // enables and resets start at registers. (A flag holds while its index holds, so its
    // bound, the share factor, the stage's shape or the window's length, must be set before
    // the loop's start, whose rule recomputes every flag, and hold through the phase: they
    // do.)
    let flag = g.p.ram_output_regs;
    let last_g_of = |v: Expr| v.is_eq(u64::from(n - 1));
    let last_cb_of = |v: Expr| v.is_eq(fit(desc.n_ctb_m1, g.fw));
    let last_p_of = |v: Expr| v.is_eq(fit(desc.p_m1, g.fw));
    let last_t_of = |v: Expr| v.wrapping_add(1).is_eq(seq.tw);
    let mut last_flag = |name: &str, now: Expr| {
        if flag {
            m.reg(name, Bool)
        } else {
            m.wire_from(name, now)
        }
    };
    let last_g = last_flag("lif_last_g", last_g_of(grp.expr()));
    let last_cb = last_flag("lif_last_cb", last_cb_of(cb.expr()));
    let last_p = last_flag("lif_last_p", last_p_of(p.expr()));
    let last_t = last_flag("lif_last_t", last_t_of(t.expr()));
    let last = m.wire_from("lif_final", busy & last_g & last_cb & last_p & last_t);
    // Stepped instead of multiplied: the column tile `ct = g·n_ctb + cb`, its psum row
    // `ct·P + p`, the psum row `cb·P + p` of group 0, and the membrane row `base + p·n_ctb`.
    let ct = m.reg("lif_ct", UInt(g.fw));
    let psum_row = m.reg("lif_psum_row", UInt(pa));
    let cb_row = m.reg("lif_cb_row", UInt(pa));
    let mem_row = m.reg("lif_mem_row", UInt(ma));
    let addr = m.wire_from(
        "lif_psum_addr",
        row_address(psum_row.expr(), g.blog, t.expr(), pa),
    );
    // The membrane address `mem_row + cb`; with `ram_output_regs` a register set from the two
    // registers' next values, so its add is off the path into the read's skip compare and the
    // buffer's read enable.
    let maddr = if flag {
        m.reg("lif_mem_addr", UInt(ma))
    } else {
        m.wire_from("lif_mem_addr", mem_row.wrapping_add(fit(cb, ma)))
    };
    // The loop (g inner, then cb, p, t) and its stepped addresses.
    let start = m.wire_from("lif_start", start);
    Update::new(busy)
        .when(start, true)
        .when(last, false)
        .apply(m);
    let grp_update = Update::new(grp)
        .when(start, 0)
        .when(busy, last_g.select(u(0, nb), grp.wrapping_add(1)));
    let adv_cb = m.wire_from("lif_adv_cb", busy & last_g);
    let cb_update = Update::new(cb)
        .when(start, 0)
        .when(adv_cb, last_cb.select(u(0, g.fw), cb.wrapping_add(1)));
    let adv_p = m.wire_from("lif_adv_p", adv_cb & last_cb);
    let p_update = Update::new(p)
        .when(start, 0)
        .when(adv_p, last_p.select(u(0, g.fw), p.wrapping_add(1)));
    let t_update = Update::new(t)
        .when(start, 0)
        .when(adv_p & last_p, t.wrapping_add(1));
    apply_tracked(m, grp_update, flag.then_some(last_g), last_g_of);
    let cb_next = cb_update.next_value();
    apply_tracked(m, cb_update, flag.then_some(last_cb), last_cb_of);
    apply_tracked(m, p_update, flag.then_some(last_p), last_p_of);
    apply_tracked(m, t_update, flag.then_some(last_t), last_t_of);
    let cb_row_next = last_cb.select(
        last_p.select(u(0, pa), fit(p, pa).wrapping_add(1)),
        cb_row.wrapping_add(fit(desc.p, pa)),
    );
    Update::new(cb_row)
        .when(start, 0)
        .when(adv_cb, cb_row_next.clone())
        .apply(m);
    Update::new(psum_row)
        .when(start, 0)
        .when(
            busy,
            last_g.select(cb_row_next, psum_row.wrapping_add(desc.n_ctb_p)),
        )
        .apply(m);
    Update::new(ct)
        .when(start, 0)
        .when(
            busy,
            last_g.select(
                last_cb.select(u(0, g.fw), cb.wrapping_add(1)),
                ct.wrapping_add(fit(desc.n_ctb, g.fw)),
            ),
        )
        .apply(m);
    let mem_row_update = Update::new(mem_row)
        .when(start, fit(desc.membrane_base, ma))
        .when(
            adv_p,
            last_p.select(
                fit(desc.membrane_base, ma),
                mem_row.wrapping_add(fit(desc.n_ctb, ma)),
            ),
        );
    if flag {
        m.next(
            maddr,
            mem_row_update.next_value().wrapping_add(fit(cb_next, ma)),
        );
    }
    mem_row_update.apply(m);
    // The pipeline after the loop's last step: the read and the datapaths' register, and
    // with `ram_output_regs` the words' two registers and the registered spike write.
    Update::new(tail)
        .when(last, lif_pipe(&g.p))
        .when(tail.is_ne(0), tail.wrapping_sub(1))
        .apply(m);
    let done = m.wire_from("lif_done", seq.in_phase(ph::LIF) & tail.is_eq(1));

    LifLoop {
        busy,
        cb,
        grp,
        last_g,
        ct,
        addr,
        maddr,
        done,
        steps: pooling::LoopSteps {
            start,
            busy,
            adv_p,
            last_p,
            adv_cb,
            last_cb,
            last_g,
            ct,
            t,
        },
    }
}

/// Builds the LIF phase; `start` begins it (driven by the caller: the hidden stage's array
/// phase ends).
pub fn build(m: &mut ModuleBuilder, cx: Ctx, start: Expr, other: PsumReader) -> LifPhase {
    let Ctx { g, desc, bufs, .. } = cx;
    let (ma, mb, pb, cols) = (g.ma, g.mb, g.pb, g.cols);
    let n = g.p.share_factor;
    let lp = lif_loop(m, cx, start);
    let LifLoop {
        busy,
        last_g,
        ct,
        cb,
        addr,
        maddr,
        done,
        ..
    } = lp;
    // The pooling's window counters: with `ram_output_regs` a cycle behind the loop, on its
    // registered steps (their issue signals are then stage 1's), so the resets and enables
    // of the counters come from registers. `po` is the stage of `pools[0]`.
    let (po, pool_first) = if g.p.ram_output_regs {
        let steps = lp.steps.delayed(m, cx);
        (1, pooling::issue(m, cx, &steps))
    } else {
        (0, pooling::issue(m, cx, &lp.steps))
    };
    let first = lp.grp.is_eq(0);
    let rd_en = m.wire_from("psum_phase_read", busy | other.busy);
    let rd_addr = m.wire_from("psum_phase_addr", busy.select(addr, other.addr));
    let psum_q = m.mem_read(bufs.psum, "psum_q", rd_en, rd_addr);
    let mem_rd = m.wire_from("membrane_read", busy & first.clone());
    // A read of the word written back on the same edge is skipped (its data would be the old
    // word, which the forwarding below replaces anyway): the buffer never reads during a
    // write, so it needs no read-during-write logic (`Buffers::declare`). Counted as a read.
    let mw_now = m.wire("membrane_write_now", Bool);
    let mw_addr_now = m.wire("membrane_write_addr", UInt(ma));
    let mem_rd_port = m.wire_from(
        "membrane_read_port",
        mem_rd & !(mw_now & mw_addr_now.is_eq(maddr)),
    );
    let v_ram = m.mem_read(bufs.membrane, "membrane_q", mem_rd_port, maddr);

    // Stage 1: the read data arrives. Without `ram_output_regs` the datapaths run there.
    // With it, both words are registered as they leave their RAMs (stage 2: on ECP5 the
    // RAMs' own output registers) and again before the datapaths step (stage 3: the psum
    // word inside the datapaths, with `current − θ`; the membrane word after its
    // forwarding), so the routes from the RAMs to the `cols` datapaths start and end at
    // registers. `d` is the datapaths' stage; their registered outputs (spikes, write-back)
    // belong to stage `d + 1`.
    let d = 1 + 2 * u32::from(g.p.ram_output_regs);
    let (mut vs, mut lasts, mut maddrs) = (vec![busy], vec![], vec![maddr]);
    let (mut first_d, mut last_prev, mut ct_d) = (first, busy & last_g, ct);
    let mut pools = vec![pool_first];
    for k in 1..=d + 1 {
        let v = m.reg(format!("lif_v{k}"), Bool);
        m.next(v, vs[k as usize - 1]);
        vs.push(v);
        let l = m.reg(format!("lif_last{k}"), Bool);
        m.next(l, last_prev);
        last_prev = v & l;
        lasts.push(l);
        let a = m.reg_no_reset(format!("lif_maddr{k}"), UInt(ma));
        m.next(a, maddrs[k as usize - 1]);
        maddrs.push(a);
        if k > po {
            let pool = pooling::delay(m, &pools[(k - 1 - po) as usize], k);
            pools.push(pool);
        }
        if k <= d {
            let f = m.reg(format!("lif_first{k}"), Bool);
            m.next(f, first_d);
            first_d = f.expr();
            let c = m.reg_no_reset(format!("lif_ct{k}"), UInt(g.fw));
            m.next(c, ct_d);
            ct_d = c;
        }
    }
    // `lasts[k − 1]` is stage k's. `_dp`: the datapaths' stage d; `_wb`: the write-back's,
    // d + 1.
    let (v_dp, first_dp, ct_dp) = (vs[d as usize], first_d, ct_d);
    let (v_wb, last_wb, maddr_wb) = (
        vs[d as usize + 1],
        lasts[d as usize],
        maddrs[d as usize + 1],
    );
    let (pool_dp, pool_wb) = (&pools[(d - po) as usize], &pools[(d + 1 - po) as usize]);

    // The datapaths, one per lane; their outputs come one cycle later (registered). A shared
    // state read again before its write-back has landed (a timestep of fewer than `d + 2` LIF
    // cycles) takes the newest word in flight instead of the RAM's (forwarding).
    let lif_mod = lif_unit(&LifUnitParams {
        membrane_bits: mb,
        current_bits: pb,
        leak: g.p.leak,
        reset: g.p.reset,
        fire_compare: g.p.fire_compare,
        share_factor: n,
        current_lead: g.p.ram_output_regs,
    });
    let theta = fit(desc.theta, mb).as_sint();
    let v_out_word = m.wire("lif_v_out_word", UInt(cols * mb));
    // The datapaths' post-step states, combinational (forwarded with `ram_output_regs`).
    let v_next_word =
        g.p.ram_output_regs
            .then(|| m.wire("lif_v_next_word", UInt(cols * mb)));
    let mw_data_q = m.reg_no_reset("membrane_wr_data_q", UInt(cols * mb));
    m.next(mw_data_q, v_out_word);
    let (v_q, psum_in) = if g.p.ram_output_regs {
        // The membrane word the datapaths take (stage 3) is chosen in stage 2 among the
        // newest words in flight for its address, by flags decided in stage 1 (the address
        // compares and their fan-out are off the path): the post-step state the datapaths
        // compute now (`lif_v_next_word`: that step writes it back next cycle), the word
        // written back this cycle, the one written one cycle earlier, the one written two
        // cycles earlier (the RAM read missed those three: a read is skipped during a write to
        // its address), or the RAM's, registered as it left the RAM. The first is the only
        // source on the loop from a step to the next one's: one multiplexer after the
        // datapaths.
        let addr1 = maddrs[1];
        let decide = |m: &mut ModuleBuilder, name: &str, hit: Expr| -> Signal {
            let r = m.reg(name, Bool);
            m.next(r, hit);
            r
        };
        let sel_next = decide(
            m,
            "membrane_fwd_next",
            vs[2] & lasts[1] & maddrs[2].is_eq(addr1),
        );
        let sel_now = decide(
            m,
            "membrane_fwd_now",
            vs[3] & lasts[2] & maddrs[3].is_eq(addr1),
        );
        let sel_last = decide(m, "membrane_fwd_last", mw_now & maddr_wb.is_eq(addr1));
        // The write of the edge that ended the read's cycle, decided then and held a cycle.
        let hit_read = decide(m, "membrane_fwd_read", mw_now & maddr_wb.is_eq(maddrs[0]));
        let sel_last2 = decide(m, "membrane_fwd_last2", hit_read.expr());
        let mw_data_q2 = m.reg_no_reset("membrane_wr_data_q2", UInt(cols * mb));
        m.next(mw_data_q2, mw_data_q);
        let v_ram_r = m.reg_no_reset("membrane_q_r", UInt(cols * mb));
        m.next(v_ram_r, v_ram);
        let older = sel_now.select(
            v_out_word.expr(),
            sel_last.select(
                mw_data_q.expr(),
                sel_last2.select(mw_data_q2.expr(), v_ram_r.expr()),
            ),
        );
        let older = m.wire_from("membrane_fwd_older", older);
        let v = m.reg_no_reset("membrane_v_r", UInt(cols * mb));
        let v_next_word = v_next_word.expect("built with ram_output_regs");
        m.next(v, sel_next.select(v_next_word, older));
        // The psum word, registered at the RAM: the datapaths take it a cycle ahead of their
        // step (`current_lead`) and register it themselves, beside them, with `current − θ`.
        let p = m.reg_no_reset("psum_q_r", UInt(cols * pb));
        m.next(p, psum_q);
        (v, p)
    } else {
        // Which word a stage-1 read takes, decided a cycle ahead (the address compares are
        // off the path into the datapaths): the one written back this cycle (`mw_now` then is
        // `v1 & last1` now, its address `maddr1` now, and the stage-1 address `maddr` now),
        // or the one written last cycle (`mw_now` now, at `maddr_wb`). `membrane_fwd` says
        // either does: the RAM's data then passes one multiplexer, and the choice between
        // the two registered words is made beside it.
        let fwd_now = m.reg("membrane_fwd_now", Bool);
        let fwd_now_next = m.wire_from(
            "membrane_fwd_now_next",
            v_dp & lasts[0] & maddrs[1].is_eq(maddr),
        );
        m.next(fwd_now, fwd_now_next);
        let fwd_any = m.reg("membrane_fwd", Bool);
        let fwd_last_next = m.wire_from("membrane_fwd_last_next", mw_now & maddr_wb.is_eq(maddr));
        m.next(fwd_any, fwd_now_next | fwd_last_next);
        let fwd_word = m.wire_from(
            "membrane_fwd_word",
            fwd_now.select(v_out_word, mw_data_q.expr()),
        );
        (
            m.wire_from("membrane_v", fwd_any.select(fwd_word, v_ram)),
            psum_q,
        )
    };
    let mut spike_bits = Vec::new();
    let mut v_out_lanes = Vec::new();
    let mut v_next_lanes = Vec::new();
    for j in 0..cols {
        let lu = m.instance(format!("u_lif_{j}"), &lif_mod);
        m.connect(&lu, "valid", v_dp);
        m.connect(&lu, "first", first_dp.clone());
        m.connect(&lu, "v_mem", v_q.bits(j * mb + mb - 1, j * mb).as_sint());
        m.connect(
            &lu,
            "current",
            psum_in.bits(j * pb + pb - 1, j * pb).as_sint(),
        );
        m.connect(&lu, "threshold", theta.clone());
        spike_bits.push(lu.out("spike"));
        v_out_lanes.push(lu.out("v_out").as_uint());
        if v_next_word.is_some() {
            v_next_lanes.push(lu.out("v_next").as_uint());
        } else {
            let _ = lu.out("v_next");
        }
        let _ = (lu.out("spike_valid"), lu.out("v_valid"));
    }
    m.drive(v_out_word, Expr::cat(v_out_lanes.into_iter().rev()));
    if let Some(w) = v_next_word {
        m.drive(w, Expr::cat(v_next_lanes.into_iter().rev()));
    }
    m.drive(mw_now, v_wb & last_wb);
    m.drive(mw_addr_now, maddr_wb);

    let clear_done = membrane_write_port(m, cx, mw_now, maddr_wb, v_out_word);
    // Output spikes, pooled, go to the output-role buffer (§3, §6).
    let spikes = Expr::cat(spike_bits.into_iter().rev());
    // The pooling row buffer is read in the datapaths' stage, a stage earlier with
    // `ram_output_regs` (its word registered).
    let rd = (d - u32::from(g.p.ram_output_regs)) as usize;
    let (out_we, spike_addr, spike_word) = pooling::combine(
        m,
        cx,
        (vs[rd], &pools[rd - po as usize]),
        pool_dp,
        v_wb,
        pool_wb,
        spikes,
    );
    write_output_spikes(m, cx, out_we, spike_addr, spike_word);

    // Counts on the valid lanes (shared states `⌊M/n⌋` per position for the membranes).
    let states = m.wire_from(
        "states_per_position",
        fit(desc.m, g.fw) >> n.trailing_zeros(),
    );
    let mem_lanes = lanes(&cb.expr(), &states.expr(), cols, g.fw, g.lw);
    let lif_lanes = lanes(&ct.expr(), &desc.m.expr(), cols, g.fw, g.lw);
    let when = |c: Expr, v: Expr| c.select(v.clone(), u(0, v.width()));
    let counts = vec![
        (
            Counter::OutputSpikeWrites,
            when(
                v_dp & pool_dp.in_area & pool_dp.last,
                lanes(&ct_dp.expr(), &desc.m.expr(), cols, g.fw, g.lw),
            ),
        ),
        (
            Counter::PsumBufferReads,
            when(busy.expr(), lif_lanes.clone()),
        ),
        (
            Counter::MembraneReads,
            when(mem_rd.expr(), mem_lanes.clone()),
        ),
        (Counter::MembraneWrites, when(busy & last_g, mem_lanes)),
        (Counter::LifSteps, when(busy.expr(), lif_lanes)),
    ];
    LifPhase {
        psum_word: psum_in,
        clear_done,
        done,
        counts,
    }
}

/// The membrane buffer's one write port (block RAM offers one): the LIF write-back
/// (`write`, at `addr`, of `word`), and the membrane clear of the CLEAR phase (at the start of
/// a run, when no LIF write is in flight), which writes zeros. Returns the clear's end.
fn membrane_write_port(
    m: &mut ModuleBuilder,
    cx: Ctx,
    write: Signal,
    addr: Signal,
    word: Signal,
) -> Signal {
    let Ctx {
        g,
        globals,
        seq,
        bufs,
        ..
    } = cx;
    let clear_count = m.reg("clear_count", UInt(g.ma + 1));
    let clearing = m.wire_from("clear_we", seq.in_phase(ph::CLEAR));
    Update::new(clear_count)
        .when(seq.run_start, 0)
        .when(clearing, clear_count.wrapping_add(1))
        .apply(m);
    let clear_done = m.wire_from(
        "clear_done",
        clearing & clear_count.wrapping_add(1u64).is_ge(globals.mem_words),
    );
    m.mem_write(
        bufs.membrane,
        clearing | write,
        clearing.select(fit(clear_count, g.ma), addr.expr()),
        clearing.select(u(0, g.cols * g.mb), word.expr()),
    );
    clear_done
}

/// The pooled output spikes' write into the output-role spike buffer (`spike_a` while the
/// sequencer's `role` is 1, else `spike_b`; §3, §6), with `spike_out_we` named. With
/// `ram_output_regs` the write (enable, address, word) is registered first, so the routes
/// from the datapaths and the pooling to the spike buffers' block RAMs start at registers
/// (one more LIF cycle per phase: the last write lands before the phase ends).
fn write_output_spikes(m: &mut ModuleBuilder, cx: Ctx, we: Signal, addr: Signal, word: Signal) {
    let (g, seq, bufs) = (cx.g, cx.seq, cx.bufs);
    let we = m.wire_from("spike_out_we", we);
    let (we, addr, word) = if g.p.ram_output_regs {
        let we_r = m.reg("spike_out_we_r", Bool);
        m.next(we_r, we);
        let addr_r = m.reg_no_reset("spike_out_addr_r", UInt(g.sa));
        m.next(addr_r, fit(addr, g.sa));
        let word_r = m.reg_no_reset("spike_out_word_r", word.ty());
        m.next(word_r, word);
        (we_r, addr_r, word_r)
    } else {
        (we, addr, word)
    };
    m.mem_write(bufs.spike_a, we & seq.role, fit(addr, g.sa), word);
    m.mem_write(bufs.spike_b, we & !seq.role, fit(addr, g.sa), word);
}
