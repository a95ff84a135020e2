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

use spikeforge_dsl::prelude::*;

/// Parameters of [`entropy_unit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntropyUnitParams {
    /// The largest number of classes K the unit handles (≥ 2).
    pub max_classes: u32,
    /// Width of the signed logits (4..=64).
    pub logit_bits: u32,
}

/// `round(2^16 · ln 2)`.
const LN2_Q16: u64 = 45426;
/// Quotient bits of the division (`D < 2^20`).
const DIV_BITS: u32 = 20;

/// Bits needed to hold `n` (at least 1).
fn bits_for(n: u64) -> u32 {
    (64 - n.leading_zeros()).max(1)
}

/// `round(2^16 · e^(−i))`, i = 0..16.
fn exp_hi_words() -> Vec<u64> {
    (0..16)
        .map(|i| (65536.0 * (-(i as f64)).exp()).round() as u64)
        .collect()
}

/// `round(2^16 · e^(−j/256))`, j = 0..256, with entry 0 (65536) stored as 0 (see module docs).
fn exp_lo_words() -> Vec<u64> {
    (0..256)
        .map(|j| {
            let v = (65536.0 * (-(j as f64) / 256.0).exp()).round() as u64;
            if j == 0 {
                0
            } else {
                v
            }
        })
        .collect()
}

/// `round(2^16 · ln(1 + j/256))`, j = 0..256 (entry 256 = LN2 is not stored).
fn ln_words() -> Vec<u64> {
    (0..256)
        .map(|j| (65536.0 * (1.0 + j as f64 / 256.0).ln()).round() as u64)
        .collect()
}

/// `e` zero-extended to `width` bits (`width` ≥ its width).
fn widen(e: impl Into<Expr>, width: u32) -> Expr {
    let e = e.into();
    if e.width() == width {
        e
    } else {
        e.zext(width)
    }
}

/// The entropy unit for up to `max_classes` classes of `logit_bits`-bit logits (see the
/// module docs for the ports, the logit-store protocol and the exact timing).
///
/// # Panics
/// If `max_classes < 2` or `logit_bits` is outside 4..=64.
pub fn entropy_unit(params: &EntropyUnitParams) -> Module {
    let kmax = params.max_classes;
    let lb = params.logit_bits;
    assert!(kmax >= 2, "the entropy unit needs max_classes ≥ 2");
    assert!(
        (4..=64).contains(&lb),
        "logit_bits must be in 4..=64, got {lb}"
    );
    let kw = bits_for(u64::from(kmax));
    let aw = bits_for(u64::from(kmax) - 1);
    let tw = bits_for(2 * u64::from(kmax) + 21);
    let sw = bits_for(u64::from(kmax) << 16);
    let accw = bits_for((u64::from(kmax) << 16) * 4095);

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
    let max_r = m.reg("max_r", SInt(lb));
    let best = m.reg("best_r", UInt(aw));
    let take = m.wire_from("take", in_max & (t.is_eq(0) | logit_data.is_gt(max_r)));
    m.next_when(max_r, take, logit_data);
    m.next_when(best, take, t.bits(aw - 1, 0));

    // Pass 2, stage 1: the Q8 distance and the ROM reads (golden steps 2–3).
    let dist = m.wire_from("distance", (max_r - logit_data).bits(lb - 1, 0));
    let scaled = m.wire_from("scaled", (dist << 9).shr_by(frac));
    let x_full = m.wire_from("x_full", (scaled + 1) >> 1);
    let drop = m.wire_from("drop", x_full.bits(lb + 9, 12).any());
    let x = m.wire_from("x", x_full.bits(11, 0));
    let x_p = m.reg("x_p", UInt(12));
    let keep_p = m.reg("keep_p", Bool);
    m.next_when(x_p, in_exp, x);
    m.next(keep_p, in_exp & !drop);
    let exp_hi = m.mem("exp_hi", 16, UInt(17));
    m.mem_init(exp_hi, exp_hi_words());
    let exp_lo = m.mem("exp_lo", 256, UInt(16));
    m.mem_init(exp_lo, exp_lo_words());
    let hi_q = m.mem_read(exp_hi, "exp_hi_q", in_exp, x.bits(11, 8));
    let lo_q = m.mem_read(exp_lo, "exp_lo_q", in_exp, x.bits(7, 0));

    let s = m.reg("s_r", UInt(sw));
    let a = m.reg("a_r", UInt(accw));

    // ln S (golden step 5): p − 16 and the 10-bit window below the leading one of S.
    let pw = bits_for(u64::from(sw - 16));
    let mut p_minus_16 = Expr::uint(0, pw);
    let mut window = s.bits(16, 7);
    for b in 17..sw {
        let hit = s.bit(b);
        p_minus_16 = Expr::mux(hit.clone(), Expr::uint(u64::from(b - 16), pw), p_minus_16);
        window = Expr::mux(hit, s.bits(b, b - 9), window);
    }
    // i = ((window + 1) >> 1), 256..=512; i = 512 reads LN_TAB[0] = 0 and adds LN2 via p.
    let mant = (window + 1).bits(10, 1);
    let p_eff = m.wire_from("ln_p", p_minus_16 + mant.bit(9));
    let ln_tab = m.mem("ln_tab", 256, UInt(16));
    m.mem_init(ln_tab, ln_words());
    let ln_q = m.mem_read(ln_tab, "ln_tab_q", div_first, mant.bits(7, 0));
    let p_r = m.reg("ln_p_r", UInt(pw + 1));
    m.next_when(p_r, div_first, p_eff);
    let ln_s = m.wire_from("ln_s", p_r * Expr::uint(LN2_Q16, 16) + ln_q);

    // Division D = (A · 2^8) / S (golden step 6): restoring, one quotient bit per edge.
    let rem = m.reg("div_rem_r", UInt(sw));
    let quo = m.reg("div_q_r", UInt(DIV_BITS));
    let rem_in = m.wire_from(
        "div_rem_in",
        Expr::mux(div_first, widen(a.bits(accw - 1, 12), sw), rem),
    );
    let quo_in = m.wire_from(
        "div_q_in",
        Expr::mux(div_first, Expr::cat([a.bits(11, 0), Expr::uint(0, 8)]), quo),
    );
    let trial = m.wire_from(
        "div_trial",
        Expr::cat([rem_in.expr(), quo_in.bit(DIV_BITS - 1)]),
    );
    let ge = m.wire_from("div_ge", trial.is_ge(s));
    let diff = trial - s;
    m.next_when(
        rem,
        in_div,
        Expr::mux(ge, diff.bits(sw - 1, 0), trial.bits(sw - 1, 0)),
    );
    m.next_when(
        quo,
        in_div,
        Expr::cat([quo_in.bits(DIV_BITS - 2, 0), ge.expr()]),
    );

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
    let h_round = m.wire_from("h_round", product_rounded >> 16);
    let h = m.wire_from(
        "h",
        Expr::mux(
            h_round.is_gt(65536u64),
            Expr::uint(65536, 17),
            h_round.bits(16, 0),
        ),
    );
    let h_r = m.reg("h_q_r", UInt(17));
    let exit_r = m.reg("exit_r", Bool);
    let pred_r = m.reg("prediction_r", UInt(aw));
    let done_r = m.reg("done_r", Bool);
    m.next_when(h_r, finish, h);
    m.next_when(exit_r, finish, h.is_lt(theta_r));
    m.next_when(pred_r, finish, best);
    m.next(done_r, finish);

    m.output_from("logit_addr", addr);
    m.output_from("busy", busy);
    m.output_from("done", done_r);
    m.output_from("h_q", h_r);
    m.output_from("exit", exit_r);
    m.output_from("prediction", pred_r);
    m.finish()
}
