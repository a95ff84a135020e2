//! The board core: the accelerator top and the host bridge joined, so everything the host
//! does goes over the UART pins `rx` / `tx` (docs/host-link.md). A board's top wraps it with
//! the board's clock and reset (issue 12; not built yet).

use super::host_bridge::{host_bridge, HostBridgeSpec};
use crate::accel::params::AccelParams;
use crate::accel::top::accelerator;
use spikeforge_dsl::prelude::*;

/// The bridge's parameters for the accelerator of `p`, at `clocks_per_bit` (≥ 4).
pub fn bridge_spec(p: &AccelParams, clocks_per_bit: u32, stage_bits: u32) -> HostBridgeSpec {
    HostBridgeSpec {
        name: p.name.clone(),
        clocks_per_bit,
        w_bits: p.cols * p.weight_bits,
        s_bits: p.cols,
        stage_bits,
    }
}

/// Widest weight or spike word the host bridge carries (bits).
pub const MAX_LINK_WORD_BITS: u32 = 64;

/// Whether the accelerator `p` can sit behind the host bridge: its weight words
/// (`cols × weight_bits`) and spike words (`cols`) must be at most [`MAX_LINK_WORD_BITS`]
/// bits. The error names the fields and their values.
pub fn check_board(p: &AccelParams) -> Result<(), String> {
    let w = p.cols * p.weight_bits;
    if w > MAX_LINK_WORD_BITS || p.cols > MAX_LINK_WORD_BITS {
        return Err(format!(
            "cols = {} with weight_bits = {}: a weight word of {w} bits, but the host link \
             carries words of at most {MAX_LINK_WORD_BITS} bits (cols × weight_bits ≤ \
             {MAX_LINK_WORD_BITS})",
            p.cols, p.weight_bits
        ));
    }
    Ok(())
}

/// Builds `<name>_board_core`: ports `rx` in, `tx` out (and the implicit clock and reset).
///
/// # Panics
/// If [`check_board`] refuses `p`.
pub fn board_core(p: &AccelParams, clocks_per_bit: u32) -> Module {
    let accel_module = accelerator(p);
    let mut m = ModuleBuilder::new(format!("{}_board_core", p.name));
    m.param("clocks_per_bit", clocks_per_bit);
    let rx = m.input("rx", Bool);
    let accel = m.instance("u_accel", &accel_module);
    let stage_bits = accel.out("req_stage").width();
    let bridge = m.instance(
        "u_bridge",
        &host_bridge(&bridge_spec(p, clocks_per_bit, stage_bits)),
    );
    m.connect(&bridge, "rx", rx);
    // Bridge → accelerator.
    for port in [
        "cfg_we",
        "cfg_addr",
        "cfg_wdata",
        "w_valid",
        "w_data",
        "s_valid",
        "s_data",
        "req_ready",
        "r_ready",
    ] {
        m.connect(&accel, port, bridge.out(port));
    }
    // Accelerator → bridge.
    for port in [
        "cfg_rdata",
        "w_ready",
        "s_ready",
        "req_valid",
        "req_kind",
        "req_stage",
        "req_t0",
        "req_len",
        "r_valid",
        "r_kind",
        "r_stage",
        "r_data",
    ] {
        m.connect(&bridge, port, accel.out(port));
    }
    m.output_from("tx", bridge.out("tx"));
    m.finish()
}
