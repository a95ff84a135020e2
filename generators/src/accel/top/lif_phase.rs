//! The LIF phase (docs/accelerator.md §6) and the membrane clear at the start of a run: for t
//! in the window, p in 0..P, cb in 0..n_ctb, group g in 0..n (one cycle each) it reads psum
//! word `ct = g·n_ctb + cb`, runs the `cols` LIF datapaths, writes the output spike word and,
//! at the last group, writes the membranes back. Addresses are stepped, not multiplied.

use super::super::lif_unit::{lif_unit, LifUnitParams};
use super::super::pe::clog2;
use super::common::{fit, lanes, row_address, u};
use super::pooling;

use super::sequencer::ph;
use super::Ctx;
use spikeforge_config::catalog::Counter;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The LIF phase's interface to the rest of the top.
#[derive(Clone, Debug)]
pub struct LifPhase {
    /// Read data of the psum buffer's phase port (shared with the classify phase).
    pub psum_q: Signal,
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
    let last_g = m.wire_from("lif_last_g", grp.is_eq(u64::from(n - 1)));
    let last_cb = m.wire_from("lif_last_cb", cb.is_eq(fit(desc.n_ctb_m1, g.fw)));
    let last_p = m.wire_from("lif_last_p", p.is_eq(fit(desc.p_m1, g.fw)));
    let last_t = m.wire_from("lif_last_t", t.wrapping_add(1).is_eq(seq.tw));
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
    let maddr = m.wire_from("lif_mem_addr", mem_row.wrapping_add(fit(cb, ma)));
    // The loop (g inner, then cb, p, t) and its stepped addresses.
    let start = m.wire_from("lif_start", start);
    Update::new(busy)
        .when(start, true)
        .when(last, false)
        .apply(m);
    Update::new(grp)
        .when(start, 0)
        .when(busy, last_g.select(u(0, nb), grp.wrapping_add(1)))
        .apply(m);
    let adv_cb = m.wire_from("lif_adv_cb", busy & last_g);
    Update::new(cb)
        .when(start, 0)
        .when(adv_cb, last_cb.select(u(0, g.fw), cb.wrapping_add(1)))
        .apply(m);
    let adv_p = m.wire_from("lif_adv_p", adv_cb & last_cb);
    Update::new(p)
        .when(start, 0)
        .when(adv_p, last_p.select(u(0, g.fw), p.wrapping_add(1)))
        .apply(m);
    Update::new(t)
        .when(start, 0)
        .when(adv_p & last_p, t.wrapping_add(1))
        .apply(m);
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
    Update::new(mem_row)
        .when(start, fit(desc.membrane_base, ma))
        .when(
            adv_p,
            last_p.select(
                fit(desc.membrane_base, ma),
                mem_row.wrapping_add(fit(desc.n_ctb, ma)),
            ),
        )
        .apply(m);
    // The pipeline after the loop's last step: the read and the datapaths' register, and
    // the read's register with `ram_output_regs` (`lif_pipe`).
    Update::new(tail)
        .when(last, 2 + u64::from(g.p.ram_output_regs))
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
    let pool0 = pooling::issue(m, cx, &lp.steps);
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

    // Stage 1: the read data arrives. With `ram_output_regs` it is registered there and the
    // datapaths run in stage 2; otherwise they run in stage 1. `d` is the datapaths' stage;
    // their registered outputs (spikes, write-back) belong to stage `d + 1`.
    let d = 1 + u32::from(g.p.ram_output_regs);
    let (mut vs, mut firsts, mut lasts, mut maddrs) = (vec![busy], vec![], vec![], vec![maddr]);
    let mut first_prev = first;
    let mut last_prev = busy & last_g;
    let mut ct_d = ct;
    let mut pools = vec![pool0];
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
        let pool = pooling::delay(m, &pools[k as usize - 1], k);
        pools.push(pool);
        if k <= d {
            let f = m.reg(format!("lif_first{k}"), Bool);
            m.next(f, first_prev);
            first_prev = f.expr();
            firsts.push(f);
            let c = m.reg_no_reset(format!("lif_ct{k}"), UInt(g.fw));
            m.next(c, ct_d);
            ct_d = c;
        }
    }
    let (v1, first1, ct1) = (vs[d as usize], firsts[d as usize - 1], ct_d);
    let (v2, last2, maddr2) = (
        vs[d as usize + 1],
        lasts[d as usize],
        maddrs[d as usize + 1],
    );
    let (pool1, pool2) = (&pools[d as usize], &pools[d as usize + 1]);
    let (psum_in, v_ram_in) = if g.p.ram_output_regs {
        let p = m.reg_no_reset("psum_q_r", UInt(cols * pb));
        m.next(p, psum_q);
        let v = m.reg_no_reset("membrane_q_r", UInt(cols * mb));
        m.next(v, v_ram);
        (p, v)
    } else {
        (psum_q, v_ram)
    };

    // The datapaths, one per lane; their outputs come one cycle later (registered). A shared
    // state read again before its write-back has landed (a timestep of fewer than `d + 2` LIF
    // cycles) takes the value being written this cycle, or one written in the last `d`
    // cycles (the most recent).
    let lif_mod = lif_unit(&LifUnitParams {
        membrane_bits: mb,
        current_bits: pb,
        leak: g.p.leak,
        reset: g.p.reset,
        fire_compare: g.p.fire_compare,
        share_factor: n,
    });
    let theta = fit(desc.theta, mb).as_sint();
    let v_out_word = m.wire("lif_v_out_word", UInt(cols * mb));
    // The words written back in the last `d` cycles, newest first, with their write flag and
    // address.
    let mut written = Vec::new();
    let (mut wd, mut ww, mut wa) = (v_out_word.expr(), mw_now.expr(), maddr2.expr());
    for k in 0..d {
        let name = if k == 0 {
            "membrane_wr_data_q".to_string()
        } else {
            format!("membrane_wr_data_q{}", k + 1)
        };
        let data = m.reg_no_reset(name, UInt(cols * mb));
        m.next(data, wd);
        wd = data.expr();
        // The oldest word's flag and address are not needed: its hit is decided from the
        // next newer one's, a cycle ahead.
        if k + 1 < d {
            let we = m.reg(format!("membrane_wr_q{}", k + 1), Bool);
            m.next(we, ww);
            let addr = m.reg_no_reset(format!("membrane_wr_addr_q{}", k + 1), UInt(ma));
            m.next(addr, wa);
            (ww, wa) = (we.expr(), addr.expr());
            written.push((data, Some((we, addr))));
        } else {
            written.push((data, None));
        }
    }
    // Which word a datapath-stage read takes, decided a cycle ahead (the address compares
    // are off the path into the datapaths), for the step now in stage `d − 1` (address
    // `maddrs[d − 1]`): the one the datapaths' step will write back (`v_d & last_d` at
    // `maddrs[d]`), the one written back this cycle (`mw_now` at `maddr2`), or one written
    // `k` cycles ago. `membrane_fwd` says one does: the RAM's data then passes one
    // multiplexer, and the choice among the registered words is made beside it.
    let next_addr = maddrs[d as usize - 1];
    let mut hits = vec![m.wire_from(
        "membrane_fwd_now_next",
        v1 & lasts[d as usize - 1] & maddrs[d as usize].is_eq(next_addr),
    )];
    hits.push(m.wire_from("membrane_fwd_last_next", mw_now & maddr2.is_eq(next_addr)));
    for (k, (_, flag)) in written.iter().enumerate() {
        if let Some((we, addr)) = flag {
            hits.push(m.wire_from(
                format!("membrane_fwd_q{}_next", k + 1),
                *we & addr.is_eq(next_addr),
            ));
        }
    }
    let any = hits
        .iter()
        .map(|h| h.expr())
        .reduce(|a, b| a | b)
        .expect("two sources at least");
    let fwd_any = m.reg("membrane_fwd", Bool);
    m.next(fwd_any, any);
    // Sources in the order of `hits` (newest first): the most recent matching one wins.
    let sources: Vec<Expr> = std::iter::once(v_out_word.expr())
        .chain(written.iter().map(|(data, _)| data.expr()))
        .collect();
    let mut fwd_word = sources[sources.len() - 1].clone();
    for (k, hit) in hits.iter().enumerate().rev().skip(1) {
        let sel = m.reg(
            if k == 0 {
                "membrane_fwd_now".to_string()
            } else {
                format!("membrane_fwd_sel{k}")
            },
            Bool,
        );
        m.next(sel, *hit);
        fwd_word = sel.select(sources[k].clone(), fwd_word);
    }
    let fwd_word = m.wire_from("membrane_fwd_word", fwd_word);
    let v_q = m.wire_from("membrane_v", fwd_any.select(fwd_word, v_ram_in));
    let mut spike_bits = Vec::new();
    let mut v_out_lanes = Vec::new();
    for j in 0..cols {
        let lu = m.instance(format!("u_lif_{j}"), &lif_mod);
        m.connect(&lu, "valid", v1);
        m.connect(&lu, "first", first1);
        m.connect(&lu, "v_mem", v_q.bits(j * mb + mb - 1, j * mb).as_sint());
        m.connect(
            &lu,
            "current",
            psum_in.bits(j * pb + pb - 1, j * pb).as_sint(),
        );
        m.connect(&lu, "threshold", theta.clone());
        spike_bits.push(lu.out("spike"));
        v_out_lanes.push(lu.out("v_out").as_uint());
        let _ = (lu.out("spike_valid"), lu.out("v_valid"));
    }
    m.drive(v_out_word, Expr::cat(v_out_lanes.into_iter().rev()));
    m.drive(mw_now, v2 & last2);
    m.drive(mw_addr_now, maddr2);

    let clear_done = membrane_write_port(m, cx, mw_now, maddr2, v_out_word);
    // Output spikes, pooled, go to the output-role buffer (§3, §6).
    let spikes = Expr::cat(spike_bits.into_iter().rev());
    let (out_we, spike_addr, spike_word) = pooling::combine(m, cx, v1, pool1, v2, pool2, spikes);
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
                v1 & pool1.in_area & pool1.last,
                lanes(&ct1.expr(), &desc.m.expr(), cols, g.fw, g.lw),
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
        psum_q,
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
/// sequencer's `role` is 1, else `spike_b`; §3, §6), with `spike_out_we` named.
fn write_output_spikes(m: &mut ModuleBuilder, cx: Ctx, we: Signal, addr: Signal, word: Signal) {
    let (g, seq, bufs) = (cx.g, cx.seq, cx.bufs);
    let we = m.wire_from("spike_out_we", we);
    m.mem_write(bufs.spike_a, we & seq.role, fit(addr, g.sa), word);
    m.mem_write(bufs.spike_b, we & !seq.role, fit(addr, g.sa), word);
}
