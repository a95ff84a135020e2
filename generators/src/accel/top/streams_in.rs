//! The request stream and the two streams it asks for (docs/accelerator.md §4, §8): input
//! spike words (stage 0, into the input-role spike buffer) and weight words (into the weight
//! buffer, in address order).

use super::common::{fit, lanes, mixed_index, u};

use super::registers::HostInputs;
use super::sequencer::ph;
use super::Ctx;
use spikeforge_config::catalog::Counter;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The request and receive side of the host streams.
#[derive(Clone, Debug)]
pub struct StreamsIn {
    /// `req_valid` (register).
    pub req_valid: Signal,
    /// `req_kind`: 1 input, 0 weights (register).
    pub req_kind: Signal,
    /// A request is taken.
    pub req_fire: Signal,
    /// The last input word of the window arrives.
    pub recv_in_done: Signal,
    /// The stage's last weight word arrives.
    pub recv_w_done: Signal,
    /// What these streams add to the counters (§9).
    pub counts: Vec<(Counter, Expr)>,
}

/// Builds the request stream and the input and weight receivers.
pub fn build(m: &mut ModuleBuilder, cx: Ctx, host: &HostInputs, stage_ready: Signal) -> StreamsIn {
    let Ctx {
        g, seq, desc, bufs, ..
    } = cx;
    let req_valid = m.reg("req_valid_r", Bool);
    let req_kind = m.reg("req_kind_r", Bool);
    let req_fire = m.wire_from("req_fire", req_valid & host.req_ready);
    let s_fire = m.wire_from("s_fire", seq.in_phase(ph::RECV_IN) & host.s_valid);
    let w_fire = m.wire_from("w_fire", seq.in_phase(ph::RECV_W) & host.w_valid);

    // Input words: (cg, y, x) outer, the window's timesteps inner (§3's spike-buffer layout).
    let in_t = m.reg("input_t", UInt(g.wb));
    let in_pos = m.reg("input_position", UInt(g.sa)); // (cg·H + y)·W + x
    let in_cg = m.reg("input_cg", UInt(g.fw));
    let in_y = m.reg("input_y", UInt(g.fw));
    let in_x = m.reg("input_x", UInt(g.fw));
    let t_last = in_t.wrapping_add(1).is_eq(seq.tw);
    // Loop ends by equality with the working set's `− 1` copies (docs/fpga.md).
    let x_last = in_x.is_eq(fit(desc.w_m1, g.fw));
    let y_last = in_y.is_eq(fit(desc.h_m1, g.fw));
    let cg_last = in_cg.is_eq(fit(desc.cg_count_m1, g.fw));
    let adv = m.wire_from("input_adv_position", s_fire & t_last.clone());
    Update::new(in_t)
        .when(req_fire, 0)
        .when(s_fire, t_last.select(u(0, g.wb), in_t.wrapping_add(1)))
        .apply(m);
    Update::new(in_pos)
        .when(req_fire, 0)
        .when(adv, in_pos.wrapping_add(1))
        .apply(m);
    Update::new(in_x)
        .when(req_fire, 0)
        .when(adv, x_last.clone().select(u(0, g.fw), in_x.wrapping_add(1)))
        .apply(m);
    Update::new(in_y)
        .when(req_fire, 0)
        .when(
            adv & x_last.clone(),
            y_last.clone().select(u(0, g.fw), in_y.wrapping_add(1)),
        )
        .apply(m);
    Update::new(in_cg)
        .when(req_fire, 0)
        .when(adv & x_last.clone() & y_last.clone(), in_cg.wrapping_add(1))
        .apply(m);
    // Whether (cg, y, x) is the window's last position, registered: set from the position's
    // next value, whose compares take registers only (the position advances by one, or
    // restarts at the request), so the descriptor compares are off the path from the last
    // input word into the phase and the request.
    let last_position = m.reg("input_last_position", Bool);
    let w_m1 = fit(desc.w_m1, g.fw);
    let h_m1 = fit(desc.h_m1, g.fw);
    let cg_m1 = fit(desc.cg_count_m1, g.fw);
    let x_single = w_m1.is_eq(0);
    let y_single = h_m1.is_eq(0);
    let first_is_last = x_single.clone() & y_single.clone() & cg_m1.is_eq(0);
    let x_next_last = x_last
        .clone()
        .select(x_single, in_x.wrapping_add(1).is_eq(w_m1));
    let y_next_last = x_last.clone().select(
        y_last
            .clone()
            .select(y_single, in_y.wrapping_add(1).is_eq(h_m1)),
        y_last.clone(),
    );
    let cg_next_last = (x_last.clone() & y_last.clone())
        .select(in_cg.wrapping_add(1).is_eq(cg_m1), cg_last.clone());
    Update::new(last_position)
        .when(req_fire, first_is_last)
        .when(adv, x_next_last & y_next_last & cg_next_last)
        .apply(m);
    let recv_in_done = m.wire_from("recv_in_done", adv & last_position);
    let in_addr = m.wire_from(
        "input_addr",
        (in_pos.expr() << g.blog)
            .trunc(g.sa)
            .wrapping_add(fit(in_t, g.sa)),
    );
    m.mem_write(bufs.spike_a, s_fire & !seq.role, in_addr, host.s_data);
    m.mem_write(bufs.spike_b, s_fire & seq.role, in_addr, host.s_data);
    let in_word_lanes = lanes(&in_cg.expr(), &desc.c.expr(), g.cols, g.fw, g.lw);

    // Weight words: (ct, rt, i) in address order; track them to count valid lanes.
    let w_addr = m.reg("weight_write_addr", UInt(g.wa));
    let wct = m.reg("wrecv_ct", UInt(g.fw));
    let wrt = m.reg("wrecv_rt", UInt(g.fw));
    let wi = m.reg("wrecv_i", UInt(g.rb));
    // Ends by equality with `rows − 1` and the working set's `− 1` copies: no increment's
    // carry chain into the decisions that follow a weight word (docs/fpga.md).
    let wi_last = wi.is_eq(g.rows - 1);
    let wrt_last = wrt.is_eq(fit(desc.n_rt_m1, g.fw));
    let wct_last = wct.is_eq(fit(desc.n_ct_m1, g.fw));
    Update::new(w_addr)
        .when(req_fire, 0)
        .when(w_fire, w_addr.wrapping_add(1))
        .apply(m);
    Update::new(wi)
        .when(req_fire, 0)
        .when(
            w_fire,
            wi_last.clone().select(u(0, g.rb), wi.wrapping_add(1)),
        )
        .apply(m);
    Update::new(wrt)
        .when(req_fire, 0)
        .when(
            w_fire & wi_last.clone(),
            wrt_last.clone().select(u(0, g.fw), wrt.wrapping_add(1)),
        )
        .apply(m);
    Update::new(wct)
        .when(req_fire, 0)
        .when(
            w_fire & wi_last.clone() & wrt_last.clone(),
            wct.wrapping_add(1),
        )
        .apply(m);
    // The stage's last weight word is the one offered. With `ram_output_regs` a register set
    // from the counters' next values (the same rules as their updates above), so the
    // descriptor compares are off the path from the last word into the array phase's entry
    // and the loader's and streamer's restarts (`enter_array` reaches every one of their
    // registers).
    let done = if g.p.ram_output_regs {
        let last_word = m.reg("wrecv_last_word", Bool);
        let single_rt = fit(desc.n_rt_m1, g.fw).is_eq(0);
        let single_ct = fit(desc.n_ct_m1, g.fw).is_eq(0);
        let single_row = g.rows == 1;
        let wi_next_last = wi_last
            .clone()
            .select(Expr::bool(single_row), wi.wrapping_add(1).is_eq(g.rows - 1));
        let wrt_next_last = wi_last.clone().select(
            wrt_last.clone().select(
                single_rt.clone(),
                wrt.wrapping_add(1).is_eq(fit(desc.n_rt_m1, g.fw)),
            ),
            wrt_last.clone(),
        );
        let wct_next_last = (wi_last.clone() & wrt_last.clone()).select(
            wct.wrapping_add(1).is_eq(fit(desc.n_ct_m1, g.fw)),
            wct_last.clone(),
        );
        Update::new(last_word)
            .when(req_fire, Expr::bool(single_row) & single_rt & single_ct)
            .when(w_fire, wi_next_last & wrt_next_last & wct_next_last)
            .apply(m);
        w_fire & last_word
    } else {
        w_fire & wi_last & wrt_last & wct_last
    };
    let recv_w_done = m.wire_from("recv_w_done", done);
    m.mem_write(bufs.weight, w_fire, w_addr, host.w_data);
    let wrecv_n = m.wire_from("wrecv_n", mixed_index(wrt, g.rows, wi, g.nw));
    let wrecv_valid = m.wire_from(
        "wrecv_lanes",
        wrecv_n.is_lt(desc.n).select(
            lanes(&wct.expr(), &desc.m.expr(), g.cols, g.fw, g.lw),
            u(0, g.lw),
        ),
    );

    // Requests: the input stream at stage 0, then the weights.
    Update::new(req_valid)
        .when(stage_ready | recv_in_done, true)
        .when(req_fire, false)
        .apply(m);
    Update::new(req_kind)
        .when(seq.in_phase(ph::STAGE), seq.stage.is_eq(0))
        .when(recv_in_done, false)
        .apply(m);

    let counts = vec![
        (
            Counter::WeightBufferWrites,
            w_fire.select(wrecv_valid, u(0, g.lw)),
        ),
        (
            Counter::InputSpikeWrites,
            s_fire.select(in_word_lanes.clone(), u(0, g.lw)),
        ),
        (
            Counter::ExtReadBits,
            w_fire
                .select(fit(wrecv_valid * u(u64::from(g.wbits), 6), 24), u(0, 24))
                .wrapping_add(s_fire.select(fit(in_word_lanes, 24), u(0, 24))),
        ),
    ];
    StreamsIn {
        req_valid,
        req_kind,
        req_fire,
        recv_in_done,
        recv_w_done,
        counts,
    }
}
