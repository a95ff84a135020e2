//! A value delayed by a number of register stages.

use crate::builder::{Expr, ModuleBuilder, Value};
use crate::types::Bool;

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
