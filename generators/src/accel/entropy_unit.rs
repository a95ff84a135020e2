//! The DT-SNN entropy unit (DESIGN.md §4): the golden model's fixed-point algorithm, bit-exact.
//!
//! The unit reads the K logits of the output layer twice from the controller's logit store
//! (a synchronous-read RAM), computes the normalised softmax entropy
//! `H_q = H · 2^16` (0..=65536) with exactly the fixed-point algorithm written down in
//! `sim/golden/src/entropy.rs` (steps 1–9: max, Q8 distances clamped at 16.0, two-LUT
//! exponentials, sums `S` and `A`, `ln S` by leading-one detection and a LUT, one division
//! `D = A·2^8 / S`, `Hn = ln S + D`, `H_q = min((Hn·RLNK + 2^15) >> 16, 65536)`), the exit
//! decision `H_q < θ_q` and the prediction `argmax z` (lowest index wins ties). The lookup
//! tables are computed here, independently of the golden model, from their definitions
//! (`f64` `exp`/`ln`, rounded half away from zero) and stored in ROMs (`mem` + `mem_init` +
//! `mem_read`, which synthesis maps to block RAM).
//!
//! # Interface
//!
//! Generator parameters ([`EntropyUnitParams`]): `max_classes` (`K_max` ≥ 2) and
//! `logit_bits` (the signed logit width `L`, 4..=64). The module is called
//! `entropy_unit_k<K_max>_l<L>`. With `kw = bits(K_max)` and `aw = bits(K_max − 1)`:
//!
//! | port | dir | type | meaning |
//! |---|---|---|---|
//! | `start` | in | `Bool` | one-cycle pulse; sampled only while `busy` is low |
//! | `num_classes` | in | `UInt(kw)` | runtime K, 2 ≤ K ≤ `K_max` |
//! | `frac_bits` | in | `UInt(5)` | the logits' fractional bits f (the golden model's 0..=16; any 0..=31 works) |
//! | `rlnk` | in | `UInt(17)` | `round(2^16 / ln K)` |
//! | `theta_q` | in | `UInt(17)` | `round(θ_H · 2^16)`, 0..=65536 |
//! | `logit_data` | in | `SInt(L)` | the logit at the address `logit_addr` showed one cycle earlier |
//! | `logit_addr` | out | `UInt(aw)` | the class index to read (a register; 0 while idle) |
//! | `busy` | out | `Bool` | an evaluation is running |
//! | `done` | out | `Bool` | one-cycle pulse: `h_q`, `exit`, `prediction` are new |
//! | `h_q` | out | `UInt(17)` | normalised entropy, Q16, 0..=65536 |
//! | `exit` | out | `Bool` | `h_q < theta_q` |
//! | `prediction` | out | `UInt(aw)` | argmax of the logits, lowest index wins ties |
//!
//! `num_classes`, `frac_bits`, `rlnk` and `theta_q` are sampled together with `start` (they
//! may change while `busy`). `h_q`, `exit` and `prediction` are registers: they change only on
//! the edge that raises `done` and hold until the next evaluation's `done`. Values of K
//! outside 2..=`K_max` are not supported (the result is unspecified).
//!
//! # Timing
//!
//! Edges are rising clock edges. **Edge 0** is the edge that samples `start` high while
//! `busy` is low; edge n is the n-th edge after it. "After edge n" means the values the
//! registers hold between edges n and n+1. Then:
//!
//! * `busy` is high after edges 0 ..= 2K+21 and low after edge 2K+22;
//! * `done` is high after edge **2K+22** only (the latency is exactly `2·K + 22` edges, the
//!   golden model's `cycles_per_evaluation(K)`), and a `start` presented while `done` is high
//!   is accepted (edge 2K+23 is the next evaluation's edge 0: one evaluation every 2K+23
//!   cycles back to back).
//!
//! With `rtlsim`: poke `start = 1`, `step()` (edge 0), poke `start = 0`; after 2K+21 more
//! `step()`s `done` is still low, after the (2K+22)-th more it is high.
//!
//! **Logit store protocol.** The store must behave like a read-first synchronous RAM addressed
//! by `logit_addr` and reading on every edge: after edge n, `logit_data` is the logit at the
//! address `logit_addr` held just before edge n. `logit_addr` is 0 while idle, so the
//! logit of class 0 is read on edge 0 itself; the logits must therefore be in the store
//! before edge 0 and stay unchanged until edge 2K−1. The unit reads class k after edge k
//! (first pass, k = 0..K−1) and after edge K+k (second pass).
//!
//! # Schedule of the 2K+22 edges
//!
//! | edges | work |
//! |---|---|
//! | 0 | accept: latch K, f, RLNK, θ_q; clear S, A; `logit_addr` ← 1 |
//! | 1 ..= K | max and argmax: fold `z_{n−1}` (K edges, golden step 1) |
//! | K+1 ..= 2K | distance `x_k` and drop flag of `z_{n−K−1}`; EXP_HI/EXP_LO ROM reads |
//! | K+2 ..= 2K+1 | `E_k = (HI·LO + 2^15) >> 16`, `S += E_k`, `A += E_k·x_k` |
//! | 2K+2 | leading one of S, LN_TAB ROM read; first division step |
//! | 2K+2 ..= 2K+21 | restoring division `D = A·2^8 / S`, one quotient bit per edge (20) |
//! | 2K+22 | `Hn = ln S + D`, `H_q`, compare with θ_q, `done` |
//!
//! Against the golden model's breakdown (K + K + 1 + 20 + 1): the exponential/sum pass is a
//! two-stage pipeline (K + 1 edges, the extra edge being the ROM read), and the `ln S` step
//! runs in parallel with the first division step, so the total is the same 2K+22.
//!
//! # Datapath notes (all bit-exact with the golden model)
//!
//! * Distances: with `e = m − z` (`L` bits), `y = (e · 2^9) >> f` and `x = (y + 1) >> 1`
//!   equal the golden's three cases for every f in 0..=31 (`f < 8`: `e·2^(8−f)`; `f = 8`:
//!   `e`; `f > 8`: `(e + 2^(f−9)) >> (f−8)`), with one barrel shifter. The class is dropped
//!   when `x ≥ 4096`, so a kept `x` has 12 bits.
//! * EXP_LO is stored as 16-bit words; its only 17-bit entry `EXP_LO[0] = 65536` is handled by
//!   `E = EXP_HI[x >> 8]` when `x & 255 = 0` (exact, since `(HI·2^16 + 2^15) >> 16 = HI`).
//!   EXP_HI (16 words) keeps 17-bit words.
//! * LN_TAB is stored as 256 16-bit words: the 257th entry is `LN_TAB[256] = LN2`, so a
//!   rounding carry (`i = 512`) reads entry 0 (= 0) and adds one to `p` instead.
//! * Multipliers: one serves `EXP_HI · EXP_LO` during the second pass and `Hn · RLNK` for edge
//!   2K+22 (operands muxed by the `finish` condition); a second one forms `E_k · x_k` (17 × 12 bits).
//! * Widths: `S` has `bits(K_max·2^16)` bits and `A` `bits(K_max·2^16·4095)`; since
//!   `A < 4096·S`, `D < 2^20` and the first partial remainder `A >> 12` is below `S`.

use super::entropy_datapath::{
    below_threshold, distance, division, exp_roms, ln_s, max_argmax, normalise, results, widen,
    Widths, DIV_BITS,
};
use spikeforge_dsl::prelude::*;

/// Parameters of [`entropy_unit`] and [`super::entropy_unit_serial::entropy_unit_serial`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntropyUnitParams {
    /// The largest number of classes K the unit handles (≥ 2).
    pub max_classes: u32,
    /// Width of the signed logits (4..=64).
    pub logit_bits: u32,
}

/// Checks the parameters (see [`entropy_unit`]'s panics).
pub(crate) fn check(params: &EntropyUnitParams) {
    assert!(
        params.max_classes >= 2,
        "the entropy unit needs max_classes ≥ 2"
    );
    assert!(
        (4..=64).contains(&params.logit_bits),
        "logit_bits must be in 4..=64, got {}",
        params.logit_bits
    );
}

/// The entropy unit for up to `max_classes` classes of `logit_bits`-bit logits (see the
/// module docs for the ports, the logit-store protocol and the exact timing).
///
/// # Panics
/// If `max_classes < 2` or `logit_bits` is outside 4..=64.
pub fn entropy_unit(params: &EntropyUnitParams) -> Module {
    check(params);
    let kmax = params.max_classes;
    let lb = params.logit_bits;
    let w = Widths::new(kmax);
    let (kw, aw) = (w.kw, w.aw);
    let tw = super::entropy_datapath::bits_for(2 * u64::from(kmax) + 21);
    let (sw, accw) = (w.sw, w.accw);

    let mut m = ModuleBuilder::new(format!("entropy_unit_k{kmax}_l{lb}"));
    m.param("max_classes", kmax).param("logit_bits", lb);

    // Ports.
    let start = m.input("start", Bool);
    let num_classes = m.input("num_classes", UInt(kw));
    let frac_bits = m.input("frac_bits", UInt(5));
    let rlnk = m.input("rlnk", UInt(17));
    let theta_q = m.input("theta_q", UInt(17));
    let logit_data = m.input("logit_data", SInt(lb));

    // Control: an edge counter `t` (t = n after edge n) and thresholds derived from K.
    let busy = m.reg("busy_r", Bool);
    let t = m.reg("t_r", UInt(tw));
    let k = m.reg("k_r", UInt(kw));
    let frac = m.reg("frac_r", UInt(5));
    let rlnk_r = m.reg("rlnk_r", UInt(17));
    let theta_r = m.reg("theta_r", UInt(17));
    let accept = m.wire_from("accept", start & !busy);
    let two_k = m.wire_from("two_k", k << 1);
    let in_max = m.wire_from("in_max", busy & t.is_lt(k));
    let in_exp = m.wire_from("in_exp", busy & t.is_ge(k) & t.is_lt(two_k));
    let div_first = m.wire_from("div_first", busy & t.is_eq(two_k + 1));
    let in_div = m.wire_from(
        "in_div",
        busy & t.is_ge(two_k + 1) & t.is_le(two_k + (DIV_BITS as u64)),
    );
    let finish = m.wire_from("finish", busy & t.is_eq(two_k + (DIV_BITS as u64 + 1)));

    m.next(busy, Expr::mux(accept, true, busy & !finish));
    m.next_when(
        t,
        accept | busy,
        Expr::mux(accept, Expr::uint(0, tw), t.wrapping_add(1)),
    );
    m.next_when(k, accept, num_classes);
    m.next_when(frac, accept, frac_bits);
    m.next_when(rlnk_r, accept, rlnk);
    m.next_when(theta_r, accept, theta_q);
    let theta_m1_r = m.reg("theta_m1_r", UInt(17));
    m.next_when(theta_m1_r, accept, theta_q.wrapping_sub(1u64));

    // Logit address: 1, 2, …, K−1, then 0, 1, …, K−1 (second pass), then 0 while idle.
    let addr = m.reg("addr_r", UInt(aw));
    let addr_last = m.wire_from("addr_last", addr.is_eq(k - 1));
    let more = m.wire_from("addr_more", busy & !addr_last & (t + 1).is_lt(two_k));
    m.next(
        addr,
        Expr::mux(
            accept,
            Expr::uint(1, aw),
            Expr::mux(more, addr.wrapping_add(1), Expr::uint(0, aw)),
        ),
    );

    // Pass 1: max and argmax (golden step 1; lowest index wins ties).
    let (max_r, best) = max_argmax(
        &mut m,
        w,
        lb,
        in_max,
        t.is_eq(0),
        logit_data,
        t.bits(aw - 1, 0),
    );

    // Pass 2, stage 1: the Q8 distance and the ROM reads (golden steps 2–3).
    let (x, drop) = distance(&mut m, max_r, logit_data, frac, lb);
    let x_p = m.reg("x_p", UInt(12));
    let keep_p = m.reg("keep_p", Bool);
    m.next_when(x_p, in_exp, x);
    m.next(keep_p, in_exp & !drop.expr());
    let (hi_q, lo_q) = exp_roms(&mut m, in_exp.expr(), &x.expr());

    let s = m.reg("s_r", UInt(sw));
    let a = m.reg("a_r", UInt(accw));

    // ln S and the division (golden steps 5–6).
    let ln_s = ln_s(&mut m, s, w, div_first);
    let quo = division(&mut m, a, s, w, div_first, in_div);

    // Golden step 7.
    let hn = m.wire_from("hn", ln_s + quo);

    // One multiplier serves `EXP_HI · EXP_LO` (pass 2) and `Hn · RLNK` (the last edge).
    let mw = hn.width().max(17);
    let mul_a = Expr::mux(finish, widen(hn, mw), widen(hi_q, mw));
    let mul_b = Expr::mux(finish, rlnk_r, widen(lo_q, 17));
    let product = m.wire_from("product", mul_a * mul_b);
    let product_rounded = product + (1u64 << 15);

    // Pass 2, stage 2: E_k, S, A (golden steps 3–4).
    let lo_one = m.wire_from("lo_one", x_p.bits(7, 0).is_eq(0));
    let rounded = product_rounded.bits(32, 16);
    let e_k = m.wire_from("e_k", Expr::mux(lo_one, hi_q, rounded));
    let ex = m.wire_from("e_x", e_k * x_p);
    m.next(
        s,
        Expr::mux(
            accept,
            Expr::uint(0, sw),
            Expr::mux(keep_p, (s + e_k).bits(sw - 1, 0), s),
        ),
    );
    m.next(
        a,
        Expr::mux(
            accept,
            Expr::uint(0, accw),
            Expr::mux(keep_p, (a + ex).bits(accw - 1, 0), a),
        ),
    );

    // Normalise and compare (golden steps 7–9).
    let h = normalise(&mut m, product_rounded);
    let exit = below_threshold(&mut m, product.expr(), theta_r, theta_m1_r);
    results(&mut m, w, finish, h, exit, best, addr, busy);
    m.finish()
}
