//! A value delayed by a number of register stages.

use crate::builder::{Expr, ModuleBuilder, Value};
use crate::types::{Bool, Type, UInt};

/// `value` delayed by `stages` clock edges where `enable` holds (a shift register of
/// registers `<name>_0 … <name>_{stages-1}`, reset to 0); `stages = 0` is `value` itself.
///
/// ```
/// use spikeforge_dsl::library::pipe;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("delay2");
/// let x = m.input("x", UInt(8));
/// let y = pipe(&mut m, "x_d", x, 2, true);
/// m.output_from("y", y);
/// elaborate(&m.finish()).unwrap();
/// ```
#[track_caller]
pub fn pipe(
    m: &mut ModuleBuilder,
    name: &str,
    value: impl Into<Expr>,
    stages: u32,
    enable: impl Into<Expr>,
) -> Expr {
    let mut value = value.into();
    let enable = enable.into().adapt_literal(Bool, true);
    for i in 0..stages {
        let r = m.reg(format!("{name}_{i}"), value.ty());
        m.next_when(r, enable.clone(), value);
        value = r.expr();
    }
    value
}

/// `value` delayed by 1, 2, …, `stages` clock edges where `enable` holds, held in **one packed
/// register** `<name>` of `stages × width(value)` bits (reset to 0): the delay by `k + 1`
/// edges is bits `[k·w +: w]`, and every edge shifts the vector up by `w` bits with `value`
/// entering at the bottom.
///
/// The same flip-flops as [`pipe`], written as one vector: a cycle-based simulator such as
/// Verilator then moves the whole line with one shift per edge instead of one load and store
/// per stage, which matters for the many short delay lines of a systolic array's edges.
/// Returns the taps, delays 1 to `stages`, each of `value`'s type; `stages = 0` gives none.
///
/// ```
/// use spikeforge_dsl::library::shift_register;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("skew3");
/// let x = m.input("x", UInt(3));
/// let taps = shift_register(&mut m, "x_line", x, 3, true);
/// m.output_from("y1", taps[0].clone());
/// m.output_from("y3", taps[2].clone());
/// elaborate(&m.finish()).unwrap();
/// ```
#[track_caller]
pub fn shift_register(
    m: &mut ModuleBuilder,
    name: &str,
    value: impl Into<Expr>,
    stages: u32,
    enable: impl Into<Expr>,
) -> Vec<Expr> {
    let value = value.into();
    let enable = enable.into().adapt_literal(Bool, true);
    if stages == 0 {
        return Vec::new();
    }
    let (ty, w) = (value.ty(), value.width());
    let line = m.reg(name, UInt(stages * w));
    let shifted = if stages == 1 {
        value.bits(w - 1, 0)
    } else {
        Expr::cat([line.bits((stages - 1) * w - 1, 0), value.bits(w - 1, 0)])
    };
    if enable.is_const_one() {
        m.next(line, shifted);
    } else {
        m.next_when(line, enable, shifted);
    }
    (0..stages)
        .map(|k| {
            let tap = line.bits(k * w + w - 1, k * w);
            match ty {
                Type::Bool => tap.bit(0),
                Type::SInt(_) => tap.as_sint(),
                _ => tap,
            }
        })
        .collect()
}
