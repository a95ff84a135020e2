//! Outputs that are registers (`output_reg`) and vectors driven slice by slice (`drive_bits`),
//! issue 11's DSL friction: what they emit and how they evaluate (their errors — a slice
//! driven twice, a gap, a slice past the end — are in checks.rs).

use num_bigint::BigUint;
use spikeforge_dsl::emit_verilog;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;

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
