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

/// What an addition needs besides the two taps: the radices and the offset corrections.
#[derive(Clone, Debug)]
pub struct Radices {
    /// `cols` (a constant of the hardware).
    pub cols: Expr,
    /// Kernel height `R`.
    pub r: Expr,
    /// Kernel width `S`.
    pub s: Expr,
    /// `W − S` (offset width).
    pub w_minus_s: Expr,
    /// `R·W` (offset width).
    pub rw: Expr,
    /// `H·W` (offset width).
    pub hw: Expr,
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
/// conditions are equality compares made side by side (`s + 1 = S`, `r + 1 = R`,
/// `cl + 1 = cols`) and ANDed, not a ripple of adders; and the offset takes one adder after a
/// 4-way choice of `1`, `1 + (W − S)`, `1 + (W − S) − R·W` or `1 + (W − S) − R·W + H·W`,
/// whose sums depend only on the radices (stable while the counter runs).
pub fn increment(x: &Tap, radix: &Radices) -> Tap {
    let step = |d: &Expr, radix: &Expr| {
        let w = d.width();
        let next = fit(d, w + 1).wrapping_add(Expr::uint(1, w + 1));
        let last = next.is_eq(fit(radix, w + 1));
        (next.trunc(w), last)
    };
    let (s1, s_last) = step(&x.s, &radix.s);
    let (r1, r_last) = step(&x.r, &radix.r);
    let (cl1, cl_last) = step(&x.cl, &radix.cols);
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
    let d0 = Expr::uint(1, w).wrapping_add(fit(&radix.w_minus_s, w));
    let d1 = d0.wrapping_sub(fit(&radix.rw, w));
    let d2 = d1.wrapping_add(fit(&radix.hw, w));
    let delta = c2.select(d2, c1.select(d1, c0.select(d0, Expr::uint(1, w))));
    let lin = x.lin.wrapping_add(delta);
    Tap { cl, r, s, lin }
}
