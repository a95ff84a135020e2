//! The pieces both entropy units share (`entropy_unit`, `entropy_unit_serial`): the lookup
//! tables, the Q8 distance with its drop flag, `ln S` by leading-one detection, the restoring
//! division `D = A·2^8 / S` and the final normalisation — each bit-exact with the golden
//! model's steps (`sim/golden/src/entropy.rs`). The two units differ only in how they
//! multiply and schedule; see their module docs.

use spikeforge_dsl::prelude::*;

/// `round(2^16 · ln 2)`.
pub(crate) const LN2_Q16: u64 = 45426;
/// Quotient bits of the division (`D < 2^20`).
pub(crate) const DIV_BITS: u32 = 20;

/// Bits needed to hold `n` (at least 1).
pub(crate) fn bits_for(n: u64) -> u32 {
    (64 - n.leading_zeros()).max(1)
}

/// `e` zero-extended to `width` bits (`width` ≥ its width).
pub(crate) fn widen(e: impl Into<Expr>, width: u32) -> Expr {
    let e = e.into();
    if e.width() == width {
        e
    } else {
        e.zext(width)
    }
}

/// `round(2^16 · e^(−i))`, i = 0..16.
pub(crate) fn exp_hi_words() -> Vec<u64> {
    (0..16)
        .map(|i| (65536.0 * (-(i as f64)).exp()).round() as u64)
        .collect()
}

/// `round(2^16 · e^(−j/256))`, j = 0..256, with entry 0 (65536) stored as 0 (the units use
/// `E = EXP_HI[x >> 8]` when `x & 255 = 0`).
pub(crate) fn exp_lo_words() -> Vec<u64> {
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
pub(crate) fn ln_words() -> Vec<u64> {
    (0..256)
        .map(|j| (65536.0 * (1.0 + j as f64 / 256.0).ln()).round() as u64)
        .collect()
}

/// Widths that follow from `K_max` (bits).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Widths {
    /// `bits(K_max)`: the runtime K.
    pub kw: u32,
    /// `bits(K_max − 1)`: a class index.
    pub aw: u32,
    /// `S`: `bits(K_max·2^16)`.
    pub sw: u32,
    /// `A`: `bits(K_max·2^16·4095)`.
    pub accw: u32,
}

impl Widths {
    /// The widths for `max_classes` classes.
    pub fn new(max_classes: u32) -> Widths {
        let kmax = u64::from(max_classes);
        Widths {
            kw: bits_for(kmax),
            aw: bits_for(kmax - 1),
            sw: bits_for(kmax << 16),
            accw: bits_for((kmax << 16) * 4095),
        }
    }
}

/// The EXP_HI (16 × 17 bits) and EXP_LO (256 × 16 bits) ROMs read at `x` when `enable`:
/// `(hi_q, lo_q)`, valid after the edge.
pub(crate) fn exp_roms(m: &mut ModuleBuilder, enable: Expr, x: &Expr) -> (Signal, Signal) {
    let exp_hi = m.mem("exp_hi", 16, UInt(17));
    m.mem_init(exp_hi, exp_hi_words());
    let exp_lo = m.mem("exp_lo", 256, UInt(16));
    m.mem_init(exp_lo, exp_lo_words());
    let hi_q = m.mem_read(exp_hi, "exp_hi_q", enable.clone(), x.bits(11, 8));
    let lo_q = m.mem_read(exp_lo, "exp_lo_q", enable, x.bits(7, 0));
    (hi_q, lo_q)
}

/// Golden steps 2–3 for the logit `z` against the maximum `max`: the Q8 distance
/// `x = (((m − z)·2^9 >> f) + 1) >> 1` (12 bits) and whether the class is dropped
/// (`x ≥ 4096`). Returns `(x, drop)`.
pub(crate) fn distance(
    m: &mut ModuleBuilder,
    max: Signal,
    z: Signal,
    frac: Signal,
    lb: u32,
) -> (Signal, Signal) {
    let dist = m.wire_from("distance", logit_gap(max, z, lb));
    scaled_distance(m, dist, frac, lb)
}

/// `m − z` for the logit `z` below the maximum `max`: `lb` bits, never negative.
pub(crate) fn logit_gap(max: Signal, z: Signal, lb: u32) -> Expr {
    (max - z).bits(lb - 1, 0)
}

/// The second half of [`distance`], from the gap `dist = m − z` (`lb` bits): `x` and `drop`.
pub(crate) fn scaled_distance(
    m: &mut ModuleBuilder,
    dist: Signal,
    frac: Signal,
    lb: u32,
) -> (Signal, Signal) {
    let scaled = m.wire_from("scaled", (dist << 9).shr_by(frac));
    rounded_distance(m, scaled, lb)
}

/// The gap `dist = m − z` (`lb` bits) as `dist·2^9`, shifted right by the multiple of 8 in
/// `frac` (`frac & 24`): the first two of the five levels of the shift by `frac`, which
/// [`fine_scaled_distance`] completes (`lb + 9` bits).
pub(crate) fn coarse_scaled_gap(dist: Expr, frac: Signal) -> Expr {
    (dist << 9).shr_by(Expr::cat([frac.bits(4, 3), Expr::uint(0, 3)]))
}

/// [`scaled_distance`] from [`coarse_scaled_gap`]'s result `coarse`: the shift by the rest of
/// `frac` (`frac & 7`) and the rounding; a logical right shift by `frac & 24` and then by
/// `frac & 7` is the shift by `frac`, so `x` and `drop` are the same.
pub(crate) fn fine_scaled_distance(
    m: &mut ModuleBuilder,
    coarse: Signal,
    frac: Signal,
    lb: u32,
) -> (Signal, Signal) {
    let scaled = m.wire_from("scaled", coarse.shr_by(frac.bits(2, 0)));
    rounded_distance(m, scaled, lb)
}

/// Golden step 2's rounding of `scaled = (m − z)·2^9 >> f` (`lb + 9` bits): `x` and `drop`.
fn rounded_distance(m: &mut ModuleBuilder, scaled: Signal, lb: u32) -> (Signal, Signal) {
    // `(scaled + 1) >> 1` without its carry chain on the drop decision: it is at least 4096
    // iff `scaled ≥ 8191` (a high bit set, or the low 13 bits all ones); its low 12 bits are
    // `scaled[12:1] + scaled[0]` (a 12-bit increment).
    let all_ones = scaled.bits(12, 0).all();
    let drop = m.wire_from(
        "drop",
        if lb + 9 > 13 {
            scaled.bits(lb + 8, 13).any() | all_ones
        } else {
            all_ones
        },
    );
    let x = m.wire_from("x", scaled.bits(12, 1).wrapping_add(scaled.bit(0).zext(12)));
    (x, drop)
}

/// Golden step 5: `ln S` in Q16 from the register `s` (`w.sw` bits). The leading one and the
/// LN_TAB read are latched on the edge where `latch` holds; the returned wire is valid after it.
pub(crate) fn ln_s(m: &mut ModuleBuilder, s: Signal, w: Widths, latch: Signal) -> Signal {
    let sw = w.sw;
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
    let ln_q = m.mem_read(ln_tab, "ln_tab_q", latch, mant.bits(7, 0));
    let p_r = m.reg("ln_p_r", UInt(pw + 1));
    m.next_when(p_r, latch, p_eff);
    m.wire_from("ln_s", p_r * Expr::uint(LN2_Q16, 16) + ln_q)
}

/// Golden step 6: the restoring division `D = (A·2^8) / S`, one quotient bit per edge while
/// `active`; `first` marks the first step (it loads `A`). Returns the quotient register
/// (`DIV_BITS` bits), final after the last of the `DIV_BITS` steps.
pub(crate) fn division(
    m: &mut ModuleBuilder,
    a: Signal,
    s: Signal,
    w: Widths,
    first: Signal,
    active: Signal,
) -> Signal {
    let (sw, accw) = (w.sw, w.accw);
    let rem = m.reg("div_rem_r", UInt(sw));
    let quo = m.reg("div_q_r", UInt(DIV_BITS));
    let rem_in = m.wire_from(
        "div_rem_in",
        Expr::mux(first, widen(a.bits(accw - 1, 12), sw), rem),
    );
    let quo_in = m.wire_from(
        "div_q_in",
        Expr::mux(first, Expr::cat([a.bits(11, 0), Expr::uint(0, 8)]), quo),
    );
    let trial = m.wire_from(
        "div_trial",
        Expr::cat([rem_in.expr(), quo_in.bit(DIV_BITS - 1)]),
    );
    let ge = m.wire_from("div_ge", trial.is_ge(s));
    let diff = trial - s;
    m.next_when(
        rem,
        active,
        Expr::mux(ge, diff.bits(sw - 1, 0), trial.bits(sw - 1, 0)),
    );
    m.next_when(
        quo,
        active,
        Expr::cat([quo_in.bits(DIV_BITS - 2, 0), ge.expr()]),
    );
    quo
}

/// Golden step 8 from `Hn·RLNK + 2^15` (`rounded_product`): the wire
/// `h = min(rounded_product >> 16, 65536)`, the normalised entropy in Q16.
pub(crate) fn normalise(m: &mut ModuleBuilder, rounded_product: Expr) -> Signal {
    let h_round = m.wire_from("h_round", rounded_product >> 16);
    // `h_round > 65536` as bit tests (a bit above 16 set, or bit 16 and a lower one), not a
    // comparator's carry chain after the rounding adder's.
    let hw = h_round.width();
    let above = h_round.bit(16) & h_round.bits(15, 0).any();
    let above = if hw > 17 {
        h_round.bits(hw - 1, 17).any() | above
    } else {
        above
    };
    m.wire_from(
        "h",
        Expr::mux(above, Expr::uint(65536, 17), h_round.bits(16, 0)),
    )
}

/// Golden step 9, `h < θ` with `h = min((Hn·RLNK + 2^15) >> 16, 65536)`, decided from the
/// unrounded `product = Hn·RLNK` by one comparison: for `1 ≤ θ ≤ 65536` it is
/// `product < θ·2^16 − 2^15 = {θ − 1, 0x8000}` (`theta_m1` holds `θ − 1`, registered with
/// θ), for θ = 0 never, above 65536 always. So neither the rounding adder nor the clamp lies
/// on the path into the exit decision.
pub(crate) fn below_threshold(
    m: &mut ModuleBuilder,
    product: Expr,
    theta: Signal,
    theta_m1: Signal,
) -> Signal {
    let bound = Expr::cat([theta_m1.expr(), Expr::uint(0x8000, 16)]);
    let w = product.width().max(bound.width());
    let fits = |e: Expr| if e.width() < w { e.zext(w) } else { e };
    let under = fits(product).is_lt(fits(bound));
    let always = theta.bit(16) & theta.bits(15, 0).any();
    m.wire_from("h_below_theta", always | (theta.expr().is_ne(0u64) & under))
}

/// The result registers (`h_q`, `exit`, `prediction`, `done`), loaded on the edge where
/// `finish` holds, and the unit's outputs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn results(
    m: &mut ModuleBuilder,
    w: Widths,
    finish: Signal,
    h: Signal,
    exit: Signal,
    best: Signal,
    addr: Signal,
    busy: Signal,
) {
    let h_r = m.reg("h_q_r", UInt(17));
    let exit_r = m.reg("exit_r", Bool);
    let pred_r = m.reg("prediction_r", UInt(w.aw));
    let done_r = m.reg("done_r", Bool);
    m.next_when(h_r, finish, h);
    m.next_when(exit_r, finish, exit);
    m.next_when(pred_r, finish, best);
    m.next(done_r, finish);
    m.output_from("logit_addr", addr);
    m.output_from("busy", busy);
    m.output_from("done", done_r);
    m.output_from("h_q", h_r);
    m.output_from("exit", exit_r);
    m.output_from("prediction", pred_r);
}

/// Golden step 1: the running maximum and its index (lowest index wins ties), folding `z`
/// (class `index`) on each edge where `fold` holds; `first` marks class 0. Returns
/// `(max, argmax)` registers.
pub(crate) fn max_argmax(
    m: &mut ModuleBuilder,
    w: Widths,
    lb: u32,
    fold: Signal,
    first: Expr,
    z: Signal,
    index: Expr,
) -> (Signal, Signal) {
    let max_r = m.reg("max_r", SInt(lb));
    let best = m.reg("best_r", UInt(w.aw));
    let take = m.wire_from("take", fold & (first | z.is_gt(max_r)));
    m.next_when(max_r, take, z);
    m.next_when(best, take, index);
    (max_r, best)
}
