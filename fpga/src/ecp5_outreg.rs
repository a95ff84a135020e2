//! ECP5 block RAMs with their own output register: a netlist pass between Yosys and nextpnr.
//!
//! A DP16KD read without its output register (`REGMODE = "NOREG"`) delivers its word late:
//! nextpnr's timing model gives it 5.8 ns of clock-to-output at speed grade 6, more than half
//! of a 100 MHz cycle before the first LUT. The DP16KD has an output register of its own
//! (`REGMODE = "OUTREG"`, enabled by `OCE`), but Yosys 0.70's ECP5 block RAM mapping does not
//! use it: a register the RTL puts right after a synchronous read (`[rtl] ram_output_regs`,
//! docs/accelerator.md §1) stays a slice flip-flop, and the late word still crosses the fabric
//! to reach it.
//!
//! This pass folds such registers into the RAM, as the vendor's tools do. A read port (side A
//! or B of a DP16KD) is folded when every data bit it drives goes to exactly one flip-flop's
//! data input and nothing else, and those flip-flops all:
//! - are clocked by the port's clock, on its rising edge;
//! - have no set or reset (`LSR` tied low, not inverted) and start at 0 (`REGSET = "RESET"`), as the
//!   DP16KD's output register does, and are not reset by the global set/reset;
//! - share one clock enable (or none), which becomes the port's `OCE`.
//!
//! The port must not use its own reset (`RST` tied low): with `OUTREG` it would reset the
//! output register instead of the read latch. Nor its clock inverted: its output register
//! would take the falling edge. The flip-flops are removed and their outputs
//! driven by the RAM; each cycle's values are unchanged (the latch loads the word on the edge
//! the read is enabled, the output register takes it on the next edge `OCE` allows, just as
//! the flip-flop did). Anything else is left as it was, and the pass says why for each port
//! it saw.

use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The result of the pass on one netlist.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutregFold {
    /// Read ports now using the DP16KD's output register (`REGMODE = "OUTREG"`).
    pub ports_folded: u64,
    /// Flip-flops removed (now the RAMs' output registers).
    pub flip_flops_absorbed: u64,
    /// Read ports left without it, by reason (the reason, then how many ports).
    pub ports_left: BTreeMap<String, u64>,
}

/// A flip-flop's settings the fold needs to compare.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FfControl {
    clk: Value,
    /// The clock enable: `None` when always enabled.
    ce: Option<Value>,
}

/// Folds the output flip-flops of every DP16KD read port that allows it, in every module of a
/// Yosys JSON netlist (`write_json` after `synth_ecp5`).
pub fn fold_outregs(netlist: &mut Value) -> OutregFold {
    let mut result = OutregFold::default();
    let Some(modules) = netlist.get_mut("modules").and_then(Value::as_object_mut) else {
        return result;
    };
    for module in modules.values_mut() {
        fold_module(module, &mut result);
    }
    result
}

/// The net of a one-bit connection, when it is a net (not a constant).
fn net_of(bits: Option<&Value>) -> Option<u64> {
    bits.and_then(Value::as_array)
        .and_then(|b| b.first())
        .and_then(Value::as_u64)
}

/// Whether a one-bit connection is tied to the constant `c` (`"0"` or `"1"`); an absent
/// connection counts as tied low.
fn tied(bits: Option<&Value>, c: &str) -> bool {
    match bits.and_then(Value::as_array).and_then(|b| b.first()) {
        None => c == "0",
        Some(v) => v.as_str() == Some(c),
    }
}

/// A string parameter, without the trailing space Yosys adds to strings that could read as
/// bit vectors (`"1 "`).
fn param<'a>(cell: &'a Value, name: &str) -> Option<&'a str> {
    cell.get("parameters")
        .and_then(|p| p.get(name))
        .and_then(Value::as_str)
        .map(|s| s.strip_suffix(' ').unwrap_or(s))
}

fn fold_module(module: &mut Value, result: &mut OutregFold) {
    let Some(cells) = module.get("cells").and_then(Value::as_object) else {
        return;
    };
    // Who reads each net: (cell, port); the module's own output ports count as a reader
    // that no fold can satisfy.
    let mut readers: HashMap<u64, Vec<(String, String)>> = HashMap::new();
    for (name, cell) in cells {
        let dirs = cell.get("port_directions");
        let Some(conns) = cell.get("connections").and_then(Value::as_object) else {
            continue;
        };
        for (port, bits) in conns {
            let dir = dirs.and_then(|d| d.get(port)).and_then(Value::as_str);
            if dir == Some("output") {
                continue;
            }
            for b in bits
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
            {
                readers
                    .entry(b)
                    .or_default()
                    .push((name.clone(), port.clone()));
            }
        }
    }
    if let Some(ports) = module.get("ports").and_then(Value::as_object) {
        for (port, p) in ports {
            if p.get("direction").and_then(Value::as_str) == Some("input") {
                continue;
            }
            for b in p["bits"].as_array().into_iter().flatten() {
                if let Some(b) = b.as_u64() {
                    readers
                        .entry(b)
                        .or_default()
                        .push((String::new(), port.clone()));
                }
            }
        }
    }

    // Decide every fold first (each flip-flop belongs to at most one port: it has one data
    // input), then edit.
    struct Fold {
        ram: String,
        side: char,
        /// (data bit index, flip-flop) of each used bit.
        bits: Vec<(usize, String)>,
        oce: Value,
    }
    let mut folds = Vec::new();
    let mut left = |reason: &str| *result.ports_left.entry(reason.to_string()).or_insert(0) += 1;
    for (name, cell) in cells {
        if cell.get("type").and_then(Value::as_str) != Some("DP16KD") {
            continue;
        }
        let conns = &cell["connections"];
        for side in ['A', 'B'] {
            let used: Vec<(usize, u64)> = (0..18)
                .filter_map(|i| net_of(conns.get(format!("DO{side}{i}"))).map(|n| (i, n)))
                .filter(|(_, n)| readers.contains_key(n))
                .collect();
            if used.is_empty() {
                continue;
            }
            if param(cell, &format!("REGMODE_{side}")).is_some_and(|m| m != "NOREG") {
                left("already registered");
                continue;
            }
            if !tied(conns.get(format!("RST{side}")), "0") {
                left("the port uses its reset");
                continue;
            }
            let Some(port_clk) = conns.get(format!("CLK{side}")).cloned() else {
                left("the port has no clock");
                continue;
            };
            let clk_mux = format!("CLK{side}MUX");
            if param(cell, &clk_mux).is_some_and(|m| m != format!("CLK{side}")) {
                left("the port uses the inverted clock");
                continue;
            }
            let mut control: Option<FfControl> = None;
            let mut bits = Vec::new();
            let mut why = None;
            for (i, net) in used {
                let r = &readers[&net];
                let [(ff, port)] = r.as_slice() else {
                    why = Some("a data bit has more than one reader");
                    break;
                };
                let Some(f) = cells.get(ff).filter(|_| port == "DI") else {
                    why = Some("a data bit goes to logic, not a flip-flop");
                    break;
                };
                if f.get("type").and_then(Value::as_str) != Some("TRELLIS_FF") {
                    why = Some("a data bit goes to logic, not a flip-flop");
                    break;
                }
                let fc = &f["connections"];
                if param(f, "CLKMUX").unwrap_or("CLK") != "CLK" {
                    why = Some("a flip-flop uses the inverted clock");
                    break;
                }
                if !tied(fc.get("LSR"), "0") || param(f, "LSRMUX").unwrap_or("LSR") != "LSR" {
                    why = Some("a flip-flop has a set or reset");
                    break;
                }
                if param(f, "REGSET").unwrap_or("RESET") != "RESET"
                    || param(f, "GSR").unwrap_or("ENABLED") != "DISABLED"
                {
                    why = Some("a flip-flop starts at 1 or follows the global reset");
                    break;
                }
                let ce = match param(f, "CEMUX").unwrap_or("CE") {
                    "1" => None,
                    "CE" if tied(fc.get("CE"), "1") => None,
                    "CE" => fc.get("CE").cloned(),
                    _ => {
                        why = Some("a flip-flop's clock enable is inverted");
                        break;
                    }
                };
                let this = FfControl {
                    clk: fc.get("CLK").cloned().unwrap_or(Value::Null),
                    ce,
                };
                if this.clk != port_clk {
                    why = Some("a flip-flop has another clock than the port");
                    break;
                }
                if control.as_ref().is_some_and(|c| *c != this) {
                    why = Some("the flip-flops have different clock enables");
                    break;
                }
                control = Some(this);
                bits.push((i, ff.clone()));
            }
            if let Some(why) = why {
                left(why);
                continue;
            }
            let oce = control
                .and_then(|c| c.ce)
                .unwrap_or_else(|| Value::Array(vec![json!("1")]));
            folds.push(Fold {
                ram: name.clone(),
                side,
                bits,
                oce,
            });
        }
    }
    if folds.is_empty() {
        return;
    }

    // Edit: the RAM's data bits take the flip-flops' outputs; the flip-flops go.
    let mut dead_nets = BTreeSet::new();
    let mut removed = BTreeSet::new();
    let cells = module["cells"].as_object_mut().expect("checked above");
    for fold in &folds {
        let mut q_of = Vec::new();
        for (i, ff) in &fold.bits {
            let q = cells[ff]["connections"]["Q"].clone();
            q_of.push((*i, q));
            removed.insert(ff.clone());
        }
        let ram = cells.get_mut(&fold.ram).expect("a RAM found above");
        let conns = ram["connections"].as_object_mut().expect("connections");
        for (i, q) in q_of {
            let port = format!("DO{}{i}", fold.side);
            if let Some(old) = net_of(conns.get(&port)) {
                dead_nets.insert(old);
            }
            conns.insert(port, q);
        }
        conns.insert(format!("OCE{}", fold.side), fold.oce.clone());
        ram["parameters"][format!("REGMODE_{}", fold.side)] = json!("OUTREG");
        result.ports_folded += 1;
        result.flip_flops_absorbed += fold.bits.len() as u64;
    }
    for ff in &removed {
        cells.remove(ff);
    }
    // The nets between the RAMs and the removed flip-flops no longer exist: their names go
    // (a name with other bits keeps them, the dead ones marked undefined).
    if let Some(names) = module.get_mut("netnames").and_then(Value::as_object_mut) {
        names.retain(|_, n| {
            let Some(bits) = n.get_mut("bits").and_then(Value::as_array_mut) else {
                return true;
            };
            let mut live = false;
            for b in bits.iter_mut() {
                match b.as_u64() {
                    Some(id) if dead_nets.contains(&id) => *b = json!("x"),
                    _ => live = true,
                }
            }
            live
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with one DP16KD whose side B drives `width` flip-flops, with the flip-flops'
    /// parameters and connections adjusted by `ff`.
    fn netlist(width: usize, ff: impl Fn(usize, &mut Value)) -> Value {
        let mut cells = serde_json::Map::new();
        let mut ram_conns = serde_json::Map::new();
        ram_conns.insert("CLKB".into(), json!([2]));
        ram_conns.insert("RSTB".into(), json!(["0"]));
        ram_conns.insert("OCEB".into(), json!(["0"]));
        let mut dirs = serde_json::Map::new();
        for i in 0..18 {
            ram_conns.insert(format!("DOB{i}"), json!([100 + i]));
            dirs.insert(format!("DOB{i}"), json!("output"));
        }
        dirs.insert("CLKB".into(), json!("input"));
        cells.insert(
            "u.ram".into(),
            json!({"type": "DP16KD", "parameters": {"REGMODE_B": "NOREG"},
                   "port_directions": dirs, "connections": ram_conns}),
        );
        for i in 0..width {
            let mut f = json!({
                "type": "TRELLIS_FF",
                "parameters": {"CEMUX": "1 ", "CLKMUX": "CLK", "GSR": "DISABLED",
                               "LSRMUX": "LSR", "REGSET": "RESET"},
                "port_directions": {"CLK": "input", "DI": "input", "LSR": "input",
                                    "CE": "input", "Q": "output"},
                "connections": {"CLK": [2], "DI": [100 + i], "LSR": ["0"], "Q": [200 + i]}
            });
            ff(i, &mut f);
            cells.insert(format!("u.q_{i}"), f);
        }
        json!({"modules": {"top": {
            "ports": {"q": {"direction": "output", "bits": (200..200 + width).collect::<Vec<_>>()}},
            "cells": cells,
            "netnames": {"u.ram_data": {"bits": (100..100 + width).collect::<Vec<_>>()},
                         "u.q": {"bits": (200..200 + width).collect::<Vec<_>>()}}
        }}})
    }

    fn cells(n: &Value) -> &serde_json::Map<String, Value> {
        n["modules"]["top"]["cells"].as_object().unwrap()
    }

    #[test]
    fn a_plain_output_register_moves_into_the_ram() {
        let mut n = netlist(16, |_, _| {});
        let r = fold_outregs(&mut n);
        assert_eq!((r.ports_folded, r.flip_flops_absorbed), (1, 16));
        assert!(r.ports_left.is_empty());
        let c = cells(&n);
        assert_eq!(c.len(), 1, "only the RAM is left");
        let ram = &c["u.ram"];
        assert_eq!(ram["parameters"]["REGMODE_B"], "OUTREG");
        assert_eq!(ram["connections"]["OCEB"], json!(["1"]));
        for i in 0..16 {
            assert_eq!(ram["connections"][format!("DOB{i}")], json!([200 + i]));
        }
        // Unused data bits stay as they were.
        assert_eq!(ram["connections"]["DOB17"], json!([117]));
        // The name of the nets that no longer exist is gone; the register's stays.
        let names = n["modules"]["top"]["netnames"].as_object().unwrap();
        assert!(!names.contains_key("u.ram_data"));
        assert!(names.contains_key("u.q"));
    }

    #[test]
    fn a_shared_clock_enable_becomes_the_output_enable() {
        let mut n = netlist(4, |_, f| {
            f["parameters"]["CEMUX"] = json!("CE");
            f["connections"]["CE"] = json!([7]);
        });
        let r = fold_outregs(&mut n);
        assert_eq!(r.ports_folded, 1);
        assert_eq!(cells(&n)["u.ram"]["connections"]["OCEB"], json!([7]));
    }

    #[test]
    fn ports_that_cannot_fold_are_left_as_they_were_with_the_reason() {
        type Edit = fn(usize, &mut Value);
        let cases: [(Edit, &str); 6] = [
            (
                |i, f| {
                    if i == 1 {
                        f["connections"]["LSR"] = json!([9]);
                    }
                },
                "a flip-flop has a set or reset",
            ),
            (
                |i, f| {
                    if i == 2 {
                        f["connections"]["CLK"] = json!([3]);
                    }
                },
                "a flip-flop has another clock than the port",
            ),
            (
                |i, f| {
                    f["parameters"]["CEMUX"] = json!("CE");
                    f["connections"]["CE"] = json!([10 + i % 2]);
                },
                "the flip-flops have different clock enables",
            ),
            (
                |i, f| {
                    if i == 0 {
                        f["parameters"]["REGSET"] = json!("SET");
                    }
                },
                "a flip-flop starts at 1 or follows the global reset",
            ),
            (
                |_, f| f["parameters"]["CEMUX"] = json!("INV"),
                "a flip-flop's clock enable is inverted",
            ),
            (
                |_, f| f["type"] = json!("LUT4"),
                "a data bit goes to logic, not a flip-flop",
            ),
        ];
        for (edit, reason) in cases {
            let mut n = netlist(3, edit);
            let before = n.clone();
            let r = fold_outregs(&mut n);
            assert_eq!(r.ports_folded, 0, "{reason}");
            assert_eq!(r.ports_left.get(reason), Some(&1), "{reason}: {r:?}");
            assert_eq!(n, before, "{reason}: nothing changes");
        }
    }

    #[test]
    fn a_data_bit_with_two_readers_or_a_used_reset_keeps_the_port_as_it_was() {
        let mut n = netlist(3, |_, _| {});
        n["modules"]["top"]["ports"]["raw"] = json!({"direction": "output", "bits": [101]});
        let before = n.clone();
        let r = fold_outregs(&mut n);
        assert_eq!(r.ports_left["a data bit has more than one reader"], 1);
        assert_eq!(n, before);

        let mut n = netlist(3, |_, _| {});
        n["modules"]["top"]["cells"]["u.ram"]["connections"]["RSTB"] = json!([5]);
        let r = fold_outregs(&mut n);
        assert_eq!(r.ports_left["the port uses its reset"], 1);
    }

    #[test]
    fn an_inverted_clock_or_reset_keeps_the_port_as_it_was() {
        let mut n = netlist(3, |_, _| {});
        n["modules"]["top"]["cells"]["u.ram"]["parameters"]["CLKBMUX"] = json!("INV");
        let before = n.clone();
        let r = fold_outregs(&mut n);
        assert_eq!(r.ports_left["the port uses the inverted clock"], 1);
        assert_eq!(n, before);
        // An inverted reset tied low is a reset held active.
        let mut n = netlist(3, |_, f| f["parameters"]["LSRMUX"] = json!("INV"));
        let before = n.clone();
        let r = fold_outregs(&mut n);
        assert_eq!(r.ports_left["a flip-flop has a set or reset"], 1);
        assert_eq!(n, before);
        // The port's own clock select, when Yosys writes it, is fine.
        let mut n = netlist(3, |_, _| {});
        n["modules"]["top"]["cells"]["u.ram"]["parameters"]["CLKBMUX"] = json!("CLKB");
        assert_eq!(fold_outregs(&mut n).ports_folded, 1);
    }
}
