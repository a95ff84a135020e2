//! A signed multiply-accumulate unit with a saturating accumulator.

use spikeforge_dsl::prelude::*;

/// `acc ← sat(acc + a·b)` on each edge where `en` is high; `clear` zeroes the accumulator.
/// `a`: `SInt(a_bits)`, `b`: `SInt(b_bits)`, `acc`: `SInt(acc_bits)` with
/// `acc_bits ≥ a_bits + b_bits`.
pub fn signed_mac(a_bits: u32, b_bits: u32, acc_bits: u32) -> Module {
    let mut m = ModuleBuilder::new(format!("signed_mac_a{a_bits}_b{b_bits}_acc{acc_bits}"));
    m.param("a_bits", a_bits)
        .param("b_bits", b_bits)
        .param("acc_bits", acc_bits);
    let a = m.input("a", SInt(a_bits));
    let b = m.input("b", SInt(b_bits));
    let en = m.input("en", Bool);
    let clear = m.input("clear", Bool);
    let acc = m.reg("acc_r", SInt(acc_bits));
    let product = m.wire_from("product", a * b);
    let sum = acc.saturating_add(product.sext(acc_bits));
    m.next(
        acc,
        Expr::mux(clear, Expr::sint(0, acc_bits), Expr::mux(en, sum, acc)),
    );
    m.output_from("acc", acc);
    m.finish()
}
