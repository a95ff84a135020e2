//! Regression: `sext` of an *unsigned* constant (`Expr::uint(0x80, 8).sext(12)`) was emitted as
//! `12'd128`, zero-extending it, while the evaluator (and the emitter's own path for signals)
//! replicates the top bit: `12'hf80`. Sign extension copies the top bit whatever the operand's
//! signedness (`Value::sext`, `ExprKind::Sext`). Found by `tests/dsl_props.rs`.

use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;

fn module() -> Module {
    let mut m = ModuleBuilder::new("sext_const");
    let a = m.input("a", SInt(12));
    m.output_from("y", Expr::uint(0x80u32, 8).sext(12) ^ a);
    m.output_from("z", Expr::uint(0x7fu32, 8).sext(12) ^ a);
    m.finish()
}

#[test]
fn sext_of_an_unsigned_constant_replicates_its_top_bit_in_verilog() {
    let v = emit_verilog(&elaborate(&module()).expect("elaborates"));
    let text = v.file("sext_const.v").expect("file");
    assert!(text.contains("assign y = (12'd3968 ^ a);"), "{text}");
    assert!(text.contains("assign z = (12'd127 ^ a);"), "{text}");
}

#[test]
fn sext_of_an_unsigned_constant_in_the_evaluator() {
    let d = elaborate(&module()).expect("elaborates");
    let mut ev = Evaluator::new(&d);
    ev.poke("a", &BigUint::from(0u32)).unwrap();
    ev.eval();
    assert_eq!(ev.peek("y").unwrap(), BigUint::from(0xf80u32));
    assert_eq!(ev.peek("z").unwrap(), BigUint::from(0x07fu32));
}
