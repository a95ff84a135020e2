//! The manifest written beside the generated accelerator: generation parameters, ports,
//! register map and counters (docs/accelerator.md §8–9), as JSON for tools and people.

use super::params::AccelParams;
use super::top::{reg, COUNTER_NAMES, STAGE_FIELDS};
use serde_json::{json, Value};
use spikeforge_dsl::ir::{Design, SignalKind};

/// Names of the stage descriptor fields, by index.
pub const FIELD_NAMES: [&str; STAGE_FIELDS as usize] = [
    "C",
    "H",
    "W",
    "M",
    "R",
    "S",
    "stride",
    "pad",
    "E",
    "F",
    "N",
    "n_rt",
    "n_ct",
    "P",
    "theta",
    "n_ctb",
    "membrane_base",
    "cg_count",
    "groups",
    "last_group",
    "rows_cg",
    "rows_cl",
    "rows_r",
    "rows_s",
    "is_classifier",
    "drows_cg",
    "drows_cl",
    "drows_r",
    "drows_s",
];

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
    let globals = [
        (
            reg::CTRL,
            "CTRL",
            "w",
            "bit 0 start (pulse), bit 1 trace enable",
        ),
        (reg::STATUS, "STATUS", "r", "bit 0 busy, bit 1 done"),
        (reg::EXIT_T, "EXIT_T", "r", "exit timestep (1-based)"),
        (reg::PREDICTION, "PREDICTION", "r", "argmax class"),
        (reg::NUM_STAGES, "NUM_STAGES", "rw", "hidden layers + 1"),
        (reg::TIMESTEPS, "TIMESTEPS", "rw", "T"),
        (reg::TICK_BATCH, "TICK_BATCH", "rw", "window length B"),
        (reg::THETA_Q, "THETA_Q", "rw", "round(theta_H * 2^16)"),
        (reg::RLNK, "RLNK", "rw", "round(2^16 / ln K)"),
        (reg::FRAC_BITS, "FRAC_BITS", "rw", "logit fraction bits"),
        (reg::NUM_CLASSES, "NUM_CLASSES", "rw", "K"),
        (
            reg::MEM_WORDS,
            "MEM_WORDS",
            "rw",
            "membrane words cleared at start",
        ),
    ];
    let mut registers: Vec<Value> = globals
        .iter()
        .map(|(a, n, acc, what)| json!({"address": a, "name": n, "access": acc, "meaning": what}))
        .collect();
    registers.push(json!({
        "address": reg::STAGE_BASE,
        "name": "STAGE[s].field[f]",
        "access": "rw",
        "meaning": format!("address 0x{:x} + {}·s + f; fields: {}", reg::STAGE_BASE, reg::STAGE_STRIDE, FIELD_NAMES.join(", ")),
    }));
    let counters: Vec<Value> = COUNTER_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"name": n, "address_low": reg::COUNTER_BASE + 2 * i as u64, "address_high": reg::COUNTER_BASE + 2 * i as u64 + 1}))
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
