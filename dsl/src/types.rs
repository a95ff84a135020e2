//! Hardware types of DSL values: `UInt(w)`, `SInt(w)` and `Bool`.

use num_bigint::BigInt;
use num_traits::One;
use std::fmt;

/// The widest value the DSL accepts, in bits. Wider declarations are reported as errors.
pub const MAX_WIDTH: u32 = 65_536;

/// The type of a hardware value. Widths are in bits.
///
/// `Bool` is a one-bit unsigned value; it is interchangeable with `UInt(1)` wherever types are
/// compared ([`Type::same_as`]), and is what comparisons, reductions and single-bit selects
/// produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// Unsigned integer of the given width (bits).
    UInt(u32),
    /// Signed two's-complement integer of the given width (bits).
    SInt(u32),
    /// A single bit.
    Bool,
}

pub use Type::{Bool, SInt, UInt};

impl Type {
    /// Width in bits.
    pub fn width(self) -> u32 {
        match self {
            UInt(w) | SInt(w) => w,
            Bool => 1,
        }
    }

    /// True for `SInt`.
    pub fn is_signed(self) -> bool {
        matches!(self, SInt(_))
    }

    /// The type with the same signedness and a new width (`Bool` widens to `UInt`).
    pub fn with_width(self, width: u32) -> Type {
        match self {
            SInt(_) => SInt(width),
            UInt(_) | Bool => {
                if width == 1 && self == Bool {
                    Bool
                } else {
                    UInt(width)
                }
            }
        }
    }

    /// Same width and signedness (`Bool` and `UInt(1)` are the same).
    pub fn same_as(self, other: Type) -> bool {
        self.width() == other.width() && self.is_signed() == other.is_signed()
    }

    /// Smallest representable value.
    pub fn min_value(self) -> BigInt {
        if self.is_signed() {
            -(BigInt::one() << (self.width() - 1))
        } else {
            BigInt::from(0)
        }
    }

    /// Largest representable value.
    pub fn max_value(self) -> BigInt {
        if self.is_signed() {
            (BigInt::one() << (self.width() - 1)) - 1
        } else {
            (BigInt::one() << self.width()) - 1
        }
    }

    /// True when `value` is representable in this type.
    pub fn contains(self, value: &BigInt) -> bool {
        *value >= self.min_value() && *value <= self.max_value()
    }

    /// Interprets the low `width` bits of `bits` (a non-negative bit pattern) as a value of this
    /// type.
    pub fn from_bits(self, bits: &BigInt) -> BigInt {
        let w = self.width();
        let mask = (BigInt::one() << w) - 1;
        let raw = bits & &mask;
        if self.is_signed() && raw.bit(u64::from(w - 1)) {
            raw - (BigInt::one() << w)
        } else {
            raw
        }
    }

    /// The bit pattern (non-negative, below 2^width) of a value wrapped into this type.
    pub fn to_bits(self, value: &BigInt) -> BigInt {
        let mask = (BigInt::one() << self.width()) - 1;
        value & mask
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UInt(w) => write!(f, "UInt({w})"),
            SInt(w) => write!(f, "SInt({w})"),
            Bool => write!(f, "Bool"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_bit_patterns() {
        assert_eq!(SInt(8).min_value(), BigInt::from(-128));
        assert_eq!(SInt(8).max_value(), BigInt::from(127));
        assert_eq!(UInt(8).max_value(), BigInt::from(255));
        assert_eq!(SInt(8).from_bits(&BigInt::from(0xff)), BigInt::from(-1));
        assert_eq!(SInt(8).to_bits(&BigInt::from(-1)), BigInt::from(0xff));
        assert!(Bool.same_as(UInt(1)));
        assert!(!SInt(1).same_as(UInt(1)));
    }
}
