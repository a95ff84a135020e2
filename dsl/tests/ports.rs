//! Outputs that are registers (`output_reg`) and vectors driven slice by slice (`drive_bits`),
//! issue 11's DSL friction: what they emit, how they evaluate, and the errors for a slice
//! driven twice, a gap and a slice past the end — at the slice's source line.

use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;
use spikeforge_dsl::{emit_verilog, ElabErrors};

fn errors(m: ModuleBuilder) -> ElabErrors {
    match elaborate(&m.finish()) {
        Ok(_) => panic!("expected elaboration to fail"),
        Err(e) => e,
    }
}

/// `file:line` of the line just before the macro call.
macro_rules! here_line {
    () => {
        format!("{}:{}", file!(), line!() - 1)
    };
}

/// A counter whose output is its register, and a byte whose nibbles are swapped slice by
/// slice (one signed slice among them).
fn design() -> Module {
    let mut m = ModuleBuilder::new("ports");
    let a = m.input("a", UInt(8));
    let count = m.output_reg("count", UInt(4));
    m.next(count, count.wrapping_add(1u64));
    let swapped = m.output("swapped", UInt(8));
    m.drive_bits(swapped, 4, a.bits(3, 0).as_sint());
    m.drive_bits(swapped, 0, a.bits(7, 4));
    let s = m.output("s", SInt(3));
    m.drive_bits(s, 0, a.bit(0));
    m.drive_bits(s, 1, a.bits(2, 1));
    m.finish()
}

#[test]
fn an_output_register_and_slices_evaluate_and_emit() {
    let d = elaborate(&design()).unwrap_or_else(|e| panic!("{e}"));
    let v = emit_verilog(&d);
    let text = v.file("ports.v").unwrap();
    assert!(text.contains("output wire [3:0] count"), "{text}");
    assert!(
        text.contains("assign swapped = {a[3:0], a[7:4]};"),
        "{text}"
    );
    assert!(text.contains("assign count = count_r;"), "{text}");
    let mut ev = Evaluator::new(&d);
    ev.reset(1);
    for cycle in 0..20u64 {
        let a = (cycle * 37 + 5) % 256;
        ev.poke("a", &BigUint::from(a)).unwrap();
        ev.eval();
        assert_eq!(ev.peek("count").unwrap(), BigUint::from(cycle % 16));
        let swapped = ((a & 0xF) << 4) | (a >> 4);
        assert_eq!(ev.peek("swapped").unwrap(), BigUint::from(swapped));
        assert_eq!(ev.peek("s").unwrap(), BigUint::from(a & 7));
        ev.step();
    }
}

#[test]
fn a_bit_driven_twice_is_reported_at_the_slice() {
    let mut m = ModuleBuilder::new("twice");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive_bits(y, 0, a.bits(4, 0));
    m.drive_bits(y, 3, a.bits(7, 3));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("`y`: bits 3..4 driven twice"), "{e}");
    assert!(e.contains(&line), "expected {line} in: {e}");
}

#[test]
fn a_gap_and_a_slice_past_the_end_are_reported() {
    let mut m = ModuleBuilder::new("gap");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive_bits(y, 0, a.bits(1, 0));
    m.drive_bits(y, 4, a.bits(7, 0));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("`y`: bits 2..3 never driven"), "{e}");
    assert!(e.contains("`y` is 8 bits: bits 4..11 do not exist"), "{e}");
    assert!(e.contains(&line), "expected {line} in: {e}");

    let mut m = ModuleBuilder::new("short");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive_bits(y, 0, a.bits(5, 0));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("`y`: bits 6..7 never driven"), "{e}");
    assert!(e.contains(&line), "expected {line} in: {e}");
}
