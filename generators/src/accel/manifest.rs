//! The manifest written beside the generated accelerator: generation parameters, ports,
//! register map and counters (docs/accelerator.md §8–9), as JSON for tools and people.

use super::params::AccelParams;
use serde_json::{json, Value};
use spikeforge_config::catalog::{self, Counter, Register, StageField};
use spikeforge_dsl::ir::{Design, SignalKind};

/// The manifest of the accelerator generated for `p`, whose elaborated design is `design`.
pub fn manifest(p: &AccelParams, design: &Design) -> Value {
    let top = design.top();
    let ports: Vec<Value> = top
        .ports
        .iter()
        .map(|&id| {
            let s = top.signal(id);
            json!({
                "name": s.name,
                "direction": if s.kind == SignalKind::Input { "input" } else { "output" },
                "width": s.ty.width(),
            })
        })
        .collect();
    let mut registers: Vec<Value> = Register::ALL
        .iter()
        .map(|r| {
            json!({
                "address": r.address(),
                "name": r.name(),
                "access": r.access().code(),
                "meaning": r.meaning(),
            })
        })
        .collect();
    let fields: Vec<&str> = StageField::ALL.iter().map(|f| f.name()).collect();
    registers.push(json!({
        "address": catalog::STAGE_BASE,
        "name": "STAGE[s].field[f]",
        "access": "rw",
        "meaning": format!(
            "address 0x{:x} + {}·s + f; fields: {}",
            catalog::STAGE_BASE,
            catalog::STAGE_STRIDE,
            fields.join(", ")
        ),
    }));
    // A design built without counters has none to list (its counter registers read 0).
    let built: &[Counter] = if p.counters { &Counter::ALL } else { &[] };
    let counters: Vec<Value> = built
        .iter()
        .map(|&c| {
            let a = catalog::counter_address(c);
            json!({"name": c.name(), "meaning": c.meaning(), "address_low": a, "address_high": a + 1})
        })
        .collect();
    json!({
        "generator": "spikeforge",
        "version": spikeforge_dsl::backend::verilog::VERSION,
        "top": top.name,
        "parameters": {
            "name": p.name,
            "rows": p.rows,
            "cols": p.cols,
            "weight_spad_depth": p.weight_spad_depth,
            "psum_bits": p.psum_bits,
            "pipeline_regs": p.pipeline_regs,
            "double_buffer": p.double_buffer,
            "weight_bits": p.weight_bits,
            "membrane_bits": p.membrane_bits,
            "leak": p.leak.to_string(),
            "reset": format!("{:?}", p.reset).to_lowercase(),
            "fire_compare": format!("{:?}", p.fire_compare).to_lowercase(),
            "share_factor": p.share_factor,
            "max_stages": p.max_stages,
            "max_classes": p.max_classes,
            "logit_bits": p.logit_bits,
            "max_tick_batch": p.max_tick_batch,
            "counter_bits": p.counter_bits,
            "counters": p.counters,
            "weight_words": p.weight_words,
            "spike_words": p.spike_words,
            "psum_words": p.psum_words,
            "membrane_words": p.membrane_words,
        },
        "ports": ports,
        "registers": registers,
        "counters": counters,
        "specification": "docs/accelerator.md",
    })
}
