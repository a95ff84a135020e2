//! The operations every hardware value offers, and their typing rules.
//!
//! Result widths (all exact unless stated):
//!
//! | operation | operands | result |
//! |---|---|---|
//! | `a + b`, `a - b` | same signedness | `max(wa, wb) + 1` bits (`UInt` `-` wraps: top bit = borrow) |
//! | `a * b` | same signedness | `wa + wb` bits |
//! | `a & b`, `a \| b`, `a ^ b`, `!a` | same type | that type |
//! | `-a` | `SInt(w)` | `SInt(w + 1)` |
//! | `a << k` (constant) | any | `w + k` bits |
//! | `a >> k` (constant) | any | same type; arithmetic for `SInt`, logical for `UInt` |
//! | `a.shl_by(s)` | `s` unsigned | `wa + 2^ws − 1` bits |
//! | `a.shr_by(s)` | `s` unsigned | same type; arithmetic for `SInt` |
//! | `a.is_eq(b)` … `a.is_ge(b)` | same signedness, any widths | `Bool`, signed-aware |
//! | `a.wrapping_add(b)`, `a.wrapping_sub(b)` | same signedness | `max(wa, wb)` bits, wraps |
//! | `a.saturating_add(b)`, `a.saturating_sub(b)` | same signedness | `max(wa, wb)` bits, clamps |
//! | `sel.select(a, b)` | `sel` one bit, `a`, `b` same type | that type |
//! | `a.bits(hi, lo)` / `a.bit(i)` | `hi < w`, `lo ≤ hi` | `UInt(hi − lo + 1)` / `Bool` |
//! | `a.trunc(w)` | `w ≤ wa` | same signedness, `w` bits (the explicit way to drop bits) |
//! | `a.saturate(w)` | `w ≤ wa` | same signedness, `w` bits, clamped to their range |
//! | `a.zext(w)` / `a.sext(w)` | `w ≥ wa` | `UInt(w)` / `SInt(w)` |
//! | `a.as_uint()` / `a.as_sint()` | any | same bits, other signedness |
//! | `a.to_signed()` | any | `SInt(w + 1)` for `UInt` (lossless), unchanged for `SInt` |
//! | `Expr::cat([a, b])` | any | `UInt(wa + wb)`, `a` in the high bits |
//! | `a.any()`, `a.all()`, `a.parity()` | any | `Bool` |
//!
//! Integer literals (`count + 1`, `x.is_eq(0)`) take the signedness of the other operand at the
//! narrowest width that holds them; for bitwise operators, muxes and assignments they take its
//! exact type. Nothing is ever truncated silently: the only ways to drop bits are
//! [`Value::trunc`], [`Value::bits`] and the wrapping operations.

use super::expr::{Expr, Kind};
use crate::ir::{BinOp, RedOp, SourceLoc, UnOp};
use crate::types::{Bool, SInt, Type, UInt};
use std::panic::Location;

/// A bit index, width or shift amount: `u32`, `usize`, `u64`, `u16`, `u8`, `i32` (an
/// unsuffixed literal) or `i64`, so loop indices and `Vec` lengths need no casts (`x.bit(i)`
/// with `i: usize`). A negative or larger-than-`u32` value is an error at the caller's line.
pub trait BitCount: Copy + std::fmt::Display {
    /// The value as a `u32` bit count, or why it is not one.
    fn bit_count(self) -> Result<u32, String> {
        self.to_u32()
            .ok_or_else(|| format!("{self} is not a bit index or width (0..={})", u32::MAX))
    }

    /// The value as a `u32`, if it fits.
    fn to_u32(self) -> Option<u32>;
}

macro_rules! bit_count {
    ($($t:ty),*) => {$(
        impl BitCount for $t {
            fn to_u32(self) -> Option<u32> {
                u32::try_from(self).ok()
            }
        }
    )*};
}

bit_count!(u8, u16, u32, u64, usize, i32, i64);

/// The bit counts `xs` as `u32`s, or the first one's error.
fn counts<const N: usize>(xs: [Result<u32, String>; N]) -> Result<[u32; N], String> {
    let mut out = [0; N];
    for (o, x) in out.iter_mut().zip(xs) {
        *o = x?;
    }
    Ok(out)
}

/// An expression that reports `message` at elaboration (a one-bit placeholder).
fn invalid(message: String, loc: SourceLoc) -> Expr {
    Expr::node(
        Kind::Const(num_bigint::BigInt::from(0)),
        Bool,
        loc,
        Some(message),
    )
}

/// Operations on hardware values; implemented by [`Expr`] and [`Signal`](super::Signal).
pub trait Value: Clone + Into<Expr> {
    /// This value as an expression.
    fn expr(&self) -> Expr {
        self.clone().into()
    }

    /// Bits `hi..=lo` as `UInt(hi − lo + 1)`.
    #[track_caller]
    fn bits(&self, hi: impl BitCount, lo: impl BitCount) -> Expr {
        let [hi, lo] = match counts([hi.bit_count(), lo.bit_count()]) {
            Ok(v) => v,
            Err(e) => return invalid(format!("bits: {e}"), Location::caller()),
        };
        slice(self.expr(), hi, lo, None, Location::caller())
    }

    /// Bit `i` as `Bool`.
    #[track_caller]
    fn bit(&self, i: impl BitCount) -> Expr {
        let i = match i.bit_count() {
            Ok(v) => v,
            Err(e) => return invalid(format!("bit: {e}"), Location::caller()),
        };
        slice(self.expr(), i, i, Some(Bool), Location::caller())
    }

    /// The low `width` bits, keeping signedness: the explicit way to drop bits.
    #[track_caller]
    fn trunc(&self, width: impl BitCount) -> Expr {
        let width = match width.bit_count() {
            Ok(v) => v,
            Err(e) => return invalid(format!("trunc: {e}"), Location::caller()),
        };
        let e = self.expr();
        let loc = Location::caller();
        if width == 0 || width > e.width() {
            let msg = format!(
                "trunc({width}) of a {}: the width must be 1..={}",
                e.ty(),
                e.width()
            );
            return Expr::node(Kind::Slice(e.clone(), 0, 0), e.ty(), loc, Some(msg));
        }
        let ty = e.ty().with_width(width);
        slice(e, width - 1, 0, Some(ty), loc)
    }

    /// Saturation to a narrower width: the value clamped to the range of `width` bits of the
    /// same signedness (`width` ≤ the current width), e.g. a 14-bit membrane sum into a
    /// 12-bit membrane register; result `SInt(width)` / `UInt(width)`.
    #[track_caller]
    fn saturate(&self, width: impl BitCount) -> Expr {
        let width = match width.bit_count() {
            Ok(v) => v,
            Err(e) => return invalid(format!("saturate: {e}"), Location::caller()),
        };
        let e = self.expr();
        let loc = Location::caller();
        if width == 0 || width > e.width() || e.is_literal() {
            let msg = format!(
                "saturate({width}) of a {}: the width must be 1..={} (and the value typed)",
                e.ty(),
                e.width()
            );
            return Expr::node(Kind::Slice(e.clone(), 0, 0), e.ty(), loc, Some(msg));
        }
        if width == e.width() {
            return e;
        }
        let wide = e.ty();
        let ty = wide.with_width(width);
        let low = slice(e.clone(), width - 1, 0, Some(ty), loc);
        let bound = |v| Expr::node(Kind::Const(v), wide, loc, None);
        let narrow = |v| Expr::node(Kind::Const(v), ty, loc, None);
        let above = binary(BinOp::Gt, e.clone(), bound(ty.max_value()), loc);
        let clamped_high = mux(above, narrow(ty.max_value()), low, loc);
        if ty.is_signed() {
            let below = binary(BinOp::Lt, e, bound(ty.min_value()), loc);
            mux(below, narrow(ty.min_value()), clamped_high, loc)
        } else {
            clamped_high
        }
    }

    /// Zero extension to `width` bits (`width` ≥ the current width); result `UInt(width)`.
    #[track_caller]
    fn zext(&self, width: impl BitCount) -> Expr {
        match width.bit_count() {
            Ok(w) => extend(self.expr(), w, false, Location::caller()),
            Err(e) => invalid(format!("zext: {e}"), Location::caller()),
        }
    }

    /// Sign extension to `width` bits (`width` ≥ the current width); result `SInt(width)`.
    #[track_caller]
    fn sext(&self, width: impl BitCount) -> Expr {
        match width.bit_count() {
            Ok(w) => extend(self.expr(), w, true, Location::caller()),
            Err(e) => invalid(format!("sext: {e}"), Location::caller()),
        }
    }

    /// The same bits read as `UInt`.
    #[track_caller]
    fn as_uint(&self) -> Expr {
        reinterpret(self.expr(), false, Location::caller())
    }

    /// The same bits read as `SInt` (two's complement).
    #[track_caller]
    fn as_sint(&self) -> Expr {
        reinterpret(self.expr(), true, Location::caller())
    }

    /// Lossless conversion to a signed value: `UInt(w)` becomes `SInt(w + 1)`; an `SInt` is
    /// returned unchanged.
    #[track_caller]
    fn to_signed(&self) -> Expr {
        let e = self.expr();
        if e.ty().is_signed() {
            e
        } else {
            let loc = Location::caller();
            let w = e.width() + 1;
            reinterpret(extend(e, w, false, loc), true, loc)
        }
    }

    /// Equality (signed-aware, any widths).
    #[track_caller]
    fn is_eq(&self, other: impl Into<Expr>) -> Expr {
        binary(BinOp::Eq, self.expr(), other.into(), Location::caller())
    }

    /// Inequality.
    #[track_caller]
    fn is_ne(&self, other: impl Into<Expr>) -> Expr {
        binary(BinOp::Ne, self.expr(), other.into(), Location::caller())
    }

    /// Less than.
    #[track_caller]
    fn is_lt(&self, other: impl Into<Expr>) -> Expr {
        binary(BinOp::Lt, self.expr(), other.into(), Location::caller())
    }

    /// Less than or equal.
    #[track_caller]
    fn is_le(&self, other: impl Into<Expr>) -> Expr {
        binary(BinOp::Le, self.expr(), other.into(), Location::caller())
    }

    /// Greater than.
    #[track_caller]
    fn is_gt(&self, other: impl Into<Expr>) -> Expr {
        binary(BinOp::Gt, self.expr(), other.into(), Location::caller())
    }

    /// Greater than or equal.
    #[track_caller]
    fn is_ge(&self, other: impl Into<Expr>) -> Expr {
        binary(BinOp::Ge, self.expr(), other.into(), Location::caller())
    }

    /// Sum wrapped to `max(wa, wb)` bits.
    #[track_caller]
    fn wrapping_add(&self, other: impl Into<Expr>) -> Expr {
        wrapping(BinOp::Add, self.expr(), other.into(), Location::caller())
    }

    /// Difference wrapped to `max(wa, wb)` bits.
    #[track_caller]
    fn wrapping_sub(&self, other: impl Into<Expr>) -> Expr {
        wrapping(BinOp::Sub, self.expr(), other.into(), Location::caller())
    }

    /// Sum clamped to the range of `max(wa, wb)` bits of the operands' signedness.
    #[track_caller]
    fn saturating_add(&self, other: impl Into<Expr>) -> Expr {
        saturating(BinOp::Add, self.expr(), other.into(), Location::caller())
    }

    /// Difference clamped to the range of `max(wa, wb)` bits of the operands' signedness
    /// (unsigned results below zero become zero).
    #[track_caller]
    fn saturating_sub(&self, other: impl Into<Expr>) -> Expr {
        saturating(BinOp::Sub, self.expr(), other.into(), Location::caller())
    }

    /// Left shift by an unsigned signal; result `w + 2^ws − 1` bits.
    #[track_caller]
    fn shl_by(&self, amount: impl Into<Expr>) -> Expr {
        binary(
            BinOp::ShlDyn,
            self.expr(),
            amount.into(),
            Location::caller(),
        )
    }

    /// Right shift by an unsigned signal; arithmetic for `SInt`, logical for `UInt`.
    #[track_caller]
    fn shr_by(&self, amount: impl Into<Expr>) -> Expr {
        binary(
            BinOp::ShrDyn,
            self.expr(),
            amount.into(),
            Location::caller(),
        )
    }

    /// Logical (zero-filling) right shift by a constant, whatever the signedness; same type.
    #[track_caller]
    fn shr_logical(&self, amount: impl BitCount) -> Expr {
        match amount.bit_count() {
            Ok(k) => shr_const(self.expr(), k, false, Location::caller()),
            Err(e) => invalid(format!("shr_logical: {e}"), Location::caller()),
        }
    }

    /// `self ? then : otherwise`; `self` must be one bit wide.
    #[track_caller]
    fn select(&self, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
        mux(
            self.expr(),
            then.into(),
            otherwise.into(),
            Location::caller(),
        )
    }

    /// True when any bit is 1.
    #[track_caller]
    fn any(&self) -> Expr {
        reduce(RedOp::Or, self.expr(), Location::caller())
    }

    /// True when every bit is 1.
    #[track_caller]
    fn all(&self) -> Expr {
        reduce(RedOp::And, self.expr(), Location::caller())
    }

    /// True when an odd number of bits are 1.
    #[track_caller]
    fn parity(&self) -> Expr {
        reduce(RedOp::Xor, self.expr(), Location::caller())
    }
}

impl Value for Expr {
    fn expr(&self) -> Expr {
        self.clone()
    }
}

impl Value for super::Signal {}

/// Gives an untyped literal operand the type of the other operand.
fn adapt_pair(a: Expr, b: Expr, exact: bool) -> (Expr, Expr) {
    match (a.is_literal(), b.is_literal()) {
        (true, false) => {
            let ty = b.ty();
            (a.adapt_literal(ty, exact), b)
        }
        (false, true) => {
            let ty = a.ty();
            (a, b.adapt_literal(ty, exact))
        }
        _ => (a, b),
    }
}

fn sign_word(ty: Type) -> &'static str {
    if ty.is_signed() {
        "signed"
    } else {
        "unsigned"
    }
}

pub(crate) fn binary(op: BinOp, a: Expr, b: Expr, loc: SourceLoc) -> Expr {
    let exact = matches!(op, BinOp::And | BinOp::Or | BinOp::Xor);
    let (a, b) = if matches!(op, BinOp::ShlDyn | BinOp::ShrDyn) {
        let b = b.adapt_literal(UInt(1), false);
        (a, b)
    } else {
        adapt_pair(a, b, exact)
    };
    let (ta, tb) = (a.ty(), b.ty());
    let (wa, wb) = (ta.width(), tb.width());
    let sign_error = || {
        (ta.is_signed() != tb.is_signed()).then(|| {
            format!(
                "`{}` needs operands of the same signedness, got {ta} ({}) and {tb} ({}); convert one with .to_signed() or .as_uint()",
                op.symbol(),
                sign_word(ta),
                sign_word(tb)
            )
        })
    };
    let (ty, error) = match op {
        BinOp::Add | BinOp::Sub => (ta.with_width(wa.max(wb) + 1), sign_error()),
        BinOp::Mul => (ta.with_width(wa + wb), sign_error()),
        BinOp::And | BinOp::Or | BinOp::Xor => {
            let error = (!ta.same_as(tb)).then(|| {
                format!(
                    "`{}` needs operands of the same type, got {ta} and {tb}; widen with .zext()/.sext() or drop bits with .trunc()",
                    op.symbol()
                )
            });
            let ty = match (ta, tb) {
                (Bool, Bool) => Bool,
                (Bool, _) => UInt(1),
                _ => ta,
            };
            (ty, error)
        }
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            (Bool, sign_error())
        }
        BinOp::ShlDyn | BinOp::ShrDyn => {
            let mut error = tb
                .is_signed()
                .then(|| format!("`{}` needs an unsigned shift amount, got {tb}", op.symbol()));
            let ty = if op == BinOp::ShlDyn {
                if wb > 16 {
                    error = Some(format!(
                        "`shl_by` with a {wb}-bit amount would widen the result by 2^{wb} − 1 bits; truncate the amount first"
                    ));
                    ta
                } else {
                    ta.with_width(wa.saturating_add((1u32 << wb) - 1))
                }
            } else {
                ta
            };
            (ty, error)
        }
    };
    Expr::node(Kind::Binary(op, a, b), ty, loc, error)
}

/// `a & b` with an explicit source location (for scopes and library blocks).
pub(crate) fn and_at(a: Expr, b: Expr, loc: SourceLoc) -> Expr {
    binary(BinOp::And, a, b, loc)
}

/// `a | b` with an explicit source location.
pub(crate) fn or_at(a: Expr, b: Expr, loc: SourceLoc) -> Expr {
    binary(BinOp::Or, a, b, loc)
}

pub(crate) fn unary(op: UnOp, a: Expr, loc: SourceLoc) -> Expr {
    match op {
        UnOp::Not => {
            let ty = a.ty();
            Expr::node(Kind::Unary(op, a), ty, loc, None)
        }
        UnOp::Neg => {
            let a = a.adapt_literal(SInt(1), false);
            let ty = a.ty();
            let error = (!ty.is_signed()).then(|| {
                format!(
                    "negation needs a signed operand, got {ty}; convert with .to_signed() first"
                )
            });
            Expr::node(Kind::Unary(op, a), SInt(ty.width() + 1), loc, error)
        }
    }
}

pub(crate) fn shl_const(a: Expr, amount: u32, loc: SourceLoc) -> Expr {
    let ty = a.ty().with_width(a.width().saturating_add(amount));
    let ty = if ty == Bool { UInt(1) } else { ty };
    Expr::node(Kind::ShlConst(a, amount), ty, loc, None)
}

pub(crate) fn shr_const(a: Expr, amount: u32, arithmetic: bool, loc: SourceLoc) -> Expr {
    let ty = a.ty();
    Expr::node(Kind::ShrConst(a, amount, arithmetic), ty, loc, None)
}

fn slice(e: Expr, hi: u32, lo: u32, ty: Option<Type>, loc: SourceLoc) -> Expr {
    let w = e.width();
    let error = if e.is_literal() {
        Some(
            "an integer literal has no width to select bits from: use Expr::uint(value, width)"
                .into(),
        )
    } else if hi >= w || lo > hi {
        Some(format!(
            "bits({hi}, {lo}) of a {}: need {lo} ≤ {hi} < {w}",
            e.ty()
        ))
    } else {
        None
    };
    let ty = ty.unwrap_or(UInt(hi.saturating_sub(lo) + 1));
    Expr::node(Kind::Slice(e, hi, lo), ty, loc, error)
}

fn extend(e: Expr, width: u32, signed: bool, loc: SourceLoc) -> Expr {
    let e = if e.is_literal() {
        let ty = if signed { SInt(width) } else { UInt(width) };
        e.adapt_literal(ty, false)
    } else {
        e
    };
    let name = if signed { "sext" } else { "zext" };
    let error = (width < e.width()).then(|| {
        format!(
            "{name}({width}) of a {} would drop bits; use .trunc({width}) to drop bits explicitly",
            e.ty()
        )
    });
    if signed {
        Expr::node(Kind::Sext(e), SInt(width), loc, error)
    } else {
        Expr::node(Kind::Zext(e), UInt(width), loc, error)
    }
}

fn reinterpret(e: Expr, signed: bool, loc: SourceLoc) -> Expr {
    let w = e.width();
    let ty = if signed { SInt(w) } else { UInt(w) };
    Expr::node(Kind::Reinterpret(e), ty, loc, None)
}

fn wrapping(op: BinOp, a: Expr, b: Expr, loc: SourceLoc) -> Expr {
    let (a, b) = adapt_pair(a, b, false);
    let w = a.width().max(b.width());
    let full = binary(op, a, b, loc);
    let ty = full.ty().with_width(w);
    slice(full, w - 1, 0, Some(ty), loc)
}

fn saturating(op: BinOp, a: Expr, b: Expr, loc: SourceLoc) -> Expr {
    let (a, b) = adapt_pair(a, b, false);
    let w = a.width().max(b.width());
    let full = binary(op, a, b, loc);
    if full.0.error.is_some() {
        return full;
    }
    let ty = full.ty().with_width(w);
    let low = slice(full.clone(), w - 1, 0, Some(ty), loc);
    if ty.is_signed() {
        let top = slice(full.clone(), w, w, Some(Bool), loc);
        let next = slice(full, w - 1, w - 1, Some(Bool), loc);
        let overflow = binary(BinOp::Xor, top.clone(), next, loc);
        let min = Expr::node(Kind::Const(ty.min_value()), ty, loc, None);
        let max = Expr::node(Kind::Const(ty.max_value()), ty, loc, None);
        let clamp = mux(top, min, max, loc);
        mux(overflow, clamp, low, loc)
    } else {
        let carry = slice(full, w, w, Some(Bool), loc);
        let bound = if op == BinOp::Add {
            ty.max_value()
        } else {
            ty.min_value()
        };
        let bound = Expr::node(Kind::Const(bound), ty, loc, None);
        mux(carry, bound, low, loc)
    }
}

pub(crate) fn mux(sel: Expr, a: Expr, b: Expr, loc: SourceLoc) -> Expr {
    let (a, b) = adapt_pair(a, b, true);
    let sel = sel.adapt_literal(Bool, true);
    let error = if sel.width() != 1 || sel.ty().is_signed() {
        Some(format!(
            "a mux select must be one unsigned bit, got {}",
            sel.ty()
        ))
    } else if !a.ty().same_as(b.ty()) {
        Some(format!(
            "mux arms must have the same type, got {} and {}",
            a.ty(),
            b.ty()
        ))
    } else {
        None
    };
    let ty = a.ty();
    Expr::node(Kind::Mux(sel, a, b), ty, loc, error)
}

fn reduce(op: RedOp, e: Expr, loc: SourceLoc) -> Expr {
    let error = e.is_literal().then(|| {
        "an integer literal has no width to reduce: use Expr::uint(value, width)".to_string()
    });
    Expr::node(Kind::Reduce(op, e), Bool, loc, error)
}

impl Expr {
    /// `sel ? then : otherwise`; `sel` must be one bit wide.
    #[track_caller]
    pub fn mux(sel: impl Into<Expr>, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
        mux(
            sel.into(),
            then.into(),
            otherwise.into(),
            Location::caller(),
        )
    }
}
