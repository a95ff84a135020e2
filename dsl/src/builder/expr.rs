//! Expressions under construction: typed, immutable trees shared through `Rc`.
//!
//! Operators compute their result type eagerly (so a generator can ask for widths), and record
//! any rule they break instead of panicking: elaboration reports it with the module, the
//! expression and the Rust source location of the offending call.

use crate::ir::{BinOp, RedOp, SourceLoc, UnOp};
use crate::types::{Bool, SInt, Type, UInt, MAX_WIDTH};
use num_bigint::BigInt;
use std::panic::Location;
use std::rc::Rc;

/// A handle to a named signal of a module under construction: a port, wire, register,
/// memory read-data register or instance output. Cheap to copy; use it in expressions
/// directly (`a + b`, `a.bits(3, 0)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signal {
    pub(crate) module: u64,
    pub(crate) index: u32,
    pub(crate) ty: Type,
}

impl Signal {
    /// The signal's type.
    pub fn ty(self) -> Type {
        self.ty
    }

    /// The signal's width in bits.
    pub fn width(self) -> u32 {
        self.ty.width()
    }
}

/// A hardware expression: a tree of operators over signals and constants.
///
/// Cloning is cheap (reference counted); a node used in several places is emitted once, as a
/// named temporary.
#[derive(Clone, Debug)]
pub struct Expr(pub(crate) Rc<Node>);

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) ty: Type,
    pub(crate) loc: SourceLoc,
    /// A rule this node breaks (reported at elaboration).
    pub(crate) error: Option<String>,
    /// An untyped integer literal whose type adapts to the other operand.
    pub(crate) literal: bool,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Const(BigInt),
    Signal(Signal),
    Unary(UnOp, Expr),
    Binary(BinOp, Expr, Expr),
    ShlConst(Expr, u32),
    ShrConst(Expr, u32, bool),
    Mux(Expr, Expr, Expr),
    Concat(Vec<Expr>),
    Slice(Expr, u32, u32),
    Zext(Expr),
    Sext(Expr),
    Reinterpret(Expr),
    Reduce(RedOp, Expr),
}

impl Expr {
    pub(crate) fn node(kind: Kind, ty: Type, loc: SourceLoc, error: Option<String>) -> Expr {
        let error = error.or_else(|| {
            (ty.width() == 0 || ty.width() > MAX_WIDTH)
                .then(|| format!("result width {} is outside 1..={MAX_WIDTH}", ty.width()))
        });
        Expr(Rc::new(Node {
            kind,
            ty,
            loc,
            error,
            literal: false,
        }))
    }

    /// Whether this is the constant 1 of a one-bit type (an enable that always holds).
    pub(crate) fn is_const_one(&self) -> bool {
        self.width() == 1 && matches!(&self.0.kind, Kind::Const(v) if *v == BigInt::from(1))
    }

    /// The expression's type.
    pub fn ty(&self) -> Type {
        self.0.ty
    }

    /// The expression's width in bits.
    pub fn width(&self) -> u32 {
        self.0.ty.width()
    }

    /// A constant of type `ty`. A value outside the type's range is reported at elaboration.
    #[track_caller]
    pub fn constant(value: impl Into<BigInt>, ty: Type) -> Expr {
        let value = value.into();
        let error = (!ty.contains(&value)).then(|| format!("constant {value} does not fit {ty}"));
        Expr::node(Kind::Const(value), ty, Location::caller(), error)
    }

    /// An unsigned constant of `width` bits.
    #[track_caller]
    pub fn uint(value: impl Into<BigInt>, width: u32) -> Expr {
        Expr::constant(value, UInt(width))
    }

    /// A signed constant of `width` bits.
    #[track_caller]
    pub fn sint(value: impl Into<BigInt>, width: u32) -> Expr {
        Expr::constant(value, SInt(width))
    }

    /// A one-bit constant.
    #[track_caller]
    pub fn bool(value: bool) -> Expr {
        Expr::constant(u8::from(value), Bool)
    }

    /// Concatenation, most significant part first; result `UInt(Σ widths)`.
    #[track_caller]
    pub fn cat<I, T>(parts: I) -> Expr
    where
        I: IntoIterator<Item = T>,
        T: Into<Expr>,
    {
        Expr::cat_at(
            parts.into_iter().map(Into::into).collect(),
            Location::caller(),
        )
    }

    /// [`Expr::cat`] with an explicit source location (for library blocks).
    pub(crate) fn cat_at(parts: Vec<Expr>, loc: SourceLoc) -> Expr {
        let width: u64 = parts.iter().map(|p| u64::from(p.width())).sum();
        let error = if parts.is_empty() {
            Some("concatenation of nothing".to_string())
        } else if parts.iter().any(|p| p.0.literal) {
            Some(
                "an integer literal has no width to concatenate: use Expr::uint(value, width)"
                    .into(),
            )
        } else {
            None
        };
        let width = u32::try_from(width).unwrap_or(u32::MAX);
        Expr::node(Kind::Concat(parts), UInt(width), loc, error)
    }

    /// A placeholder of type `ty` that carries a rule a library call broke; elaboration
    /// reports `message` at `loc`.
    pub(crate) fn problem(message: String, ty: Type, loc: SourceLoc) -> Expr {
        Expr::node(Kind::Const(BigInt::from(0)), ty, loc, Some(message))
    }

    /// An integer literal whose type adapts to the operand it meets (`count + 1`).
    pub(crate) fn literal(value: BigInt, loc: SourceLoc) -> Expr {
        let ty = minimal_type(&value, value < BigInt::from(0));
        Expr(Rc::new(Node {
            kind: Kind::Const(value),
            ty,
            loc,
            error: None,
            literal: true,
        }))
    }

    /// Gives an untyped literal the type `ty` (or the same signedness at minimal width when
    /// `exact` is false); other expressions are returned unchanged.
    pub(crate) fn adapt_literal(self, ty: Type, exact: bool) -> Expr {
        if !self.0.literal {
            return self;
        }
        let Kind::Const(value) = &self.0.kind else {
            return self;
        };
        let target = if exact {
            ty
        } else {
            minimal_type(value, ty.is_signed())
        };
        let error =
            (!target.contains(value)).then(|| format!("literal {value} does not fit {target}"));
        Expr::node(Kind::Const(value.clone()), target, self.0.loc, error)
    }

    pub(crate) fn is_literal(&self) -> bool {
        self.0.literal
    }
}

/// The narrowest type of the given signedness that holds `value` (at least one bit).
fn minimal_type(value: &BigInt, signed: bool) -> Type {
    if signed {
        // Bits of the magnitude plus a sign bit; -2^(k) fits in k+1 bits.
        let mag = if *value < BigInt::from(0) {
            -value - 1
        } else {
            value.clone()
        };
        SInt(u32::try_from(mag.bits()).unwrap_or(MAX_WIDTH) + 1)
    } else {
        let bits = u32::try_from(value.bits()).unwrap_or(MAX_WIDTH);
        UInt(bits.max(1))
    }
}

impl From<Signal> for Expr {
    #[track_caller]
    fn from(signal: Signal) -> Expr {
        Expr::node(Kind::Signal(signal), signal.ty, Location::caller(), None)
    }
}

impl From<&Expr> for Expr {
    fn from(e: &Expr) -> Expr {
        e.clone()
    }
}

impl From<&Signal> for Expr {
    #[track_caller]
    fn from(signal: &Signal) -> Expr {
        Expr::from(*signal)
    }
}

impl From<bool> for Expr {
    #[track_caller]
    fn from(value: bool) -> Expr {
        Expr::bool(value)
    }
}

macro_rules! literal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Expr {
            /// An integer literal: it takes the signedness of the operand it meets (and, for
            /// bitwise operators, muxes and assignments, its exact type).
            #[track_caller]
            fn from(value: $t) -> Expr {
                Expr::literal(BigInt::from(value), Location::caller())
            }
        }
    )*};
}
literal_from!(i32, i64, u32, u64, usize, u8, u16, i8, i16);
