//! The primitive operators shared by the builders and the IR, with their exact semantics.
//!
//! Every operator is defined on mathematical integers: operands are read as values of their
//! types (two's complement for `SInt`), the operation is done exactly, and the result is the
//! value wrapped into the result type. The result widths below are what make most operators
//! exact (no wrap can occur); only [`BinOp::Sub`] on `UInt`, the truncations and the logical
//! shifts of `SInt` reinterpret bits.

/// One-operand operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Bitwise complement; result has the operand's type.
    Not,
    /// Two's-complement negation of an `SInt(w)`; result `SInt(w + 1)` (exact).
    Neg,
}

/// Two-operand operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// Sum; operands of equal signedness, result `max(wa, wb) + 1` bits (exact).
    Add,
    /// Difference; operands of equal signedness, result `max(wa, wb) + 1` bits. Exact for
    /// `SInt`; for `UInt` the result is the difference modulo 2^(max+1), so its top bit is the
    /// borrow.
    Sub,
    /// Product; operands of equal signedness, result `wa + wb` bits (exact).
    Mul,
    /// Bitwise and; operands of the same type.
    And,
    /// Bitwise or; operands of the same type.
    Or,
    /// Bitwise exclusive or; operands of the same type.
    Xor,
    /// Equality; operands of equal signedness and any widths; `Bool`.
    Eq,
    /// Inequality; as [`BinOp::Eq`].
    Ne,
    /// Less than, signed-aware; `Bool`.
    Lt,
    /// Less than or equal, signed-aware; `Bool`.
    Le,
    /// Greater than, signed-aware; `Bool`.
    Gt,
    /// Greater than or equal, signed-aware; `Bool`.
    Ge,
    /// Left shift by an unsigned signal `s` of width `ws`; result `wa + 2^ws − 1` bits
    /// (exact), signedness of the left operand.
    ShlDyn,
    /// Right shift by an unsigned signal; result has the left operand's type. Arithmetic
    /// (sign-filling) for `SInt`, logical for `UInt`.
    ShrDyn,
}

/// Reductions of all bits of one operand to a `Bool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RedOp {
    /// True when every bit is 1.
    And,
    /// True when any bit is 1.
    Or,
    /// True when an odd number of bits are 1.
    Xor,
}

impl BinOp {
    /// The operator as written in error messages.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
            BinOp::Eq => "is_eq",
            BinOp::Ne => "is_ne",
            BinOp::Lt => "is_lt",
            BinOp::Le => "is_le",
            BinOp::Gt => "is_gt",
            BinOp::Ge => "is_ge",
            BinOp::ShlDyn => "shl_by",
            BinOp::ShrDyn => "shr_by",
        }
    }

    /// True for the comparisons, whose result is `Bool`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}
