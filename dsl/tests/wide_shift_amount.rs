//! Regression: `shr_by` with an amount wider than 32 bits that folds to a constant
//! (`x.shr_by(Expr::uint(3 << 93, 99) + Expr::uint(5, 99))`) was emitted as
//! `(x >> (99'h… + 99'h…))`, which Verilator rejects ("Value too wide for 32-bits expected in
//! this context"). Amounts wider than 32 bits are now clamped to 32 bits first (all ones when
//! a higher bit is set), which shifts every bit out just the same. Found by
//! `tests/dsl_props.rs`.

use num_bigint::{BigInt, BigUint};
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;

fn module() -> Module {
    let mut m = ModuleBuilder::new("wide_shift");
    let x = m.input("x", UInt(8));
    let s = m.input("s", UInt(40));
    let y = m.input("y", SInt(8));
    let big = Expr::uint(BigInt::from(3u8) << 93u32, 99) + Expr::uint(5u32, 99);
    m.output_from("a", x.shr_by(big));
    m.output_from("b", x.shr_by(Expr::uint(BigInt::from(1u8) << 70u32, 71)));
    m.output_from("c", x.shr_by(s));
    m.output_from("d", y.shr_by(s));
    m.finish()
}

#[test]
fn wide_shift_amounts_are_clamped_to_32_bits() {
    let v = emit_verilog(&elaborate(&module()).expect("elaborates"));
    let text = v.file("wide_shift.v").expect("file");
    assert!(
        text.contains("32'd4294967295"),
        "constant amount clamped:\n{text}"
    );
    assert!(
        text.contains("(x >> (|s[39:32] ? 32'hffffffff : s[31:0]))"),
        "signal amount clamped:\n{text}"
    );
    assert!(
        text.contains("{($signed(y) >>> (|s[39:32] ? 32'hffffffff : s[31:0]))}"),
        "{text}"
    );
    assert!(!text.contains("99'h"), "no wide shift amount left:\n{text}");
}

#[test]
fn wide_shift_amounts_shift_everything_out_in_the_evaluator() {
    let d = elaborate(&module()).expect("elaborates");
    let mut ev = Evaluator::new(&d);
    ev.poke("x", &BigUint::from(0xffu32)).unwrap();
    ev.poke("y", &BigUint::from(0x80u32)).unwrap();
    ev.poke("s", &BigUint::from(1u64 << 33)).unwrap();
    ev.eval();
    assert_eq!(ev.peek("a").unwrap(), BigUint::from(0u32));
    assert_eq!(ev.peek("b").unwrap(), BigUint::from(0u32));
    assert_eq!(ev.peek("c").unwrap(), BigUint::from(0u32));
    assert_eq!(ev.peek("d").unwrap(), BigUint::from(0xffu32), "sign fill");
    ev.poke("s", &BigUint::from(3u32)).unwrap();
    ev.eval();
    assert_eq!(ev.peek("c").unwrap(), BigUint::from(0x1fu32));
    assert_eq!(ev.peek("d").unwrap(), BigUint::from(0xf0u32));
}
