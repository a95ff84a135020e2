//! Packed structs and lanes: named, typed fields in one vector instead of bit positions
//! computed by hand.

use crate::builder::{Expr, Value};
use crate::types::{Bool, SInt, Type, UInt};
use std::panic::Location;

/// The layout of a packed struct: fields in order, the **first field in the least significant
/// bits** (as Amaranth's `data.Struct`). A field is read back with its own type.
///
/// ```
/// use spikeforge_dsl::library::Layout;
/// use spikeforge_dsl::prelude::*;
///
/// let tag = Layout::new(&[("last", Bool), ("lane", UInt(3)), ("value", SInt(6))]);
/// assert_eq!(tag.width(), 10);
/// let mut m = ModuleBuilder::new("tagger");
/// let v = m.input("v", SInt(6));
/// let word = tag.pack(&[("last", Expr::bool(true)), ("lane", Expr::uint(5, 3)), ("value", v.expr())]);
/// m.output_from("word", word.clone());
/// m.output_from("value_back", tag.field(&word, "value")); // SInt(6) again
/// elaborate(&m.finish()).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    fields: Vec<(String, Type, u32)>,
    width: u32,
}

impl Layout {
    /// A layout of `(name, type)` fields, least significant first.
    pub fn new(fields: &[(&str, Type)]) -> Layout {
        let mut at = 0;
        let fields = fields
            .iter()
            .map(|(n, ty)| {
                let f = (n.to_string(), *ty, at);
                at += ty.width();
                f
            })
            .collect();
        Layout { fields, width: at }
    }

    /// The packed width (bits).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The vector type of a packed value, `UInt(width)`.
    pub fn ty(&self) -> Type {
        UInt(self.width)
    }

    /// The type and least significant bit of field `name`.
    pub fn offset(&self, name: &str) -> Option<(Type, u32)> {
        self.fields
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, ty, at)| (*ty, *at))
    }

    /// Packs one value per field (each of the field's type; integer literals adapt), given by
    /// name in any order. A missing, unknown or mistyped field is reported at elaboration,
    /// at the caller's line.
    #[track_caller]
    pub fn pack(&self, values: &[(&str, Expr)]) -> Expr {
        let loc = Location::caller();
        let problem = values
            .iter()
            .find(|(n, _)| self.offset(n).is_none())
            .map(|(n, _)| format!("packed struct has no field `{n}`"))
            .or_else(|| {
                self.fields.iter().find_map(|(n, _, _)| {
                    (values.iter().filter(|(v, _)| v == n).count() != 1)
                        .then(|| format!("field `{n}` must be given exactly once"))
                })
            });
        if let Some(message) = problem {
            return Expr::problem(message, self.ty(), loc);
        }
        let mut parts = Vec::with_capacity(self.fields.len());
        for (name, ty, _) in self.fields.iter().rev() {
            let value = values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone().adapt_literal(*ty, true))
                .expect("checked above");
            if !value.ty().same_as(*ty) {
                return Expr::problem(
                    format!("field `{name}` is {ty} but is given {}", value.ty()),
                    self.ty(),
                    loc,
                );
            }
            parts.push(if ty.is_signed() {
                value.as_uint()
            } else {
                value
            });
        }
        Expr::cat_at(parts, loc)
    }

    /// Field `name` of a packed value, as the field's type. An unknown field or a value of the
    /// wrong width is reported at elaboration, at the caller's line.
    #[track_caller]
    pub fn field(&self, packed: &Expr, name: &str) -> Expr {
        let loc = Location::caller();
        let Some((ty, at)) = self.offset(name) else {
            return Expr::problem(format!("packed struct has no field `{name}`"), Bool, loc);
        };
        if packed.width() != self.width {
            return Expr::problem(
                format!(
                    "a packed value of this layout is {} bits, got {}",
                    self.width,
                    packed.width()
                ),
                ty,
                loc,
            );
        }
        let bits = packed.bits(at + ty.width() - 1, at);
        match ty {
            SInt(_) => bits.as_sint(),
            _ => bits,
        }
    }
}

/// `vector` cut into `n` lanes of equal width, lane 0 in the least significant bits. A width
/// that `n` does not divide is reported at elaboration, at the caller's line.
#[track_caller]
pub fn lanes(vector: &Expr, n: u32) -> Vec<Expr> {
    let loc = Location::caller();
    if n == 0 || !vector.width().is_multiple_of(n) {
        return vec![Expr::problem(
            format!("{} bits do not split into {n} equal lanes", vector.width()),
            UInt(1),
            loc,
        )];
    }
    let w = vector.width() / n;
    (0..n).map(|i| vector.bits(i * w + w - 1, i * w)).collect()
}
