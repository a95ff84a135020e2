//! Rust operator overloading for hardware values: `+ - * & | ^ ! -` and constant shifts.
//! The typing rules are those of [`super::value`].

use super::expr::Expr;
use super::value::{binary, shl_const, shr_const, unary};
use super::Signal;
use crate::ir::{BinOp, UnOp};
use std::ops;
use std::panic::Location;

macro_rules! binary_ops {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        impl<R: Into<Expr>> ops::$trait<R> for Expr {
            type Output = Expr;
            #[track_caller]
            fn $method(self, rhs: R) -> Expr {
                binary(BinOp::$op, self, rhs.into(), Location::caller())
            }
        }
        impl<R: Into<Expr>> ops::$trait<R> for &Expr {
            type Output = Expr;
            #[track_caller]
            fn $method(self, rhs: R) -> Expr {
                binary(BinOp::$op, self.clone(), rhs.into(), Location::caller())
            }
        }
        impl<R: Into<Expr>> ops::$trait<R> for Signal {
            type Output = Expr;
            #[track_caller]
            fn $method(self, rhs: R) -> Expr {
                binary(BinOp::$op, Expr::from(self), rhs.into(), Location::caller())
            }
        }
    )*};
}

binary_ops!(
    Add add Add,
    Sub sub Sub,
    Mul mul Mul,
    BitAnd bitand And,
    BitOr bitor Or,
    BitXor bitxor Xor
);

macro_rules! unary_and_shift_ops {
    ($($t:ty => $conv:expr),*) => {$(
        impl ops::Not for $t {
            type Output = Expr;
            #[track_caller]
            fn not(self) -> Expr {
                unary(UnOp::Not, $conv(self), Location::caller())
            }
        }
        impl ops::Neg for $t {
            type Output = Expr;
            #[track_caller]
            fn neg(self) -> Expr {
                unary(UnOp::Neg, $conv(self), Location::caller())
            }
        }
        impl ops::Shl<u32> for $t {
            type Output = Expr;
            /// Constant left shift: the result is `k` bits wider (exact).
            #[track_caller]
            fn shl(self, amount: u32) -> Expr {
                shl_const($conv(self), amount, Location::caller())
            }
        }
        impl ops::Shr<u32> for $t {
            type Output = Expr;
            /// Constant right shift, same type: arithmetic for `SInt`, logical for `UInt`.
            #[track_caller]
            fn shr(self, amount: u32) -> Expr {
                let e: Expr = $conv(self);
                let arithmetic = e.ty().is_signed();
                shr_const(e, amount, arithmetic, Location::caller())
            }
        }
    )*};
}

unary_and_shift_ops!(
    Expr => |e: Expr| e,
    &Expr => |e: &Expr| e.clone(),
    Signal => Expr::from
);
