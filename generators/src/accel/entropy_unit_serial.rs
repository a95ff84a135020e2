//! The area-lean DT-SNN entropy unit: the same fixed-point algorithm as
//! [`super::entropy_unit`] (DESIGN.md §4, `sim/golden/src/entropy.rs` steps 1–9, bit-exact),
//! with its three products (`EXP_HI·EXP_LO`, `E_k·x_k`, `Hn·RLNK`) formed by **one serial
//! shift-and-add multiplier**, one multiplier bit per edge, instead of two array multipliers
//! (about 1,500 iCE40 LUT4 of the parallel unit's 2,300). It takes `32·K + 40` edges instead of
//! `2·K + 22`: selected by `[rtl] entropy_unit = "serial"` where the classifier's latency
//! matters less than the device (a small FPGA), and followed by the golden cycle model
//! (`spikeforge_golden::entropy::cycles_per_evaluation_of`).
//!
//! # Interface
//!
//! Module `entropy_unit_serial_k<K_max>_l<L>`, with exactly the ports, the latching of
//! `num_classes`/`frac_bits`/`rlnk`/`theta_q` with `start`, and the read-first logit store
//! protocol of [`super::entropy_unit`]; only the timing differs. The unit reads class k
//! after edge k (first pass) and holds the address of class k from edge K + 31·k to the next
//! class's (second pass), so the logits must stay unchanged until edge 32·K − 31.
//!
//! # Timing
//!
//! Edge 0 samples `start` while idle. `busy` is high after edges 0 ..= 32K+39; `done` is
//! high after edge **32K+40** only, when `busy` is low again (a `start` in that cycle is
//! accepted).
//!
//! | state | edges | work |
//! |---|---|---|
//! | `IDLE` | 0 | accept: latch K, f, RLNK, θ_q; clear S, A |
//! | `MAX` | 1 ..= K | max and argmax (golden step 1) |
//! | `X` | K+1+31k | class k: distance `x_k`, drop flag, EXP_HI/EXP_LO ROM reads (steps 2–3); A += `E_{k−1}·x_{k−1}` |
//! | `LOAD` | K+2+31k | multiplier ← (EXP_HI, EXP_LO) |
//! | `MUL_E` | K+3+31k ..= K+18+31k | 16 multiplier steps |
//! | `EXP` | K+19+31k | `E_k` (0 if dropped), `S += E_k`; multiplier ← (E_k, x_k) |
//! | `MUL_A` | K+20+31k ..= K+31+31k | 12 multiplier steps |
//! | `LN` | 32K+1 | A += `E_{K−1}·x_{K−1}` |
//! | `DIV` | 32K+2 ..= 32K+21 | leading one of S and LN_TAB read (first edge); the restoring division (steps 5–6) |
//! | `HLOAD` | 32K+22 | multiplier ← (Hn, RLNK) (step 7) |
//! | `MUL_H` | 32K+23 ..= 32K+39 | 17 multiplier steps |
//! | `FIN` | 32K+40 | `H_q`, compare with θ_q, `done` (steps 8–9) |
//!
//! # The multiplier
//!
//! Registers `mul_a` (the multiplicand, `W = max(bits(Hn), 17)` bits), `mul_hi` (W bits) and
//! `mul_lo` (17 bits, loaded with the multiplier operand). A step adds `mul_a` to `mul_hi` when
//! `mul_lo[0]` is set and shifts `{sum, mul_lo}` right by one; after n steps with an operand
//! below 2^n, `{mul_hi, mul_lo} = a·b·2^(17−n)`. So `EXP_HI·EXP_LO` (16 steps) is
//! `{mul_hi, mul_lo} >> 1`, `E·x` (12 steps) `>> 5`, and `Hn·RLNK` (17 steps) the whole register.

use super::entropy_datapath::{
    below_threshold, bits_for, coarse_scaled_gap, distance, division, exp_roms,
    fine_scaled_distance, ln_s, logit_gap, max_argmax, normalise, results, widen, Widths, DIV_BITS,
};
use super::entropy_unit::{check, EntropyUnitParams};
use spikeforge_dsl::library::Fsm;
use spikeforge_dsl::prelude::*;

/// Width of the multiplier operand register (RLNK, the widest operand, has 17 bits).
const MUL_B_BITS: u32 = 17;

/// Edges of one evaluation of the serial unit for `classes` classes, from the accepting edge
/// to the one that raises `done` (the golden model counts one more: the cycle `done` is seen).
pub fn latency_edges(classes: u32) -> u64 {
    32 * u64::from(classes) + 40
}

/// The area-lean entropy unit for up to `max_classes` classes of `logit_bits`-bit logits (see
/// the module docs for the schedule).
///
/// # Panics
/// If `max_classes < 2` or `logit_bits` is outside 4..=64.
pub fn entropy_unit_serial(params: &EntropyUnitParams) -> Module {
    serial_unit(params, false)
}

/// The serial unit with one more register stage per class (`[rtl] entropy_unit =
/// "serial_pipelined"`): in `X` it registers the gap `m − z` scaled by `2^9 >> (f & 24)`
/// (two of the shift's five levels); a state `XS` after `X` shifts it by `f & 7`, rounds it
/// into `x`, decides the drop and reads the ROMs. The path from the logit into the rounding
/// (subtract, shift, round, compare) becomes two; each class takes one more cycle, so an
/// evaluation takes `33·K + 40` edges ([`latency_edges_pipelined`]).
///
/// # Panics
/// As [`entropy_unit_serial`].
pub fn entropy_unit_serial_pipelined(params: &EntropyUnitParams) -> Module {
    serial_unit(params, true)
}

/// Edges of one evaluation of the pipelined serial unit ([`entropy_unit_serial_pipelined`]).
pub fn latency_edges_pipelined(classes: u32) -> u64 {
    33 * u64::from(classes) + 40
}

fn serial_unit(params: &EntropyUnitParams, pipelined: bool) -> Module {
    check(params);
    let kmax = params.max_classes;
    let lb = params.logit_bits;
    let w = Widths::new(kmax);
    let (kw, aw, sw, accw) = (w.kw, w.aw, w.sw, w.accw);

    let kind = if pipelined {
        "serial_pipelined"
    } else {
        "serial"
    };
    let mut m = ModuleBuilder::new(format!("entropy_unit_{kind}_k{kmax}_l{lb}"));
    m.param("max_classes", kmax).param("logit_bits", lb);

    let start = m.input("start", Bool);
    let num_classes = m.input("num_classes", UInt(kw));
    let frac_bits = m.input("frac_bits", UInt(5));
    let rlnk = m.input("rlnk", UInt(17));
    let theta_q = m.input("theta_q", UInt(17));
    let logit_data = m.input("logit_data", SInt(lb));

    let states: &[&str] = if pipelined {
        &[
            "IDLE", "MAX", "X", "XS", "LOAD", "MUL_E", "EXP", "MUL_A", "LN", "DIV", "HLOAD",
            "MUL_H", "FIN",
        ]
    } else {
        &[
            "IDLE", "MAX", "X", "LOAD", "MUL_E", "EXP", "MUL_A", "LN", "DIV", "HLOAD", "MUL_H",
            "FIN",
        ]
    };
    let mut fsm = Fsm::new(&mut m, "state", states);
    let k = m.reg("k_r", UInt(kw));
    let frac = m.reg("frac_r", UInt(5));
    let rlnk_r = m.reg("rlnk_r", UInt(17));
    let theta_r = m.reg("theta_r", UInt(17));
    let accept = m.wire_from("accept", fsm.is("IDLE") & start);
    m.next_when(k, accept, num_classes);
    m.next_when(frac, accept, frac_bits);
    m.next_when(rlnk_r, accept, rlnk);
    m.next_when(theta_r, accept, theta_q);
    let theta_m1_r = m.reg("theta_m1_r", UInt(17));
    m.next_when(theta_m1_r, accept, theta_q.wrapping_sub(1u64));

    let cw = bits_for(u64::from(kmax.max(DIV_BITS)));
    let steps = step_counter(&mut m, &fsm, k, accept, cw);
    let &Steps {
        cnt,
        mul_a_last,
        div_first,
        in_div,
        ..
    } = &steps;
    let cnt_is = |n: u64| cnt.is_eq(n);
    let (addr, last_class) = logit_address(&mut m, &fsm, k, cnt, accept, aw);

    // Pass 1 (golden step 1).
    let in_max = m.wire_from("in_max", fsm.is("MAX"));
    let (max_r, best) = max_argmax(
        &mut m,
        w,
        lb,
        in_max,
        cnt_is(0),
        logit_data,
        fit_to(cnt.expr(), aw),
    );

    // Pass 2: distance and ROM reads in `X` (golden steps 2–3); pipelined, the gap shifted
    // by `frac & 24` is registered in `X`, and the shift by `frac & 7`, the rounding and the
    // ROM reads happen in `XS`.
    let in_x = m.wire_from("in_x", fsm.is("X"));
    let (x, drop, in_x) = if pipelined {
        let coarse = m.reg_no_reset("distance_r", UInt(lb + 9));
        m.next_when(
            coarse,
            in_x,
            coarse_scaled_gap(logit_gap(max_r, logit_data, lb), frac),
        );
        let (x, drop) = fine_scaled_distance(&mut m, coarse, frac, lb);
        (x, drop, m.wire_from("in_xs", fsm.is("XS")))
    } else {
        let (x, drop) = distance(&mut m, max_r, logit_data, frac, lb);
        (x, drop, in_x)
    };
    let x_p = m.reg("x_p", UInt(12));
    let keep_p = m.reg("keep_p", Bool);
    m.next_when(x_p, in_x, x);
    m.next_when(keep_p, in_x, !drop.expr());
    let (hi_q, lo_q) = exp_roms(&mut m, in_x.expr(), &x.expr());

    let s = m.reg("s_r", UInt(sw));
    let a = m.reg("a_r", UInt(accw));
    let ln_s = ln_s(&mut m, s, w, div_first);
    // `ln S` (a constant multiply after the LN_TAB read) is registered: its inputs settle
    // on the first DIV edge and `hn` is first used in HLOAD, 20 edges later, so the register
    // changes no result and keeps the table read and the multiply off the path into `mul_a`.
    let ln_s_r = m.reg_no_reset("ln_s_r", UInt(ln_s.width()));
    m.next(ln_s_r, ln_s);
    let quo = division(&mut m, a, s, w, div_first, in_div);
    let hn = m.wire_from("hn", ln_s_r + quo);

    // The serial multiplier (module docs).
    let (product, e_k) = serial_multiplier(
        &mut m,
        &fsm,
        MulOperands {
            hi_q,
            lo_q,
            x_p,
            keep_p,
            hn,
            rlnk: rlnk_r,
        },
    );

    // S in `EXP`; A one edge after each E·x (`X` of the next class, or `LN`).
    let a_pending = m.reg("a_pending", Bool);
    m.next(a_pending, mul_a_last);
    let ex = (product >> 5).bits(accw - 1, 0);
    m.next(
        s,
        Expr::mux(
            accept,
            Expr::uint(0, sw),
            Expr::mux(fsm.is("EXP"), (s + e_k).bits(sw - 1, 0), s),
        ),
    );
    m.next(
        a,
        Expr::mux(
            accept,
            Expr::uint(0, accw),
            Expr::mux(a_pending, (a + ex).bits(accw - 1, 0), a),
        ),
    );

    transitions(&mut fsm, pipelined, start.expr(), &steps, last_class);
    let finish = m.wire_from("finish", fsm.is("FIN"));
    let busy = m.wire_from("busy_w", !fsm.is("IDLE"));
    fsm.apply(&mut m);

    // Normalise and compare (golden steps 8–9): the product holds Hn·RLNK in `FIN`.
    let h = normalise(&mut m, product + (1u64 << 15));
    let exit = below_threshold(&mut m, product.expr(), theta_r, theta_m1_r);
    results(&mut m, w, finish, h, exit, best, addr, busy);
    m.finish()
}

/// The step counter `cnt_r` (cleared on `accept` and at each counting phase's last step) and
/// the phases' first- and last-step flags.
struct Steps {
    cnt: Signal,
    max_last: Signal,
    mul_e_last: Signal,
    mul_a_last: Signal,
    div_first: Signal,
    in_div: Signal,
    div_last: Signal,
    mul_h_last: Signal,
}

/// Builds [`Steps`] with a `cw`-bit counter: `MAX` counts the `k` classes, `MUL_E` 16 bits,
/// `MUL_A` 12, `DIV` `DIV_BITS` quotient bits, `MUL_H` `MUL_B_BITS`.
fn step_counter(m: &mut ModuleBuilder, fsm: &Fsm, k: Signal, accept: Signal, cw: u32) -> Steps {
    let cnt = m.reg("cnt_r", UInt(cw));
    let cnt_is = |n: u64| cnt.is_eq(n);
    let max_last = m.wire_from("max_last", fsm.is("MAX") & cnt.is_eq(k - 1));
    let mul_e_last = m.wire_from("mul_e_last", fsm.is("MUL_E") & cnt_is(15));
    let mul_a_last = m.wire_from("mul_a_last", fsm.is("MUL_A") & cnt_is(11));
    let div_first = m.wire_from("div_first", fsm.is("DIV") & cnt_is(0));
    let in_div = m.wire_from("in_div", fsm.is("DIV"));
    let div_last = m.wire_from("div_last", fsm.is("DIV") & cnt_is(u64::from(DIV_BITS - 1)));
    let mul_h_last = m.wire_from(
        "mul_h_last",
        fsm.is("MUL_H") & cnt_is(u64::from(MUL_B_BITS - 1)),
    );
    let counting =
        fsm.is("MAX") | fsm.is("MUL_E") | fsm.is("MUL_A") | fsm.is("DIV") | fsm.is("MUL_H");
    let restart = accept | max_last | mul_e_last | mul_a_last | div_last | mul_h_last;
    m.next(
        cnt,
        Expr::mux(
            restart,
            Expr::uint(0, cw),
            Expr::mux(counting, cnt.wrapping_add(1), cnt),
        ),
    );
    Steps {
        cnt,
        max_last,
        mul_e_last,
        mul_a_last,
        div_first,
        in_div,
        div_last,
        mul_h_last,
    }
}

/// The logit address `addr_r` and whether it is the last class: 1, …, K−1, 0 during the first
/// pass (class 0 is read on edge 0 itself); in the second pass it steps once per class, in
/// its `X` state; 0 while idle.
fn logit_address(
    m: &mut ModuleBuilder,
    fsm: &Fsm,
    k: Signal,
    cnt: Signal,
    accept: Signal,
    aw: u32,
) -> (Signal, Signal) {
    let addr = m.reg("addr_r", UInt(aw));
    let addr_last = m.wire_from("addr_last", addr.is_eq(k - 1));
    let last_class = m.reg("last_class_r", Bool);
    let next_first_pass = Expr::mux(
        (cnt + 2u64).is_lt(k),
        fit_to(cnt + 2u64, aw),
        Expr::uint(0, aw),
    );
    let next_second_pass = Expr::mux(addr_last, Expr::uint(0, aw), addr.wrapping_add(1));
    m.next(
        addr,
        Expr::mux(
            accept,
            Expr::uint(1, aw),
            Expr::mux(
                fsm.is("MAX"),
                next_first_pass,
                Expr::mux(fsm.is("X"), next_second_pass, addr),
            ),
        ),
    );
    m.next_when(last_class, fsm.is("X"), addr_last);
    (addr, last_class)
}

/// What the serial multiplier loads: the ROM words of `E` (`LOAD`), `E` and `x` (`EXP`), and
/// `Hn` and `RLNK` (`HLOAD`), with `E`'s selection (`keep_p`, `x_p`).
struct MulOperands {
    hi_q: Signal,
    lo_q: Signal,
    x_p: Signal,
    keep_p: Signal,
    hn: Signal,
    rlnk: Signal,
}

/// The one shift-and-add multiplier (module docs): loads its operands in `LOAD`, `EXP` and
/// `HLOAD`, adds one bit of the multiplier per cycle in `MUL_E`, `MUL_A` and `MUL_H`. Returns
/// the product `{mul_hi, mul_lo}` and `E_k`, the exponential of the current class.
fn serial_multiplier(m: &mut ModuleBuilder, fsm: &Fsm, ops: MulOperands) -> (Signal, Signal) {
    let MulOperands {
        hi_q,
        lo_q,
        x_p,
        keep_p,
        hn,
        rlnk,
    } = ops;
    let wa = hn.width().max(17);
    let mul_a = m.reg_no_reset("mul_a", UInt(wa));
    let mul_hi = m.reg_no_reset("mul_hi", UInt(wa));
    let mul_lo = m.reg_no_reset("mul_lo", UInt(MUL_B_BITS));
    let product = m.wire_from("mul_product", Expr::cat([mul_hi.expr(), mul_lo.expr()]));
    let lo_one = m.wire_from("lo_one", x_p.bits(7, 0).is_eq(0));
    let rounded = ((product >> 1) + (1u64 << 15)).bits(32, 16);
    let e_k = m.wire_from(
        "e_k",
        Expr::mux(keep_p, Expr::mux(lo_one, hi_q, rounded), Expr::uint(0, 17)),
    );
    let loading = fsm.is("LOAD") | fsm.is("EXP") | fsm.is("HLOAD");
    let stepping = fsm.is("MUL_E") | fsm.is("MUL_A") | fsm.is("MUL_H");
    let load_a = Expr::mux(
        fsm.is("LOAD"),
        widen(hi_q, wa),
        Expr::mux(fsm.is("EXP"), widen(e_k, wa), widen(hn, wa)),
    );
    let load_b = Expr::mux(
        fsm.is("LOAD"),
        widen(lo_q, MUL_B_BITS),
        Expr::mux(fsm.is("EXP"), widen(x_p, MUL_B_BITS), rlnk.expr()),
    );
    let addend = Expr::mux(mul_lo.bit(0), mul_a.expr(), Expr::uint(0, wa));
    // `mul_hi + mul_a < 2^(W+1)`: the sum needs no carry out of W + 1 bits.
    let sum = m.wire_from(
        "mul_sum",
        mul_hi.zext(wa + 1).wrapping_add(addend.zext(wa + 1)),
    );
    m.next_when(mul_a, loading.clone(), load_a);
    m.next(
        mul_hi,
        Expr::mux(
            loading.clone(),
            Expr::uint(0, wa),
            Expr::mux(stepping.clone(), sum.bits(wa, 1), mul_hi),
        ),
    );
    m.next(
        mul_lo,
        Expr::mux(
            loading,
            load_b,
            Expr::mux(
                stepping,
                Expr::cat([sum.bit(0), mul_lo.bits(MUL_B_BITS - 1, 1)]),
                mul_lo,
            ),
        ),
    );

    (product, e_k)
}

/// `e` truncated or zero-extended to `width` bits.
fn fit_to(e: impl Into<Expr>, width: u32) -> Expr {
    let e = e.into();
    match e.width().cmp(&width) {
        std::cmp::Ordering::Equal => e,
        std::cmp::Ordering::Less => e.zext(width),
        std::cmp::Ordering::Greater => e.trunc(width),
    }
}

/// The unit's state transitions (module docs): one pass over the classes for the maximum, then
/// per class the distance (`X`, and `XS` when pipelined), the ROM read, E·x and its sum, then
/// ln S, the division, Hn·RLNK and the result.
fn transitions(fsm: &mut Fsm, pipelined: bool, start: Expr, steps: &Steps, last_class: Signal) {
    fsm.on("IDLE", start, "MAX");
    fsm.on("MAX", steps.max_last, "X");
    if pipelined {
        fsm.on("X", true, "XS");
        fsm.on("XS", true, "LOAD");
    } else {
        fsm.on("X", true, "LOAD");
    }
    fsm.on("LOAD", true, "MUL_E");
    fsm.on("MUL_E", steps.mul_e_last, "EXP");
    fsm.on("EXP", true, "MUL_A");
    fsm.on("MUL_A", steps.mul_a_last & last_class, "LN");
    fsm.on("MUL_A", steps.mul_a_last, "X");
    fsm.on("LN", true, "DIV");
    fsm.on("DIV", steps.div_last, "HLOAD");
    fsm.on("HLOAD", true, "MUL_H");
    fsm.on("MUL_H", steps.mul_h_last, "FIN");
    fsm.on("FIN", true, "IDLE");
}
