//! Tap coordinates in mixed radix, so the im2col fetch needs no divider.
//!
//! A fan-in index `n = ((cg·cols + cl)·R + r)·S + s` is kept as its digits `(cg, cl, r, s)`
//! (radices: unbounded, `cols`, `R`, `S`). Adding a constant whose digits the driver supplies
//! (`rows`, `D·rows`) is a ripple of four small adders with one conditional subtraction each —
//! valid because every digit of the addend is below its radix.

use spikeforge_dsl::prelude::*;

/// The digits of a tap index (unsigned; each digit as wide as its radix needs, `cg` modulo
/// the address width: it only feeds addresses).
#[derive(Clone, Debug)]
pub struct Digits {
    /// Channel group `c / cols`.
    pub cg: Expr,
    /// Channel within the group `c mod cols`.
    pub cl: Expr,
    /// Kernel row `r`.
    pub r: Expr,
    /// Kernel column `s`.
    pub s: Expr,
}

/// Radices of the bounded digits (each at most `2^w` for its `w`-bit digit).
#[derive(Clone, Debug)]
pub struct Radices {
    /// `cols` (a constant of the hardware).
    pub cols: Expr,
    /// Kernel height `R`.
    pub r: Expr,
    /// Kernel width `S`.
    pub s: Expr,
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

/// `x + y` in mixed radix (every digit of `y` below its radix).
pub fn add(x: &Digits, y: &Digits, radix: &Radices) -> Digits {
    let (s, c0) = digit(&x.s, &y.s, Expr::bool(false), &radix.s);
    let (r, c1) = digit(&x.r, &y.r, c0, &radix.r);
    let (cl, c2) = digit(&x.cl, &y.cl, c1, &radix.cols);
    let w = x.cg.width();
    let cg = (&x.cg + &y.cg + c2.zext(w)).trunc(w);
    Digits { cg, cl, r, s }
}

/// `x + 1` in mixed radix.
pub fn increment(x: &Digits, radix: &Radices) -> Digits {
    let zero = |d: &Expr| Expr::uint(0, d.width());
    let one = Digits {
        cg: zero(&x.cg),
        cl: zero(&x.cl),
        r: zero(&x.r),
        s: Expr::uint(1, x.s.width()),
    };
    add(x, &one, radix)
}
