//! A three-level hierarchy: `hierarchy_top` → two `hierarchy_mid` → two `hierarchy_leaf`
//! each. The default design of `spikeforge generate` until the accelerator exists.

use spikeforge_dsl::prelude::*;

/// Leaf: a registered adder, `sum ← a + b` (width+1 bits, exact).
pub fn hierarchy_leaf(width: u32) -> Module {
    let mut m = ModuleBuilder::new(format!("hierarchy_leaf_w{width}"));
    m.param("width", width);
    let a = m.input("a", UInt(width));
    let b = m.input("b", UInt(width));
    let sum = m.reg("sum_r", UInt(width + 1));
    m.next(sum, a + b);
    m.output_from("sum", sum);
    m.finish()
}

/// Middle: two leaves on the halves of the inputs, then their registered sum.
pub fn hierarchy_mid(width: u32) -> Module {
    let leaf = hierarchy_leaf(width);
    let mut m = ModuleBuilder::new(format!("hierarchy_mid_w{width}"));
    m.param("width", width);
    let x = m.input("x", UInt(2 * width));
    let y = m.input("y", UInt(2 * width));
    let lo = m.instance("u_leaf_lo", &leaf);
    m.connect(&lo, "a", x.bits(width - 1, 0));
    m.connect(&lo, "b", y.bits(width - 1, 0));
    let hi = m.instance("u_leaf_hi", &leaf);
    m.connect(&hi, "a", x.bits(2 * width - 1, width));
    m.connect(&hi, "b", y.bits(2 * width - 1, width));
    let total = m.reg_no_reset("total_r", UInt(width + 2));
    m.next(total, lo.out("sum") + hi.out("sum"));
    m.output_from("total", total);
    m.finish()
}

/// Top: two middles and a counter of valid cycles, `result = mid0 + mid1`.
pub fn hierarchy_top(width: u32) -> Module {
    let mid = hierarchy_mid(width);
    let counter = super::counter(8);
    let mut m = ModuleBuilder::new("hierarchy_top");
    m.param("width", width);
    let p = m.input("p", UInt(4 * width));
    let q = m.input("q", UInt(4 * width));
    let en = m.input("en", Bool);
    let m0 = m.instance("u_mid0", &mid);
    m.connect(&m0, "x", p.bits(2 * width - 1, 0));
    m.connect(&m0, "y", q.bits(2 * width - 1, 0));
    let m1 = m.instance("u_mid1", &mid);
    m.connect(&m1, "x", p.bits(4 * width - 1, 2 * width));
    m.connect(&m1, "y", q.bits(4 * width - 1, 2 * width));
    let cycles = m.instance("u_cycles", &counter);
    m.connect(&cycles, "en", en);
    m.output_from("result", m0.out("total") + m1.out("total"));
    m.output_from("cycles", cycles.out("count"));
    m.finish()
}
