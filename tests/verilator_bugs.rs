//! Regressions for Verilator 5.006 bugs that the DSL property tests found (docs/rtlsim.md,
//! "Verilator flags"). Each design is emitted by the DSL, built through the bridge with its
//! standard flags, and compared with the reference evaluator on every input drawn; without the
//! bridge's `-fno-const-bit-op-tree` the first design simulates wrongly, and without its
//! `-fno-subst` the second one does not verilate at all.

use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::ir::Design;
use spikeforge_dsl::prelude::*;
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_rtlsim::{build, BuildOptions, DesignSources, Simulator};

mod common;
use common::SplitMix;

/// Emits `design` and builds it through the bridge, reporting Verilator's error if it fails.
fn bridge_build(design: &Design, clocked: bool) -> Simulator {
    let v = emit_verilog(design);
    let sources = DesignSources {
        clock: clocked.then(|| "clk".to_string()),
        reset: None,
        ..DesignSources::from_texts(&v.top, v.module_files())
    };
    build(&sources, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// `n` input values of `bits` bits: 0, all ones, the largest positive signed value, then random.
fn values(seed: u64, bits: u64, n: usize) -> Vec<BigUint> {
    let mut rng = SplitMix(seed);
    let mask = (BigUint::from(1u8) << bits) - 1u8;
    let mut out = vec![BigUint::from(0u8), mask.clone(), mask.clone() >> 1u8];
    while out.len() < n {
        let mut v = BigUint::from(0u8);
        for _ in 0..bits.div_ceil(64) {
            v = (v << 64u8) | BigUint::from(rng.next());
        }
        out.push(v & &mask);
    }
    out
}

/// Verilator's bit-op-tree optimisation (V3Const) folded the overflow test
/// `sum[128] ^ sum[127]` of a 129-bit `constant + x` into a two-valued "bit".
#[test]
fn saturating_add_overflow_bit_is_simulated_exactly() {
    let mut m = ModuleBuilder::new("vbug_sat_add");
    let x = m.input("x", UInt(127));
    let y = Expr::sint(-32i64, 6).saturating_add(x.to_signed());
    m.output_from("y", y);
    let design = elaborate(&m.finish()).expect("elaborates");
    let mut sim = bridge_build(&design, false);
    let mut ev = Evaluator::new(&design);
    let mut inputs = values(0x5eed_0001, 127, 200);
    // Around the carry into bit 127 and the saturation bound.
    for k in [5u32, 6, 120, 125, 126] {
        inputs.push(BigUint::from(1u8) << k);
        inputs.push((BigUint::from(1u8) << k) - 1u8);
    }
    for x in &inputs {
        sim.poke("x", x).unwrap();
        ev.poke("x", x).unwrap();
        ev.eval();
        assert_eq!(sim.peek("y").unwrap(), ev.peek("y").unwrap(), "x = {x:#x}");
    }
}

/// Verilator's wide-expression substitution (V3Subst, after V3Expand) left a reduction over a
/// value it had narrowed to one bit, and stopped with "Internal Error: Reduction over single
/// bit value should have been folded" — only when the reduction feeds a register.
#[test]
fn parity_of_a_saturated_wide_sum_in_a_register_verilates_and_agrees() {
    let mut m = ModuleBuilder::new("vbug_redxor_reg");
    let i0 = m.input("i0", UInt(1));
    let prime = m.input("prime", Bool);
    let q = m.reg_no_reset("q", Bool);
    let sat = Expr::uint(0u64, 128).saturating_add(i0);
    m.next(q, !prime & sat.parity());
    m.output_from("o", q);
    let design = elaborate(&m.finish()).expect("elaborates");
    let mut sim = bridge_build(&design, true);
    let mut ev = Evaluator::new(&design);
    for step in 0..16u32 {
        let (a, p) = (BigUint::from(step & 1), BigUint::from((step >> 1) & 1));
        for (port, v) in [("i0", &a), ("prime", &p)] {
            sim.poke(port, v).unwrap();
            ev.poke(port, v).unwrap();
        }
        sim.step();
        ev.step();
        assert_eq!(sim.peek("o").unwrap(), ev.peek("o").unwrap(), "step {step}");
    }
}
