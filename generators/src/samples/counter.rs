//! A counter with enable.

use spikeforge_dsl::prelude::*;

/// A `width`-bit counter: increments (wrapping) on each clock edge where `en` is high, clears
/// on reset. Ports: `en` (in), `count` (out, `width` bits).
pub fn counter(width: u32) -> Module {
    let mut m = ModuleBuilder::new(format!("counter_w{width}"));
    m.param("width", width);
    let en = m.input("en", Bool);
    let count = m.reg("count_r", UInt(width));
    m.next_when(count, en, count.wrapping_add(1));
    m.output_from("count", count);
    m.finish()
}
