//! Tap coordinates in mixed radix, so the im2col fetch needs no divider and no multiplier.
//!
//! A fan-in index `n = ((cg·cols + cl)·R + r)·S + s` is kept as its bounded digits `(cl, r, s)`
//! (radices `cols`, `R`, `S`) and, instead of the unbounded digit `cg`, its *spatial offset*
//! `lin = cg·H·W + r·W + s` in the spike buffer (modulo the address width). Counting up by one
//! wraps digits at their radices, and the offset follows the carries: a carry out of `s` adds
//! `W − S`, out of `r` subtracts `R·W`, out of `cl` adds `H·W`. The STAGE phase counts the taps
//! up by one (`increment`) to fill the tap table (`top/stage_setup.rs`).

use spikeforge_dsl::prelude::*;

/// The bounded digits of a tap index and its spatial offset (all unsigned).
#[derive(Clone, Debug)]
pub struct Tap {
    /// Channel within the group `c mod cols`.
    pub cl: Expr,
    /// Kernel row `r`.
    pub r: Expr,
    /// Kernel column `s`.
    pub s: Expr,
    /// `cg·H·W + r·W + s`, modulo `2^width`.
    pub lin: Expr,
}

/// What counting up needs besides the tap: each digit's last value and the offset's step
/// after each kind of carry, all constant while the counter runs (registers of the stage
/// setup, so none of them lies on a path into the counter).
#[derive(Clone, Debug)]
pub struct Radices {
    /// `cols − 1` (a constant of the hardware), in the width of `cl`.
    pub cols_last: Expr,
    /// `R − 1`, in the width of `r`.
    pub r_last: Expr,
    /// `S − 1`, in the width of `s`.
    pub s_last: Expr,
    /// The offset's step after a carry out of `s` only: `1 + (W − S)` (offset width; without
    /// a carry the step is 1).
    pub step_s: Expr,
    /// With carries out of `s` and `r`: `1 + (W − S) − R·W`.
    pub step_r: Expr,
    /// With carries out of `s`, `r` and `cl`: `1 + (W − S) − R·W + H·W`.
    pub step_cl: Expr,
}

/// `e` zero-extended or truncated to `w` bits.
fn fit(e: &Expr, w: u32) -> Expr {
    match e.width().cmp(&w) {
        std::cmp::Ordering::Less => e.zext(w),
        std::cmp::Ordering::Equal => e.clone(),
        std::cmp::Ordering::Greater => e.trunc(w),
    }
}

/// `x + 1`, every digit of `x` below its radix. Built for a short path: the three wrap
/// conditions are equalities with the digits' last values made side by side (`s = S − 1`,
/// `r = R − 1`, `cl = cols − 1`) and ANDed, not a ripple of adders; and the offset takes one
/// adder after a 4-way choice of `1` and the three precomputed steps of [`Radices`].
pub fn increment(x: &Tap, radix: &Radices) -> Tap {
    let step = |d: &Expr, last: &Expr| {
        let w = d.width();
        (d.wrapping_add(Expr::uint(1, w)), d.is_eq(fit(last, w)))
    };
    let (s1, s_last) = step(&x.s, &radix.s_last);
    let (r1, r_last) = step(&x.r, &radix.r_last);
    let (cl1, cl_last) = step(&x.cl, &radix.cols_last);
    let c0 = s_last;
    let c1 = c0.clone() & r_last;
    let c2 = c1.clone() & cl_last;
    let zero = |d: &Expr| Expr::uint(0, d.width());
    let s = c0.select(zero(&x.s), s1);
    let r = c1
        .clone()
        .select(zero(&x.r), c0.clone().select(r1, x.r.clone()));
    let cl = c2
        .clone()
        .select(zero(&x.cl), c1.clone().select(cl1, x.cl.clone()));
    let w = x.lin.width();
    let delta = c2.select(
        fit(&radix.step_cl, w),
        c1.select(
            fit(&radix.step_r, w),
            c0.select(fit(&radix.step_s, w), Expr::uint(1, w)),
        ),
    );
    let lin = x.lin.wrapping_add(delta);
    Tap { cl, r, s, lin }
}
