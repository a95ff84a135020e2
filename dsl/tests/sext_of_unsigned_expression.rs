//! Regression: `sext` of an *unsigned* compound expression (`(a | b).sext(12)`) was emitted as
//! `{{4{(a | b)[7]}}, (a | b)}` — a bit-select of a parenthesised expression, which is not
//! Verilog. The back-end named sign-extended operands only when they were signed; it must name
//! every operand whose top bit it replicates. Found by `tests/dsl_props.rs`.

use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;

fn module() -> Module {
    let mut m = ModuleBuilder::new("sext_unsigned");
    let a = m.input("a", UInt(8));
    let b = m.input("b", UInt(8));
    m.output_from("y", (a | b).sext(12));
    m.output_from("z", (a + b).as_uint().sext(10));
    m.finish()
}

#[test]
fn sext_of_an_unsigned_expression_names_the_operand() {
    let v = emit_verilog(&elaborate(&module()).expect("elaborates"));
    let text = v.file("sext_unsigned.v").expect("file");
    assert!(
        !text.contains(")["),
        "bit-select of a parenthesised expression:\n{text}"
    );
    assert!(
        text.contains("{{4{y_t0[7]}}, y_t0}"),
        "the sign bit comes from a temporary:\n{text}"
    );
}

#[test]
fn sext_of_an_unsigned_expression_replicates_its_top_bit() {
    let d = elaborate(&module()).expect("elaborates");
    let mut ev = Evaluator::new(&d);
    ev.poke("a", &BigUint::from(0x80u32)).unwrap();
    ev.poke("b", &BigUint::from(0x01u32)).unwrap();
    ev.eval();
    assert_eq!(ev.peek("y").unwrap(), BigUint::from(0xf81u32));
    ev.poke("a", &BigUint::from(0xffu32)).unwrap();
    ev.poke("b", &BigUint::from(0x01u32)).unwrap();
    ev.eval();
    // 0xff + 0x01 = 0x100 (9 bits, top bit set) → sign-extended to 10 bits.
    assert_eq!(ev.peek("z").unwrap(), BigUint::from(0x300u32));
}
