//! The flow's report, as `report.json` (for tools) and `report.md` (for people): utilisation
//! against the device, per block; the clock reached and the critical path's endpoints (named
//! after the DSL's signals); tool versions and run times.

use crate::ecp5_outreg::OutregFold;
use crate::fit::SynthCells;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Used and available resources of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Use {
    /// Used by the design.
    pub used: u64,
    /// On the device.
    pub available: u64,
}

/// The critical path of the clock after routing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The first cell of the path with a netlist name.
    pub from: String,
    /// The last such cell.
    pub to: String,
    /// Delay in logic, clock-to-out and setup included (ns).
    pub logic_ns: f64,
    /// Delay in routing (ns).
    pub routing_ns: f64,
}

/// What one block of the design takes after synthesis (cells attributed by the hierarchical
/// name of the net each drives).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BlockUse {
    /// The block (`PE array`, `LIF datapaths`, `entropy unit`, …).
    pub block: String,
    /// LUT4s.
    pub luts: u64,
    /// Flip-flops.
    pub ffs: u64,
    /// Carry cells.
    pub carries: u64,
}

/// One stage of the flow: its tool and how long it ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StageRun {
    /// The stage.
    pub stage: String,
    /// The tool and its version.
    pub tool: String,
    /// Wall time (s).
    pub seconds: f64,
}

/// The report of one flow run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// The board (`icebreaker`).
    pub board: String,
    /// Its description.
    pub board_description: String,
    /// The part (`up5k`).
    pub device: String,
    /// Its package.
    pub package: String,
    /// The accelerator configuration's name.
    pub design: String,
    /// PE array rows × columns.
    pub array: String,
    /// The board top module.
    pub top: String,
    /// The board's oscillator (MHz).
    pub board_clock_mhz: f64,
    /// The core's clock (MHz): what the design runs at (the oscillator's, or the PLL's).
    pub core_clock_mhz: f64,
    /// The PLL that makes the core's clock, when there is one (primitive and dividers).
    pub pll: Option<String>,
    /// The clock nextpnr was asked to meet (MHz).
    pub target_mhz: f64,
    /// The clock nextpnr's timing analysis gives the routed design (MHz).
    pub fmax_mhz: f64,
    /// IceStorm's `icetime` on the packed configuration (MHz), a second opinion.
    pub icetime_mhz: Option<f64>,
    /// Whether `fmax_mhz` meets `target_mhz`.
    pub timing_met: bool,
    /// nextpnr's seed of the result kept (the fastest of [`Report::seeds`]).
    pub seed: u32,
    /// Every seed placed and routed, in order, with its figure.
    pub seeds: Vec<SeedRun>,
    /// The critical path.
    pub critical_path: CriticalPath,
    /// ECP5: the block RAM read ports whose output flip-flops became the RAM's own output
    /// register (`crate::ecp5_outreg`), and those left without it and why.
    pub ram_output_registers: Option<OutregFold>,
    /// Cells after synthesis.
    pub synthesis: SynthCells,
    /// What the logic is counted in (`logic cells` on iCE40, `LUT4s` on ECP5).
    pub logic_name: String,
    /// Logic after packing, against the device.
    pub logic_cells: Use,
    /// Block RAMs.
    pub brams: Use,
    /// DSPs.
    pub dsps: Use,
    /// I/O pins.
    pub ios: Use,
    /// Cells per block.
    pub blocks: Vec<BlockUse>,
    /// The host link's rate (baud) and clock cycles per bit.
    pub baud: u32,
    /// Clock cycles per UART bit.
    pub clocks_per_bit: u32,
    /// The bitstream's file name.
    pub bitstream: String,
    /// Stages run, with their tools and times.
    pub stages: Vec<StageRun>,
}

impl Report {
    /// `report.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report is JSON") + "\n"
    }

    /// `report.md`.
    pub fn to_markdown(&self) -> String {
        let pct = |u: &Use| {
            if u.available == 0 {
                "–".to_string()
            } else {
                format!("{:.0} %", 100.0 * u.used as f64 / u.available as f64)
            }
        };
        let cp = &self.critical_path;
        let mut s = format!(
            "# `{}` on the {}\n\nAccelerator `{}` ({} PE array) with its UART host link ({} baud, {} clock cycles per bit), placed on the {} ({}). Bitstream: `{}`.\n\n",
            self.top, self.board_description, self.design, self.array, self.baud,
            self.clocks_per_bit, self.device, self.package, self.bitstream
        );
        s += "| resource | used | available | share |\n|---|---|---|---|\n";
        for (name, u) in [
            (self.logic_name.as_str(), &self.logic_cells),
            ("block RAMs", &self.brams),
            ("DSPs", &self.dsps),
            ("I/O pins", &self.ios),
        ] {
            s += &format!("| {name} | {} | {} | {} |\n", u.used, u.available, pct(u));
        }
        s += &format!(
            "\n**Clock.** {:.1} MHz after routing (nextpnr){}; target {:.1} MHz ({}); the board runs it at {:.1} MHz.\n",
            self.fmax_mhz,
            self.icetime_mhz
                .map(|m| format!(", {m:.1} MHz by icetime"))
                .unwrap_or_default(),
            self.target_mhz,
            if self.timing_met { "met" } else { "**not met**" },
            self.core_clock_mhz
        );
        if self.seeds.len() > 1 {
            let each: Vec<String> = self
                .seeds
                .iter()
                .map(|r| match r.fmax_mhz {
                    Some(f) => format!("{}: {f:.1} MHz", r.seed),
                    None => format!("{}: not placed", r.seed),
                })
                .collect();
            s += &format!(
                "Placed and routed with {} seeds ({}); seed {}'s result is kept.\n",
                self.seeds.len(),
                each.join(", "),
                self.seed
            );
        }
        if let Some(pll) = &self.pll {
            s += &format!(
                "The core's clock comes from the board's {} MHz oscillator through the PLL ({pll}).
",
                self.board_clock_mhz
            );
        }
        s += &format!(
            "Critical path: {:.1} ns ({:.1} ns logic, {:.1} ns routing) from `{}` to `{}`.\n\n",
            cp.logic_ns + cp.routing_ns,
            cp.logic_ns,
            cp.routing_ns,
            cp.from,
            cp.to
        );
        if let Some(f) = &self.ram_output_registers {
            s += &format!(
                "Block RAM output registers: {} read ports use their RAM's own (`REGMODE = \"OUTREG\"`, {} flip-flops folded in)",
                f.ports_folded, f.flip_flops_absorbed
            );
            if f.ports_left.is_empty() {
                s += ".\n\n";
            } else {
                let left: Vec<String> = f
                    .ports_left
                    .iter()
                    .map(|(why, n)| format!("{n}: {why}"))
                    .collect();
                s += &format!("; left without it: {}.\n\n", left.join("; "));
            }
        }
        s += "## Where the device goes (cells after synthesis)\n\n| block | LUT4 | flip-flops | carries |\n|---|---|---|---|\n";
        for b in &self.blocks {
            s += &format!("| {} | {} | {} | {} |\n", b.block, b.luts, b.ffs, b.carries);
        }
        s += "\n## Stages\n\n| stage | tool | time |\n|---|---|---|\n";
        for st in &self.stages {
            s += &format!("| {} | {} | {:.1} s |\n", st.stage, st.tool, st.seconds);
        }
        s
    }
}

/// One seed of place and route.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SeedRun {
    /// nextpnr's `--seed`.
    pub seed: u32,
    /// The routed design's clock (MHz), when it placed and routed.
    pub fmax_mhz: Option<f64>,
    /// nextpnr's error, when it did not.
    pub failure: Option<String>,
}

/// The block a hierarchical net name belongs to (`u_core.u_accel.u_entropy.…`).
pub fn block_of(net: &str) -> &'static str {
    let accel = net.strip_prefix("u_core.u_accel.");
    match accel {
        Some(rest) if rest.starts_with("u_array.") => "PE array",
        Some(rest) if rest.starts_with("u_lif_") => "LIF datapaths",
        Some(rest) if rest.starts_with("u_entropy.") => "entropy unit",
        Some(rest) if rest.starts_with("u_counters.") => "performance counters",
        Some(rest) if rest.starts_with("u_logits.") || rest.starts_with("u_col_acc.") => {
            "column and logit accumulators"
        }
        Some(_) => "control (the top's blocks)",
        None if net.starts_with("u_core.u_bridge.") => "UART host bridge",
        None => "board frame (reset, LEDs)",
    }
}

/// Cells per block of a flattened Yosys JSON netlist (`write_json`), attributed by the
/// shortest visible name of the net each LUT, carry or flip-flop drives (iCE40's `SB_LUT4`,
/// `SB_CARRY`, `SB_DFF*`; ECP5's `LUT4`, `CCU2C`, `TRELLIS_FF`).
pub fn blocks_of_netlist(netlist: &serde_json::Value) -> Vec<BlockUse> {
    let Some(modules) = netlist["modules"].as_object() else {
        return Vec::new();
    };
    let Some(top) = modules
        .values()
        .find(|m| m["attributes"]["top"].is_string() || m["attributes"]["top"].is_number())
    else {
        return Vec::new();
    };
    let mut name_of: HashMap<u64, &str> = HashMap::new();
    if let Some(nets) = top["netnames"].as_object() {
        for (name, net) in nets {
            if net["hide_name"].as_u64() == Some(1) {
                continue;
            }
            for bit in net["bits"].as_array().into_iter().flatten() {
                if let Some(b) = bit.as_u64() {
                    let e = name_of.entry(b).or_insert(name);
                    if name.len() < e.len() {
                        *e = name;
                    }
                }
            }
        }
    }
    let mut per: BTreeMap<&'static str, BlockUse> = BTreeMap::new();
    for cell in top["cells"]
        .as_object()
        .into_iter()
        .flat_map(|c| c.values())
    {
        let kind = cell["type"].as_str().unwrap_or("");
        let (pin, slot) = match kind {
            "SB_LUT4" => ("O", 0),
            "LUT4" => ("Z", 0),
            "SB_CARRY" => ("CO", 2),
            "CCU2C" => ("S0", 2),
            "TRELLIS_FF" => ("Q", 1),
            k if k.starts_with("SB_DFF") => ("Q", 1),
            _ => continue,
        };
        let net = cell["connections"][pin][0]
            .as_u64()
            .and_then(|b| name_of.get(&b).copied())
            .unwrap_or("");
        let block = block_of(net);
        let e = per.entry(block).or_insert_with(|| BlockUse {
            block: block.to_string(),
            ..Default::default()
        });
        match slot {
            0 => e.luts += 1,
            1 => e.ffs += 1,
            _ => e.carries += 1,
        }
    }
    let mut v: Vec<BlockUse> = per.into_values().collect();
    v.sort_by(|a, b| {
        (b.luts + b.ffs)
            .cmp(&(a.luts + a.ffs))
            .then(a.block.cmp(&b.block))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nets_are_attributed_to_blocks() {
        assert_eq!(block_of("u_core.u_accel.u_array.pe_0_1.psum"), "PE array");
        assert_eq!(block_of("u_core.u_accel.u_entropy.ln_p"), "entropy unit");
        assert_eq!(
            block_of("u_core.u_accel.st_ct"),
            "control (the top's blocks)"
        );
        assert_eq!(block_of("u_core.u_bridge.u_rx.data"), "UART host bridge");
        assert_eq!(block_of("reset_count"), "board frame (reset, LEDs)");
    }

    #[test]
    fn a_netlist_is_counted_per_block() {
        let n = serde_json::json!({"modules": {"t": {
            "attributes": {"top": "00000000000000000000000000000001"},
            "netnames": {
                "u_core.u_accel.u_array.x": {"hide_name": 0, "bits": [2, 3]},
                "$abc$1": {"hide_name": 1, "bits": [4]},
                "u_core.u_bridge.y": {"hide_name": 0, "bits": [4]}
            },
            "cells": {
                "a": {"type": "SB_LUT4", "connections": {"O": [2]}},
                "b": {"type": "SB_DFFE", "connections": {"Q": [3]}},
                "c": {"type": "SB_CARRY", "connections": {"CO": [4]}},
                "d": {"type": "SB_RAM40_4K", "connections": {}}
            }
        }}});
        let b = blocks_of_netlist(&n);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].block.as_str(), b[0].luts, b[0].ffs),
            ("PE array", 1, 1)
        );
        assert_eq!((b[1].block.as_str(), b[1].carries), ("UART host bridge", 1));
    }
}
