//! Tap coordinates in mixed radix, so the im2col fetch needs no divider and no multiplier.
//!
//! A fan-in index `n = ((cg·cols + cl)·R + r)·S + s` is kept as its bounded digits `(cl, r, s)`
//! (radices `cols`, `R`, `S`) and, instead of the unbounded digit `cg`, its *spatial offset*
//! `lin = cg·H·W + r·W + s` in the spike buffer (modulo the address width). Adding a constant
//! whose digits are known is a ripple of three small adders with one conditional subtraction
//! each — valid because every digit of the addend is below its radix — and the offset follows
//! with the carries: each carry out of `s` adds `W − S`, out of `r` subtracts `R·W`, out of
//! `cl` adds `H·W`. The STAGE phase counts the taps up by one (`increment`) to fill the tap
//! table (`top/stage_setup.rs`).

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

/// One digit: `a + b + carry_in`, wrapped at `radix` (at most `2^w` for a `w`-bit digit);
/// returns (digit, carry out).
fn digit(a: &Expr, b: &Expr, carry: Expr, radix: &Expr) -> (Expr, Expr) {
    let w = a.width();
    let sum = (fit(a, w + 1) + fit(b, w + 1) + carry.zext(w + 1)).trunc(w + 1);
    let radix = fit(radix, w + 1);
    let over = sum.is_ge(&radix);
    let wrapped = sum.wrapping_sub(radix).trunc(w);
    (over.select(wrapped, sum.trunc(w)), over)
}

/// `x + y` (every digit of `y` below its radix; `y.lin` the offset of `y` itself).
pub fn add(x: &Tap, y: &Tap, radix: &Radices) -> Tap {
    let (s, c0) = digit(&x.s, &y.s, Expr::bool(false), &radix.s);
    let (r, c1) = digit(&x.r, &y.r, c0.clone(), &radix.r);
    let (cl, c2) = digit(&x.cl, &y.cl, c1.clone(), &radix.cols);
    let w = x.lin.width();
    let zero = Expr::uint(0, w);
    let lin = x
        .lin
        .wrapping_add(fit(&y.lin, w))
        .wrapping_add(c0.select(fit(&radix.w_minus_s, w), zero.clone()))
        .wrapping_sub(c1.select(fit(&radix.rw, w), zero.clone()))
        .wrapping_add(c2.select(fit(&radix.hw, w), zero));
    Tap { cl, r, s, lin }
}

/// `x + 1`.
pub fn increment(x: &Tap, radix: &Radices) -> Tap {
    let zero = |d: &Expr| Expr::uint(0, d.width());
    let one = Tap {
        cl: zero(&x.cl),
        r: zero(&x.r),
        s: Expr::uint(1, x.s.width()),
        lin: Expr::uint(1, x.lin.width()),
    };
    add(x, &one, radix)
}
